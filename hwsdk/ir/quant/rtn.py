"""Round-to-nearest weight quantization of a captured graph's ``linear`` weights.

Each eligible weight param ``w`` (float, 2-D, read by ``linear``) becomes the params
``w.qdata``, ``w.qscale`` (and ``w.qzero`` for int4) and a ``dequantize`` node feeding the
``linear``: the form engines fuse. A weight that other nodes also read (a tied embedding)
keeps its float copy for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hwsdk.ir.dtypes import from_torch
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.quant.config import QuantConfig

__all__ = ["quantize_graph", "quantize_int8", "quantize_int4", "dequantize_weights"]


def quantize_int8(weight: Any) -> tuple[Any, Any]:
    """Symmetric per-output-channel int8: ``(data [N, K] int8, scale [N])``."""
    import torch

    w = weight.detach().to(torch.float32)
    scale = (w.abs().amax(dim=1) / 127).clamp(min=torch.finfo(torch.float32).tiny)
    data = torch.round(w / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return data, scale.to(weight.dtype)


def quantize_int4(weight: Any, group_size: int) -> tuple[Any, Any, Any]:
    """Asymmetric per-group uint4: ``(packed [N, K/2] uint8, scale [N, G], zero [N, G] uint8)``
    with ``G = K / group_size``; each group's range includes 0."""
    import torch

    from hwsdk.ir.ops.quant import pack_int4

    n, k = weight.shape
    w = weight.detach().to(torch.float32).reshape(n, k // group_size, group_size)
    low = w.amin(dim=2).clamp(max=0)
    high = w.amax(dim=2).clamp(min=0)
    scale = ((high - low) / 15).clamp(min=torch.finfo(torch.float32).tiny)
    zero = torch.round(-low / scale).clamp(0, 15)
    data = (torch.round(w / scale[..., None]) + zero[..., None]).clamp(0, 15).to(torch.uint8)
    return pack_int4(data.reshape(n, k)), scale.to(weight.dtype), zero.to(torch.uint8)


def _skip_reason(graph: Graph, node: Node, config: QuantConfig) -> str | None:
    weight = node.inputs[1]
    if weight not in graph.param_data:
        return "its weight is computed, not a param"
    t = graph.types[weight]
    if not t.dtype.is_float or t.rank != 2 or not t.is_static:
        return f"its weight is {t}, not a static 2-D float"
    if config.excludes(node.source.module_path):
        return "excluded by quantize_exclude"
    k = int(t.shape[1])
    if config.bits == 4 and k % config.group_size:
        return f"its {k} input channels are not a multiple of group_size={config.group_size}"
    return None


def quantize_graph(graph: Graph, config: QuantConfig) -> list[str]:
    """Quantize ``graph``'s linear weights in place; return the plan notes saying what was
    quantized and what was kept in float, and why."""
    quantized: dict[str, str] = {}  # float param → its dequantized value
    kept: list[str] = []
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.op == "linear":
            reason = _skip_reason(graph, node, config)
            if reason:
                where = node.source.module_path or node.id
                kept.append(f"{where} ({reason})")
            else:
                weight = node.inputs[1]
                if weight not in quantized:
                    dq = _add_dequantize(graph, node, config)
                    nodes.append(dq)
                    quantized[weight] = dq.outputs[0]
                node.inputs[1] = quantized[weight]
        nodes.append(node)
    graph.nodes = nodes
    used = graph.values_used(nodes) | set(graph.outputs)
    for weight in quantized:
        if weight not in used:
            graph.params.remove(weight)
            del graph.param_data[weight]
            del graph.types[weight]
    layout = ("per output channel, symmetric" if config.bits == 8
              else f"per group of {config.group_size}, asymmetric")
    notes = [f"{config.scheme}: {len(quantized)} linear weight(s) quantized to "
             f"{config.bits} bits ({layout}, round-to-nearest)"]
    if kept:
        notes.append(f"{config.scheme}: linear weight(s) kept in float: {', '.join(kept)}")
    return notes


def _add_dequantize(graph: Graph, node: Node, config: QuantConfig) -> Node:
    weight = node.inputs[1]
    tensor = graph.param_data[weight]
    if config.bits == 8:
        parts = dict(zip(("qdata", "qscale"), quantize_int8(tensor), strict=True))
        group = 0
    else:
        parts = dict(zip(("qdata", "qscale", "qzero"),
                         quantize_int4(tensor, config.group_size), strict=True))
        group = config.group_size
    names = []
    for suffix, value in parts.items():
        name = f"{weight}.{suffix}"
        graph.params.append(name)
        graph.param_data[name] = value
        graph.types[name] = TensorType(from_torch(value.dtype), tuple(value.shape))
        names.append(name)
    out = f"{weight}.dequantized"
    graph.types[out] = graph.types[weight]
    attrs = {"bits": config.bits, "group_size": group,
             "shape": [int(d) for d in graph.types[weight].shape]}
    return Node(f"{node.id}.dq", "dequantize", names, attrs, [out],
                source=replace(node.source, aten=""))


def dequantize_weights(graph: Graph, reasons: Mapping[str, str]) -> list[str]:
    """Replace each ``dequantize`` node named in ``reasons`` (node id → why) by its float
    weight, computed now with the reference and stored as a param (``quantize_fallback=
    "dequantize"``); return the plan notes naming each weight, its format and why."""
    from hwsdk.ir.ops.quant import dequantize_reference, weight_format

    done: list[str] = []
    kept: list[Node] = []
    dropped: set[str] = set()
    for node in graph.nodes:
        if node.op != "dequantize" or node.id not in reasons:
            kept.append(node)
            continue
        dropped.update(v for v in node.inputs if v)
        data, scale, *zero = [graph.param_data[v] if v else None for v in node.inputs]
        out = node.outputs[0]
        graph.params.append(out)
        graph.param_data[out] = dequantize_reference(
            data, scale, zero[0] if zero else None, bits=node.attrs["bits"],
            group_size=node.attrs["group_size"], shape=node.attrs["shape"])
        done.append(f"{out} (was {weight_format(node)}: {reasons[node.id]})")
    graph.nodes = kept
    used = graph.values_used(kept) | set(graph.outputs)
    for name in [p for p in graph.params if p in dropped and p not in used]:
        graph.params.remove(name)
        del graph.param_data[name]
        del graph.types[name]
    if not done:
        return []
    return [f"quantize_fallback='dequantize': {len(done)} weight(s) dequantized to float up "
            f"front, as no requested target runs them quantized: {'; '.join(done)}"]
