"""Tuning's entry point: plan and compile every candidate, measure, keep the fastest.

:func:`tune_compile` is what :func:`hwsdk.compile` calls instead of planning once when a
tuning mode other than ``off`` is in force (:mod:`hwsdk.tune.mode`). Each candidate
(:mod:`hwsdk.tune.candidates`) is planned and compiled as a whole model; a candidate that
fails (a region that does not compile, a plan ``require_full`` refuses) is dropped with its
reason. The survivors are timed interleaved on the example inputs (:mod:`hwsdk.tune.measure`)
and the lowest median wins (:mod:`hwsdk.tune.choose`); the decision is stored
(:mod:`hwsdk.tune.cache`) so that a later compile with the same key compiles the winner only.
The plan the model carries says what was measured, what was dropped and why the winner won.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.errors import CompileError
from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.planner import plan_graph, raise_if_not_full, resolve_targets
from hwsdk.registry import Registry
from hwsdk.runtime.build import build_compiled
from hwsdk.tune.cache import Decision, decision_key, read_decision, write_decision
from hwsdk.tune.candidates import Candidate, candidates, options_for
from hwsdk.tune.choose import choose, timing_line
from hwsdk.tune.measure import Timing, measure_all

__all__ = ["tune_compile"]


def tune_compile(captured: Any, example_inputs: Sequence[Any], target: str | Sequence[str], *,
                 mode: str, min_block_size: int, fallback_ops: Collection[str],
                 options: Mapping[str, Any], registry: Registry, require_full: bool,
                 model_name: str = "", notes: Sequence[str] = (), home: str = "cpu") -> Any:
    """Compile ``captured`` with the fastest candidate assignment measured on this machine.

    :param mode: ``cached`` (reuse a stored decision when its key matches) or ``measure``.
    :raises CompileError: when no candidate compiles.
    :raises UnsupportedOpsError: with ``require_full``, when no candidate places every node.
    """
    requested, prefs, _ = resolve_targets(target, registry)
    found = candidates(prefs)
    names = [c.name for c in found]
    settings = {"min_block_size": min_block_size, "fallback_ops": sorted(fallback_ops),
                "options": dict(options), "require_full": require_full}
    key = decision_key(captured.graph.to_json(indent=None), names, settings)
    job = _Job(captured, tuple(example_inputs), tuple(found), settings, registry, model_name,
               home)
    if mode == "cached":
        decision = read_decision(key, names)
        if decision is not None:
            winner = next(c for c in found if c.name == decision.winner)
            compiled, why = _build(winner, job)
            if compiled is not None:
                line = timing_line(decision.medians, decision.winner)
                return _record(compiled, requested, notes, [
                    f"tune (cached decision {key}, measured earlier on this machine): {line}",
                    *_dropped_notes(decision.dropped)])
            notes = [*notes, f"tune: the cached winner {winner.name} no longer compiles "
                             f"({why}); measuring again"]
    return _measure(key, requested, notes, job)


@dataclass(frozen=True)
class _Job:
    """What every candidate is planned, compiled and timed with."""

    captured: Any
    inputs: tuple[Any, ...]
    found: tuple[Candidate, ...]
    settings: Mapping[str, Any]
    registry: Registry
    model_name: str
    home: str


def _measure(key: str, requested: Sequence[str], notes: Sequence[str], job: _Job) -> Any:
    compiled_by: dict[str, Any] = {}
    dropped: dict[str, str] = {}
    for candidate in job.found:
        compiled, why = _build(candidate, job)
        if compiled is None:
            dropped[candidate.name] = why
        else:
            compiled_by[candidate.name] = compiled
    if not compiled_by:
        if job.settings["require_full"]:
            raise_if_not_full(plan_graph(job.captured, list(requested), registry=job.registry,
                                         **_plan_settings(job.settings, job.settings["options"])))
        raise CompileError("no candidate assignment compiled (" + "; ".join(
            f"{name}: {why}" for name, why in dropped.items()) + "); pass tune='off' to "
            "compile by priority, where a failed region runs in PyTorch")
    timings = time_candidates(compiled_by, job.inputs)
    winner = choose(timings, [c.name for c in job.found])
    medians = {name: t.median_s for name, t in timings.items()}
    write_decision(key, Decision(winner, medians, dropped))
    runs = min(t.runs for t in timings.values())
    line = timing_line(medians, winner)
    return _record(compiled_by[winner], requested, notes, [
        f"tune (measured, decision {key}): {line}: the lowest median of {runs}+ interleaved "
        "calls of the whole model on the example inputs, crossings between engines included",
        *_dropped_notes(dropped)])


def time_candidates(compiled_by: Mapping[str, Any], inputs: Sequence[Any]
                    ) -> dict[str, Timing]:
    """Each compiled candidate's :class:`Timing` on a copy of ``inputs`` (no autograd): a
    model that updates an input in place must not change the caller's tensors dozens of
    times."""
    import torch
    from torch.utils._pytree import tree_map

    copies = tree_map(lambda v: v.clone() if isinstance(v, torch.Tensor) else v, tuple(inputs))
    calls = {name: (lambda m=model: m(*copies)) for name, model in compiled_by.items()}
    with torch.inference_mode():
        return measure_all(calls)


def _plan_settings(settings: Mapping[str, Any], options: Mapping[str, Any]
                   ) -> dict[str, Any]:
    return {"min_block_size": settings["min_block_size"],
            "fallback_ops": settings["fallback_ops"], "options": options}


def _build(candidate: Candidate, job: _Job) -> tuple[Any, str]:
    """(the compiled candidate, "") or (None, why it was dropped)."""
    options, ignored = options_for(candidate, job.settings["options"], job.registry)
    if ignored and candidate.prefs:
        return None, f"does not take the option(s) {ignored}"
    plan = plan_graph(job.captured, list(candidate.prefs) or [FALLBACK], registry=job.registry,
                      model_name=job.model_name, **_plan_settings(job.settings, options))
    if job.settings["require_full"] and any(n.target == FALLBACK for n in plan.nodes.values()):
        return None, "leaves nodes in PyTorch (require_full=True)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build_compiled(job.captured, plan, job.registry, options, True,
                                  home=job.home), ""
    except Exception as exc:  # a candidate's failure drops it, with the reason kept
        return None, f"{type(exc).__name__}: {exc}".strip().splitlines()[0]


def _dropped_notes(dropped: Mapping[str, str]) -> list[str]:
    return [f"tune: candidate {name} dropped: {why}" for name, why in dropped.items()]


def _record(compiled: Any, requested: Sequence[str], notes: Sequence[str],
            tune_notes: Sequence[str]) -> Any:
    compiled.plan = dataclasses.replace(compiled.plan, requested=tuple(requested),
                                        notes=(*compiled.plan.notes, *notes, *tune_notes))
    return compiled
