"""What exact NaN propagation costs on the intel target (issue 13 item 2).

Not a test. Usage: ``python bench/nan_cost.py [--blocks 15] [--calls 200]``.
Writes bench/results/nan_cost.{md,json}.

Each workload is captured once with ``hwsdk.compile(..., target="intel")``; its region is then
lowered twice, with ``exact_nan=True`` (the default: IsNaN + Select put back the NaN OpenVINO's
ReLU/Clamp/Maximum/Minimum/ReduceMax/ReduceMin/Exp/Softmax drop) and ``exact_nan=False``
(OpenVINO's own ops as they are), compiled for the CPU device with the same options, and run
through the same ``OpenVINORegion.run``. Blocks of calls alternate between the two (the order
flips every block) so machine drift hits both; the ratio exact/plain is taken per block and
reported as its median with the min-max and interquartile spread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, machine_info


def _workloads() -> dict[str, tuple[Callable[..., Any], tuple[Any, ...]]]:
    import torch

    x, y = torch.randn(64, 1024), torch.randn(64, 1024)
    w1, w2 = torch.randn(1024, 1024) / 32, torch.randn(1024, 1024) / 32
    q, k = torch.randn(8, 128, 64), torch.randn(8, 128, 64)
    return {
        "relu 64x1024": (lambda a: torch.relu(a), (x,)),
        "clamp 64x1024": (lambda a: torch.clamp(a, -1.0, 1.0), (x,)),
        "maximum 64x1024": (lambda a, b: torch.maximum(a, b), (x, y)),
        "amax(dim=1) 64x1024": (lambda a: a.amax(1), (x,)),
        "exp 64x1024": (lambda a: torch.exp(a), (x,)),
        "softmax(dim=1) 64x1024": (lambda a: torch.softmax(a, 1), (x,)),
        "MLP linear-relu-linear 64x1024": (
            lambda a: torch.relu(a @ w1) @ w2, (x,)),
        "attention scores softmax(q@k^T) 8x128x128": (
            lambda a, b: torch.softmax(a @ b.transpose(1, 2) / 8.0, -1), (q, k)),
    }


class _Body:
    @staticmethod
    def module(fn: Callable[..., Any]) -> Any:
        import torch

        class Body(torch.nn.Module):
            def forward(self, *args: Any) -> Any:
                return fn(*args)

        return Body().eval()


def _variants(fn: Callable[..., Any], inputs: tuple[Any, ...], threads: int) -> dict[str, Any]:
    """The workload's intel region compiled with exact_nan True and False."""
    from hwsdk_intel.lowering import lower_region
    from hwsdk_intel.options import parse_options
    from hwsdk_intel.runtime import OpenVINORegion, core

    import hwsdk
    from hwsdk.plugin import Region

    compiled = hwsdk.compile(_Body.module(fn), inputs, target="intel", num_threads=threads)
    (info,) = compiled.plan.regions
    graph = compiled.captured.graph
    nodes = graph.node_by_id()
    region = Region(info.id, info.target, graph, [nodes[i] for i in info.node_ids],
                    info.inputs, info.outputs, info.params)
    config = parse_options({"num_threads": threads}).ov_config()
    out = {}
    for name, exact in (("exact", True), ("plain", False)):
        lowering = lower_region(region, exact_nan=exact)
        ov_compiled = core().compile_model(lowering.model, "CPU", config)
        out[name] = OpenVINORegion(region, ov_compiled, lowering, {})
        out[name + "_nodes"] = len(lowering.model.get_ops())
    return out


def _block_us(run: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - start) / calls * 1e6


def measure(label: str, fn: Callable[..., Any], inputs: tuple[Any, ...], blocks: int,
            calls: int, threads: int) -> dict[str, Any]:
    v = _variants(fn, inputs, threads)
    runs = {k: (lambda r=v[k]: r.run(list(inputs), {})) for k in ("exact", "plain")}
    for run in runs.values():  # warm-up
        _block_us(run, calls // 4 or 1)
    times: dict[str, list[float]] = {"exact": [], "plain": []}
    for b in range(blocks):
        order = ("exact", "plain") if b % 2 == 0 else ("plain", "exact")
        for name in order:
            times[name].append(_block_us(runs[name], calls))
    ratios = sorted(e / p for e, p in zip(times["exact"], times["plain"], strict=True))
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return {"workload": label, "plain_us": statistics.median(times["plain"]),
            "exact_us": statistics.median(times["exact"]),
            "ratio_median": statistics.median(ratios), "ratio_min": ratios[0],
            "ratio_max": ratios[-1], "ratio_q1": q1, "ratio_q3": q3,
            "plain_ov_nodes": v["plain_nodes"], "exact_ov_nodes": v["exact_nodes"],
            "blocks": blocks, "calls_per_block": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    rows = [measure(label, fn, inputs, args.blocks, args.calls, args.threads)
            for label, (fn, inputs) in _workloads().items()]
    info = machine_info(threads=args.threads)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nan_cost.json").write_text(json.dumps({"machine": info, "rows": rows},
                                                      indent=2) + "\n")
    lines = ["# Cost of exact NaN propagation on intel:cpu", "",
             f"Command: `python bench/nan_cost.py --blocks {args.blocks} --calls {args.calls} "
             f"--threads {args.threads}`", "",
             "Machine: " + ", ".join(f"{k}={v}" for k, v in info.items() if k != "versions"),
             "", "Per-call µs are medians over blocks; the ratio exact/plain is per block "
             "(interleaved, order flipped each block): median [q1-q3] (min-max).", "",
             "| workload | plain µs | exact µs | ratio | spread q1-q3 | min-max | OV nodes "
             "plain→exact |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['plain_us']:.1f} | {r['exact_us']:.1f} | "
                     f"{r['ratio_median']:.2f} | {r['ratio_q1']:.2f}-{r['ratio_q3']:.2f} | "
                     f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f} | "
                     f"{r['plain_ov_nodes']}→{r['exact_ov_nodes']} |")
    (RESULTS / "nan_cost.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
