"""Hand-made IR graphs for the conformance kit, compiled through hwsdk's public path.

:func:`one_node_graph` turns a generated :class:`~hwsdk.testing.cases.Case` into a graph of
one node; :func:`sandwich_graph` wraps such a node between two opaque ``torch_op`` nodes, so
the target's region has fallback boundaries before and after it. :func:`compile_graph` runs
the same steps as :func:`hwsdk.compile` after capture (plan, then compile every region).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.ir.dtypes import from_torch
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import OPSET_VERSION, TORCH_OP, get_op
from hwsdk.testing.cases import Case

__all__ = ["Built", "one_node_graph", "sandwich_graph", "compile_graph", "reference_outputs",
           "ROUND_TRIP_OP"]

ROUND_TRIP_OP = "aten.flip.default"
"""The opaque ATen op placed before and after the target's region (only PyTorch runs it)."""


@dataclass
class Built:
    """A graph with the tensors to call it on.

    :param inputs: one tensor per ``graph.inputs``.
    :param node_id: the node under test.
    """

    graph: Graph
    inputs: list[Any]
    node_id: str


def one_node_graph(case: Case, tensors: Sequence[Any]) -> Built:
    """A graph computing ``case.op`` once on ``tensors`` (None: absent optional input)."""
    opdef = get_op(case.op)
    attrs = opdef.check_attrs(case.attrs)
    types: dict[str, TensorType] = {}
    graph_inputs: list[str] = []
    params: list[str] = []
    param_data: dict[str, Any] = {}
    node_inputs: list[str] = []
    feed: list[Any] = []
    for i, (spec, tensor) in enumerate(zip(case.inputs, tensors, strict=True)):
        if spec is None or tensor is None:
            node_inputs.append("")
            continue
        name = f"w{i}" if spec.is_param else f"x{i}"
        types[name] = TensorType(from_torch(tensor.dtype), tuple(tensor.shape))
        node_inputs.append(name)
        if spec.is_param:
            params.append(name)
            param_data[name] = tensor
        else:
            graph_inputs.append(name)
            feed.append(tensor)
    in_types = [types[n] for n in node_inputs if n]
    out_types = opdef.infer(in_types, attrs)
    outputs = [f"y{k}" for k in range(len(out_types))]
    types.update(zip(outputs, out_types, strict=True))
    node = Node("n0", case.op, node_inputs, attrs, outputs)
    graph = Graph(graph_inputs, outputs, [node], types, params, param_data,
                  opset_version=OPSET_VERSION)
    graph.validate()
    return Built(graph, feed, "n0")


def _flip_node(node_id: str, source: str, out: str) -> Node:
    return Node(node_id, TORCH_OP, [source],
                {"target": ROUND_TRIP_OP, "args": [{"$in": 0}, [0]], "kwargs": {}}, [out])


def sandwich_graph(built: Built) -> Built:
    """``flip → node under test → flip``: the node's first data input passes through an opaque
    op before it and its first output through one after it, so its region has fallback
    boundaries on both sides."""
    graph = built.graph
    node = graph.nodes[0]
    first = graph.inputs[0]
    out = graph.outputs[0]
    types = dict(graph.types)
    types["pre"] = types[first]
    types["post"] = types[out]
    inner = Node(node.id, node.op, ["pre" if n == first else n for n in node.inputs],
                 dict(node.attrs), list(node.outputs))
    nodes = [_flip_node("pre_flip", first, "pre"), inner, _flip_node("post_flip", out, "post")]
    outputs = ["post", *graph.outputs[1:]]
    wrapped = Graph(list(graph.inputs), outputs, nodes, types, list(graph.params),
                    dict(graph.param_data), opset_version=OPSET_VERSION)
    wrapped.validate()
    return Built(wrapped, list(built.inputs), node.id)


def compile_graph(graph: Graph, target: str, registry: Any,
                  options: dict[str, Any] | None = None) -> Any:
    """Plan ``graph`` for ``target`` and compile it, as :func:`hwsdk.compile` does after
    capture. Returns the :class:`~hwsdk.runtime.compiled.CompiledModel`."""
    from torch.utils._pytree import tree_flatten

    from hwsdk.ir.capture import Captured
    from hwsdk.ir.dtypes import to_torch
    from hwsdk.partition.planner import plan_graph
    from hwsdk.runtime.build import build_compiled

    example = [_empty(graph.types[n], to_torch) for n in graph.inputs]
    outs = [_empty(graph.types[n], to_torch) for n in graph.outputs]
    captured = Captured(graph=graph, in_spec=tree_flatten((tuple(example), {}))[1],
                        out_spec=tree_flatten(tuple(outs))[1],
                        input_types=[graph.types[n] for n in graph.inputs])
    plan = plan_graph(captured, [target], registry=registry, options=options,
                      model_name="conformance")
    return build_compiled(captured, plan, registry, options or {}, require_full=False)


def _empty(t: TensorType, to_torch: Any) -> Any:
    import torch

    return torch.empty([int(d) for d in t.shape], dtype=to_torch(t.dtype))


def reference_outputs(graph: Graph, inputs: Sequence[Any],
                      params: dict[str, Any] | None = None) -> list[Any]:
    """Run ``graph`` node by node with the PyTorch references (the oracle).

    :param params: tensors to use instead of ``graph.param_data``.
    """
    from hwsdk.ir.eager import run_node

    values: dict[str, Any] = dict(zip(graph.inputs, inputs, strict=True))
    values.update(graph.param_data if params is None else params)
    for node in graph.nodes:
        args = [values[n] if n else None for n in node.inputs]
        if node.op != TORCH_OP:
            # trailing absent optionals are dropped so references see their defaults
            while args and args[-1] is None:
                args.pop()
        results = run_node(node, args, {})
        values.update(zip(node.outputs, results, strict=False))
    return [values[n] for n in graph.outputs]

