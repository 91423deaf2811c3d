"""The conformance checks, as plain functions over a :class:`~hwsdk.registry.Registry`.

Each returns an :class:`Outcome` (passed, failed or skipped, with the reason) instead of
asserting, so the pytest suite, a vendor's own harness or a CI script can all use them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hwsdk.ir.dtypes import DType

__all__ = ["Outcome", "Settings", "check_targets", "check_probe", "check_table", "check_op",
           "check_round_trip", "check_unclaimed_region", "check_unavailable_compile",
           "claimed", "unavailable_reason"]


@dataclass
class Outcome:
    """The result of one check.

    :param status: ``passed``, ``failed`` or ``skipped``.
    :param detail: why it failed or was skipped; for passes, what was covered.
    :param cases: generated cases compared with the reference.
    :param refused: generated cases the target's constraints or check hook refused.
    :param classes: op checks: input class → ``ran``, ``failed``, ``refused`` (every case
        of the class refused), ``n/a`` (the op does not accept it) or ``declared: why``.
    """

    status: str
    detail: str = ""
    cases: int = 0
    refused: int = 0
    classes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """How op and round-trip checks compile.

    :param options: compile options passed to the target (``{"emulate": True}``).
    :param ignore_probe: run even when the probe says unavailable (for emulators and
        interpreters that run without the device).
    """

    options: Mapping[str, Any] = field(default_factory=dict)
    ignore_probe: bool = False


DEFAULT = Settings()


def _fail(detail: str, **kw: Any) -> Outcome:
    return Outcome("failed", detail, **kw)


def _skip(detail: str) -> Outcome:
    return Outcome("skipped", detail)


def unavailable_reason(registry: Any, ref: str) -> str | None:
    """Why ``ref`` cannot run here (its probe), or None when it can."""
    probe = registry.probe(ref)
    if probe.available:
        return None
    return f"{ref} is not available here: {probe.reason or 'the probe gives no reason'}"


def claimed(registry: Any, ref: str) -> list[tuple[str, DType]]:
    """Every (op, dtype) the table of ``ref`` marks ``yes``, sorted."""
    table = registry.capabilities(ref)
    return sorted((op, DType(dt)) for op, entry in table.ops.items()
                  for dt, support in entry.dtypes.items() if support == "yes")


def check_targets(registry: Any, ref: str) -> Outcome:
    """``hwsdk_targets``: the target is declared, loaded, and its variants and aliases resolve."""
    info, _variant = registry.resolve(ref)
    record = registry.record_for(ref)
    if not record.ok:
        return _fail(f"plugin {record.name} is {record.state}: {record.error}")
    problems = []
    for alias in info.aliases:
        if registry.canonical(alias).partition(":")[0] != info.name:
            problems.append(f"alias {alias} does not resolve to {info.name}")
    if info.default_variant and info.default_variant not in info.variants:
        problems.append(f"default_variant {info.default_variant} is not among {info.variants}")
    if not info.description:
        problems.append("TargetInfo.description is empty (`hwsdk targets` shows it)")
    if problems:
        return _fail("; ".join(problems))
    return Outcome("passed", f"{info.name} from {record.describe()}")


def check_probe(registry: Any, ref: str) -> Outcome:
    """``Target.probe``, quick and deep: returns an Availability without raising; unavailable
    says why."""
    from hwsdk.plugin import Availability

    target = registry.target(ref)
    for deep in (False, True):
        try:
            raw = target.probe(deep)
        except Exception as exc:
            return _fail(f"probe(deep={deep}) raised {type(exc).__name__}: {exc}; a probe must "
                         "say why in Availability.reason instead")
        if not isinstance(raw, Availability):
            return _fail(f"probe(deep={deep}) returned {type(raw).__name__}, not an "
                         "Availability")
    probe = registry.probe(ref)
    if not probe.available and not probe.reason:
        return _fail("the target is unavailable but Availability.reason is empty")
    return Outcome("passed", f"available={probe.available} {probe.reason}".strip())


def check_table(registry: Any, ref: str) -> Outcome:
    """``Target.capabilities``: validates, names core ops, has provenance, JSON round-trips."""
    from hwsdk.capability import CapabilityTable
    from hwsdk.errors import HwsdkError
    from hwsdk.ir.opdef import OPSET_VERSION, all_ops

    try:
        table = registry.capabilities(ref)
    except HwsdkError as exc:
        return _fail(f"no valid capability table: {exc}")
    problems = []
    known = {op.name for op in all_ops()}
    unknown = sorted(set(table.ops) - known)
    if unknown:
        problems.append(f"ops outside core op set v{OPSET_VERSION}: {unknown}")
    if table.opset_version != OPSET_VERSION:
        problems.append(f"opset_version {table.opset_version}, hwsdk has {OPSET_VERSION}")
    for i, prov in enumerate(table.provenance):
        if not prov.source.strip():
            problems.append(f"provenance[{i}] has an empty source")
    if not any(s == "yes" for e in table.ops.values() for s in e.dtypes.values()):
        problems.append("the table claims no op in any dtype")
    again = CapabilityTable.model_validate_json(table.model_dump_json())
    if again != table:
        problems.append("the table does not survive a JSON round trip")
    if problems:
        return _fail("; ".join(problems))
    return Outcome("passed", f"{len(table.ops)} ops, {len(table.provenance)} provenance entries")


def _scale(graph: Any, inputs: Sequence[Any]) -> float:
    """Magnitude of the terms an accumulating op sums: its reference on ``|inputs|``."""
    from hwsdk.testing.graphs import reference_outputs

    def absolute(t: Any) -> Any:
        return t.abs() if t.dtype.is_floating_point else t

    params = {k: absolute(v) for k, v in graph.param_data.items()}
    outs = reference_outputs(graph, [absolute(t) for t in inputs], params)
    finite = [o.double().abs().nan_to_num(0.0, 0.0, 0.0) for o in outs if o.is_floating_point()]
    return max((float(o.max()) for o in finite if o.numel()), default=0.0)


def _unclaimed_dtypes(registry: Any, ref: str, graph: Any, node_id: str,
                      dtype: DType) -> list[str]:
    from hwsdk.capability import node_dtypes

    table = registry.capabilities(ref)
    node = graph.node_by_id()[node_id]
    return [str(dt) for dt in node_dtypes(node, graph)
            if dt != dtype and table.support(node.op, dt) != "yes"]


def _run_case(registry: Any, ref: str, built: Any, op: str, dtype: DType,
              settings: Settings) -> tuple[str, str]:
    """Compile and run one built graph: ("ok" | "refused" | "failed" | "invalid", detail)."""
    from hwsdk.ir.dtypes import to_torch
    from hwsdk.testing.compare import ACCUMULATING_OPS, mismatch
    from hwsdk.testing.graphs import compile_graph, reference_outputs

    graph = built.graph
    try:
        refs = reference_outputs(graph, built.inputs)
    except Exception as exc:
        return "invalid", f"the PyTorch reference rejects it: {type(exc).__name__}: {exc}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = compile_graph(graph, ref, registry, dict(settings.options))
    plan = compiled.plan
    placed = plan.nodes[built.node_id]
    if placed.target != registry.canonical(ref):
        if placed.code.value in ("CONSTRAINT", "DYNAMIC_SHAPE"):
            return "refused", f"[{placed.code.value}] {placed.reason}"
        others = _unclaimed_dtypes(registry, ref, graph, built.node_id, dtype)
        if others:  # e.g. a cast to a dtype the table does not claim
            return "refused", f"also computes in {others}, which the table does not claim"
        return "failed", (f"the table claims it, but the node ran in PyTorch: "
                          f"[{placed.code.value}] {placed.reason}")
    for region in plan.regions:
        if region.status == "compile_failed":
            return "failed", f"region {region.id} failed to compile: {region.reason}"
    try:
        outs = compiled.run_flat(built.inputs)
    except Exception as exc:
        return "failed", f"running the compiled graph raised {type(exc).__name__}: {exc}"
    scale = _scale(graph, built.inputs) if op in ACCUMULATING_OPS else 0.0
    for name, out, want in zip(graph.outputs, outs, refs, strict=True):
        want = want.to(to_torch(graph.types[name].dtype))
        problem = mismatch(out, want, scale)
        if problem:
            return "failed", f"output {name}: {problem}"
    return "ok", ""


_RANK = {"failed": 4, "ran": 3, "declared": 2, "refused": 1, "n/a": 0}
"""How the cases of one input class sum up: the most telling status wins."""


def _tally(classes: dict[str, str], cls: str, status: str) -> None:
    if _RANK[status] >= _RANK.get(classes.get(cls, "n/a"), 0):
        classes[cls] = status


def check_op(registry: Any, ref: str, op: str, dtype: DType,
             settings: Settings = DEFAULT) -> Outcome:
    """Every generated case of ``op`` in ``dtype``, in every input class, matches the PyTorch
    reference on ``ref``.

    Cases the target refuses through a declared constraint or its check hook do not count,
    nor do input classes it declares unhandled (:class:`~hwsdk.capability.UnhandledInputs`)
    or that the op does not accept (the IR or the reference rejects the shape); if it refuses
    every case, the claim is untested and the check fails.
    """
    from hwsdk.testing.cases import cases_for, make_inputs
    from hwsdk.testing.inputs import class_cases, declared_unhandled

    cases = cases_for(op, dtype)
    if not cases:
        return _skip(f"the kit has no input generator for {op} yet; test this claim yourself")
    why = None if settings.ignore_probe else unavailable_reason(registry, ref)
    if why:
        return _skip(why)
    declared = declared_unhandled(registry.capabilities(ref), op)
    failures: list[str] = []
    refused: list[str] = []
    invalid: list[str] = []
    classes: dict[str, str] = {}
    ran = 0
    results = []
    for seed, case in enumerate(cases):
        results.append((case, _run_built(registry, ref, case, make_inputs(case, dtype, seed),
                                         op, dtype, settings)))
    valid = [case for case, (status, _) in results if status != "invalid"]
    for seed, case in enumerate(class_cases(valid, dtype), start=len(cases)):
        if case.input_class in declared:
            _tally(classes, case.input_class, "declared")
            continue
        results.append((case, _run_built(registry, ref, case, make_inputs(case, dtype, seed),
                                         op, dtype, settings)))
    for case, (status, detail) in results:
        cls = case.input_class
        if status == "ok":
            ran += 1
            _tally(classes, cls, "ran")
        elif status == "refused":
            refused.append(f"{case.name}: {detail}")
            _tally(classes, cls, "refused")
        elif status == "invalid":
            invalid.append(f"{case.name}: {detail}")
            _tally(classes, cls, "n/a")
        else:
            failures.append(f"{case.name}: {detail}")
            _tally(classes, cls, "failed")
    for cls, reason in declared.items():
        classes[cls] = f"declared: {reason}"
    if failures:
        return _fail("\n".join(failures), cases=ran, refused=len(refused), classes=classes)
    if ran == 0 and invalid and not refused:
        return _skip(f"PyTorch cannot compute {op} in {dtype} ({invalid[0]}); the claim only "
                     "matters for inputs of that dtype beside others (a mask), covered by the "
                     "other dtypes' cases")
    if ran == 0:
        why = (refused or invalid or ["no case ran"])[0]
        return _fail(f"the table claims {op} in {dtype}, but no generated case ran on the "
                     f"target ({why})", refused=len(refused), classes=classes)
    note = f"{ran} cases"
    if refused:
        note += f", {len(refused)} refused by constraints"
    if invalid:
        note += f", {len(invalid)} rejected by the IR or the reference"
    return Outcome("passed", note, cases=ran, refused=len(refused), classes=classes)


def _run_built(registry: Any, ref: str, case: Any, tensors: list[Any], op: str, dtype: DType,
               settings: Settings) -> tuple[str, str]:
    """Build the one-node graph of ``case`` and run it; a graph the IR rejects is invalid."""
    from hwsdk.testing.graphs import one_node_graph

    try:
        built = one_node_graph(case, tensors)
    except Exception as exc:
        if case.input_class == "contiguous":
            raise  # the kit's own cases must build: a bug in the kit, not in the target
        return "invalid", f"the IR rejects it: {type(exc).__name__}: {exc}"
    return _run_case(registry, ref, built, op, dtype, settings)


def check_round_trip(registry: Any, ref: str, op: str, dtype: DType,
                     settings: Settings = DEFAULT) -> Outcome:
    """``flip → op → flip``: three regions (torch, target, torch) whose boundary conversions
    in both directions give the reference result, on two calls."""
    from hwsdk.ir.dtypes import to_torch
    from hwsdk.testing.cases import cases_for, make_inputs
    from hwsdk.testing.compare import mismatch
    from hwsdk.testing.graphs import (
        compile_graph,
        one_node_graph,
        reference_outputs,
        sandwich_graph,
    )

    why = None if settings.ignore_probe else unavailable_reason(registry, ref)
    if why:
        return _skip(why)
    case = next((c for c in cases_for(op, dtype)
                 if c.inputs and c.inputs[0] and c.inputs[0].role == "data"
                 and c.inputs[0].shape), None)
    if case is None:
        return _skip(f"no generated case of {op} fits the round trip")
    built = sandwich_graph(one_node_graph(case, make_inputs(case, dtype, 1)))
    try:
        refs = reference_outputs(built.graph, built.inputs)
    except Exception as exc:
        return _skip(f"the PyTorch reference rejects {op} in {dtype}: {exc}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = compile_graph(built.graph, ref, registry, dict(settings.options))
    canonical = registry.canonical(ref)
    placed = compiled.plan.nodes[built.node_id]
    if placed.target != canonical and placed.code.value in ("CONSTRAINT", "DYNAMIC_SHAPE"):
        return _skip(f"{op} {case.name} refused: {placed.reason}")
    layout = [(r.target, r.status) for r in compiled.plan.regions]
    expected = [("torch", "fallback"), (canonical, "compiled"), ("torch", "fallback")]
    if [t for t, _ in layout] != [t for t, _ in expected] or layout[1][1] != "compiled":
        return _fail(f"expected regions torch → {canonical} (compiled) → torch around {op}, "
                     f"got {layout}: {placed.reason}")
    for call in range(2):
        try:
            outs = compiled.run_flat(built.inputs)
        except Exception as exc:
            return _fail(f"call {call + 1} raised {type(exc).__name__}: {exc}")
        for name, out, want in zip(built.graph.outputs, outs, refs, strict=True):
            want = want.to(to_torch(built.graph.types[name].dtype))
            problem = mismatch(out, want)
            if problem:
                return _fail(f"call {call + 1}, output {name}: {problem}")
    return Outcome("passed", f"{case.op} {case.name} between two fallback regions", cases=1)


def _opaque_region(registry: Any, ref: str) -> Any:
    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, TensorType
    from hwsdk.plugin import Region
    from hwsdk.testing.graphs import _flip_node

    t = TensorType(DType.f32, (3, 5))
    node = _flip_node("n0", "x", "y")
    graph = Graph(["x"], ["y"], [node], {"x": t, "y": t})
    return Region("r0", registry.canonical(ref), graph, [node], ["x"], ["y"])


def check_unclaimed_region(registry: Any, ref: str) -> Outcome:
    """A region the target never claimed (an opaque ``torch_op``) either compiles and runs
    correctly, or compile fails under :data:`~hwsdk.plugin.COMPILE_ERROR_RULE`: the registry
    reports a breach of that rule as a PluginContractError, which fails here."""
    from hwsdk.errors import HwsdkError, PluginContractError

    region = _opaque_region(registry, ref)
    try:
        compiled = registry.compile(ref, region, {})
    except PluginContractError as exc:
        return _fail(f"compile broke the contract: {exc}")
    except HwsdkError as exc:
        return Outcome("passed", f"raised {type(exc).__name__}: {exc}")
    import torch

    from hwsdk.runtime.transfers import mover, region_device

    x = torch.arange(15, dtype=torch.float32).reshape(3, 5)
    try:
        device = region_device(compiled, region.id)  # inputs arrive and outputs leave there
        out = compiled.run([mover("cpu", device, None, compiled)(x)], {})
        result = mover(device, "cpu", compiled, None)(out[0])
    except Exception as exc:
        return _fail(f"compiled an opaque op it cannot run: {type(exc).__name__}: {exc}")
    if not torch.equal(result, torch.flip(x, [0])):
        return _fail("compiled an opaque op and computed a wrong result")
    return Outcome("passed", "compiled and ran an opaque op correctly")


def check_unavailable_compile(registry: Any, ref: str) -> Outcome:
    """When the deep probe says unavailable, compiling raises TargetUnavailableError (hwsdk
    refuses before the target's compile runs, unless an offline option is set)."""
    from hwsdk.errors import TargetUnavailableError

    why = unavailable_reason(registry, ref)
    if why is None:
        return _skip(f"{ref} is available here; nothing to refuse")
    try:
        registry.compile(ref, _opaque_region(registry, ref), {})
    except TargetUnavailableError as exc:
        if str(exc).strip():
            return Outcome("passed", f"TargetUnavailableError: {exc}")
        return _fail("TargetUnavailableError without a message")
    except Exception as exc:
        return _fail(f"raised {type(exc).__name__} ({exc}), not TargetUnavailableError")
    return _fail(f"compiled although its probe says: {why}")
