"""Emit pointwise, row and matmul kernels from groups, as :class:`KernelSpec` s."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.symbolic import Dim
from hwsdk.lower.triton.arch import clamp_tile, matmul_tiles, next_pow2, row_warps
from hwsdk.lower.triton.body import KernelBuilder
from hwsdk.lower.triton.group import Group
from hwsdk.lower.triton.ops import MATMUL_OPS, QUANT_OPS, ROW_OPS, TL_TYPES
from hwsdk.lower.triton.quant import WeightLoad

__all__ = ["KernelSpec", "emit_pointwise", "emit_row", "emit_matmul", "emit_dequantize",
           "describe"]


@dataclass
class KernelSpec:
    """One generated kernel and everything the host needs to launch it (JSON-able).

    :param args: the runtime parameters in order: ``{"kind": "ptr", "value": v}``,
        ``{"kind": "int", "prod": dims}`` or ``{"kind": "stride", "value": v, "shape": s,
        "dim": d, "perm"?: p}`` (the stride of ``v.permute(p).expand(s)`` at ``d``).
    :param params: the kernel's runtime parameter names, aligned with ``args``.
    :param grid: per grid axis, ``{"prod": dims}`` or ``{"cdiv": [dims, block]}``.
    """

    name: str
    family: str
    node_ids: list[str]
    ops: list[str]
    inputs: list[str]
    outputs: list[str]
    args: list[dict[str, Any]]
    constexprs: dict[str, int]
    grid: list[dict[str, Any]]
    num_warps: int
    num_stages: int
    params: list[str]
    source: str = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def describe(group: Group) -> str:
    return ", ".join(f"{n.id}:{n.op}" for n in group.nodes)


def _spec(b: KernelBuilder, family: str, group: Group, grid: list[dict[str, Any]],
          warps: int, stages: int) -> KernelSpec:
    doc = f"{family}: {describe(group)}"
    return KernelSpec(b.name, family, [n.id for n in group.nodes], [n.op for n in group.nodes],
                      list(b.inputs), list(b.outputs), b.args, b.constexprs, grid, warps, stages,
                      list(b.params), b.source(doc))


_ROW_TILE = 4096
"""Elements a row kernel's program holds: several short rows share one program."""


def _numel(dims: tuple[Dim, ...] | list[Dim]) -> int | None:
    n = 1
    for d in dims:
        if not isinstance(d, int):
            return None
        n *= d
    return n


def emit_pointwise(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    """A fused elementwise chain over a flat index, ``BLOCK`` elements per program."""
    b = KernelBuilder(graph, name)
    numel = b.size(list(group.shape), "numel")
    n = _numel(group.shape)
    block = b.constexpr("BLOCK", min(1024, next_pow2(n)) if n else 1024)
    b.emit("pid = tl.program_id(0)")
    b.emit(f"flat = pid * {block} + tl.arange(0, {block})")
    b.emit(f"mask = flat < {numel}")
    for node in group.nodes:
        b.fuse(node, group.levels)
    b.store_outputs(group.nodes, group.levels, outputs)
    grid = [{"cdiv": [list(group.shape), b.constexprs["BLOCK"]]}]
    return _spec(b, "pointwise", group, grid, 4, 1)


def emit_row(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    """Row ops with their fused prologue and epilogue; one row per program, in one block."""
    b = KernelBuilder(graph, name)
    outer, inner = list(group.shape[: group.split]), list(group.shape[group.split:])
    n_cols = b.size(inner, "n_cols")
    n_rows = b.size(outer, "n_rows")
    width = next_pow2(_numel(inner) or 1)
    rows_total = _numel(outer)
    per_program = max(1, min(next_pow2(rows_total) if rows_total else 64, _ROW_TILE // width))
    block = b.constexpr("BLOCK_N", width)
    rows = b.constexpr("ROWS", per_program)
    b.emit(f"row = tl.program_id(0) * {rows} + tl.arange(0, {rows})[:, None]")
    b.emit(f"cols = tl.arange(0, {block})[None, :]")
    b.emit(f"row_mask = row < {n_rows}")
    b.emit(f"mask = row_mask & (cols < {n_cols})")
    b.emit(f"flat = row * {n_cols} + cols")
    for node in group.nodes:
        if node.op in ROW_OPS:
            b.row_op(node, group.levels, n_cols)
        else:
            b.fuse(node, group.levels)
    b.store_outputs(group.nodes, group.levels, outputs)
    grid = [{"cdiv": [outer, b.constexprs["ROWS"]]}]
    return _spec(b, "row", group, grid, row_warps(width * per_program), 1)


def emit_dequantize(graph: Graph, group: Group, name: str, outputs: list[str]) -> KernelSpec:
    """A ``dequantize`` on its own (its weight has readers other than one ``linear``): writes
    the float ``[N, K]`` weight, ``BLOCK`` elements per program."""
    node = group.nodes[0]
    b = KernelBuilder(graph, name)
    n_dim, k_dim = (int(d) for d in node.attrs["shape"])
    n, k = b.size([n_dim], "N"), b.size([k_dim], "K")
    numel = b.size([n_dim, k_dim], "numel")
    block = b.constexpr("BLOCK", min(1024, next_pow2(n_dim * k_dim)))
    b.emit("pid = tl.program_id(0)")
    b.emit(f"flat = pid * {block} + tl.arange(0, {block})")
    b.emit(f"mask = flat < {numel}")
    b.env[node.outputs[0]] = WeightLoad(b, node, n, k).flat()
    b.store_outputs(group.nodes, group.levels, outputs)
    grid = [{"cdiv": [[n_dim, k_dim], b.constexprs["BLOCK"]]}]
    return _spec(b, "dequantize", group, grid, 4, 1)


def _operands(node: Node) -> tuple[str, str, str, list[int] | None]:
    """(a, b, bias, perm of b) of a matmul node."""
    if node.op == "linear":
        return node.inputs[0], node.inputs[1], node.inputs[2], [1, 0]
    if node.op == "addmm":
        return node.inputs[1], node.inputs[2], node.inputs[0], None
    return node.inputs[0], node.inputs[1], "", None


def emit_matmul(graph: Graph, group: Group, name: str, outputs: list[str],
                arch: str) -> KernelSpec:
    """A tiled matmul (batched over leading dims) with its elementwise epilogue fused; a
    ``linear`` whose weight a ``dequantize`` of the group computes loads it quantized."""
    b = KernelBuilder(graph, name)
    at = next(i for i, node in enumerate(group.nodes) if node.op in MATMUL_OPS)
    anchor = group.nodes[at]
    dq = group.nodes[0] if at and group.nodes[0].op in QUANT_OPS else None
    out = anchor.outputs[0]
    oshape = graph.types[out].shape
    batch, (m_dim, n_dim) = list(oshape[:-2]), oshape[-2:]
    a, w, bias, perm = _operands(anchor)
    k_dim = graph.types[a].shape[-1]
    tiles = matmul_tiles(arch)
    rows = any(node.op in ROW_OPS for node in group.nodes)
    if rows:  # whole output rows per tile, for the row ops in the epilogue
        bm = b.constexpr("BLOCK_M", clamp_tile(min(tiles.block_m, 64), m_dim))
        bn = b.constexpr("BLOCK_N", max(16, next_pow2(int(n_dim))))
    else:
        bm = b.constexpr("BLOCK_M", clamp_tile(tiles.block_m, m_dim))
        bn = b.constexpr("BLOCK_N", clamp_tile(tiles.block_n, n_dim))
    bk = b.constexpr("BLOCK_K", clamp_tile(tiles.block_k, k_dim))
    m, n, k = b.size([m_dim], "M"), b.size([n_dim], "N"), b.size([k_dim], "K")
    a_shape = (*batch, m_dim, k_dim)
    b_shape = (*batch, k_dim, n_dim)
    pa = b.pointer(a)
    b.emit("pid_m = tl.program_id(0)")
    b.emit("pid_n = tl.program_id(1)")
    b.emit("pid_b = tl.program_id(2)")
    bidx = b.indices("pid_b", tuple(batch)) if batch else []
    a_off = [f"{i} * {b.stride(a, pa, a_shape, d)}" for d, i in enumerate(bidx) if i != "0"]
    r = len(batch)
    sam, sak = b.stride(a, pa, a_shape, r), b.stride(a, pa, a_shape, r + 1)
    prec = ', input_precision="ieee"' if graph.types[a].dtype.value == "f32" else ""
    dt = graph.types[a].dtype
    b.emit(f"a_ptr = {pa} + {' + '.join(a_off) or '0'}")
    quant = WeightLoad(b, dq, n, k) if dq is not None else None
    if quant is None:
        pb = b.pointer(w)
        b_off = [f"{i} * {b.stride(w, pb, b_shape, d, perm)}" for d, i in enumerate(bidx)
                 if i != "0"]
        sbk, sbn = b.stride(w, pb, b_shape, r, perm), b.stride(w, pb, b_shape, r + 1, perm)
        b.emit(f"b_ptr = {pb} + {' + '.join(b_off) or '0'}")
    b.emit(f"rm = pid_m * {bm} + tl.arange(0, {bm})")
    b.emit(f"rn = pid_n * {bn} + tl.arange(0, {bn})")
    b.emit(f"rk = tl.arange(0, {bk})")
    if quant is not None:
        quant.prologue("rn")
    b.emit(f"acc = tl.zeros(({bm}, {bn}), dtype=tl.float32)")
    b.emit(f"for k0 in range(0, {k}, {bk}):")
    b.emit("    kk = k0 + rk")
    b.emit(f"    a_t = tl.load(a_ptr + rm[:, None] * {sam} + kk[None, :] * {sak}, "
           f"mask=(rm[:, None] < {m}) & (kk[None, :] < {k}), other=0.0)")
    if quant is not None:  # the weight tile, dequantized as it is loaded
        b.emit(f"    b_t = {quant.tile('kk', 'rn')}")
    else:
        b.emit(f"    b_t = tl.load(b_ptr + kk[:, None] * {sbk} + rn[None, :] * {sbn}, "
               f"mask=(kk[:, None] < {k}) & (rn[None, :] < {n}), other=0.0)")
    b.emit(f"    acc = tl.dot(a_t.to({TL_TYPES[dt]}), b_t.to({TL_TYPES[dt]}), acc{prec})")
    b.emit(f"flat = pid_b * ({m} * {n}) + rm[:, None] * {n} + rn[None, :]")
    b.emit(f"mask = (rm[:, None] < {m}) & (rn[None, :] < {n})")
    if rows:
        b.emit(f"row = pid_b * {m} + rm[:, None]")
        b.emit(f"row_mask = rm[:, None] < {m}")
    result = "acc"
    if bias:
        result = f"(acc + {b.load(bias, 'full', oshape)})"
    b.emit(f"v_acc = {result}  # {anchor.id}: {anchor.op}")
    b.env[out] = "v_acc"
    for node in group.nodes[at + 1:]:
        if node.op in ROW_OPS:
            b.row_op(node, group.levels, n)
        else:
            b.fuse(node, group.levels)
    b.store_outputs(group.nodes, group.levels, outputs)
    grid: list[dict[str, Any]] = [{"cdiv": [[m_dim], b.constexprs["BLOCK_M"]]},
            {"cdiv": [[n_dim], b.constexprs["BLOCK_N"]]}, {"prod": batch}]
    return _spec(b, "matmul", group, grid, tiles.num_warps, tiles.num_stages)
