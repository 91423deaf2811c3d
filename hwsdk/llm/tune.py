"""Measured ``auto`` for generation: compile each candidate engine, time a short generation.

:func:`hwsdk.compile` measures a model on its example inputs; a generation step's example (two
tokens over three cache slots) says nothing about prefill or decode speed. So
:func:`measured_lm` compiles the step graph once per candidate assignment (each available
target alone and PyTorch, from :func:`hwsdk.tune.candidates.candidates`; not the priority
mix, which would cost one more whole compile and for a Llama-style step is its first target
alone), times the same greedy
generation on each (a :data:`PROMPT`-token prompt and :data:`NEW_TOKENS` new tokens) with
the tuner's own measurement, :func:`hwsdk.tune.measure.measure_all` (one warm-up, then
:data:`ROUNDS` rounds in a rotating order; one whose fastest generation is over
:data:`RACE_FACTOR` x the leader's estimate after a round is not timed further and is
dropped), and keeps the one with the lowest estimate (:func:`hwsdk.tune.choose.choose`).
The others are dropped (their engines and memory freed); a candidate that does not compile
is dropped with its reason. The decision is stored with :mod:`hwsdk.tune.cache` under a
key of the model's config, the cache length, the candidates, the compile settings, the
engines' versions, the thread settings and the machine, so a later ``compile_lm`` of the
same model compiles the winner only.
"""

from __future__ import annotations

import functools
import gc
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hwsdk.contract import FALLBACK
from hwsdk.errors import HwsdkError

__all__ = ["PROMPT", "NEW_TOKENS", "ROUNDS", "LMChoice", "measured_lm"]

PROMPT = 32
"""Prompt tokens of the measured generation (fewer when the cache is short)."""
NEW_TOKENS = 16
"""New tokens of the measured generation: prefill and decode both weigh in."""
ROUNDS = 3
"""Timed rounds per candidate, after one warm-up."""
RACE_FACTOR = 2.0
"""A candidate whose fastest generation after a round is over this many times the leader's
estimate is not timed further, and is dropped."""


@dataclass(frozen=True)
class LMChoice:
    """What a measured ``auto`` decided: every candidate's median seconds per measured
    generation, those dropped with why, and whether the decision came from the cache."""

    winner: str
    medians: Mapping[str, float]
    dropped: Mapping[str, str]
    workload: str
    cached: bool = False

    def note(self) -> str:
        """One line for the plan: ``tune (...): cpu 412.00 ms, intel:cpu 455.10 ms -> cpu``."""
        from hwsdk.tune.choose import timing_line

        how = ("a decision measured earlier on this machine (tune='measure' measures again)"
               if self.cached else "measured on this machine")
        line = f"tune ({how}; {self.workload}): {timing_line(self.medians, self.winner)}"
        for name, why in sorted(self.dropped.items()):
            line += f"; {name} dropped: {why}"
        return line


def _compile_parameters() -> set[str]:
    import hwsdk

    return {name for name in inspect.signature(hwsdk.compile).parameters
            if name not in ("model", "example_inputs", "target_options")}


def _settings_for(prefs: tuple[str, ...], settings: Mapping[str, Any],
                  registry: Any) -> dict[str, Any]:
    """``settings`` without the target options none of ``prefs`` declares (``num_threads``
    means nothing to PyTorch alone)."""
    from hwsdk.tune.candidates import Candidate, options_for

    named = _compile_parameters()
    options = {**settings.get("options", {}),
               **{k: v for k, v in settings.items() if k not in named}}
    kept, _ = options_for(Candidate("", prefs), options, registry)
    out = {k: v for k, v in settings.items() if k in named and k != "options"}
    out["options"] = kept
    return out


def _workload(max_cache_len: int) -> tuple[int, int]:
    prompt = max(1, min(PROMPT, max_cache_len // 2))
    return prompt, max(1, min(NEW_TOKENS, max_cache_len - prompt))


def _generate(lm: Any, ids: Any, new: int) -> None:
    lm.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False)


def _build_candidate(build: Callable[[Any, Any, int, Mapping[str, Any]], Any], prefs: tuple[
        str, ...], model: Any, max_cache_len: int, settings: Mapping[str, Any],
                     registry: Any) -> Any:
    """``build`` for one candidate: its targets (PyTorch alone for none), its options."""
    return build(model, list(prefs) or FALLBACK, max_cache_len,
                 _settings_for(prefs, settings, registry))


def _key(model: Any, max_cache_len: int, names: list[str], settings: Mapping[str, Any]) -> str:
    from hwsdk.tune.cache import decision_key

    config: Any = getattr(model, "config", None)
    to_json = getattr(config, "to_json_string", None)
    text = str(to_json()) if callable(to_json) else repr(config)
    identity = f"{type(model).__module__}.{type(model).__qualname__}|{max_cache_len}|{text}"
    return decision_key(identity, names, {"compile_lm": dict(settings)})


def measured_lm(model: Any, target: Any, max_cache_len: int, settings: Mapping[str, Any],
                mode: str, build: Callable[[Any, Any, int, Mapping[str, Any]], Any]
                ) -> tuple[Any, LMChoice] | None:
    """The fastest candidate's compiled LM and the choice, or None when there is nothing to
    choose between (a single available target).

    :param build: ``build(model, target, max_cache_len, settings)`` → a compiled LM whose
        step for batch 1 is compiled (``CompiledLM`` then ``compiled_step(1)``).
    :param mode: ``cached`` (reuse a stored decision) or ``measure``.
    :raises HwsdkError: the last candidate's error, when none compiles.
    """
    import torch

    from hwsdk.partition.planner import resolve_targets
    from hwsdk.registry import get_registry
    from hwsdk.tune.cache import Decision, read_decision, write_decision
    from hwsdk.tune.candidates import candidates
    from hwsdk.tune.choose import choose
    from hwsdk.tune.measure import measure_all

    registry = get_registry()
    _, prefs, _ = resolve_targets(target, registry)
    # single engines only: a step graph runs almost wholly on one engine, and the priority
    # mix differs from its first target in a few index ops, for one more whole compile
    found = [c for c in candidates(prefs) if len(c.prefs) < 2]
    if len(found) < 2:
        return None
    names = [c.name for c in found]
    prompt, new = _workload(max_cache_len)
    workload = (f"greedy generation of {new} tokens after a {prompt}-token prompt, median of "
                f"{ROUNDS} interleaved rounds")
    key = _key(model, max_cache_len, names, settings)
    if mode == "cached":
        decision = read_decision(key, names)
        if decision is not None:
            chosen = next(c for c in found if c.name == decision.winner)
            try:
                lm = _build_candidate(build, chosen.prefs, model, max_cache_len, settings,
                                      registry)
            except HwsdkError:
                pass  # measure again below
            else:
                return lm, LMChoice(decision.winner, decision.medians, decision.dropped,
                                    workload, cached=True)
    built: dict[str, Any] = {}
    dropped: dict[str, str] = {}
    last_error: HwsdkError | None = None
    for cand in found:
        try:
            built[cand.name] = _build_candidate(build, cand.prefs, model, max_cache_len,
                                                settings, registry)
        except HwsdkError as exc:
            dropped[cand.name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            last_error = exc
    if not built:
        assert last_error is not None
        raise last_error
    vocab = int(getattr(getattr(model, "config", None), "vocab_size", 2) or 2)
    ids = (torch.arange(prompt, dtype=torch.int64) * 7919 % vocab)[None, :]
    # the tuner's own measurement: a warm-up call each, rounds in a rotating order, racing
    calls = {name: functools.partial(_generate, lm, ids, new) for name, lm in built.items()}
    timings = measure_all(calls, rounds=ROUNDS, min_rounds=ROUNDS, budget_s=math.inf,
                          settle=0, timed=1, prune=RACE_FACTOR)
    full = max(t.runs for t in timings.values())
    for name, timing in timings.items():  # raced out: its median is of fewer rounds
        if timing.runs < full:
            dropped[name] = (f"{timing.median_s * 1e3:.1f} ms after {timing.runs} timed "
                             f"generation(s), over {RACE_FACTOR:g}x the fastest: not timed "
                             "further")
    kept = {name: t for name, t in timings.items() if t.runs == full}
    winner = choose(kept, names)
    medians = {name: t.median_s for name, t in kept.items()}
    write_decision(key, Decision(winner, medians, dropped))
    lm = built.pop(winner)
    built.clear()
    gc.collect()
    return lm, LMChoice(winner, medians, dropped, workload)
