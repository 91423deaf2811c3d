"""IR region → ``torch.fx.GraphModule``: the PyTorch fallback, and the input to vendor stacks
that take FX (Gaudi's ``hpu_backend``, Neuron's ``torch_neuronx.trace``).

The module takes the region's input tensors positionally and, when any attr in the region is
symbolic, a final ``sym_env`` dict of symbol values. Params are buffers of the module.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.ir.eager import aten_callable, decode_args, has_symbolic_attrs, resolve_attrs
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.opdef import TORCH_OP, get_op

__all__ = ["lower_to_fx", "FxLowering"]


class FxLowering:
    """A lowered region: the GraphModule and how to call it."""

    def __init__(self, module: Any, needs_env: bool, inputs: list[str], outputs: list[str]):
        self.module = module
        self.needs_env = needs_env
        self.inputs = inputs
        self.outputs = outputs

    def __call__(self, inputs: Sequence[Any], env: Mapping[str, int]) -> list[Any]:
        # forward directly: nn.Module.__call__'s hook handling costs microseconds per call
        forward = self.module.forward
        result = forward(*inputs, env) if self.needs_env else forward(*inputs)
        return list(result)


def _region_needs_env(nodes: Sequence[Node]) -> bool:
    for node in nodes:
        if node.op == TORCH_OP:
            if "$sym" in repr(node.attrs):
                return True
        elif has_symbolic_attrs(get_op(node.op), node.attrs):
            return True
    return False


def _call_reference(fn: Any, args: Sequence[Any], attrs: Mapping[str, Any]) -> Any:
    return fn(*args, **attrs)


def _call_symbolic(op: str, args: Sequence[Any], attrs: Mapping[str, Any],
                   env: Mapping[str, int]) -> Any:
    opdef = get_op(op)
    return opdef.reference(*args, **resolve_attrs(opdef, attrs, env))


def _call_torch_op(target: str, encoded_args: Any, encoded_kwargs: Any, inputs: Sequence[Any],
                   env: Mapping[str, int]) -> Any:
    fn = aten_callable(target)
    return fn(*decode_args(encoded_args, inputs, env), **decode_args(encoded_kwargs, inputs, env))


def lower_to_fx(graph: Graph, nodes: Sequence[Node], inputs: Sequence[str],
                outputs: Sequence[str]) -> FxLowering:
    """Build a GraphModule computing ``outputs`` from ``inputs`` through ``nodes``.

    :param graph: the whole graph (for params and types).
    :param nodes: the region's nodes, in topological order.
    :param inputs: values the region reads from outside (not params).
    :param outputs: values the region must return.
    """
    import torch
    import torch.fx

    fx_graph = torch.fx.Graph()
    root = torch.nn.Module()
    env: dict[str, Any] = {}
    for name in inputs:
        env[name] = fx_graph.placeholder(_py_name(name))
    needs_env = _region_needs_env(nodes)
    sym_env = fx_graph.placeholder("sym_env") if needs_env else None
    params = set(graph.params)
    for node in nodes:
        for name in node.inputs:
            if name and name not in env and name in params:
                attr = _py_name(f"p_{name}")
                tensor = graph.param_data[name]
                if isinstance(tensor, torch.nn.Parameter):
                    tensor = tensor.detach()
                root.register_buffer(attr, tensor, persistent=False)
                env[name] = fx_graph.get_attr(attr)
        args = [env[name] if name else None for name in node.inputs]
        if node.op == TORCH_OP:
            result = fx_graph.call_function(
                _call_torch_op,
                (node.attrs["target"], node.attrs["args"], node.attrs["kwargs"], args,
                 sym_env if sym_env is not None else {}),
            )
        else:
            opdef = get_op(node.op)
            if sym_env is not None and has_symbolic_attrs(opdef, node.attrs):
                result = fx_graph.call_function(_call_symbolic, (node.op, args, node.attrs,
                                                                 sym_env))
            else:
                result = fx_graph.call_function(opdef.reference, tuple(args),
                                                dict(node.attrs))
        if len(node.outputs) == 1 and not node.attrs.get("multi") and \
                (node.op == TORCH_OP or get_op(node.op).num_outputs == 1):
            env[node.outputs[0]] = result
        else:
            for i, out in enumerate(node.outputs):
                env[out] = fx_graph.call_function(operator.getitem, (result, i))
    for name in outputs:
        if name not in env and name in params:
            attr = _py_name(f"p_{name}")
            root.register_buffer(attr, graph.param_data[name], persistent=False)
            env[name] = fx_graph.get_attr(attr)
    fx_graph.output(tuple(env[name] for name in outputs))
    module = torch.fx.GraphModule(root, fx_graph, class_name="HwsdkRegion")
    return FxLowering(module, needs_env, list(inputs), list(outputs))


def _py_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"v_{cleaned}"
