"""Benchmark harness: runners interleaved in one process, so the machine's drift hits all alike.

A *runner* is a name plus a ``setup()`` that returns a zero-argument callable (the compiled
model bound to its inputs). ``measure`` compiles every runner (timing it), then runs rounds in
which every runner takes its turn, in a seeded order drawn per round (:func:`round_order`).
A turn is ``calls_per_round`` back-to-back calls and counts as its fastest one
(:func:`turn_time`): on a shared machine one call of a large model often lands on another
tenant's burst, and two runners of one plan then differed by 6 % in median of single calls.
It reports median and p90 over the turns per runner, compile time, peak RSS growth, and the
ratio to the best peer.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["Runner", "Result", "measure", "machine_info", "write_results", "max_abs_error",
           "eager_runner", "hwsdk_runner", "turn_time"]

RESULTS = Path(__file__).parent / "results"


@dataclass
class Runner:
    """A way to run one model: ``setup`` compiles and returns the call to time."""

    name: str
    setup: Callable[[], Callable[[], Any]]
    hwsdk: bool = False


@dataclass
class Result:
    runner: str
    model: str
    median_ms: float | None = None
    p90_ms: float | None = None
    compile_s: float | None = None
    rss_mb: float | None = None
    max_abs_error: float | None = None
    ratio_to_best_peer: float | None = None
    error: str = ""
    samples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def eager_runner(model: Any, inputs: tuple[Any, ...]) -> Runner:
    """The model itself under ``torch.no_grad()``."""

    def setup() -> Callable[[], Any]:
        import torch

        def call() -> Any:
            with torch.no_grad():
                return model(*inputs)

        return call

    return Runner("torch eager", setup)


def hwsdk_runner(model: Any, inputs: tuple[Any, ...], target: str, **options: Any) -> Runner:
    """``hwsdk.compile(model, inputs, target=target, **options)``; its plan summary is kept on
    ``runner.setup.plan`` after setup."""

    def setup() -> Callable[[], Any]:
        import hwsdk

        compiled = hwsdk.compile(model, inputs, target=target, **options)
        setup.plan = compiled.plan  # type: ignore[attr-defined]
        return lambda: compiled(*inputs)

    return Runner(f"hwsdk {target}", setup, hwsdk=True)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def max_abs_error(output: Any, reference: Any) -> float:
    """Largest absolute difference over every tensor leaf of two outputs."""
    import torch
    from torch.utils._pytree import tree_leaves

    worst = 0.0
    for a, b in zip(tree_leaves(output), tree_leaves(reference), strict=True):
        if isinstance(a, torch.Tensor):
            diff = a.detach().float().cpu() - b.detach().float().cpu()  # GPU runners too
            worst = max(worst, float(diff.abs().max()))
    return worst


def round_order(names: Sequence[str], round_index: int) -> list[str]:
    """The order runners go in round ``round_index``: a permutation seeded by the round.

    Not a rotation: a rotation keeps every runner's predecessor the same in every round, and
    on a small machine the predecessor's worker threads (OpenMP, ONNX Runtime and OpenVINO
    pools spin for a while after a run) slow the runner after it, the same one every time.
    """
    return random.Random(round_index).sample(list(names), len(names))


def turn_time(call: Callable[[], Any], calls: int) -> float:
    """The fastest of ``calls`` back-to-back calls of ``call``, in ms (the tuner's estimator
    too: a round's fastest call, see hwsdk.tune.measure)."""
    best = float("inf")
    for _ in range(max(1, calls)):
        start = time.perf_counter()
        call()
        best = min(best, (time.perf_counter() - start) * 1e3)
    return best


def measure(model_name: str, runners: Sequence[Runner], reference: Any, *, rounds: int = 30,
            warmup: int = 3, budget_s: float = 60.0, calls_per_round: int = 1) -> list[Result]:
    """Compile every runner, then time them interleaved; errors are recorded, not raised.

    Each round gives every runner one turn of ``calls_per_round`` calls (its fastest counts).
    """
    results: dict[str, Result] = {}
    calls: dict[str, Callable[[], Any]] = {}
    for runner in runners:
        result = Result(runner=runner.name, model=model_name)
        results[runner.name] = result
        gc.collect()
        rss_before = _rss_mb()
        start = time.perf_counter()
        try:
            call = runner.setup()
            output = call()
        except Exception as exc:  # a runner that fails is reported, the others go on
            result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            continue
        result.compile_s = time.perf_counter() - start
        result.rss_mb = max(0.0, _rss_mb() - rss_before)
        result.max_abs_error = max_abs_error(output, reference)
        calls[runner.name] = call
    for _ in range(warmup):
        for call in calls.values():
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    deadline = time.perf_counter() + budget_s
    for r in range(rounds):
        order = round_order(names, r)
        for name in order:
            times[name].append(turn_time(calls[name], calls_per_round))
        if time.perf_counter() > deadline and r >= 5:
            break
    for name, samples in times.items():
        samples.sort()
        res = results[name]
        res.samples = len(samples)
        res.median_ms = statistics.median(samples)
        res.p90_ms = samples[min(len(samples) - 1, int(0.9 * len(samples)))]
    hwsdk_names = {r.name for r in runners if r.hwsdk}
    peers = [r.median_ms for n, r in results.items() if n not in hwsdk_names and r.median_ms]
    best = min(peers) if peers else None
    for res in results.values():
        if best and res.median_ms:
            res.ratio_to_best_peer = res.median_ms / best
    return list(results.values())


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def machine_info(threads: int | None = None) -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "threads": threads,
        "versions": {d: _version(d) for d in ("torch", "onnxruntime", "openvino", "triton",
                                               "transformers", "hwsdk")},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown_table(results: Sequence[Result]) -> str:
    lines = ["| model | runner | median ms | p90 ms | ratio to best peer | compile s | RSS +MB "
             "| max abs err | note |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.model} | {r.runner} | {_fmt(r.median_ms)} | {_fmt(r.p90_ms)} | "
            f"{_fmt(r.ratio_to_best_peer, 2)} | {_fmt(r.compile_s, 2)} | {_fmt(r.rss_mb, 0)} | "
            f"{'—' if r.max_abs_error is None else f'{r.max_abs_error:.1e}'} | {r.error} |")
    return "\n".join(lines)


def write_results(name: str, results: Sequence[Result], info: dict[str, Any],
                  preface: str = "") -> Path:
    """Write ``bench/results/NAME.md`` and ``NAME.json``; return the markdown path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(
        {"machine": info, "results": [asdict(r) for r in results]}, indent=2) + "\n")
    md = [f"# {name}", "", preface, "", "Machine: " + ", ".join(
        f"{k}={v}" for k, v in info.items() if k != "versions"),
        "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()), "",
        markdown_table(results), ""]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(md))
    return path
