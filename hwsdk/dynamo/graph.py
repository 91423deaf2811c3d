"""A torch.compile FX graph → :class:`~hwsdk.ir.capture.Captured`, through the capture's path.

AOTAutograd hands its compilers a functional ATen GraphModule whose placeholders are every
tensor the graph reads (weights included: they change between training steps) and the
symbolic sizes Dynamo keeps dynamic. :class:`GraphProgram` describes such a module the way an
ExportedProgram describes itself (input and output specs), so that
:func:`hwsdk.ir.capture.translate_program` translates it exactly as it translates a
torch.export capture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import CaptureError
from hwsdk.ir.capture import Captured, translate_program
from hwsdk.ir.symbols import SymbolNamer

__all__ = ["GraphProgram", "capture_graph_module", "FxCapture"]


@dataclass(frozen=True)
class _Kind:
    name: str


@dataclass(frozen=True)
class _Arg:
    name: str


@dataclass(frozen=True)
class _Spec:
    kind: _Kind
    arg: _Arg
    target: str | None = None


@dataclass
class _Signature:
    input_specs: list[_Spec]
    output_specs: list[_Spec]


@dataclass
class GraphProgram:
    """An FX GraphModule seen as a program: tensor placeholders are user inputs, SymInt
    placeholders are ``SIZE`` inputs (their values come from the tensors' dims), tensors read
    with ``get_attr`` are constants, every output is a user output. It holds no weights:
    AOTAutograd passes them as inputs, since training updates them between calls."""

    graph_module: Any
    graph_signature: _Signature
    state_dict: dict[str, Any] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, gm: Any) -> GraphProgram:
        import torch

        inputs = []
        constants: dict[str, Any] = {}
        for node in gm.graph.nodes:
            if node.op == "get_attr":
                value = _attr(gm, str(node.target))
                if isinstance(value, torch.Tensor):
                    constants[str(node.target)] = value
                    inputs.append(_Spec(_Kind("CONSTANT_TENSOR"), _Arg(node.name),
                                        str(node.target)))
                continue
            if node.op != "placeholder":
                continue
            val = node.meta.get("val")
            kind = "SIZE" if isinstance(val, (torch.SymInt, int)) else "USER_INPUT"
            inputs.append(_Spec(_Kind(kind), _Arg(node.name)))
        out = next(n for n in gm.graph.nodes if n.op == "output")
        outputs = [_Spec(_Kind("USER_OUTPUT"), _Arg(getattr(a, "name", str(a))))
                   for a in _output_args(out)]
        return cls(gm, _Signature(inputs, outputs), constants=constants)


def _attr(gm: Any, target: str) -> Any:
    value = gm
    for part in target.split("."):
        value = getattr(value, part, None)
    return value


def _output_args(node: Any) -> list[Any]:
    value = node.args[0]
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass
class FxCapture:
    """A captured FX graph and where its tensor arguments sit among the graph's arguments.

    :param captured: what the partitioner and the runtime take.
    :param tensor_positions: the indices of the tensor arguments (the SymInt arguments are
        read from their dims instead).
    """

    captured: Captured
    tensor_positions: list[int]


def capture_graph_module(gm: Any) -> FxCapture:
    """Translate an ATen-level FX GraphModule (AOTAutograd's forward or backward graph).

    :raises CaptureError: when a symbolic size argument is no plain dim of a tensor argument
        (the runtime binds symbols from tensor shapes), or for what the IR cannot represent.
    """
    import torch
    from torch.utils._pytree import tree_flatten

    if isinstance(gm.graph.output_node().args[0], torch.fx.Node):
        raise CaptureError("the graph returns a single value, not a tuple; AOTAutograd "
                           "graphs return tuples: compile through hwsdk's torch.compile "
                           "backend, not with a hand-made graph")
    program = GraphProgram.of(gm)
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    tensor_positions = [i for i, n in enumerate(placeholders)
                        if isinstance(n.meta.get("val"), torch.Tensor)]
    captured = translate_program(
        program, SymbolNamer(),
        in_spec=tree_flatten((tuple(range(len(tensor_positions))), {}))[1],
        out_spec=tree_flatten(tuple(range(len(_output_args(gm.graph.output_node())))))[1])
    _check_sizes_bound(captured, placeholders, tensor_positions)
    return FxCapture(captured, tensor_positions)


def _check_sizes_bound(captured: Captured, placeholders: list[Any],
                       tensor_positions: list[int]) -> None:
    graph = captured.graph
    plain = {d for name in graph.inputs for d in graph.types[name].shape
             if isinstance(d, str) and d.isidentifier()}
    for i, node in enumerate(placeholders):
        if i in tensor_positions:
            continue
        symbol = str(node.meta.get("val"))
        if symbol.isidentifier() and symbol not in plain:
            raise CaptureError(
                f"size argument {node.name} ({symbol}) is no dim of any tensor argument, so "
                "the runtime cannot bind it; mark that dim static (torch._dynamo."
                "mark_static) or compile with dynamic=False")
