"""IR region (or whole graph) → ONNX ``ModelProto``, and the check of what can be lowered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import TORCH_OP
from hwsdk.lower.onnx.builder import (
    _NUMPY_DTYPE,
    MS_DOMAIN,
    OPSET,
    SYM_PREFIX,
    Builder,
    DimCheck,
    LoweringError,
    onnx_dtype,
)
from hwsdk.lower.onnx.registry import CHECKS, CONVERTERS

__all__ = ["LoweredModel", "lower", "unsupported_reason", "IR_VERSION"]

IR_VERSION = 10
"""ONNX IR version written into models (readable by onnxruntime >= 1.20)."""


@dataclass
class LoweredModel:
    """A lowered region.

    :param model: the ONNX model (opset :data:`OPSET`, weights as initializers).
    :param inputs: ONNX input names: the region's inputs, then ``sym::<name>`` int64 scalars for
        symbols no input shape carries (see :attr:`symbols`).
    :param symbols: symbol names fed as extra scalar inputs, in input order.
    :param outputs: ONNX output names, one per region output.
    :param output_types: the IR types of the outputs (for preallocating results).
    :param external_data: with ``external_weights=True``, the weights (numpy arrays sharing
        the params' memory) by initializer name, for ``SessionOptions.add_external_initializers``.
    :param cache_calls: ``(positions, mask)`` input names of attention lowered as
        GroupQueryAttention: each call must pass :func:`~hwsdk.lower.onnx.cache_attention.
        check_cache_call` on them.
    :param in_place: ``(output, input)`` names: ONNX outputs after :attr:`outputs` that must be
        bound to their input's memory (a KV cache the model writes where it lies); the runtime
        binds them, they are not region outputs.
    """

    model: Any
    inputs: list[str]
    outputs: list[str]
    output_types: list[TensorType]
    symbols: list[str] = field(default_factory=list)
    external_data: dict[str, Any] = field(default_factory=dict)
    cache_calls: list[tuple[str, str]] = field(default_factory=list)
    in_place: list[tuple[str, str]] = field(default_factory=list)

    def serialize(self) -> bytes:
        return bytes(self.model.SerializeToString())


def _lowerable_dtype(dtype: DType) -> bool:
    return dtype in _NUMPY_DTYPE


_NEEDS_RANK1 = frozenset({"softmax", "log_softmax", "argmax", "cumsum", "permute"})
"""Ops whose ONNX form (Softmax, ArgMax, CumSum, Transpose …) rejects a 0-d input."""


def unsupported_reason(node: Node, graph: Graph) -> str | None:
    """Why ``node`` cannot be lowered to ONNX, or None when it can."""
    if node.op == TORCH_OP:
        return f"{node.attrs.get('target', 'this ATen op')} is outside the core op set"
    if node.op not in CONVERTERS:
        return f"the ONNX lowering has no converter for {node.op}"
    for name in [*node.inputs, *node.outputs]:
        if name and not _lowerable_dtype(graph.types[name].dtype):
            return f"{name} is {graph.types[name].dtype}, which the ONNX lowering does not handle"
    if node.op in _NEEDS_RANK1 and graph.types[node.inputs[0]].rank == 0:
        return f"ONNX {node.op} needs an input of rank >= 1; a 0-d input stays in PyTorch"
    check = CHECKS.get(node.op)
    return (check(node, graph) if check else None) or _dim_reason(node)


def _dim_reason(node: Node) -> str | None:
    """Why a symbolic dim among ``node``'s attrs has no ONNX form (planning time, not a failed
    compile), or None."""
    from hwsdk.ir.dims import attr_dim_reason

    reason = attr_dim_reason(node.attrs, DimCheck())
    return f"{reason} (ONNX shape arithmetic: int64 +, -, *, //, %, **, Max, Min)" \
        if reason else None


def _value_info(name: str, t: TensorType) -> Any:
    from onnx import helper

    shape = [d if isinstance(d, int) or d.isidentifier() else None for d in t.shape]
    return helper.make_tensor_value_info(name, onnx_dtype(t.dtype), shape)


def _name_outputs(builder: Builder, outputs: Sequence[str], names: dict[str, str],
                  inputs: Sequence[str], params: set[str]) -> list[str]:
    """Give every region output its IR name in the ONNX graph, and return those names.

    A value a node computes is renamed in place (its producer writes the graph output
    directly). An ``Identity`` is added only for an input or param returned as it is, or a value
    returned twice: ONNX Runtime keeps an ``Identity`` feeding a graph output whose input other
    nodes read, and copies the tensor there (an LLM step's whole KV cache, every call).
    """
    produced = {out: node for node in builder.nodes for out in node.output}
    taken = set(inputs) | set(builder.initializers) | set(produced)
    renamed: dict[str, str] = {}
    out_names: list[str] = []
    for value in outputs:
        if value not in names and value in params:
            names[value] = builder.param(value)
        source = renamed.get(names[value], names[value])
        mine = source in produced and source not in out_names  # a node computes it
        free = value not in out_names and (value not in taken or (mine and value == source))
        if free and mine:
            if source != value:
                _rename(builder, source, value, produced)
                renamed[source] = value
            out_names.append(value)
            continue
        out = value if free else f"{value}::out"
        builder.op("Identity", [source], outputs=[out])
        out_names.append(out)
    return out_names


def _rename(builder: Builder, old: str, new: str, produced: dict[str, Any]) -> None:
    """Rename the ONNX value ``old`` to ``new`` in its producer and every consumer."""
    node = produced.pop(old)
    node.output[list(node.output).index(old)] = new
    produced[new] = node
    for consumer in builder.nodes:
        for i, name in enumerate(consumer.input):
            if name == old:
                consumer.input[i] = new


def _live(nodes: Sequence[Any], outputs: Sequence[str]) -> list[Any]:
    """``nodes`` less those no output depends on (a weight's float form that every reader
    replaced by a MatMulNBits): one sweep from the last node back."""
    needed = set(outputs)
    kept = []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            needed.update(node.input)
            kept.append(node)
    return kept[::-1]


def lower(graph: Graph, nodes: Sequence[Node], inputs: Sequence[str], outputs: Sequence[str],
          name: str = "hwsdk_region", external_weights: bool = False,
          matmul_nbits: int | None = None, cache_attention: bool | str = True
          ) -> LoweredModel:
    """Lower ``nodes`` (topological) computing ``outputs`` from ``inputs`` to one ONNX model.

    :param graph: the whole IR graph (types, params).
    :param nodes: the nodes to lower.
    :param inputs: values read from outside (not params): the model's inputs, in order.
    :param outputs: values to return: the model's outputs, in order.
    :param name: the ONNX graph name.
    :param external_weights: leave param data out of the model (placeholders with external
        data) and return it in ``external_data``: no copy of the weights into the protobuf.
    :param matmul_nbits: a ``linear`` reading a ``dequantize``d weight becomes ONNX Runtime's
        ``com.microsoft.MatMulNBits`` with this ``accuracy_level`` (1: float32 compute, 4: int8
        activations); None: the weight is dequantized to float (standard ONNX) and multiplied.
    :param cache_attention: attention over a KV cache input written at a positions input may
        become ONNX Runtime's GroupQueryAttention (see :mod:`hwsdk.lower.onnx.cache_attention`);
        ``"in_place"``: one that also writes the new keys and values into the cache input, for
        a caller that writes them there anyway (see :attr:`LoweredModel.in_place`).
    :raises LoweringError: naming every node that cannot be lowered and why.
    """
    from onnx import helper

    problems = [(n, r) for n in nodes if (r := unsupported_reason(n, graph))]
    if problems:
        raise LoweringError("cannot lower to ONNX: " + "; ".join(
            f"{n.id} ({n.op}): {r}" for n, r in problems))
    builder = Builder(graph, inputs, external=external_weights, matmul_nbits=matmul_nbits,
                      cache_attention=cache_attention)
    names: dict[str, str] = {v: v for v in inputs}
    params = set(graph.params)
    for node in nodes:
        ins = []
        for value in node.inputs:
            if value and value not in names and value in params:
                names[value] = builder.param(value)
            ins.append(names[value] if value else "")
        first = len(builder.nodes)
        try:
            result = CONVERTERS[node.op](builder, node, ins)
        except LoweringError:
            raise
        except Exception as exc:
            raise LoweringError(f"lowering {node.id} ({node.op}) to ONNX failed: "
                                f"{type(exc).__name__}: {exc}") from exc
        for i, onnx_node in enumerate(builder.nodes[first:]):
            onnx_node.name = f"{node.id}/{onnx_node.op_type}/{i}"
        for ir_name, onnx_name in zip(node.outputs, result, strict=False):
            names[ir_name] = onnx_name
    out_names = _name_outputs(builder, outputs, names, inputs, params)
    in_place = [value for value, _ in builder.in_place]
    builder.nodes = _live(builder.nodes, [*out_names, *in_place])
    used = {name for n in builder.nodes for name in n.input}
    initializers = [t for name, t in builder.initializers.items() if name in used]
    external = {k: v for k, v in builder.external_data.items() if k in used}
    graph_inputs = [_value_info(v, graph.types[v]) for v in inputs]
    graph_inputs += [helper.make_tensor_value_info(SYM_PREFIX + s, onnx_dtype(DType.i64), [])
                     for s in builder.extra_inputs]
    graph_outputs = [_value_info(o, graph.types[v]) for o, v in zip(out_names, outputs,
                                                                     strict=True)]
    graph_outputs += [_value_info(o, graph.types[v]) for o, v in builder.in_place]
    onnx_graph = helper.make_graph(builder.nodes, name, graph_inputs, graph_outputs,
                                   initializer=initializers)
    opsets = [helper.make_opsetid("", OPSET)]
    if any(n.domain == MS_DOMAIN for n in builder.nodes):
        opsets.append(helper.make_opsetid(MS_DOMAIN, 1))
    model = helper.make_model(onnx_graph, opset_imports=opsets, producer_name="hwsdk",
                              ir_version=IR_VERSION)
    return LoweredModel(model=model,
                        inputs=[*inputs, *(SYM_PREFIX + s for s in builder.extra_inputs)],
                        outputs=out_names, output_types=[graph.types[v] for v in outputs],
                        symbols=list(builder.extra_inputs),
                        external_data=external, cache_calls=sorted(builder.cache_calls),
                        in_place=list(builder.in_place))
