"""Tuning's entry point: plan and compile every candidate, measure, keep the fastest.

:func:`tune_compile` is what :func:`hwsdk.compile` calls instead of planning once when a
tuning mode other than ``off`` is in force (:mod:`hwsdk.tune.mode`). Each candidate
(:mod:`hwsdk.tune.candidates`) is planned and compiled as a whole model; a candidate that
fails (a region that does not compile, a plan ``require_full`` refuses) is dropped with its
reason. Then one engine is chosen per segment of the graph (:mod:`hwsdk.tune.regional`: per-segment
medians, measured crossing costs, dynamic programming), which gives one more candidate. The
survivors are timed interleaved on the example inputs (:mod:`hwsdk.tune.measure`)
and the lowest estimate wins, the simplest assignment where estimates are within noise
(:mod:`hwsdk.tune.choose`); the decision is stored
(:mod:`hwsdk.tune.cache`) so that a later compile with the same key compiles the winner only.
The plan the model carries says what was measured, what was dropped and why the winner won.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from hwsdk.errors import CompileError
from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.plan import PartitionPlan
from hwsdk.partition.planner import plan_graph, raise_if_not_full, resolve_targets
from hwsdk.registry import Registry
from hwsdk.runtime.build import build_compiled
from hwsdk.tune.budget import BUDGET_ENV, Budget, budget_factor
from hwsdk.tune.cache import Decision, decision_key, read_decision, write_decision
from hwsdk.tune.candidates import Candidate, candidates, options_for
from hwsdk.tune.choose import Shape, decide, timing_line
from hwsdk.tune.engines import INDUCTOR, inductor_enabled
from hwsdk.tune.measure import BUDGET_S, PRUNE, Timing, measure_all
from hwsdk.tune.perregion import call_group
from hwsdk.tune.regional import (
    PER_REGION,
    Regional,
    Setup,
    measure_regional,
    measured_from,
    rebuild_regional,
)

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
    keyed = [*names, PER_REGION, *([INDUCTOR] if inductor_enabled() else [])]
    settings = {"min_block_size": min_block_size, "fallback_ops": sorted(fallback_ops),
                "options": dict(options), "require_full": require_full}
    key = decision_key(captured.graph.to_json(indent=None), keyed, settings)
    job = _Job(captured, tuple(example_inputs), tuple(found), tuple(prefs), settings, registry,
               model_name, home)
    if mode == "cached":
        decision = read_decision(key, [*names, PER_REGION])
        if decision is not None:
            compiled, why, lines = _rebuild(decision, job)
            if compiled is not None:
                line = timing_line(decision.medians, decision.winner, decision.spreads,
                                   decision.reason)
                return _record(compiled, requested, notes, [
                    f"tune (cached decision {key}, measured earlier on this machine): {line}",
                    *lines, *_dropped_notes(decision.dropped)])
            notes = [*notes, f"tune: the cached winner {decision.winner} no longer compiles "
                             f"({why}); measuring again"]
    return _measure(key, requested, notes, job)


@dataclass(frozen=True)
class _Job:
    """What every candidate is planned, compiled and timed with."""

    captured: Any
    inputs: tuple[Any, ...]
    found: tuple[Candidate, ...]
    prefs: tuple[str, ...]
    settings: Mapping[str, Any]
    registry: Registry
    model_name: str
    home: str


def _measure(key: str, requested: Sequence[str], notes: Sequence[str], job: _Job) -> Any:
    budget = Budget(budget_factor())
    compiled_by: dict[str, Any] = {}
    dropped: dict[str, str] = {}
    plans: dict[str, PartitionPlan] = {}
    reference = _reference(job)
    # every whole-model candidate compiles, the budget notwithstanding: auto promises to be no
    # slower than the best single engine (the budget bounds the per-segment work and the rounds)
    for candidate in sorted(job.found, key=lambda c: c.name != reference):
        plan, why = _plan(candidate, job)
        compiled = None
        if plan is not None:
            plans[candidate.name] = plan
            same = next((name for name in compiled_by if _same_placement(plans[name], plan)),
                        None)
            if same is not None:
                why = f"its plan is {same}'s, timed as {same}"
            else:
                compiled, why = _compile(plan, candidate, job)
        if compiled is None:
            dropped[candidate.name] = why
        else:
            compiled_by[candidate.name] = compiled
        if candidate.name == reference:
            budget.reference_done()
    if not compiled_by:
        if job.settings["require_full"]:
            raise_if_not_full(plan_graph(job.captured, list(requested), registry=job.registry,
                                         **_plan_settings(job.settings, job.settings["options"])))
        raise CompileError("no candidate assignment compiled (" + "; ".join(
            f"{name}: {why}" for name, why in dropped.items()) + "); pass tune='off' to "
            "compile by priority, where a failed region runs in PyTorch")
    regional = _regional(job, plans, budget)
    if regional.compiled is not None:
        compiled_by[PER_REGION] = regional.compiled
    timings = time_candidates(compiled_by, job.inputs, min(BUDGET_S, budget.left_s()))
    choice = decide(timings, [*(c.name for c in job.found), PER_REGION],
                    {name: shape_of(model) for name, model in compiled_by.items()})
    winner = choice.winner
    medians = {name: t.median_s for name, t in timings.items()}
    spreads = {name: t.spread for name, t in timings.items() if t.low_s is not None}
    per_region = winner == PER_REGION  # only then are its engines and tables the decision's
    write_decision(key, Decision(winner, medians, dropped,
                                 regional.engines if per_region else (),
                                 regional.segments if per_region else (),
                                 regional.crossings if per_region else (),
                                 spreads, choice.reason))
    rounds = max(max(t.rounds for t in timings.values()), 1)
    line = timing_line(medians, winner, spreads, choice.reason)
    absent = [f"tune: per-region candidate not added: {regional.why}"] if regional.why else []
    return _record(compiled_by[winner], requested, notes, [
        f"tune (measured, decision {key}): {line}. Each time is the median over up to "
        f"{rounds} interleaved rounds of a round's fastest call of the whole model on the "
        "example inputs (quartiles in brackets), crossings between engines included; "
        "candidates whose estimate lies within another's quartiles are within noise and the "
        "simplest of them wins "
        "(fewest regions, then crossings, then the candidates' order); a candidate whose "
        f"fastest call is over {PRUNE:g}x the best stops early",
        *regional.lines, *absent, *_dropped_notes(dropped)])


def shape_of(compiled: Any) -> Shape:
    """A compiled candidate's (regions, engine crossings): its steps, and how many times
    consecutive steps run on different targets."""
    targets = [step.target for step in compiled.steps]
    return len(targets), sum(a != b for a, b in pairwise(targets))


def _reference(job: _Job) -> str:
    """The candidate an untuned compile would build (the preference order; PyTorch alone
    when nothing else was requested)."""
    return ">".join(job.prefs) if job.prefs else FALLBACK


def _same_placement(first: PartitionPlan, second: PartitionPlan | None) -> bool:
    return second is not None and [(r.target, r.node_ids) for r in first.regions] == [
        (r.target, r.node_ids) for r in second.regions]


def _spent(budget: Budget) -> str:
    return (f"the tuning budget ({BUDGET_ENV}={budget.factor:g} times an untuned compile) "
            "was spent")


def time_candidates(compiled_by: Mapping[str, Any], inputs: Sequence[Any],
                    budget_s: float = BUDGET_S) -> dict[str, Timing]:
    """Each compiled candidate's :class:`Timing` on a copy of ``inputs`` (no autograd): a
    model that updates an input in place must not change the caller's tensors dozens of
    times."""
    import torch
    from torch.utils._pytree import tree_map

    copies = tree_map(lambda v: v.clone() if isinstance(v, torch.Tensor) else v, tuple(inputs))
    calls = {name: (lambda m=model: m(*copies)) for name, model in compiled_by.items()}
    with torch.inference_mode():
        return measure_all(calls, budget_s=budget_s)


def time_segments(calls: Mapping[str, Any], budget_s: float = BUDGET_S
                  ) -> Mapping[str, Timing]:
    """The :class:`Timing` of each per-segment call (:mod:`hwsdk.tune.perregion` binds the
    inputs and names them), measured like the whole-model candidates; a call competes only
    with the calls of its own segment or boundary."""
    import torch

    with torch.inference_mode():
        return measure_all(calls, group=call_group, budget_s=budget_s)


def _setup(job: _Job, plans: Mapping[str, PartitionPlan]) -> Setup | None:
    """What per-region tuning needs, or None when there is no target besides PyTorch or the
    reference plan (every target allowed) was dropped."""
    reference = plans.get(">".join(job.prefs)) if job.prefs else None
    if reference is None:
        return None
    alone = {ref: plans[ref] for ref in job.prefs if ref in plans}

    def compile_target(target: str, region: Any) -> Any:
        options = options_for(Candidate(target, (target,)), job.settings["options"],
                              job.registry)[0] if target != FALLBACK else {}
        return job.registry.compile(target, region, options)

    return Setup(job.captured, job.inputs, reference, alone, compile_target, job.home,
                 allow_torch=not job.settings["require_full"])


def _regional(job: _Job, plans: Mapping[str, PartitionPlan], budget: Budget) -> Regional:
    setup = _setup(job, plans)
    if setup is None:
        return Regional(why="no target besides PyTorch to choose per region")
    if budget.spent():
        return Regional(why=_spent(budget))
    import torch

    def timer(calls: Mapping[str, Any]) -> Mapping[str, Timing]:
        return time_segments(calls, min(BUDGET_S, budget.left_s() / 2))

    with torch.inference_mode():
        return measure_regional(setup, timer, budget.spent)


def _rebuild(decision: Decision, job: _Job) -> tuple[Any, str, list[str]]:
    """(the cached winner compiled again (only the winner), "", its per-segment lines), or
    (None, why not, [])."""
    if decision.winner != PER_REGION:
        winner = next(c for c in job.found if c.name == decision.winner)
        plan, why = _plan(winner, job)
        if plan is None:
            return None, why, []
        return (*_compile(plan, winner, job), [])
    plans = {}
    for candidate in job.found:
        if candidate.prefs and (len(candidate.prefs) == 1 or candidate.prefs == job.prefs):
            plan, _ = _plan(candidate, job)
            if plan is not None:
                plans[candidate.name] = plan
    setup = _setup(job, plans)
    if setup is None:
        return None, "no reference plan", []
    import torch

    with torch.inference_mode():
        return rebuild_regional(setup, measured_from(decision.engines, decision.segments,
                                                     decision.crossings))


def _plan_settings(settings: Mapping[str, Any], options: Mapping[str, Any]
                   ) -> dict[str, Any]:
    return {"min_block_size": settings["min_block_size"],
            "fallback_ops": settings["fallback_ops"], "options": options}


def _plan(candidate: Candidate, job: _Job) -> tuple[PartitionPlan | None, str]:
    """(the candidate's plan, "") or (None, why it was dropped)."""
    options, ignored = options_for(candidate, job.settings["options"], job.registry)
    if ignored and candidate.prefs:
        return None, f"does not take the option(s) {ignored}"
    plan = plan_graph(job.captured, list(candidate.prefs) or [FALLBACK], registry=job.registry,
                      model_name=job.model_name, **_plan_settings(job.settings, options))
    if job.settings["require_full"] and any(n.target == FALLBACK for n in plan.nodes.values()):
        return None, "leaves nodes in PyTorch (require_full=True)"
    return plan, ""


def _compile(plan: PartitionPlan, candidate: Candidate, job: _Job) -> tuple[Any, str]:
    """(the compiled candidate, "") or (None, why it was dropped)."""
    options, _ = options_for(candidate, job.settings["options"], job.registry)
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
