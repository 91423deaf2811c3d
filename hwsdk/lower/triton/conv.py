"""Emit ``conv`` (1-d, 2-d and 3-d, grouped, strided, padded, dilated) as an implicit GEMM.

The convolution is the matmul ``out[m, co] = sum_k A[m, k] * W[k, co]`` with ``m`` over
(batch, output positions), ``k`` over (input channel of the group, kernel positions) and ``co``
over the group's output channels; ``A`` is never built: each ``BLOCK_M x BLOCK_K`` tile is
loaded straight from the input, and zero padding is a load mask. Grid axis 2 is the group.
Channels, spatial sizes and the weight are static (their index arithmetic uses literals); the
batch may be symbolic. Accumulation is fp32 (ieee for f32), as in the matmul kernel.
"""

from __future__ import annotations

from typing import Any

from hwsdk.ir.graph import Graph
from hwsdk.lower.triton.arch import clamp_tile, matmul_tiles
from hwsdk.lower.triton.body import KernelBuilder
from hwsdk.lower.triton.group import Group
from hwsdk.lower.triton.kernels import KernelSpec, _spec
from hwsdk.lower.triton.ops import TL_TYPES

__all__ = ["emit_conv"]


def _split(var: str, sizes: list[int], prefix: str, emit: Any) -> list[str]:
    """Per-dim indices of ``var`` (a flat index over ``sizes``, last fastest)."""
    names = [""] * len(sizes)
    rem = var
    for d in range(len(sizes) - 1, 0, -1):
        names[d] = f"{prefix}{d}"
        emit(f"{names[d]} = {rem} % {sizes[d]}")
        emit(f"{prefix}r{d} = {rem} // {sizes[d]}")
        rem = f"{prefix}r{d}"
    names[0] = rem
    return names


def emit_conv(graph: Graph, group: Group, name: str, outputs: list[str],
              arch: str) -> KernelSpec:
    node = group.nodes[0]
    x, w = node.inputs[0], node.inputs[1]
    bias = node.inputs[2] if len(node.inputs) > 2 else ""
    out = node.outputs[0]
    xt, wt, ot = graph.types[x], graph.types[w], graph.types[out]
    ns = xt.rank - 2
    spatial = [int(s) for s in xt.shape[2:]]
    c_out, c_group = int(wt.shape[0]), int(wt.shape[1])
    kernel = [int(s) for s in wt.shape[2:]]
    opos = [int(s) for s in ot.shape[2:]]
    groups = int(node.attrs.get("groups", 1))
    co_group = c_out // groups
    stride = [int(v) for v in node.attrs["stride"]][:ns]
    pad = [int(v) for v in node.attrs["padding"]][:ns]
    dil = [int(v) for v in node.attrs["dilation"]][:ns]
    n_pos, n_k = 1, c_group
    for s in opos:
        n_pos *= s
    for s in kernel:
        n_k *= s
    b = KernelBuilder(graph, name)
    tiles = matmul_tiles(arch)
    bm = b.constexpr("BLOCK_M", clamp_tile(min(tiles.block_m, 64), n_pos))
    bn = b.constexpr("BLOCK_N", clamp_tile(min(tiles.block_n, 64), co_group))
    bk = b.constexpr("BLOCK_K", clamp_tile(min(tiles.block_k, 32), n_k))
    m_total = b.size([xt.shape[0], *opos], "M")
    px, pw = b.pointer(x), b.pointer(w)
    xs = [b.stride(x, px, xt.shape, d) for d in range(xt.rank)]
    ws = [b.stride(w, pw, wt.shape, d) for d in range(wt.rank)]
    e = b.emit
    e("pid_m = tl.program_id(0)")
    e("pid_n = tl.program_id(1)")
    e("g = tl.program_id(2)")
    e(f"rm = pid_m * {bm} + tl.arange(0, {bm})")
    e(f"rn = pid_n * {bn} + tl.arange(0, {bn})")
    e(f"rk = tl.arange(0, {bk})")
    e(f"nb = rm // {n_pos}")
    e(f"pos = rm % {n_pos}")
    o_idx = _split("pos", opos, "o", e)
    e(f"x_base = {px} + nb[:, None] * {xs[0]} + (g * {c_group}) * {xs[1]}")
    e(f"w_base = {pw} + (g * {co_group} + rn[None, :]) * {ws[0]}")
    e(f"acc = tl.zeros(({bm}, {bn}), dtype=tl.float32)")
    e(f"for k0 in range(0, {n_k}, {bk}):")
    inner: list[str] = []
    inner.append("kk = k0 + rk")
    k_idx = _split("kk", [c_group, *kernel], "q", inner.append)
    a_mask = [f"(rm[:, None] < {m_total})", f"(kk[None, :] < {n_k})"]
    a_off = [f"{k_idx[0]}[None, :] * {xs[1]}"]
    for j in range(ns):
        pos = f"p{j}"
        inner.append(f"{pos} = {o_idx[j]}[:, None] * {stride[j]} - {pad[j]} + "
                     f"{k_idx[j + 1]}[None, :] * {dil[j]}")
        a_mask.append(f"({pos} >= 0) & ({pos} < {spatial[j]})")
        a_off.append(f"{pos} * {xs[2 + j]}")
    w_off = [f"{k_idx[0]}[:, None] * {ws[1]}",
             *(f"{k_idx[j + 1]}[:, None] * {ws[2 + j]}" for j in range(ns))]
    dt = TL_TYPES[xt.dtype]
    prec = ', input_precision="ieee"' if xt.dtype.value == "f32" else ""
    inner.append(f"a_t = tl.load(x_base + {' + '.join(a_off)}, mask={' & '.join(a_mask)}, "
                 "other=0.0)")
    inner.append(f"b_t = tl.load(w_base + {' + '.join(w_off)}, mask=(kk[:, None] < {n_k}) & "
                 f"(rn[None, :] < {co_group}), other=0.0)")
    inner.append(f"acc = tl.dot(a_t.to({dt}), b_t.to({dt}), acc{prec})")
    for line in inner:
        e(f"    {line}")
    co = f"(g * {co_group} + rn[None, :])"
    if bias:
        pb = b.pointer(bias)
        bs = b.stride(bias, pb, graph.types[bias].shape, 0)
        e(f"acc = acc + tl.load({pb} + {co} * {bs}, mask=rn[None, :] < {co_group}, "
          "other=0.0).to(tl.float32)")
    po = b.pointer(out, out=True)
    e(f"mask = (rm[:, None] < {m_total}) & (rn[None, :] < {co_group})")
    e(f"tl.store({po} + (nb[:, None] * {c_out} + {co}) * {n_pos} + pos[:, None], "
      f"acc.to({TL_TYPES[ot.dtype]}), mask=mask)  # {node.id}: conv")
    grid: list[dict[str, Any]] = [{"cdiv": [[xt.shape[0], *opos], b.constexprs["BLOCK_M"]]},
                                  {"cdiv": [[co_group], b.constexprs["BLOCK_N"]]},
                                  {"prod": [groups]}]
    return _spec(b, "conv", group, grid, tiles.num_warps if n_pos >= 64 else 4,
                 tiles.num_stages)
