"""Capture: nn.Module + example inputs → IR Graph, through torch.export (non-strict).

Steps: check the inputs → ``torch.export.export`` → decompose to the core op set while keeping
the composite ops vendors accelerate whole → translate every ATen call through the op set's
ATen map (:mod:`hwsdk.ir.translate`; anything unmapped becomes an opaque ``torch_op``) → fold
constant subgraphs (:mod:`hwsdk.ir.fold`) → torchao's quantized weights into ``dequantize``
(:mod:`hwsdk.ir.quant.recognize`).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import CaptureError, InvalidArgumentError
from hwsdk.ir.fold import fold_constants
from hwsdk.ir.graph import Graph, TensorType
from hwsdk.ir.inputs import check_example_inputs, check_weights, diagnose_export_failure
from hwsdk.ir.opdef import TORCH_OP, get_op
from hwsdk.ir.outputs import OutputPlan
from hwsdk.ir.quant import recognize_torchao
from hwsdk.ir.saved import is_exported_program, unpack_program
from hwsdk.ir.symbols import SymbolNamer, dim_names
from hwsdk.ir.translate import Translator

__all__ = ["Captured", "capture", "translate_program", "KEEP_WHOLE", "check_example_inputs",
           "export_program", "decomposition_table", "EXPORT_LOCK"]

KEEP_WHOLE = (
    "linear.default", "conv1d.default", "conv2d.default", "conv3d.default", "layer_norm.default",
    "rms_norm.default", "softmax.int", "log_softmax.int", "gelu.default", "silu.default",
    "scaled_dot_product_attention.default", "embedding.default", "matmul.default",
    "max_pool2d.default", "adaptive_avg_pool2d.default", "batch_norm.default", "hardtanh.default",
    "index_copy.default",
)
"""Composite ATen ops kept whole through decomposition: the ops vendors accelerate as one."""

EXPORT_LOCK = threading.Lock()
"""Held while torch.export traces or decomposes: it keeps its tracing state in process globals
(``_EXPORT_MODULE_HIERARCHY``, the proxy dispatch mode slot), so two exports at once corrupt
each other. Translation, folding and compiling run outside it."""


@dataclass
class Captured:
    """The result of capture: the IR graph plus what the runtime needs to call it like the model.

    :param symbol_names: symbol → where it first appears among the inputs (``"input_ids dim 1"``).
    :param symbol_ranges: symbol → (min, max) sizes torch.export proved the graph valid for;
        max is None when unbounded.
    :param arg_names: the names of ``forward``'s positional parameters that the example inputs
        filled, so that calls may pass them by keyword.
    :param output_plan: how the graph's outputs become the model's (Python numbers, inputs
        updated in place); None when they are the model's outputs one for one.
    """

    graph: Graph
    in_spec: Any
    out_spec: Any
    input_types: list[TensorType]
    symbol_names: dict[str, str] = field(default_factory=dict)
    symbol_ranges: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    arg_names: list[str] = field(default_factory=list)
    output_plan: OutputPlan | None = None


def decomposition_table() -> dict[Any, Any]:
    """torch.export's default decompositions less the :data:`KEEP_WHOLE` composites: the
    decompositions every capture uses."""
    import torch

    table = torch.export.default_decompositions()
    for name in KEEP_WHOLE:
        packet, overload = name.split(".")
        op = getattr(getattr(torch.ops.aten, packet), overload)
        table.pop(op, None)
    return table


def export_program(model: Any, example_inputs: tuple[Any, ...],
                   dynamic_shapes: Any = None) -> Any:
    """Run torch.export (non-strict) and decompose to what the core op set maps.

    :raises InvalidArgumentError: when ``model`` is not an ``nn.Module``.
    :raises CaptureError: naming the cause, with the original exception chained.
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise InvalidArgumentError(
            f"model must be a torch.nn.Module, got {type(model).__name__}; wrap a function in "
            "an nn.Module whose forward calls it"
        )
    try:
        program = _locked(lambda: torch.export.export(
            model, example_inputs, dynamic_shapes=dynamic_shapes, strict=False))
    except Exception as exc:  # torch.export raises many types; all mean "cannot capture"
        diagnosis = diagnose_export_failure(model, example_inputs)  # eager, outside the lock
        if diagnosis:
            raise CaptureError(diagnosis) from exc
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise CaptureError(
            f"torch.export could not capture {type(model).__name__}: {type(exc).__name__}: "
            f"{first[:300].rstrip('.')}. {capture_hint(exc)}"
        ) from exc
    try:
        return _locked(lambda: program.run_decompositions(decomposition_table()))
    except Exception as exc:
        raise CaptureError(
            f"decomposing {type(model).__name__} to ATen core ops failed: {exc}; report this "
            "with the model, or mark the failing op's module as a fallback"
        ) from exc


def _locked(step: Callable[[], Any]) -> Any:
    """Run one torch.export step under :data:`EXPORT_LOCK`."""
    with EXPORT_LOCK, warnings.catch_warnings():
        # torch.export's own use of its deprecated LeafSpec (torch 2.13); nothing a user can do.
        warnings.filterwarnings("ignore", category=FutureWarning,
                                message=r"`isinstance\(treespec, LeafSpec\)` is deprecated")
        return step()


def capture_hint(exc: BaseException) -> str:
    """What the user can change, judged from torch.export's exception."""
    text = str(exc)
    name = type(exc).__name__
    if "data-dependent" in text or "DataDependent" in name:
        return ("The model branches on tensor values; replace Python `if` on tensors with "
                "torch.where / torch.cond, or move that logic out of forward.")
    if "Constraints violated" in text or "dynamic_shapes" in text or "specializ" in text:
        return ("A dim marked dynamic was specialized or constrained; check dynamic_shapes "
                "against what the model does with that dim (the chained exception suggests "
                "fixes).")
    return ("Make forward traceable by torch.export (no data-dependent Python control flow, "
            "tensor or pytree inputs and outputs); the chained exception has the details.")


def _renames(program: Any, names: list[dict[int, str]]) -> dict[str, str]:
    """torch symbol → user Dim name, from the dims of the user-input placeholders."""
    user = [spec.arg.name for spec in program.graph_signature.input_specs
            if spec.kind.name == "USER_INPUT"]
    if len(user) != len(names):
        return {}
    placeholders = {n.name: n for n in program.graph_module.graph.nodes if n.op == "placeholder"}
    renames: dict[str, str] = {}
    for name, dims in zip(user, names, strict=True):
        val = placeholders[name].meta.get("val")
        for index, dim_name in dims.items():
            if val is None or index >= val.dim():
                continue
            expr = getattr(getattr(val.shape[index], "node", None), "expr", None)
            symbols = list(getattr(expr, "free_symbols", ()))
            # A plain symbol, or the one symbol of a derived dim's expression (2*s44 → half).
            if len(symbols) == 1 and dim_name not in renames.values():
                renames.setdefault(symbols[0].name, dim_name)
    return renames


def _ranges(program: Any, namer: SymbolNamer) -> dict[str, tuple[int, int | None]]:
    out: dict[str, tuple[int, int | None]] = {}
    for symbol, vr in getattr(program, "range_constraints", {}).items():
        lower, upper = _finite(vr.lower), _finite(vr.upper)
        out[namer.text(symbol)] = (lower or 0, upper)
    return out


def _finite(bound: Any) -> int | None:
    """A range bound as an int; None for infinities (sympy's oo, torch's int_oo)."""
    if getattr(bound, "is_finite", True) is False or getattr(bound, "is_infinite", False):
        return None
    try:
        value = int(bound)
    except Exception:  # sympy raises assorted types for non-numeric bounds
        return None
    return value if abs(value) < 2**62 else None


def capture(model: Any, example_inputs: Sequence[Any], dynamic_shapes: Any = None,
            kwargs: Mapping[str, Any] | None = None) -> Captured:
    """Capture ``model`` called on ``example_inputs`` into an IR graph.

    :param model: a ``torch.nn.Module`` in the mode it will run in (call ``.eval()`` first),
        or a ``torch.export.ExportedProgram``: its module is exported again, keeping the
        dynamic dims it was exported with (see :mod:`hwsdk.ir.saved`).
    :param example_inputs: a tuple of tensors (or pytrees of tensors).
    :param dynamic_shapes: passed to ``torch.export.export`` unchanged; the names of its
        ``torch.export.Dim`` objects become the IR's symbol names.
    :raises CaptureError: when torch.export cannot capture the model, or it returns
        something other than tensors and Python numbers, or updates a weight in place.
    :raises InvalidArgumentError: for meta tensors among the inputs or weights.
    :raises UnsupportedDtypeError: for float64 weights that PyTorch cannot run on float32 inputs.
    """
    import torch

    if kwargs:
        raise InvalidArgumentError("capture takes positional example inputs only")
    if is_exported_program(model):
        with EXPORT_LOCK:  # program.module() unlifts through the same tracing state
            saved = unpack_program(model)
        model = saved.module
        if dynamic_shapes is None:
            dynamic_shapes = saved.dynamic_shapes
    args = check_example_inputs(example_inputs)
    if isinstance(model, torch.nn.Module):
        check_weights(model, args)
    program = export_program(model, args, dynamic_shapes)
    namer = SymbolNamer(_renames(program, dim_names(model, args, dynamic_shapes)))
    return translate_program(program, namer, in_spec=program.call_spec.in_spec,
                             out_spec=program.call_spec.out_spec,
                             symbol_ranges=_ranges(program, namer),
                             arg_names=_arg_names(model, len(args)))


def translate_program(program: Any, namer: SymbolNamer, *, in_spec: Any, out_spec: Any,
                      symbol_ranges: dict[str, tuple[int, int | None]] | None = None,
                      arg_names: list[str] | None = None) -> Captured:
    """The one FX → IR path: translate, fold constants, validate, and describe the inputs.

    Both torch.export's programs (:func:`capture`) and the FX graphs ``torch.compile`` hands
    to its backend (:mod:`hwsdk.dynamo.graph`, which describes a GraphModule the way
    an ExportedProgram does) come through here.

    :param program: an ExportedProgram, or an object with its ``graph_module``,
        ``graph_signature`` (input and output specs), ``state_dict`` and ``constants``.
    :param namer: names the symbolic dims.
    :param in_spec: the pytree spec the runtime flattens a call's arguments against.
    :param out_spec: the pytree spec of the outputs.
    :raises CaptureError: for what the IR cannot represent (see :class:`Translator`).
    """
    translator = Translator(program, namer)
    graph = translator.translate()
    fold_constants(graph)
    recognize_torchao(graph)
    graph.validate()
    for node in graph.nodes:  # consistency of the op set's attrs and the capture
        if node.op != TORCH_OP:
            get_op(node.op)
    input_types = [graph.types[i] for i in graph.inputs]
    return Captured(graph=graph, in_spec=in_spec, out_spec=out_spec, input_types=input_types,
                    symbol_names=_symbol_names(graph), symbol_ranges=dict(symbol_ranges or {}),
                    arg_names=list(arg_names or []),
                    output_plan=None if translator.output_plan.plain else translator.output_plan)


def _arg_names(model: Any, count: int) -> list[str]:
    import inspect

    try:
        params = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return []
    names = [p.name for p in params[:count]
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return names if len(names) == count else []


def _symbol_names(graph: Graph) -> dict[str, str]:
    """Symbol → 'input name dim k', the first place each symbol appears among inputs."""
    names: dict[str, str] = {}
    for name in graph.inputs:
        for k, d in enumerate(graph.types[name].shape):
            if isinstance(d, str) and d not in names:
                names[d] = f"{name} dim {k}"
    return names


