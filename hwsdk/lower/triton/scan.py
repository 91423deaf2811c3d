"""Emit ``cumsum``: a one-pass scan (``tl.cumsum``) of each line along the scanned dim.

A program holds ``ROWS`` lines of the scanned dim (static, at most
:data:`~hwsdk.lower.triton.ops.MAX_ROW` long) in one block. The input is read with its strides;
the output is written contiguously. Floats accumulate in fp32, integers and bool in int64 (the
result dtype PyTorch gives them).
"""

from __future__ import annotations

from typing import Any

from hwsdk.ir.graph import Graph
from hwsdk.lower.triton.arch import next_pow2, row_warps
from hwsdk.lower.triton.body import KernelBuilder
from hwsdk.lower.triton.group import Group
from hwsdk.lower.triton.kernels import KernelSpec, _numel, _spec
from hwsdk.lower.triton.ops import TL_TYPES, compute_type

__all__ = ["emit_scan"]

_TILE = 4096
"""Elements one program holds: several short lines share it."""


def emit_scan(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    node = group.nodes[0]
    x, out = node.inputs[0], node.outputs[0]
    shape = graph.types[x].shape or (1,)  # a 0-d tensor is one line of one element
    dim = int(node.attrs.get("dim", 0)) % len(shape)
    n = int(shape[dim])
    outer = tuple(s for d, s in enumerate(shape) if d != dim)
    b = KernelBuilder(graph, name)
    width = next_pow2(n or 1)
    lines = _numel(outer)
    per_program = max(1, min(next_pow2(lines) if lines else 64, _TILE // width))
    block = b.constexpr("BLOCK_N", width)
    rows = b.constexpr("ROWS", per_program)
    n_rows = b.size(list(outer), "n_rows")
    px = b.pointer(x)
    b.emit(f"row = tl.program_id(0) * {rows} + tl.arange(0, {rows})[:, None]")
    b.emit(f"cols = tl.arange(0, {block})[None, :]")
    b.emit(f"mask = (row < {n_rows}) & (cols < {n})")
    idx = b.indices("row", outer)
    dims = [d for d in range(len(shape)) if d != dim]
    terms = [f"{i} * {b.stride(x, px, shape, d)}" for d, i in zip(dims, idx, strict=True)
             if i != "0"]
    terms.append(f"cols * {b.stride(x, px, shape, dim)}")
    dtype = graph.types[out].dtype
    b.emit(f"v = tl.load({px} + {' + '.join(terms)}, mask=mask, other=0)"
           f".to({compute_type(dtype)})  # {x}: {graph.types[x]}")
    b.emit(f"acc = tl.cumsum(v, axis=1)  # {node.id}: cumsum")
    post = shape[dim + 1:]
    if post:
        inner = b.size(list(post), "inner")
        flat = f"(row // {inner} * {n} + cols) * {inner} + row % {inner}"
    else:
        flat = f"row * {n} + cols"
    po = b.pointer(out, out=True)
    b.emit(f"tl.store({po} + {flat}, acc.to({TL_TYPES[dtype]}), mask=mask)")
    grid: list[dict[str, Any]] = [{"cdiv": [list(outer), per_program]}]
    return _spec(b, "scan", group, grid, row_warps(width * per_program), 1)
