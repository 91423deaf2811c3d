"""The public entry points: compile, explain, targets, capabilities.

The facade composes the stages, each of which owns its entry point: capture
(:func:`hwsdk.ir.capture.capture`), planning (:func:`hwsdk.partition.planner.plan_graph`)
and assembly (:func:`hwsdk.runtime.build.build_compiled`).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from hwsdk.capability import CapabilityTable
from hwsdk.errors import CompileError, InvalidArgumentError, TargetUnavailableError
from hwsdk.ir.quant import QuantConfig, quant_config
from hwsdk.ir.quant import quantize_fallback as check_quantize_fallback
from hwsdk.ir.saved import is_exported_program, saved_example_inputs
from hwsdk.partition.plan import PartitionPlan, RegionStatus
from hwsdk.partition.planner import (
    check_options,
    normalize_fallback_ops,
    plan_graph,
    raise_if_not_full,
    resolve_targets,
)
from hwsdk.plugin import TargetInfo
from hwsdk.registry import Registry, get_registry
from hwsdk.runtime.build import build_compiled
from hwsdk.tune.mode import PRIORITY_NOTE, resolve_mode

__all__ = ["compile", "explain", "targets", "capabilities", "LazyCompiledModel", "MAX_CAPTURES",
           "require_available"]

MAX_CAPTURES = 8
"""How many input specs a model compiled without example inputs captures before refusing."""


def targets(registry: Registry | None = None) -> list[TargetInfo]:
    """Every registered target, highest ``auto`` priority first. Does not import torch."""
    return (registry or get_registry()).ordered_targets()


def capabilities(target: str, registry: Registry | None = None) -> CapabilityTable:
    """The capability table of a target reference (``"intel"``, ``"rocm:gfx942"``)."""
    return (registry or get_registry()).capabilities(target)


def explain(model: Any, example_inputs: Sequence[Any], target: str | Sequence[str] = "auto", *,
            min_block_size: int = 1, fallback_ops: Collection[str] = (),
            dynamic_shapes: Any = None, options: Mapping[str, Any] | None = None,
            assume_unknown: str = "fallback", quantize: str | None = None,
            group_size: int = 128, quantize_exclude: Sequence[str] | None = None,
            quantize_fallback: str = "torch", **target_options: Any) -> PartitionPlan:
    """Capture ``model`` and plan it for ``target`` without compiling anything.

    Works for any registered target whether or not its hardware or SDK is present.

    :param model: a ``torch.nn.Module`` (call ``.eval()`` first for inference).
    :param example_inputs: a tuple of example tensors.
    :param target: a target reference, ``"auto"``, or a list in preference order.
    :param assume_unknown: ``"fallback"`` (default) reports what is certain; ``"runs"`` adds
        the labelled optimistic bound "up to N % if the undocumented ops work" to every
        report. Placement is the same either way (``compile`` never runs an unknown op).
    :param quantize: as :func:`compile` (with ``group_size``, ``quantize_exclude`` and
        ``quantize_fallback``): plan the quantized model.
    :returns: the :class:`PartitionPlan` (``plan.summary()``, ``plan.to_json()``).
    :raises InvalidArgumentError: for another ``assume_unknown``.
    """
    from hwsdk.ir.capture import capture
    from hwsdk.partition.plan import ASSUME_UNKNOWN

    if assume_unknown not in ASSUME_UNKNOWN:  # before the capture, which is slow
        raise InvalidArgumentError(
            f"assume_unknown={assume_unknown!r} is not one of {list(ASSUME_UNKNOWN)}; pass "
            "'runs' for the optimistic bound or leave the default 'fallback'")
    from hwsdk.ir.quant import quantize_graph
    from hwsdk.partition.weights import plan_quantized

    all_options = {**(options or {}), **target_options}
    _check_settings({"target": target, "min_block_size": min_block_size, "options": all_options})
    config = quant_config(quantize, group_size, quantize_exclude)
    fallback = check_quantize_fallback(quantize_fallback)
    captured = capture(model, example_inputs, dynamic_shapes=dynamic_shapes)
    notes = [*_priority_note(target), *(quantize_graph(captured.graph, config) if config else [])]
    return plan_quantized(captured, target, get_registry(), dequantize=fallback == "dequantize",
                          notes=notes, min_block_size=min_block_size, fallback_ops=fallback_ops,
                          options=all_options, model_name=type(model).__name__,
                          assume_unknown=assume_unknown)


def _priority_note(target: str | Sequence[str]) -> list[str]:
    """``explain`` measures nothing: where ``auto`` is asked for, its plan says so."""
    names = [target] if isinstance(target, str) else list(target)
    return [PRIORITY_NOTE] if "auto" in names else []


def compile(model: Any, example_inputs: Sequence[Any] | None = None,
            target: str | Sequence[str] = "auto", *, min_block_size: int = 1,
            fallback_ops: Collection[str] = (), require_full: bool = False,
            dynamic_shapes: Any = None, options: Mapping[str, Any] | None = None,
            quantize: str | None = None, group_size: int = 128,
            quantize_exclude: Sequence[str] | None = None, quantize_fallback: str = "torch",
            tune: str | None = None, **target_options: Any) -> Any:
    """Compile ``model`` for ``target``; the result is called like the model.

    :param model: a ``torch.nn.Module`` (call ``.eval()`` first for inference), or a
        ``torch.export.ExportedProgram`` (its dynamic dims stay dynamic).
    :param example_inputs: a tuple of example tensors (for a program: its saved example
        inputs when None). When None, the model is captured and
        compiled on its first call, and captured again (with a warning naming the changed input)
        when a later call's inputs fall outside what earlier captures cover, up to
        :data:`MAX_CAPTURES` times.
    :param target: a target reference (``"intel"``, ``"rocm:gfx942"``), ``"auto"`` (the
        available targets by priority), or a list in preference order.
    :param min_block_size: accelerator regions with fewer nodes run in PyTorch instead.
    :param fallback_ops: core op names or ATen overloads forced to PyTorch.
    :param require_full: raise :class:`~hwsdk.errors.UnsupportedOpsError` instead of
        falling back.
    :param dynamic_shapes: passed to ``torch.export.export``.
    :param options: target options (``precision``, ``num_threads`` …); also accepted as
        keyword arguments. Each must be declared by one of the chosen targets.
    :param quantize: ``"int8_weight_only"`` or ``"int4_weight_only"``: hwsdk quantizes the
        linear weights after capture (docs/quantization.md); None keeps them as they are.
    :param group_size: input channels per int4 scale.
    :param quantize_exclude: module names or patterns left in float (default: none for
        int8, ``["lm_head"]`` for int4).
    :param quantize_fallback: for quantized weights no requested target runs (hwsdk's or
        torchao's): ``"torch"`` keeps each such linear in PyTorch with its dequantize (reason
        DTYPE); ``"dequantize"`` dequantizes the weight to float up front so the target runs
        the linear, and the plan names each such weight and why.
    :param tune: ``"measure"``: compile each candidate engine assignment, time it on the
        example inputs and keep the fastest; ``"cached"``: reuse the decision stored for this
        model and machine, measuring when there is none; ``"off"``: the targets' priority.
        None: ``"cached"`` for ``auto``, else ``"off"``; ``HWSDK_TUNE`` overrides
        (docs/tuning.md).
    :returns: a :class:`~hwsdk.runtime.CompiledModel`, or a :class:`LazyCompiledModel`.
    """
    settings = dict(target=target, min_block_size=min_block_size, fallback_ops=fallback_ops,
                    require_full=require_full, dynamic_shapes=dynamic_shapes,
                    options={**(options or {}), **target_options},
                    quantize=quant_config(quantize, group_size, quantize_exclude),
                    quantize_fallback=check_quantize_fallback(quantize_fallback),
                    tune=resolve_mode(tune, target))
    _check_settings(settings)  # before capture: fail fast on bad targets and options
    require_available(target, settings["options"], get_registry())
    if example_inputs is None and is_exported_program(model):
        example_inputs = saved_example_inputs(model) or None  # capture unpacks the rest
    if example_inputs is None:
        return LazyCompiledModel(model, settings)
    return _compile_now(model, example_inputs, **settings)


def _check_settings(settings: Mapping[str, Any]) -> None:
    """Fail at ``compile`` time, not on the first call, for bad targets and options."""
    if not isinstance(settings["min_block_size"], int) or settings["min_block_size"] < 1:
        raise InvalidArgumentError(
            f"min_block_size must be an int >= 1, got {settings['min_block_size']!r}")
    normalize_fallback_ops(settings.get("fallback_ops", ()))
    registry = get_registry()
    _, prefs, _ = resolve_targets(settings["target"], registry)
    check_options(settings["options"], prefs, registry)


def require_available(target: str | Sequence[str], options: Mapping[str, Any],
                      registry: Registry) -> None:
    """Refuse, before anything is captured, a target asked for by name that may not compile
    here (``auto`` skips unavailable targets instead): the registry's one rule,
    :meth:`~hwsdk.registry.Registry.unavailable` (its deep probe failed and none of the
    target's offline options, emulation or an ahead-of-time build, is set).

    :raises TargetUnavailableError: naming the target and what its probe found missing.
    """
    requested, _, _ = resolve_targets(target, registry)
    for ref in requested:
        if ref == "auto":
            continue
        why = registry.unavailable(ref, options)
        if why:
            raise TargetUnavailableError(why)


def _compile_now(model: Any, example_inputs: Sequence[Any], *, target: Any, min_block_size: int,
                 fallback_ops: Collection[str], require_full: bool, dynamic_shapes: Any,
                 options: Mapping[str, Any], quantize: QuantConfig | None = None,
                 quantize_fallback: str = "torch", tune: str = "off") -> Any:
    from hwsdk.ir.capture import capture
    from hwsdk.ir.inputs import warn_if_differentiated
    from hwsdk.ir.quant import quantize_graph
    from hwsdk.partition.weights import dequantize_refused, record_weights

    registry = get_registry()
    captured = capture(model, example_inputs, dynamic_shapes=dynamic_shapes)
    notes = quantize_graph(captured.graph, quantize) if quantize else []
    dequantized: list[str] = []
    if quantize_fallback == "dequantize":
        more, dequantized = dequantize_refused(captured.graph, target, registry)
        notes += more
    if tune != "off":
        from hwsdk.tune import tune_compile

        compiled = tune_compile(captured, example_inputs, target, mode=tune,
                                min_block_size=min_block_size, fallback_ops=fallback_ops,
                                options=options, registry=registry, require_full=require_full,
                                model_name=type(model).__name__, notes=notes,
                                home=_home_device(example_inputs))
    else:
        plan = plan_graph(captured, target, min_block_size=min_block_size,
                          fallback_ops=fallback_ops, options=options, registry=registry,
                          model_name=type(model).__name__, notes=notes)
        if require_full:
            raise_if_not_full(plan)
        compiled = build_compiled(captured, plan, registry, options, require_full,
                                  home=_home_device(example_inputs))
    if quantize or dequantized:
        compiled.plan = record_weights(compiled.plan, dequantized)
    warn_if_differentiated(example_inputs, [r.target for r in compiled.plan.regions
                                            if r.status is RegionStatus.COMPILED])
    return compiled


def _home_device(example_inputs: Sequence[Any]) -> str:
    """The device of the first example tensor (where calls' inputs are expected)."""
    from torch.utils._pytree import tree_leaves

    for leaf in tree_leaves(tuple(example_inputs)):
        device = getattr(leaf, "device", None)
        if device is not None:
            return str(device)
    return "cpu"


class LazyCompiledModel:
    """A model compiled on first call; captures again when inputs leave the covered specs."""

    def __init__(self, model: Any, settings: dict[str, Any]) -> None:
        self.model = model
        self.settings = settings
        self.compiled: list[Any] = []
        self._lock = threading.Lock()

    def _find(self, flat: Sequence[Any]) -> Any:
        for compiled in self.compiled:
            if compiled.guard.matches(flat):
                return compiled
        return None

    def _changed_input(self, flat: Sequence[Any]) -> str:
        guard = self.compiled[0].guard
        if len(flat) != len(guard.types):
            return f"the number of input tensors changed from {len(guard.types)} to {len(flat)}"
        for i, value in enumerate(flat):
            expected = guard.types[i]
            shape = list(getattr(value, "shape", []))
            dtype = str(getattr(value, "dtype", type(value).__name__)).removeprefix("torch.")
            if shape != list(expected.shape) or dtype != str(guard.torch_dtypes[i]).removeprefix(
                    "torch."):
                return f"input {guard.names[i]!r} changed from {expected} to {dtype}{shape}"
        return "the input structure changed"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from torch.utils._pytree import tree_flatten

        if kwargs:
            args = self._positional(args, kwargs)
        flat, _ = tree_flatten(args)
        compiled = self._find(flat)
        if compiled is None:
            with self._lock:
                compiled = self._find(flat)
                if compiled is None:
                    compiled = self._capture(args, flat)
        return compiled(*args)

    def _positional(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """Keyword arguments for forward's next positional parameters, moved into place."""
        import inspect

        try:
            params = list(inspect.signature(self.model.forward).parameters.values())
        except (TypeError, ValueError):
            params = []
        out = list(args)
        for param in params[len(args):]:
            if param.name not in kwargs or param.kind not in (param.POSITIONAL_ONLY,
                                                              param.POSITIONAL_OR_KEYWORD):
                break
            out.append(kwargs[param.name])
        if len(out) - len(args) != len(kwargs):
            raise InvalidArgumentError(
                f"keyword argument(s) {sorted(kwargs)} do not fill forward's parameters in "
                "order; a model compiled without example_inputs takes its tensors "
                "positionally (or by name, without gaps)")
        return tuple(out)

    def _capture(self, args: tuple[Any, ...], flat: Sequence[Any]) -> Any:
        if len(self.compiled) >= MAX_CAPTURES:
            raise CompileError(
                f"inputs changed spec more than {MAX_CAPTURES} times ({self._changed_input(flat)});"
                " pass example_inputs and dynamic_shapes to compile once for a range of shapes"
            )
        if self.compiled:
            warnings.warn(f"hwsdk: capturing again because {self._changed_input(flat)} "
                          f"(capture {len(self.compiled) + 1} of at most {MAX_CAPTURES})",
                          stacklevel=3)
        compiled = _compile_now(self.model, args, **self.settings)
        self.compiled.append(compiled)
        return compiled

    @property
    def plan(self) -> PartitionPlan | None:
        return self.compiled[-1].plan if self.compiled else None
