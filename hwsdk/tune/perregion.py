"""Per-region choice, step 3: compile every segment on each of its engines, time them, price
the crossings, and pick one engine per segment (:mod:`hwsdk.tune.dp`).

Each segment is timed on the values that reach it from the example inputs: the segments are
run once in order on PyTorch (the reference), which gives every intermediate value. A segment's
time is its median over interleaved calls (:func:`~hwsdk.tune.measure.measure_all`); the
crossing cost between consecutive segments ``i`` on engine ``a`` and ``i + 1`` on engine ``b``
(``a != b``) is the median of the two run back to back, the values that cross moved between
their devices as the runtime would, less the two medians alone (at least 0). On one device the
crossing is then what running two engines one after the other costs beyond each alone (one
engine's worker threads still spinning while the next starts, cold caches); between devices it
includes the copies.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.partition.assign import FALLBACK
from hwsdk.runtime.transfers import mover, region_device
from hwsdk.tune.dp import Assignment, best_assignment
from hwsdk.tune.measure import Timing
from hwsdk.tune.segments import Segment

__all__ = ["SegmentTable", "Measured", "compile_segments", "segment_values", "measure_segments",
           "segment_lines", "call_group"]

Call = Callable[[], Any]
Timer = Callable[[Mapping[str, Call]], Mapping[str, Timing]]
"""Times named calls (the tuner's :func:`~hwsdk.tune.measure.measure_all` with its budget)."""


@dataclass
class SegmentTable:
    """The compiled segments: (segment index, engine) → runner, and the (segment index,
    engine) pairs dropped with their reason."""

    runners: dict[tuple[int, str], Any]
    dropped: dict[tuple[int, str], str]


@dataclass(frozen=True)
class Measured:
    """What per-region measurement found: per segment, engine → median seconds; per boundary,
    (engine, engine) → crossing seconds; and the assignment chosen by them."""

    medians: tuple[dict[str, float], ...]
    crossings: tuple[dict[tuple[str, str], float], ...]
    choice: Assignment


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip().splitlines()[0]


def compile_segments(segments: Sequence[Segment], compile_one: Callable[[str, Segment], Any],
                     values: Mapping[str, Any], env: Mapping[str, int],
                     skip: Callable[[], bool] = lambda: False) -> SegmentTable:
    """Compile each segment on each of its engines and call it once on its values (first-call
    compilers such as Inductor compile then); a failure drops that engine for that segment,
    with the reason. PyTorch (compiled first by :func:`segment_values`) is kept as given.

    :param values: every value name → its reference tensor (from :func:`segment_values`).
    :param skip: asked before each non-PyTorch compile; True drops the rest with the reason
        that the tuning budget is spent.
    """
    table = SegmentTable({}, {})
    for segment in segments:
        for engine in segment.engines:
            if engine == FALLBACK:
                continue
            if skip():
                table.dropped[(segment.index, engine)] = "the tuning budget was spent first"
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    runner = compile_one(engine, segment)
                    device = region_device(runner, segment.label)
                    inputs = [_to_device(values[v], device, runner) for v in segment.inputs]
                    runner(inputs, env)
            except Exception as exc:  # an engine's failure drops it, with the reason kept
                table.dropped[(segment.index, engine)] = _why(exc)
                continue
            table.runners[(segment.index, engine)] = runner
    return table


def _to_device(value: Any, device: str, runner: Any) -> Any:
    """``value`` (a reference value: a torch tensor where PyTorch left it) on ``device``, the
    way the runtime would move it there for ``runner``."""
    where = str(getattr(value, "device", device))
    return value if where == device else mover(where, device, None, runner)(value)


def segment_values(segments: Sequence[Segment], torch_runners: Sequence[Any],
                   flat_inputs: Sequence[Any], graph_inputs: Sequence[str],
                   env: Mapping[str, int]) -> dict[str, Any]:
    """Every value the segments read or write, from running them in order on PyTorch."""
    values: dict[str, Any] = dict(zip(graph_inputs, flat_inputs, strict=True))
    for segment, runner in zip(segments, torch_runners, strict=True):
        outs = runner([values[v] for v in segment.inputs], env)
        values.update(zip(segment.outputs, outs, strict=True))
    return values


def call_group(name: str) -> str:
    """The calls a per-segment call competes with: ``"0|cpu"`` with the other engines of
    segment 0, ``"0|cpu>torch"`` with the other pairs across boundary 0."""
    index, _, engines = name.partition("|")
    return f"{index}>" if ">" in engines else index


def _single(runner: Any, inputs: list[Any], env: Mapping[str, int]) -> Call:
    return lambda: runner(inputs, env)


def _chain(first: tuple[Any, list[Any]], second: tuple[Any, list[Any]],
           crossing: Sequence[tuple[int, int, Any]], env: Mapping[str, int]) -> Call:
    """Run ``first`` then ``second``, handing each crossing value (index among ``first``'s
    outputs, index among ``second``'s inputs, mover) across."""
    runner_a, inputs_a = first
    runner_b, inputs_b = second

    def call() -> Any:
        outs = runner_a(inputs_a, env)
        inputs = list(inputs_b)
        for out_index, in_index, move in crossing:
            inputs[in_index] = move(outs[out_index])
        return runner_b(inputs, env)

    return call


def measure_segments(segments: Sequence[Segment], table: SegmentTable, values: Mapping[str, Any],
                     env: Mapping[str, int], timer: Timer, home: str = "cpu") -> Measured:
    """Time every compiled segment and every pair of consecutive segments on different
    engines in one interleaved measurement, then choose by :func:`best_assignment`.

    :param home: the device PyTorch segments run on (the example inputs').
    """
    bound: dict[tuple[int, str], tuple[Any, list[Any], str]] = {}
    calls: dict[str, Call] = {}
    for (index, engine), runner in table.runners.items():
        device = home if engine == FALLBACK else region_device(runner, f"r{index}")
        inputs = [_to_device(values[v], device, runner) for v in segments[index].inputs]
        bound[(index, engine)] = (runner, inputs, device)
        calls[f"{index}|{engine}"] = _single(runner, inputs, env)
    for first, second in itertools.pairwise(segments):
        reads = {v: i for i, v in enumerate(second.inputs)}
        for a in _engines(first, table):
            for b in _engines(second, table):
                if a == b:
                    continue
                ra, ia, da = bound[(first.index, a)]
                rb, ib, db = bound[(second.index, b)]
                crossing = [(o, reads[v], mover(da, db, ra, rb) if da != db else _same)
                            for o, v in enumerate(first.outputs) if v in reads]
                calls[f"{first.index}|{a}>{b}"] = _chain((ra, ia), (rb, ib), crossing, env)
    timings = timer(calls)
    medians = tuple({e: timings[f"{s.index}|{e}"].median_s for e in _engines(s, table)}
                    for s in segments)
    crossings = tuple(
        {(a, b): max(0.0, timings[f"{first.index}|{a}>{b}"].median_s - medians[first.index][a]
                     - medians[second.index][b])
         for a in medians[first.index] for b in medians[second.index] if a != b}
        for first, second in itertools.pairwise(segments))
    return Measured(medians, crossings, best_assignment(medians, crossings))


def _same(value: Any) -> Any:
    return value


def _engines(segment: Segment, table: SegmentTable) -> list[str]:
    return [e for e in segment.engines if (segment.index, e) in table.runners]


def segment_lines(segments: Sequence[Segment], measured: Measured | None,
                  dropped: Mapping[tuple[int, str], str]) -> list[str]:
    """The plan's notes on per-region measurement: a line per segment (its candidates'
    medians, fastest first, and the engine chosen), the crossing costs, and the engines
    dropped per segment, grouped by reason."""
    from hwsdk.tune.choose import timing_line

    lines: list[str] = []
    if measured is not None:
        for segment, medians, engine in zip(segments, measured.medians,
                                            measured.choice.engines, strict=True):
            where = f", module {segment.module}" if segment.module else ""
            lines.append(f"tune {segment.label} ({len(segment.node_ids)} nodes{where}): "
                         + timing_line(medians, engine))
        for index, table in enumerate(measured.crossings):
            priced = ", ".join(f"{a}>{b} {seconds * 1e3:.3f} ms"
                               for (a, b), seconds in sorted(table.items()))
            if priced:
                lines.append(f"tune crossings s{index}->s{index + 1}: {priced}")
    by_reason: dict[str, list[str]] = {}
    for (index, engine), why in sorted(dropped.items()):
        by_reason.setdefault(why, []).append(f"s{index} {engine}")
    lines.extend(f"tune: not measured ({why}): {', '.join(which)}"
                 for why, which in by_reason.items())
    return lines
