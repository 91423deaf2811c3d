"""Emit the ops that move values: ``embedding``, ``index_select``, ``gather``, ``cat`` and
``index_copy``.

Each is one kernel over the output's flat index, ``BLOCK`` elements per program: the output
position is split into per-dim indices, an index tensor is read where the op has one, and each
element is loaded from its source with the source's strides (views cost nothing). Values are
moved in their own dtype, not computed on. An index outside its dim reads 0 instead of
faulting; PyTorch raises ``IndexError`` there (the capability note says so).

``index_copy`` writes nothing it does not own: each program holds one position ``j`` along
``dim`` and a block of the other dims, finds the last ``k`` with ``index[k] == j`` and loads
``source`` at ``k`` (or ``x`` where there is none), so the last of duplicate indices wins,
deterministically, and an index outside the dim writes nothing (PyTorch raises ``IndexError``).
"""

from __future__ import annotations

from typing import Any

from hwsdk.ir.graph import Graph
from hwsdk.ir.symbolic import Dim
from hwsdk.lower.triton.arch import next_pow2
from hwsdk.lower.triton.body import FP8, KernelBuilder
from hwsdk.lower.triton.group import Group
from hwsdk.lower.triton.kernels import KernelSpec, _numel, _spec
from hwsdk.lower.triton.ops import INDEX_COPY_BLOCK

__all__ = ["emit_gather", "emit_cat", "emit_index_copy"]


def _start(b: KernelBuilder, shape: tuple[Dim, ...]) -> list[str]:
    """The flat-index prologue of a one-op kernel over ``shape``; its per-dim indices."""
    numel = b.size(list(shape), "numel")
    n = _numel(shape)
    block = b.constexpr("BLOCK", min(1024, next_pow2(n)) if n else 1024)
    b.emit("pid = tl.program_id(0)")
    b.emit(f"flat = pid * {block} + tl.arange(0, {block})")
    b.emit(f"mask = flat < {numel}")
    return [i if i != "0" else "(flat * 0)" for i in b.indices("flat", shape)]


def _terms(b: KernelBuilder, value: str, ptr: str, idx: list[str],
           skip: int | None = None) -> list[str]:
    """``idx[d] * stride_d`` of ``value`` for every dim but ``skip``."""
    shape = b.graph.types[value].shape
    return [f"{i} * {b.stride(value, ptr, shape, d)}" for d, i in enumerate(idx)
            if d != skip and i != "(flat * 0)"]


def _load(b: KernelBuilder, value: str, ptr: str, offset: list[str], mask: str) -> str:
    other = "" if b.graph.types[value].dtype in FP8 else ", other=0"
    return f"tl.load({ptr} + {' + '.join(offset) or 'flat * 0'}, mask={mask}{other})"


def _finish(b: KernelBuilder, group: Group, var: str) -> KernelSpec:
    node = group.nodes[0]
    b.env[node.outputs[0]] = var
    b.store_outputs(group.nodes, group.levels, list(node.outputs))
    grid: list[dict[str, Any]] = [{"cdiv": [list(group.shape), b.constexprs["BLOCK"]]}]
    return _spec(b, group.kind, group, grid, 4, 1)


def emit_gather(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    """``embedding`` / ``index_select`` / ``gather``: read an index, then the element it
    names."""
    node = group.nodes[0]
    b = KernelBuilder(graph, name)
    out_shape = graph.types[node.outputs[0]].shape
    idx = _start(b, out_shape)
    if node.op == "embedding":
        src, index = node.inputs[0], node.inputs[1]
        dim = 0
        index_pos = idx[:-1]  # the output's leading dims are the index's dims
        src_pos = ["", idx[-1]]
    else:
        src, index = node.inputs[0], node.inputs[1]
        dim = int(node.attrs.get("dim", 0))
        src_pos = idx
        if node.op == "index_select":
            index_pos = [idx[dim]] if graph.types[index].rank else []
        else:
            index_pos = idx
    src_type = graph.types[src]
    pi, ps = b.pointer(index), b.pointer(src)
    b.emit(f"iv = {_load(b, index, pi, _terms(b, index, pi, index_pos), 'mask')}  "
           f"# {node.id}: {node.op} index")
    if src_type.rank:
        n_src = b.size([src_type.shape[dim]], "n_src")
        b.emit(f"ok = mask & (iv >= 0) & (iv < {n_src})")
        offset = [*_terms(b, src, ps, src_pos, skip=dim),
                  f"iv * {b.stride(src, ps, src_type.shape, dim)}"]
    else:  # gather on a 0-d tensor: the one index must be 0
        b.emit("ok = mask & (iv == 0)")
        offset = []
    b.emit(f"v = {_load(b, src, ps, offset, 'ok')}  # {node.id}: {node.op}")
    return _finish(b, group, "v")


def emit_cat(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    """``cat``: each output element loads from the one input whose range along ``dim`` holds
    it (masked loads: no input is read outside its own extent)."""
    node = group.nodes[0]
    b = KernelBuilder(graph, name)
    out_shape = graph.types[node.outputs[0]].shape
    dim = int(node.attrs.get("dim", 0))
    idx = _start(b, out_shape)
    at = idx[dim]
    lo = "0"
    var = ""
    for k, value in enumerate(v for v in node.inputs if v):
        t = graph.types[value]
        size = b.size([t.shape[dim]], f"c{k}")
        ptr = b.pointer(value)
        b.emit(f"sel{k} = mask & ({at} >= {lo}) & ({at} < {lo} + {size})")
        pos = [f"({at} - {lo})" if d == dim else i for d, i in enumerate(idx)]
        load = _load(b, value, ptr, _terms(b, value, ptr, pos), f"sel{k}")
        if var:
            b.emit(f"v = tl.where(sel{k}, {load}, v)  # {node.id}: cat input {k}")
        else:
            b.emit(f"v = {load}  # {node.id}: cat input {k}")
            var = "v"
        b.emit(f"lo{k} = {lo} + {size}")
        lo = f"lo{k}"
    return _finish(b, group, var)


INDEX_TILE = 128
"""Index entries an ``index_copy`` program compares with its position per loop step."""


def emit_index_copy(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    """``index_copy``: ``x`` with the slices at ``index`` along ``dim`` taken from ``source``.

    Grid: axis 0 is the position ``j`` along ``dim``, axis 1 blocks of the other dims (the
    "rest"). Cost: per program, ``len(index) / INDEX_TILE`` vector compares, then one load and
    one store per element.
    """
    node = group.nodes[0]
    x, index, src = node.inputs[0], node.inputs[1], node.inputs[2]
    b = KernelBuilder(graph, name)
    shape = graph.types[x].shape
    dim = int(node.attrs.get("dim", 0)) if shape else 0
    rest = (*shape[:dim], *shape[dim + 1:])
    along: list[Dim] = [shape[dim]] if shape else []
    n_rest, n_dim = b.size(list(rest), "n_rest"), b.size(along, "n_dim")
    n_inner = b.size(list(shape[dim + 1:]), "n_inner")
    n_index = b.size(list(graph.types[index].shape), "n_index")
    n = _numel(rest)
    block = b.constexpr("BLOCK", min(INDEX_COPY_BLOCK, next_pow2(n)) if n else INDEX_COPY_BLOCK)
    n_i = _numel(graph.types[index].shape)
    tile = b.constexpr("BLOCK_I", min(INDEX_TILE, next_pow2(n_i)) if n_i else INDEX_TILE)
    b.emit("j = tl.program_id(0)")
    b.emit(f"r = tl.program_id(1) * {block} + tl.arange(0, {block})")
    b.emit(f"mask = r < {n_rest}")
    b.emit(f"flat = (r // {n_inner}) * ({n_dim} * {n_inner}) + j * {n_inner} + r % {n_inner}")
    pi = b.pointer(index)
    i_type = graph.types[index]
    i_off = f" * {b.stride(index, pi, i_type.shape, 0)}" if i_type.rank else " * 0"
    b.emit(f"# {node.id}: the last k with index[k] == j (duplicates: the last write wins)")
    b.emit("last = j * 0 - 1")
    b.emit(f"for k0 in range(0, {n_index}, {tile}):")
    b.emit(f"    ks = k0 + tl.arange(0, {tile})")
    b.emit(f"    kv = tl.load({pi} + ks{i_off}, mask=ks < {n_index}, other=-1)")
    b.emit(f"    hit = (ks < {n_index}) & (kv == j)")
    b.emit("    last = tl.maximum(last, tl.max(tl.where(hit, ks, -1), axis=0))")
    b.emit("take = (r * 0 + last) >= 0  # a block, not a scalar: the interpreter's masks")
    pos = [i if i != "0" else "" for i in b.indices("r", rest)]
    px, ps = b.pointer(x), b.pointer(src)
    x_off = _rest_terms(b, x, px, pos, dim)
    s_off = _rest_terms(b, src, ps, pos, dim)
    if shape:
        x_off.append(f"j * {b.stride(x, px, shape, dim)}")
        s_off.append(f"last * {b.stride(src, ps, graph.types[src].shape, dim)}")
    b.emit(f"xv = {_load(b, x, px, x_off or ['r * 0'], 'mask & ~take')}  # {node.id}: x")
    b.emit(f"sv = {_load(b, src, ps, s_off or ['r * 0'], 'mask & take')}  # {node.id}: source")
    b.emit("v = tl.where(take, sv, xv)")
    b.env[node.outputs[0]] = "v"
    b.store_outputs(group.nodes, group.levels, list(node.outputs))
    grid: list[dict[str, Any]] = [{"prod": along},
                                  {"cdiv": [list(rest), b.constexprs["BLOCK"]]}]
    return _spec(b, group.kind, group, grid, 4, 1)


def _rest_terms(b: KernelBuilder, value: str, ptr: str, pos: list[str], dim: int) -> list[str]:
    """``pos[k] * stride`` of ``value`` for the dims but ``dim`` (``pos``: their indices)."""
    shape = b.graph.types[value].shape
    dims = [d for d in range(len(shape)) if d != dim]
    return [f"{i} * {b.stride(value, ptr, shape, d)}" for d, i in zip(dims, pos, strict=True)
            if i]
