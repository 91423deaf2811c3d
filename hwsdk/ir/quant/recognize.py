"""Weights quantized by torchao, recognised at capture as the IR's ``dequantize → linear``.

torchao 0.18's ``Int8WeightOnlyConfig`` weights (``Int8Tensor``) export, through torch.export's
subclass unwrapping, as ``mm(x, cast(permute(qdata, [1, 0]), f32)) * reshape(scale, [N])``:
int8 data ``[N, K]`` and a float scale per output channel applied after the matmul. That is
``linear(x, dequantize(qdata, scale))``, written with the scale on the other side; this pass
rewrites each such chain into that form, so targets see the pattern they fuse instead of an
int8 cast and a matmul on a decompressed weight.
"""

from __future__ import annotations

from dataclasses import replace

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType

__all__ = ["recognize_torchao"]


def _match(graph: Graph, mm: Node, producers: dict[str, Node],
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


def recognize_torchao(graph: Graph) -> int:
    """Rewrite torchao's int8 weight-only chains into ``dequantize → linear`` in place; return
    how many were rewritten."""
    producers, consumers = graph.producers(), graph.consumers()
    rewrites: dict[str, list[Node]] = {}  # id of the mul → the nodes standing for the chain
    drop: set[str] = set()
    for node in graph.nodes:
        if node.op != "matmul":
            continue
        found = _match(graph, node, producers, consumers)
        if found is None:
            continue
        removed, mul, q, scale = found
        n, k = (int(d) for d in graph.types[q].shape)
        flat = f"{scale}.qscale"
        graph.params.append(flat)
        graph.param_data[flat] = graph.param_data[scale].reshape(n)
        graph.types[flat] = TensorType(graph.types[scale].dtype, (n,))
        weight = f"{q}.dequantized"
        graph.types[weight] = TensorType(graph.types[scale].dtype, (n, k))
        dq = Node(f"{node.id}.dq", "dequantize", [q, flat],
                  {"bits": 8, "group_size": 0, "shape": [n, k]}, [weight],
                  source=replace(node.source, aten=""))
        linear = Node(node.id, "linear", [node.inputs[0], weight, ""], {}, list(mul.outputs),
                      source=node.source)
        rewrites[mul.id] = [dq, linear]
        drop.update(r.id for r in removed)
    if not rewrites:
        return 0
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.id in drop:
            continue
        nodes.extend(rewrites.get(node.id, [node]))
    graph.nodes = nodes
    used = graph.values_used(nodes)
    for name in [p for p in graph.params if p not in used and p not in graph.outputs]:
        graph.params.remove(name)
        graph.param_data.pop(name, None)
        graph.types.pop(name, None)
    return len(rewrites)
