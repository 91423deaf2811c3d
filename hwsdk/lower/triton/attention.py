"""Emit scaled_dot_product_attention as a flash-attention-style kernel.

One program computes ``BLOCK_M`` query rows of one (batch, head): it streams key/value blocks,
keeps a running max and sum (online softmax) and never materializes the score matrix. The
causal mask (top-left aligned, as PyTorch's ``is_causal``) also bounds the key loop; a boolean
mask selects, a float mask adds. Grouped-query heads read key/value head ``h // (H // Hk)``.
"""

from __future__ import annotations

import math
from typing import Any

from hwsdk.ir.graph import Graph
from hwsdk.lower.triton.arch import attention_tiles, clamp_tile, next_pow2
from hwsdk.lower.triton.body import KernelBuilder
from hwsdk.lower.triton.group import Group
from hwsdk.lower.triton.kernels import KernelSpec, _spec
from hwsdk.lower.triton.ops import TL_TYPES

__all__ = ["emit_attention"]


def emit_attention(graph: Graph, group: Group, name: str, outputs: list[str],
                   arch: str) -> KernelSpec:
    node = group.nodes[0]
    q, k, v = node.inputs[:3]
    mask_v = node.inputs[3] if len(node.inputs) > 3 else ""
    qt, kt, vt = graph.types[q], graph.types[k], graph.types[v]
    head_dim, v_dim = int(qt.shape[3]), int(vt.shape[3])
    scale = node.attrs.get("scale") or 1.0 / math.sqrt(head_dim)
    b = KernelBuilder(graph, name)
    tiles = attention_tiles(arch)
    bm = b.constexpr("BLOCK_M", clamp_tile(tiles.block_m, qt.shape[2]))
    bn = b.constexpr("BLOCK_N", clamp_tile(tiles.block_n, kt.shape[2]))
    bd = b.constexpr("BLOCK_D", max(16, next_pow2(head_dim)))
    be = b.constexpr("BLOCK_DV", max(16, next_pow2(v_dim)))
    heads, kv_heads = b.size([qt.shape[1]], "H"), b.size([kt.shape[1]], "H_KV")
    sq, sk = b.size([qt.shape[2]], "S_Q"), b.size([kt.shape[2]], "S_K")
    pq, pk, pv = b.pointer(q), b.pointer(k), b.pointer(v)
    qs = [b.stride(q, pq, qt.shape, d) for d in range(4)]
    ks = [b.stride(k, pk, kt.shape, d) for d in range(4)]
    vs = [b.stride(v, pv, vt.shape, d) for d in range(4)]
    dt = TL_TYPES[qt.dtype]
    prec = ', input_precision="ieee"' if qt.dtype.value == "f32" else ""
    e = b.emit
    e("pid_m = tl.program_id(0)")
    e("pid_bh = tl.program_id(1)")
    e(f"bz = pid_bh // {heads}")
    e(f"hz = pid_bh % {heads}")
    e(f"hk = hz // ({heads} // {kv_heads})")
    e(f"rm = pid_m * {bm} + tl.arange(0, {bm})")
    e(f"rd = tl.arange(0, {bd})")
    e(f"re = tl.arange(0, {be})")
    e(f"q = tl.load({pq} + bz * {qs[0]} + hz * {qs[1]} + rm[:, None] * {qs[2]} + "
      f"rd[None, :] * {qs[3]}, mask=(rm[:, None] < {sq}) & (rd[None, :] < {head_dim}), "
      f"other=0.0).to({dt})")
    e(f"m_i = tl.full(({bm},), -float('inf'), tl.float32)")
    e(f"l_i = tl.zeros(({bm},), tl.float32)")
    e(f"acc = tl.zeros(({bm}, {be}), tl.float32)")
    causal = bool(node.attrs.get("is_causal"))
    e(f"hi = tl.minimum({sk}, (pid_m + 1) * {bm})" if causal else f"hi = {sk}")
    e(f"for n0 in range(0, hi, {bn}):")
    e(f"    rn = n0 + tl.arange(0, {bn})")
    e(f"    k_t = tl.load({pk} + bz * {ks[0]} + hk * {ks[1]} + rn[None, :] * {ks[2]} + "
      f"rd[:, None] * {ks[3]}, mask=(rn[None, :] < {sk}) & (rd[:, None] < {head_dim}), "
      f"other=0.0).to({dt})")
    e(f"    s = tl.dot(q, k_t{prec}) * {scale!r}")
    e(f"    valid = (rn[None, :] < {sk}) & (rm[:, None] >= 0)")
    if causal:
        e("    valid = valid & (rn[None, :] <= rm[:, None])")
    if mask_v:
        mt = graph.types[mask_v]
        full = (qt.shape[0], qt.shape[1], qt.shape[2], kt.shape[2])
        pm = b.pointer(mask_v)
        ms = [b.stride(mask_v, pm, full, d) for d in range(4)]
        load = (f"tl.load({pm} + bz * {ms[0]} + hz * {ms[1]} + rm[:, None] * {ms[2]} + "
                f"rn[None, :] * {ms[3]}, mask=(rm[:, None] < {sq}) & (rn[None, :] < {sk}), "
                "other=0)")
        if mt.dtype.value == "bool":
            e(f"    valid = valid & ({load} != 0)")
        else:
            e(f"    s = s + {load}.to(tl.float32)")
    e("    s = tl.where(valid, s, -float('inf'))")
    e("    m_new = tl.maximum(m_i, tl.max(s, axis=1))")
    e("    m_safe = tl.where(m_new == -float('inf'), 0.0, m_new)")
    e("    p = tl.exp(s - m_safe[:, None])")
    e("    alpha = tl.exp(m_i - m_safe)")
    e("    l_i = l_i * alpha + tl.sum(p, axis=1)")
    e(f"    v_t = tl.load({pv} + bz * {vs[0]} + hk * {vs[1]} + rn[:, None] * {vs[2]} + "
      f"re[None, :] * {vs[3]}, mask=(rn[:, None] < {sk}) & (re[None, :] < {v_dim}), "
      f"other=0.0).to({dt})")
    e(f"    acc = acc * alpha[:, None] + tl.dot(p.to({dt}), v_t{prec})")
    e("    m_i = m_new")
    e(f"flat = (pid_bh * {sq} + rm[:, None]) * {v_dim} + re[None, :]")
    e(f"mask = (rm[:, None] < {sq}) & (re[None, :] < {v_dim})")
    out = node.outputs[0]
    e(f"v_out = acc / l_i[:, None]  # {node.id}: {node.op}")
    b.env[out] = "v_out"
    b.store_outputs(group.nodes, group.levels, outputs)
    grid: list[dict[str, Any]] = [{"cdiv": [[qt.shape[2]], b.constexprs["BLOCK_M"]]},
            {"prod": [qt.shape[0], qt.shape[1]]}]
    return _spec(b, "attention", group, grid, tiles.num_warps, tiles.num_stages)
