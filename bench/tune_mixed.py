"""Issue 18: a model mixing work different engines do best, where measured per-region ``auto``
beats every single engine.

The model (found by timing pieces first, see docs/tuning.md): four rounds of a scaled cumulative
sum over a [64, 4096] input (``scan``: ``cumsum(x, -1) / 64``; OpenVINO ran it about 4x faster
than ONNX Runtime, whose CumSum is slow here) followed by 8 rounds of the elementwise
``tanh(x) * 0.5 + sigmoid(x)`` (``act``: ONNX Runtime ran it 2.5-3.5x faster than OpenVINO and
PyTorch). Every engine gets 2 threads (``torch.set_num_threads(2)``, ``num_threads=2`` for
OpenVINO and ONNX Runtime). An earlier model (two 1024x1024 linears, then ``act``) never
mixed: ONNX Runtime was as fast as OpenVINO on the matmuls.

Each run compiles every runner afresh (``auto`` measures into an empty decision cache), then
times them in interleaved rounds (rotating order, one untimed call before each timed one) and
reports medians with their p10-p90 spread. ``--runs 2`` repeats the whole thing: the claim is
that both runs agree. Writes bench/results/tune_mixed.md::

    .venv/bin/python bench/tune_mixed.py --runs 2

``--cost`` measures instead what tuning costs at compile time on the bench MLP
(bench/models.py): ``hwsdk.compile(target="auto")`` with ``tune="off"`` and ``"measure"``
(empty decision cache) and ``"cached"``, interleaved, in bench/results/tune_cost.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from harness import RESULTS, machine_info, max_abs_error

THREADS = 2


def mixed_model() -> tuple[Any, tuple[Any, ...]]:
    """Four rounds of ``cumsum(x, -1) / 64`` (``scan``), then 8 elementwise rounds
    (``act``), on a [64, 4096] input."""
    import torch
    from torch import nn

    class Scan(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(4):
                x = torch.cumsum(x, dim=-1) * (1.0 / 64)
            return x

    class Elementwise(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(8):
                x = torch.tanh(x) * 0.5 + torch.sigmoid(x)
            return x

    class Mixed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scan = Scan()
            self.act = Elementwise()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.act(self.scan(x))

    torch.manual_seed(0)
    return Mixed().eval(), (torch.randn(64, 4096),)


def _runners(model: Any, inputs: tuple[Any, ...]) -> dict[str, Callable[[], Any]]:
    """name → setup returning the call to time."""
    import hwsdk

    def compiled(target: str, **options: Any) -> Callable[[], Any]:
        def setup() -> Any:
            cm = hwsdk.compile(model, inputs, target=target, **options)
            setup.plan = cm.plan  # type: ignore[attr-defined]
            return lambda: cm(*inputs)

        return setup

    def eager() -> Any:
        return lambda: model(*inputs)

    threads = {"num_threads": THREADS}
    return {"torch eager": eager,
            "hwsdk torch": compiled("torch", tune="off"),
            "hwsdk cpu": compiled("cpu", tune="off", **threads),
            "hwsdk intel": compiled("intel", tune="off", **threads),
            "hwsdk auto (measured)": compiled("auto", tune="measure", **threads)}


def one_run(rounds: int) -> tuple[dict[str, dict[str, float]], dict[str, list[float]],
                                  list[str]]:
    """Compile and time every runner once; (name → numbers, name → the samples in round
    order, the auto plan's tuning lines)."""
    import torch

    from hwsdk.report.text import tuning_lines

    model, inputs = mixed_model()
    with torch.inference_mode():
        reference = model(*inputs)
    setups = _runners(model, inputs)
    calls: dict[str, Callable[[], Any]] = {}
    numbers: dict[str, dict[str, float]] = {}
    lines: list[str] = []
    for name, setup in setups.items():
        start = time.perf_counter()
        call = setup()
        with torch.inference_mode():
            error = max_abs_error(call(), reference)
        numbers[name] = {"compile_s": time.perf_counter() - start, "max_abs_error": error}
        calls[name] = call
        plan = getattr(setup, "plan", None)
        if name.startswith("hwsdk auto") and plan is not None:
            lines = tuning_lines(plan)
    samples: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    with torch.inference_mode():
        for call in calls.values():
            call()
        for index in range(rounds):
            for name in names[index % len(names):] + names[:index % len(names)]:
                calls[name]()  # settle: the previous engine's threads go idle
                began = time.perf_counter()
                calls[name]()
                samples[name].append((time.perf_counter() - began) * 1e3)
    for name, values in samples.items():
        ordered = sorted(values)
        numbers[name].update(median_ms=statistics.median(ordered),
                             p10_ms=ordered[int(0.1 * (len(ordered) - 1))],
                             p90_ms=ordered[int(0.9 * (len(ordered) - 1))])
    return numbers, samples, lines


def _table(numbers: dict[str, dict[str, float]], samples: dict[str, list[float]]
           ) -> list[str]:
    singles = [n for n in numbers if n.startswith("hwsdk") and "auto" not in n]
    best = min(singles, key=lambda n: numbers[n]["median_ms"])
    auto_name = "hwsdk auto (measured)"
    paired = {n: statistics.median(a / b for a, b in zip(samples[auto_name], samples[n],
                                                          strict=True)) for n in singles}
    out = ["| runner | median ms | p10-p90 ms | vs best single engine | compile s | max abs err |",
           "|---|---|---|---|---|---|"]
    for name, n in numbers.items():
        ratio = n["median_ms"] / numbers[best]["median_ms"]
        out.append(f"| {name} | {n['median_ms']:.2f} | {n['p10_ms']:.2f}-{n['p90_ms']:.2f} | "
                   f"{ratio:.2f}x | {n['compile_s']:.2f} | {n['max_abs_error']:.1e} |")
    auto = numbers[auto_name]["median_ms"]
    gain = 1 - auto / numbers[best]["median_ms"]
    out.append("")
    out.append(f"auto vs the best single engine ({best}): {gain * 100:+.1f} % time saved "
               "(medians)")
    out.append("median per-round ratio auto / engine (each round calls every runner once, so "
               "a ratio pairs calls made close together): " + ", ".join(
                   f"{n} {r:.2f}" for n, r in paired.items()))
    return out


def compile_cost(repeats: int) -> list[str]:
    """Compile seconds of the bench MLP with tune off, measure and cached (interleaved)."""
    from models import mlp

    import hwsdk

    model, inputs = mlp()
    hwsdk.compile(model, inputs, target="auto", tune="off")  # imports, plugin discovery
    seconds: dict[str, list[float]] = {"off": [], "measure": [], "cached": []}
    notes: list[str] = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["HWSDK_CACHE_DIR"] = cache
            for mode in seconds:
                start = time.perf_counter()
                cm = hwsdk.compile(model, inputs, target="auto", tune=mode)
                seconds[mode].append(time.perf_counter() - start)
                if mode == "measure":
                    notes = [n for n in cm.plan.notes if n.startswith("tune")]
    off = statistics.median(seconds["off"])
    out = ["| tune | median s | min-max s | vs off |", "|---|---|---|---|"]
    for mode, values in seconds.items():
        out.append(f"| {mode} | {statistics.median(values):.2f} | {min(values):.2f}-"
                   f"{max(values):.2f} | {statistics.median(values) / off:.2f}x |")
    return [*out, "", "The last measuring compile's notes:", "", "```", *notes, "```"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--cost", type=int, default=0, metavar="REPEATS",
                        help="measure compile time (tune off/measure/cached) instead")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(THREADS)
    os.environ.pop("HWSDK_TUNE", None)
    if args.cost:
        budget = os.environ.get("HWSDK_TUNE_BUDGET", "default (2)")
        lines = ["# tune_cost", "", "Compile time of the bench MLP (bench/models.py) with "
                 "`target=\"auto\"`, each tune mode once per repeat, interleaved, each repeat "
                 "with an empty decision cache.", "",
                 f"Command: `.venv/bin/python bench/tune_mixed.py --cost {args.cost}` "
                 f"(HWSDK_TUNE_BUDGET={budget})", "",
                 "Machine: " + ", ".join(f"{k}={v}" for k, v in machine_info(THREADS).items()
                                         if k != "versions"), "", *compile_cost(args.cost)]
        print("\n".join(lines))
        (RESULTS / "tune_cost.md").write_text("\n".join(lines) + "\n")
        return
    md = ["# tune_mixed", "", __doc__.split("\n\n")[1].replace("\n", " "), "",
          f"Command: `.venv/bin/python bench/tune_mixed.py --runs {args.runs} "
          f"--rounds {args.rounds}` (HWSDK_TUNE_BUDGET="
          f"{os.environ.get('HWSDK_TUNE_BUDGET', 'default')})", "",
          "Machine: " + ", ".join(f"{k}={v}" for k, v in machine_info(THREADS).items()
                                  if k != "versions"),
          "Versions: " + ", ".join(f"{k} {v}" for k, v in machine_info()["versions"].items())]
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["HWSDK_CACHE_DIR"] = cache  # auto measures: no earlier decision
            numbers, samples, lines = one_run(args.rounds)
        md += ["", f"## run {run + 1}", "", *_table(numbers, samples), "", "auto's plan:", "",
               "```",
               *lines, "```"]
        print("\n".join(md[-(len(lines) + 12):]), flush=True)
    (RESULTS / "tune_mixed.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
