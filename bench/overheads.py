"""hwsdk's own costs: per-call runtime overhead, and cost per fallback boundary.

Not a test. Usage: ``python bench/overheads.py [--targets cpu,intel,torch]``.
Writes bench/results/overheads.{md,json}.

- Per-call overhead on a one-op model: the full ``CompiledModel`` call against calling its one
  compiled region's engine directly on the same tensors (same process, interleaved). The
  difference is what hwsdk adds: input guards, slots, output structure.
- Cost per boundary: a chain of 33 elementwise ops in which k ops (k = 0 … 16) are forced to
  PyTorch with ``fallback_ops``, so the graph alternates between the target and PyTorch 2k times.
  The fitted slope is the cost of one round trip.
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


def _time_us(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def per_call_overhead(target: str, repeat: int = 2000) -> dict[str, Any]:
    import torch

    import hwsdk

    class OneOp(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + 1.0

    x = torch.randn(8, 16)
    compiled = hwsdk.compile(OneOp(), (x,), target=target)
    step = compiled.steps[0]
    direct = lambda: step.runner([x], {})
    full = lambda: compiled(x)
    eager = lambda: x + 1.0
    for fn in (direct, full, eager):  # warm up: first calls pay allocation and thread start
        _time_us(fn, 200)
    rounds = {"direct": [], "full": [], "eager": []}
    for _ in range(10):  # interleave blocks so drift hits all three
        rounds["direct"].append(_time_us(direct, repeat // 10))
        rounds["full"].append(_time_us(full, repeat // 10))
        rounds["eager"].append(_time_us(eager, repeat // 10))
    med = {k: statistics.median(v) for k, v in rounds.items()}
    return {"target": target, "region_engine_us": med["direct"], "compiled_model_us": med["full"],
            "eager_us": med["eager"], "overhead_us": med["full"] - med["direct"],
            "step_target": step.target}


def boundary_cost(target: str, ks: range = range(0, 17, 2), repeat: int = 300) -> dict[str, Any]:
    import torch

    import hwsdk

    class Chain(torch.nn.Module):
        def __init__(self, k: int) -> None:
            super().__init__()
            self.k = k

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for i in range(33):
                x = torch.neg(x) if i % 2 == 1 and i // 2 < self.k else x * 1.0001 + 0.001
            return x

    x = torch.randn(32, 256)
    rows = []
    for k in ks:
        model = Chain(k)
        compiled = hwsdk.compile(model, (x,), target=target, fallback_ops=["neg"])
        crossings = compiled.plan.boundary_crossings()
        rows.append({"k": k, "crossings": crossings,
                     "us": _time_us(lambda c=compiled: c(x), repeat),
                     "regions": len(compiled.plan.regions)})
    n = len(rows)
    mean_x = sum(r["crossings"] for r in rows) / n
    mean_y = sum(r["us"] for r in rows) / n
    sxx = sum((r["crossings"] - mean_x) ** 2 for r in rows)
    slope = sum((r["crossings"] - mean_x) * (r["us"] - mean_y) for r in rows) / sxx if sxx else 0.0
    return {"target": target, "rows": rows, "us_per_crossing": slope}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="cpu,intel,torch")
    args = parser.parse_args()
    import torch

    import hwsdk

    torch.set_num_threads(2)
    known = {t.name for t in hwsdk.targets()}
    targets = [t for t in args.targets.split(",") if t in known]
    overhead = [per_call_overhead(t) for t in targets]
    boundaries = [boundary_cost(t) for t in targets if t != "torch"]
    info = machine_info(threads=2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overheads.json").write_text(json.dumps(
        {"machine": info, "per_call": overhead, "boundaries": boundaries}, indent=2) + "\n")
    lines = ["# hwsdk overheads", "", "Command: `python bench/overheads.py`", "",
             "Machine: " + ", ".join(f"{k}={v}" for k, v in info.items() if k != "versions"), "",
             "## Per-call overhead on a one-op model (x + 1, 8x16 f32), medians",
             "", "| target | engine direct µs | CompiledModel µs | hwsdk overhead µs | eager µs |",
             "|---|---|---|---|---|"]
    for o in overhead:
        lines.append(f"| {o['target']} | {o['region_engine_us']:.1f} | "
                     f"{o['compiled_model_us']:.1f} | {o['overhead_us']:.1f} | "
                     f"{o['eager_us']:.1f} |")
    lines += ["", "## Cost per fallback boundary (33-op chain, 32x256 f32)", ""]
    for b in boundaries:
        lines.append(f"- {b['target']}: {b['us_per_crossing']:.1f} µs per boundary crossing "
                     "(least-squares slope); " + ", ".join(
                         f"k={r['k']}: {r['crossings']} crossings {r['us']:.0f} µs"
                         for r in b["rows"]))
    (RESULTS / "overheads.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
