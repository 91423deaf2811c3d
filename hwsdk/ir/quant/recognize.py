"""Weights quantized by torchao, recognised at capture as the IR's ``dequantize → linear``.

Two torchao 0.18 forms reach the IR through torch.export's subclass unwrapping:

- ``Int8WeightOnlyConfig`` (``Int8Tensor``) exports as ``mm(x, cast(permute(qdata, [1, 0]),
  f32)) * reshape(scale, [N])``: int8 data ``[N, K]`` and a float scale per output channel
  applied after the matmul. That is ``linear(x, dequantize(qdata, scale))`` with the scale on
  the other side (:func:`_match_int8`).
- ``IntxWeightOnlyConfig(weight_dtype=torch.int4 or torch.int8, granularity=PerGroup(G) or
  PerAxis(0))`` (``IntxUnpackedToInt8Tensor``) exports as ``torchao.dequantize_affine``, which
  decomposes to ``reshape(mul(sub(cast(reshape(qdata)), cast(reshape(zero))), reshape(scale)),
  [N, K])`` feeding a ``linear``: the values one per int8, an int8 zero point and a float scale
  per group (:func:`_rewrite_intx`). Data and zero point within ``[-8, 7]`` are int4: the IR's
  int4 is unsigned, so both are shifted by 8, which leaves ``data - zero_point`` and so the
  weight exactly as torchao computes it, symmetric (zero point 0, now 8) or asymmetric alike.
  Otherwise (or where K is odd) they are int8 as they are (per channel for ``PerAxis(0)``;
  a zero point of zeros becomes the IR's absent one).

Each chain is rewritten into ``dequantize → linear``, so targets see the pattern they fuse
instead of casts and arithmetic on a decompressed weight. A chain that does not match exactly
(other shapes or dtypes, intermediates read elsewhere) stays as captured:
plain ops, still not opaque.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from hwsdk.ir.dtypes import DType, to_torch
from hwsdk.ir.graph import Graph, Node, TensorType

__all__ = ["recognize_torchao"]

_INT4_RANGE = (-8, 7)
"""torchao's int4 ``quant_min`` / ``quant_max``: the values the shift by 8 maps to 0..15."""


@dataclass
class _Rewrite:
    """One recognised chain: the nodes it drops, and the nodes standing in for it at the
    position of ``anchor`` (the chain's last node)."""

    drop: set[str]
    anchor: str
    nodes: list[Node]


def _add_param(graph: Graph, name: str, value: Any) -> str:
    from hwsdk.ir.dtypes import from_torch

    graph.params.append(name)
    graph.param_data[name] = value
    graph.types[name] = TensorType(from_torch(value.dtype), tuple(value.shape))
    return name


# --- Int8WeightOnlyConfig: matmul(x, cast(permute(Q))) * reshape(S) --------------------------

def _match_int8(graph: Graph, mm: Node, producers: dict[str, Node],
                consumers: dict[str, list[Node]]) -> tuple[list[Node], Node, str, str] | None:
    """For ``mm`` = ``matmul(x, cast(permute(Q)))`` followed by ``* reshape(S)``: (the nodes
    the rewrite removes, the mul, Q, S); None otherwise."""
    cast = producers.get(mm.inputs[1])
    if cast is None or cast.op != "cast":
        return None
    perm = producers.get(cast.inputs[0])
    if perm is None or perm.op != "permute" or list(perm.attrs["dims"]) != [1, 0]:
        return None
    q = perm.inputs[0]
    if q not in graph.param_data or graph.types[q].dtype != DType.i8 or graph.types[q].rank != 2:
        return None
    users = consumers.get(mm.outputs[0], [])
    if len(users) != 1 or users[0].op != "mul" or users[0].attrs.get("scalar") is not None:
        return None
    mul = users[0]
    other = mul.inputs[1] if mul.inputs[0] == mm.outputs[0] else mul.inputs[0]
    view = producers.get(other)
    n = graph.types[q].shape[0]
    scale = view.inputs[0] if view is not None and view.op == "reshape" else other
    if scale not in graph.param_data or graph.types[scale].numel() != n \
            or graph.types[scale].dtype != DType(cast.attrs["dtype"]):
        return None
    removed = [perm, cast, mm, *([view] if view is not None else [])]
    private = [perm.outputs[0], cast.outputs[0], *([view.outputs[0]] if view else [])]
    if any(len(consumers.get(v, [])) != 1 for v in private):
        return None
    return removed, mul, q, scale


def _rewrite_int8(graph: Graph, mm: Node, producers: dict[str, Node],
                  consumers: dict[str, list[Node]]) -> _Rewrite | None:
    found = _match_int8(graph, mm, producers, consumers)
    if found is None:
        return None
    removed, mul, q, scale = found
    n, k = (int(d) for d in graph.types[q].shape)
    flat = _add_param(graph, f"{scale}.qscale", graph.param_data[scale].reshape(n))
    weight = f"{q}.dequantized"
    graph.types[weight] = TensorType(graph.types[scale].dtype, (n, k))
    dq = Node(f"{mm.id}.dq", "dequantize", [q, flat],
              {"bits": 8, "group_size": 0, "shape": [n, k]}, [weight],
              source=replace(mm.source, aten=""))
    linear = Node(mm.id, "linear", [mm.inputs[0], weight, ""], {}, list(mul.outputs),
                  source=mm.source)
    return _Rewrite({r.id for r in removed} | {mul.id}, mul.id, [dq, linear])


# --- IntxWeightOnlyConfig: the decomposed dequantize_affine feeding a linear ---------------

def _trace(graph: Graph, value: str, producers: dict[str, Node],
           consumers: dict[str, list[Node]]) -> tuple[str, list[Node]] | None:
    """Walk back from ``value`` through ``reshape`` and ``cast`` nodes, each output read once,
    to a param: (the param, the nodes walked, nearest first); None if it ends elsewhere."""
    walked: list[Node] = []
    while value not in graph.param_data:
        node = producers.get(value)
        if node is None or node.op not in ("reshape", "cast") \
                or len(consumers.get(value, [])) != 1:
            return None
        walked.append(node)
        value = node.inputs[0]
    return value, walked


def _casts(nodes: list[Node]) -> list[str]:
    """The dtypes a traced chain casts to, in the order it applies them."""
    return [n.attrs["dtype"] for n in reversed(nodes) if n.op == "cast"]


def _int_param(graph: Graph, traced: tuple[str, list[Node]] | None, dtype: DType,
               numel: int) -> Any:
    """The int8 param at the end of ``traced`` when the chain is reshapes and exactly one
    cast, to ``dtype``, and the param holds ``numel`` values; None otherwise."""
    if traced is None:
        return None
    param, nodes = traced
    t = graph.types[param]
    if t.dtype != DType.i8 or t.numel() != numel or not numel \
            or _casts(nodes) != [dtype.value]:
        return None
    return graph.param_data[param]


def _fits_int4(*tensors: Any) -> bool:
    low, high = _INT4_RANGE
    return all(int(t.min()) >= low and int(t.max()) <= high for t in tensors)


def _rewrite_intx(graph: Graph, linear: Node, producers: dict[str, Node],
                  consumers: dict[str, list[Node]]) -> _Rewrite | None:
    weight = linear.inputs[1]
    wt = graph.types[weight]
    if weight in graph.param_data or not wt.is_static or wt.rank != 2 or not wt.dtype.is_float:
        return None
    if any(u.op != "linear" or u.inputs[1] != weight or u.inputs[0] == weight
           for u in consumers.get(weight, [])):
        return None
    n, k = (int(d) for d in wt.shape)
    chain: list[Node] = []
    last = producers.get(weight)
    if last is not None and last.op == "reshape":
        chain.append(last)
        if len(consumers.get(last.inputs[0], [])) != 1:
            return None
        mul = producers.get(last.inputs[0])
    else:
        mul = last
    if mul is None or mul.op != "mul" or mul.attrs.get("scalar") is not None:
        return None
    chain.append(mul)
    grouped = tuple(int(d) for d in graph.types[mul.outputs[0]].shape)
    groups = grouped[1] if len(grouped) == 3 else 1
    if grouped not in ((n, k), (n, groups, k // groups)) or k % groups:
        return None
    dtype = graph.types[mul.outputs[0]].dtype
    for ints, scales in (mul.inputs, mul.inputs[::-1]):
        found = _intx_operands(graph, ints, scales, grouped, groups, dtype, producers,
                               consumers)
        if found is not None:
            break
    else:
        return None
    data_param, data, scale, zero, walked = found
    base = _base_name(graph, data_param)
    if _fits_int4(data, zero) and k % 2 == 0:  # int4 packs two values per byte
        from hwsdk.ir.ops.quant import pack_int4

        parts = {"qdata": pack_int4(_unsigned(data).reshape(n, k)),
                 "qscale": scale.reshape(n, groups), "qzero": _unsigned(zero).reshape(n, groups)}
        attrs = {"bits": 4, "group_size": k // groups, "shape": [n, k]}
    else:  # int8 as it is; a zero point of zeros (symmetric) is the IR's absent one
        shape = (n, groups) if groups > 1 else (n,)
        parts = {"qdata": data.reshape(n, k), "qscale": scale.reshape(shape)}
        if bool(zero.any()):
            parts["qzero"] = zero.reshape(shape)
        attrs = {"bits": 8, "group_size": k // groups if groups > 1 else 0, "shape": [n, k]}
    names = [_add_param(graph, f"{base}.{part}", value) for part, value in parts.items()]
    out = f"{base}.dequantized"
    graph.types[out] = TensorType(dtype, (n, k))
    for user in consumers.get(weight, []):
        user.inputs[1] = out
    dq = Node(f"{linear.id}.dq", "dequantize", names, attrs, [out],
              source=replace(linear.source, aten=""))
    return _Rewrite({c.id for c in chain + walked}, chain[0].id, [dq])


def _unsigned(values: Any) -> Any:
    """torchao's signed int4 values (``[-8, 7]`` in int8) as the IR's 0..15 (uint8)."""
    import torch

    return (values.to(torch.int16) - _INT4_RANGE[0]).to(torch.uint8)


def _base_name(graph: Graph, data_param: str) -> str:
    """``p_0_weight`` for torch.export's ``p_0_parametrizations_weight_original0`` (the
    unwrapped subclass's data): the name the new params and the weight are named after."""
    base = re.sub(r"_parametrizations_(\w+?)_original\d+$", r"_\1", data_param)
    taken = any(f"{base}.{s}" in graph.types for s in ("qdata", "qscale", "qzero", "dequantized"))
    return data_param if taken else base


def _intx_operands(graph: Graph, ints: str, scales: str, grouped: tuple[int, ...],
                   groups: int, dtype: DType, producers: dict[str, Node],
                   consumers: dict[str, list[Node]]
                   ) -> tuple[str, Any, Any, Any, list[Node]] | None:
    """``mul(ints, scales)``'s data param, its int8 data, scale (in ``dtype``) and int8 zero
    point (zeros where there is none) and the nodes computing them; None unless they are
    torchao's chain."""
    import torch

    n = grouped[0]
    per_group = (n, groups, 1) if len(grouped) == 3 else (n, 1)
    if len(consumers.get(ints, [])) != 1 or graph.types[ints].shape != grouped:
        return None
    traced_scale = _trace(graph, scales, producers, consumers)
    if traced_scale is None or graph.types[scales].shape != per_group:
        return None
    s_param, s_nodes = traced_scale
    if not graph.types[s_param].dtype.is_float or graph.types[s_param].numel() != n * groups:
        return None
    scale = graph.param_data[s_param]
    for cast in [*_casts(s_nodes), dtype.value]:  # the mul's promotion ends in dtype
        scale = scale.to(to_torch(DType(cast)))
    sub = producers.get(ints)
    walked: list[Node] = list(s_nodes)
    if sub is not None and sub.op == "sub" and sub.attrs.get("scalar") is None:
        q_value, z_value = sub.inputs
        if graph.types[z_value].shape != per_group:
            return None
        traced_zero = _trace(graph, z_value, producers, consumers)
        zero = _int_param(graph, traced_zero, dtype, n * groups)
        if zero is None or traced_zero is None:
            return None
        walked += [sub, *traced_zero[1]]
    else:  # no zero point: symmetric
        q_value = ints
        zero = torch.zeros(n * groups, dtype=torch.int8)
    if graph.types[q_value].shape != grouped:
        return None
    traced_data = _trace(graph, q_value, producers, consumers)
    data = _int_param(graph, traced_data, dtype, n * groups * grouped[-1])
    if data is None or traced_data is None:
        return None
    return traced_data[0], data, scale, zero, walked + traced_data[1]


# --- the pass -----------------------------------------------------------------------------

def recognize_torchao(graph: Graph) -> int:
    """Rewrite torchao's int8 and int4 weight-only chains into ``dequantize → linear`` in
    place; return how many were rewritten."""
    producers, consumers = graph.producers(), graph.consumers()
    rewrites: dict[str, _Rewrite] = {}  # anchor node id → its rewrite
    done: set[str] = set()  # weights already rewritten (one chain may feed several linears)
    for node in graph.nodes:
        found: _Rewrite | None = None
        if node.op == "matmul":
            found = _rewrite_int8(graph, node, producers, consumers)
        elif node.op == "linear" and node.inputs[1] not in done:
            found = _rewrite_intx(graph, node, producers, consumers)
            done.add(node.inputs[1])
        if found is not None:
            rewrites[found.anchor] = found
    if not rewrites:
        return 0
    drop = set().union(*(r.drop for r in rewrites.values()))
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.id in rewrites:
            nodes.extend(rewrites[node.id].nodes)
        elif node.id not in drop:
            nodes.append(node)
    graph.nodes = nodes
    used = graph.values_used(nodes)
    for name in [p for p in graph.params if p not in used and p not in graph.outputs]:
        graph.params.remove(name)
        graph.param_data.pop(name, None)
        graph.types.pop(name, None)
    return len(rewrites)
