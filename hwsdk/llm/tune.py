"""Measured ``auto`` for generation: compile each candidate engine, time a short generation.

:func:`hwsdk.compile` measures a model on its example inputs; a generation step's example (two
tokens over three cache slots) says nothing about prefill or decode speed. So
:func:`measured_lm` compiles the step graph once per candidate assignment (each available
target alone and PyTorch, from :func:`hwsdk.tune.candidates.candidates`; not the priority
mix, which differs from its first target in a few index ops), times the same greedy
generation on each (a :data:`PROMPT`-token prompt and :data:`NEW_TOKENS` new tokens, one
warm-up, then :data:`ROUNDS` rounds interleaved across candidates; one slower than
:data:`RACE_FACTOR` x the fastest in the warm-up is dropped there) and keeps the one with
the lowest median. The others are dropped (their engines and memory freed); a
candidate that does not compile is dropped with its reason. The decision is stored with
:mod:`hwsdk.tune.cache` under a key of the model's config, the cache length, the candidates,
the compile settings, the engines' versions, the thread settings and the machine, so a later
``compile_lm`` of the same model compiles the winner only.
"""

from __future__ import annotations

import gc
import inspect
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hwsdk.errors import HwsdkError

__all__ = ["PROMPT", "NEW_TOKENS", "ROUNDS", "LMChoice", "measured_lm"]

PROMPT = 32
"""Prompt tokens of the measured generation (fewer when the cache is short)."""
NEW_TOKENS = 16
"""New tokens of the measured generation: prefill and decode both weigh in."""
ROUNDS = 3
"""Timed rounds per candidate, after one warm-up."""
RACE_FACTOR = 2.0
"""A candidate whose warm-up generation took over this many times the fastest one's is dropped
without timed rounds."""


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
        """One line for the plan: ``tune (...): cpu 412.0 ms, intel:cpu 455.1 ms -> cpu``."""
        timed = ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in
                          sorted(self.medians.items(), key=lambda kv: (kv[1], kv[0])))
        how = ("a decision measured earlier on this machine (tune='measure' measures again)"
               if self.cached else "measured on this machine")
        line = f"tune ({how}; {self.workload}): {timed} -> {self.winner}"
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


def _time_generation(lm: Any, ids: Any, new: int) -> float:
    start = time.perf_counter()
    lm.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False)
    return time.perf_counter() - start


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
                lm = build(model, list(chosen.prefs) or "torch", max_cache_len,
                           _settings_for(chosen.prefs, settings, registry))
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
            built[cand.name] = build(model, list(cand.prefs) or "torch", max_cache_len,
                                     _settings_for(cand.prefs, settings, registry))
        except HwsdkError as exc:
            dropped[cand.name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            last_error = exc
    if not built:
        assert last_error is not None
        raise last_error
    vocab = int(getattr(getattr(model, "config", None), "vocab_size", 2) or 2)
    ids = (torch.arange(prompt, dtype=torch.int64) * 7919 % vocab)[None, :]
    warm = {name: _time_generation(lm, ids, new) for name, lm in built.items()}
    fastest = min(warm.values())
    for name, seconds in warm.items():  # racing: a clear loser is not timed further
        if seconds > RACE_FACTOR * fastest and len(built) > 1:
            dropped[name] = (f"{seconds * 1e3:.1f} ms in the warm-up generation, over "
                             f"{RACE_FACTOR:g}x the fastest ({fastest * 1e3:.1f} ms)")
            del built[name]
    times: dict[str, list[float]] = {name: [] for name in built}
    for round_ in range(ROUNDS):
        order = list(built) if round_ % 2 == 0 else list(reversed(built))
        for name in order:
            times[name].append(_time_generation(built[name], ids, new))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    rank = {name: i for i, name in enumerate(names)}
    winner = min(medians, key=lambda n: (medians[n], rank[n]))
    write_decision(key, Decision(winner, medians, dropped))
    lm = built.pop(winner)
    built.clear()
    gc.collect()
    return lm, LMChoice(winner, medians, dropped, workload)
