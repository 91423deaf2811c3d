"""The per-region candidate: cut segments, compile and time each on its engines, choose by
dynamic programming, assemble (:mod:`~hwsdk.tune.segments`, :mod:`~hwsdk.tune.engines`,
:mod:`~hwsdk.tune.perregion`, :mod:`~hwsdk.tune.dp`, :mod:`~hwsdk.tune.assemble`).

:func:`measure_regional` is what the tuner calls after compiling the whole-model candidates;
the model it returns is one more candidate, timed end to end beside them, so the winner of
the dynamic program is kept only when it is faster in fact. :func:`rebuild_regional`
compiles a cached choice again (one engine per segment).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hwsdk.partition.assign import FALLBACK, Assignment
from hwsdk.partition.plan import PartitionPlan
from hwsdk.tune.assemble import assemble
from hwsdk.tune.choose import timing_line
from hwsdk.tune.dp import Assignment as Choice
from hwsdk.tune.engines import INDUCTOR, compile_engine, inductor_enabled, segment_region
from hwsdk.tune.perregion import (
    Measured,
    SegmentTable,
    Timer,
    compile_segments,
    measure_segments,
    segment_lines,
    segment_values,
)
from hwsdk.tune.segments import Segment, cut_segments

__all__ = ["PER_REGION", "Regional", "Setup", "plan_segments", "measure_regional",
           "rebuild_regional", "measured_from"]

PER_REGION = "per-region"
"""The candidate name of the per-region choice in the plan's notes and the decision."""

CompileTarget = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Setup:
    """What per-region tuning works from: the captured model and example inputs, the plan
    with every requested target allowed, each target's plan alone (target → plan), how to
    compile a region for a target, and whether PyTorch may run a segment."""

    captured: Any
    inputs: tuple[Any, ...]
    reference: PartitionPlan
    alone: Mapping[str, PartitionPlan]
    compile_target: CompileTarget
    home: str
    allow_torch: bool = True


@dataclass
class Regional:
    """The outcome: the assembled model (None when per-region choice adds no candidate, with
    ``why``), the plan's notes, and what a decision stores."""

    compiled: Any = None
    why: str = ""
    lines: list[str] = field(default_factory=list)
    engines: tuple[str, ...] = ()
    segments: tuple[dict[str, float], ...] = ()
    crossings: tuple[dict[str, float], ...] = ()


def plan_segments(setup: Setup) -> list[Segment]:
    """The segments and their candidate engines (every target's acceptance from its plan
    alone; Inductor beside ``cpu`` when :func:`~hwsdk.tune.engines.inductor_enabled`)."""
    accepted = {target: {n for n, a in plan.verdicts.items() if a.target == target}
                for target, plan in setup.alone.items()}
    extra = {INDUCTOR: "cpu"} if inductor_enabled() and "cpu" in accepted else {}
    found = cut_segments(setup.captured.graph, setup.reference, accepted, extra=extra)
    if setup.allow_torch:
        return found
    return [replace(s, engines=tuple(e for e in s.engines if e != FALLBACK) or s.engines)
            for s in found]


def _flat_inputs(setup: Setup) -> tuple[list[Any], dict[str, int]]:
    import torch
    from torch.utils._pytree import tree_flatten

    from hwsdk.runtime.guards import InputGuard

    captured = setup.captured
    flat, _ = tree_flatten((tuple(setup.inputs), {}))
    flat = [v.clone() if isinstance(v, torch.Tensor) else v for v in flat]
    guard = InputGuard(captured.graph.inputs, captured.input_types, captured.symbol_names,
                       captured.symbol_ranges)
    return flat, guard.check(flat)


def _compile_one(setup: Setup) -> Callable[[str, Segment], Any]:
    graph = setup.captured.graph

    def compile_one(engine: str, segment: Segment) -> Any:
        return compile_engine(engine, segment_region(segment, graph, engine),
                              setup.compile_target)

    return compile_one


def _values(setup: Setup, segments: Sequence[Segment]
            ) -> tuple[dict[str, Any], dict[str, int], list[Any]]:
    """(every value from the reference run, the dims' env, each segment's PyTorch runner)."""
    compile_one = _compile_one(setup)
    torch_runners = [compile_one(FALLBACK, s) for s in segments]
    flat, env = _flat_inputs(setup)
    values = segment_values(segments, torch_runners, flat, setup.captured.graph.inputs, env)
    return values, env, torch_runners


def _table(segments: Sequence[Segment], torch_runners: Sequence[Any], table: SegmentTable,
           allow_torch: bool) -> SegmentTable:
    if allow_torch:
        for segment, runner in zip(segments, torch_runners, strict=True):
            table.runners[(segment.index, FALLBACK)] = runner
    return table


def _verdicts(setup: Setup) -> dict[str, Mapping[str, Assignment]]:
    return {target: plan.verdicts for target, plan in setup.alone.items()}


def _details(segments: Sequence[Segment], measured: Measured) -> list[dict[str, Any]]:
    """Per segment, what its region's details record: every engine's median, the crossing
    costs into it, the engine chosen and the report's line (``torch 0.10 ms, cpu 0.30 ms ->
    torch``)."""
    found = []
    for segment, medians, engine in zip(segments, measured.medians, measured.choice.engines,
                                        strict=True):
        entry: dict[str, Any] = {
            "segment": segment.label, "chosen": engine,
            "medians_ms": {e: round(s * 1e3, 4) for e, s in medians.items()},
            "line": timing_line(medians, engine)}
        if segment.index > 0:
            entry["crossing_in_ms"] = {f"{a}>{b}": round(s * 1e3, 4) for (a, b), s in
                                       measured.crossings[segment.index - 1].items()}
        found.append(entry)
    return found


def measure_regional(setup: Setup, timer: Timer, skip: Callable[[], bool]) -> Regional:
    """Measure per segment and assemble the dynamic program's choice (see the module
    docstring); ``skip`` is asked before each compile (the tuning budget)."""
    segments = plan_segments(setup)
    if len(segments) < 2 and all(e != INDUCTOR for s in segments for e in s.engines):
        return Regional(why="one segment: the whole-model candidates are its candidates")
    values, env, torch_runners = _values(setup, segments)
    table = _table(segments, torch_runners,
                   compile_segments(segments, _compile_one(setup), values, env, skip),
                   setup.allow_torch)
    if all(engine == FALLBACK for _, engine in table.runners):
        return Regional(why="no segment compiled on an engine besides PyTorch",
                        lines=segment_lines(segments, None, table.dropped))
    if any(not any((s.index, e) in table.runners for e in s.engines) for s in segments):
        return Regional(why="a segment has no engine that compiled",
                        lines=segment_lines(segments, None, table.dropped))
    measured = measure_segments(segments, table, values, env, timer, setup.home)
    regional = _stored(segments, measured)
    regional.lines = segment_lines(segments, measured, table.dropped)
    engines = measured.choice.engines
    if len(set(engines)) == 1 and engines[0] != INDUCTOR:
        regional.why = f"every segment chose {engines[0]}: the whole-model candidate {engines[0]}"
        return regional
    regional.compiled = assemble(setup.captured, setup.reference, segments, engines,
                                 table.runners, _verdicts(setup), setup.home,
                                 _details(segments, measured))
    return regional


def _stored(segments: Sequence[Segment], measured: Measured) -> Regional:
    return Regional(engines=measured.choice.engines, segments=measured.medians,
                    crossings=tuple({f"{a}>{b}": s for (a, b), s in t.items()}
                                    for t in measured.crossings))


def measured_from(engines: Sequence[str], segments: Sequence[Mapping[str, float]],
                  crossings: Sequence[Mapping[str, float]]) -> Measured:
    """A :class:`~hwsdk.tune.perregion.Measured` from a stored decision."""
    pairs = tuple({(k.split(">", 1)[0], k.split(">", 1)[1]): v for k, v in t.items()}
                  for t in crossings)
    return Measured(tuple(dict(t) for t in segments), pairs,
                    Choice(tuple(engines), float("nan")))


def rebuild_regional(setup: Setup, measured: Measured) -> tuple[Any, str, list[str]]:
    """(the model of a cached per-segment choice, "", the per-segment lines for the plan's
    notes) or (None, why it could not be rebuilt, []): only the chosen engine of each segment
    is compiled."""
    segments = plan_segments(setup)
    engines = measured.choice.engines
    if len(segments) != len(engines) or any(
            e not in s.engines for s, e in zip(segments, engines, strict=True)):
        return None, "its segments or engines changed", []
    values, env, torch_runners = _values(setup, segments)
    chosen = [replace(s, engines=(e,)) for s, e in zip(segments, engines,
                                                                 strict=True)]
    table = _table(chosen, torch_runners, compile_segments(chosen, _compile_one(setup), values,
                                                           env), True)
    if table.dropped:
        (index, engine), why = next(iter(table.dropped.items()))
        return None, f"s{index} on {engine}: {why}", []
    compiled = assemble(setup.captured, setup.reference, segments, engines, table.runners,
                        _verdicts(setup), setup.home, _details(segments, measured))
    return compiled, "", segment_lines(segments, measured, {})

