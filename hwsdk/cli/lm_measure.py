"""Greedy generation by hwsdk against transformers' eager ``generate``, for ``hwsdk run --lm``:
the tokens must be identical; time to first token and decode speed come from interleaved
rounds, their ratios judged as :class:`hwsdk.cli.measure.Timing` judges ``hwsdk run``'s."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hwsdk.cli.measure import Timing

__all__ = ["Generation", "GenerationTiming", "greedy_settings", "hwsdk_generation",
           "eager_generation", "first_difference", "time_generation"]


@dataclass(frozen=True)
class Generation:
    """One timed generate call.

    :param tokens: the new token ids, ``[batch, new]``.
    :param ttft_s: seconds from the call to the first new token.
    :param decode_s: seconds per new token after the first.
    """

    tokens: Any
    ttft_s: float
    decode_s: float


def greedy_settings(model: Any, new_tokens: int) -> dict[str, Any]:
    """The ``generate`` arguments both sides get: greedy, and exactly ``new_tokens`` tokens
    (``min_new_tokens`` masks the stop tokens, which random weights may well pick early)."""
    config = getattr(model, "generation_config", None)
    pad = getattr(config, "pad_token_id", None)
    eos = getattr(config, "eos_token_id", None)
    if pad is None:  # transformers warns when neither is set; the value is never used here
        pad = (eos[0] if eos else 0) if isinstance(eos, list) else (eos if eos is not None else 0)
    return {"max_new_tokens": new_tokens, "min_new_tokens": new_tokens, "do_sample": False,
            "pad_token_id": pad}


def _generation(tokens: Any, start: float, first: float, end: float) -> Generation:
    new = int(tokens.shape[1])
    return Generation(tokens, first - start, (end - first) / max(1, new - 1))


def hwsdk_generation(lm: Any, input_ids: Any, settings: dict[str, Any]) -> Generation:
    """Generate with the compiled LM, timing each step as :meth:`CompiledLM.stream` yields it."""
    import torch

    start = time.perf_counter()
    first = 0.0
    steps: list[Any] = []
    for step in lm.stream(input_ids, **settings):
        if not steps:
            first = time.perf_counter()
        steps.append(step)
    end = time.perf_counter()
    return _generation(torch.stack(steps, dim=1), start, first, end)


class _Clock:
    """A transformers streamer that only records when each ``put`` came (the first ``put`` is
    the prompt, each later one a new token)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def put(self, value: Any) -> None:
        self.times.append(time.perf_counter())

    def end(self) -> None:
        pass


def eager_generation(model: Any, input_ids: Any, settings: dict[str, Any]) -> Generation:
    """Generate with transformers' own eager ``generate``, timed through a streamer."""
    import torch

    clock = _Clock()
    start = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                             streamer=clock, **settings)
    end = time.perf_counter()
    first = clock.times[1] if len(clock.times) > 1 else end
    return _generation(out[:, input_ids.shape[1]:], start, first, end)


def first_difference(mine: Any, expected: Any) -> int | None:
    """The index of the first new token where the two ``[1, new]`` id tensors differ (a length
    difference counts from the shorter's end), or None when they are identical."""
    a, b = mine[0].tolist(), expected[0].tolist()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


@dataclass(frozen=True)
class GenerationTiming:
    """Per-round measurements of both sides, and the per-round ratios hwsdk/eager judged as
    ``hwsdk run`` judges them (time to first token, and seconds per decode token)."""

    hwsdk: tuple[Generation, ...]
    eager: tuple[Generation, ...]

    def ttft(self) -> Timing:
        """Time to first token: medians and per-round ratios."""
        return _timing([g.ttft_s for g in self.hwsdk], [g.ttft_s for g in self.eager])

    def decode(self) -> Timing:
        """Seconds per decode token: medians and per-round ratios (below 1: hwsdk faster)."""
        return _timing([g.decode_s for g in self.hwsdk], [g.decode_s for g in self.eager])


def _timing(hwsdk: list[float], eager: list[float]) -> Timing:
    ratios = tuple(h / max(e, 1e-12) for h, e in zip(hwsdk, eager, strict=True))
    return Timing(statistics.median(eager), statistics.median(hwsdk), ratios, 1)


def time_generation(run_hwsdk: Callable[[], Generation], run_eager: Callable[[], Generation],
                    rounds: int) -> GenerationTiming:
    """``rounds`` interleaved rounds, each one generate of each side back to back, who goes
    first alternating (so both see the same machine load)."""
    mine: list[Generation] = []
    theirs: list[Generation] = []
    order: list[tuple[Callable[[], Generation], list[Generation]]] = [
        (run_hwsdk, mine), (run_eager, theirs)]
    for i in range(rounds):
        for run, results in order if i % 2 == 0 else reversed(order):
            results.append(run())
    return GenerationTiming(tuple(mine), tuple(theirs))
