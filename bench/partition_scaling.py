"""Partitioning time against graph size: 10^3, 10^4 and 10^5 nodes.

Not a test. Usage: ``python bench/partition_scaling.py [--sizes 1000,10000,100000]
[--repeat 3] [--min-block-size 3] [--profile]``. Writes bench/results/partition_scaling.{md,json}.

The synthetic graphs look like captured models: a main chain of f32 elementwise and matmul
ops with side branches (1-4 nodes) that fork from the chain and join back through ``add``, and
occasional long skip connections. About 20% of the nodes are ops the accelerator's table
lacks (``erf``, ``sin``) or opaque ``torch_op`` calls, scattered so that real fallback
boundaries occur throughout. The timed work is exactly what ``hwsdk.explain`` does after
capture: :func:`~hwsdk.partition.assign` (capability table + ``judge`` per node and target),
:func:`~hwsdk.partition.cut_regions` (with ``min_block_size`` folding) and
:meth:`~hwsdk.partition.PartitionPlan.build`, plus the plan's summary numbers. The growth
exponent is the least-squares slope of log(time) against log(nodes); 1.0 is linear.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, machine_info

from hwsdk.capability import CapabilityTable, OpSupport, Provenance
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.partition import PartitionPlan, assign, cut_regions

SUPPORTED = ("add", "mul", "relu", "tanh", "sigmoid", "matmul")
UNSUPPORTED = ("erf", "sin")  # not in the table: NO_KERNEL
UNSUPPORTED_SHARE = 0.2
TARGET = "acc"


def table() -> CapabilityTable:
    return CapabilityTable(
        target=TARGET, version="1", opset_version=OPSET_VERSION,
        provenance=[Provenance(source="bench/partition_scaling.py synthetic table")],
        ops={op: OpSupport(dtypes={DType.f32: "yes"}) for op in SUPPORTED})


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.nodes: list[Node] = []
        self.types: dict[str, TensorType] = {"x": TensorType(DType.f32, (8, 8))}

    def add(self, inputs: list[str]) -> str:
        rng = self.rng
        out = f"v{len(self.nodes)}"
        attrs: dict[str, Any] = {}
        if rng.random() < UNSUPPORTED_SHARE:
            if rng.random() < 0.5:
                op, inputs = rng.choice(UNSUPPORTED), inputs[:1]
            else:
                op = "torch_op"
                attrs = {"target": "aten.special_bessel_j0.default",
                         "args": [{"$in": i} for i in range(len(inputs))], "kwargs": {}}
        elif len(inputs) == 2:
            op = rng.choice(("add", "mul", "matmul"))
        else:
            op = rng.choice(("relu", "tanh", "sigmoid", "mul"))
            if op == "mul":
                attrs = {"scalar": 0.5}
        self.nodes.append(Node(f"n{len(self.nodes)}", op, inputs, attrs, [out]))
        self.types[out] = TensorType(DType.f32, (8, 8))
        return out


def synthetic_graph(n: int, seed: int = 0) -> Graph:
    """A graph of exactly ``n`` nodes shaped like a captured model (see module docstring)."""
    b = _Builder(seed)
    rng = b.rng
    main = "x"
    history = [main]
    while len(b.nodes) < n:
        left = n - len(b.nodes)
        if left >= 3 and rng.random() < 0.3:
            branch = main
            for _ in range(min(rng.randint(1, 4), left - 2)):
                branch = b.add([branch])
            main = b.add([b.add([main]), branch])
        elif rng.random() < 0.03 and len(history) > 50:
            main = b.add([main, history[-rng.randint(10, 50)]])  # skip connection
        else:
            main = b.add([main])
        history.append(main)
    return Graph(["x"], [main], b.nodes, b.types)


def partition(graph: Graph, tables: dict[str, CapabilityTable],
              min_block_size: int) -> tuple[PartitionPlan, dict[str, float]]:
    """Assign, cut and build the plan (with its summary); return it with per-phase wall
    seconds (``assign`` …) and process CPU seconds (``assign_cpu`` …)."""
    phases: dict[str, float] = {}
    clock = (time.perf_counter(), time.process_time())

    def lap(name: str) -> None:
        nonlocal clock
        now = (time.perf_counter(), time.process_time())
        phases[name], phases[f"{name}_cpu"] = now[0] - clock[0], now[1] - clock[1]
        clock = now

    assignments = assign(graph, [TARGET], tables)
    lap("assign")
    placement = {node_id: a.target for node_id, a in assignments.items()}
    cuts, folded = cut_regions(graph, placement, "torch", min_block_size)
    lap("cut_regions")
    plan = PartitionPlan.build(graph, [TARGET], [TARGET, "torch"], cuts, assignments, folded,
                               min_block_size)
    plan.summary_dict()
    lap("plan")
    for suffix in ("", "_cpu"):
        phases[f"total{suffix}"] = sum(phases[f"{p}{suffix}"]
                                       for p in ("assign", "cut_regions", "plan"))
    return plan, phases


def slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    den = sum((a - mx) ** 2 for a in lx)
    return num / den


def run(sizes: list[int], repeat: int, min_block_size: int, profile: bool) -> dict[str, Any]:
    tables = {TARGET: table()}
    rows = []
    for n in sizes:
        graph = synthetic_graph(n)
        best: dict[str, float] | None = None
        plan = None
        for _ in range(repeat):
            gc.collect()
            plan, phases = partition(graph, tables, min_block_size)
            if best is None or phases["total"] < best["total"]:
                best = phases
        assert plan is not None and best is not None
        summary = plan.summary_dict()
        edges = sum(1 for node in graph.nodes for v in node.inputs if v)
        rows.append({"nodes": n, "edges": edges, "regions": summary["regions"],
                     "coverage": summary["coverage"].get(TARGET, 0.0),
                     "fallback_nodes": summary["fallback_nodes"],
                     "boundary_crossings": summary["boundary_crossings"],
                     "seconds": {k: round(v, 4) for k, v in best.items()},
                     "us_per_node": round(best["total"] / n * 1e6, 2)})
        print(f"{n:>7} nodes: {best['total']:.3f} s wall, {best['total_cpu']:.3f} s CPU "
              f"(assign {best['assign']:.3f}, cut {best['cut_regions']:.3f}, plan "
              f"{best['plan']:.3f}), {summary['regions']} regions, coverage "
              f"{rows[-1]['coverage']:.1%}", flush=True)
        if profile and n == max(sizes):
            profiler = cProfile.Profile()
            profiler.enable()
            partition(graph, tables, min_block_size)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(20)
            print(out.getvalue())
    fitted = ("assign", "cut_regions", "plan", "total", "total_cpu")
    exponents = {phase: round(slope([r["nodes"] for r in rows],
                                    [max(r["seconds"][phase], 1e-6) for r in rows]), 3)
                 for phase in fitted} if len(rows) > 1 else {}
    return {"benchmark": "partition_scaling", "machine": machine_info(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "settings": {"repeat": repeat, "min_block_size": min_block_size,
                         "unsupported_share": UNSUPPORTED_SHARE, "seed": 0},
            "rows": rows, "growth_exponent": exponents,
            "target": "10^5 nodes in under 10 s",
            "met": any(r["nodes"] >= 100_000 and r["seconds"]["total"] < 10 for r in rows)}


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = ["# Partition scaling", "",
             f"{m['date']}; {m['cpu']} ({m['cores']} cores, shared; load average "
             f"{result['load_average']}); Python {m['python']}; "
             f"min_block_size={result['settings']['min_block_size']}, best of "
             f"{result['settings']['repeat']}.", "",
             "| nodes | edges | regions | coverage | assign s | cut s | plan s | total s "
             "| CPU s | µs/node |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        s = r["seconds"]
        lines.append(f"| {r['nodes']} | {r['edges']} | {r['regions']} | {r['coverage']:.1%} "
                     f"| {s['assign']:.3f} | {s['cut_regions']:.3f} | {s['plan']:.3f} "
                     f"| {s['total']:.3f} | {s['total_cpu']:.3f} | {r['us_per_node']} |")
    exps = result["growth_exponent"]
    if exps:
        lines += ["", "Growth exponent (log-log slope; 1.0 = linear): "
                  + ", ".join(f"{k} {v}" for k, v in exps.items()) + "."]
    lines += ["", "Times are wall seconds of the best run (by wall time) except CPU s, the process "
              "CPU seconds of that run; on a shared machine the gap between them is time spent "
              "waiting for a core. µs/node is wall.", "",
              f"Target {result['target']}: {'met' if result['met'] else 'NOT met'} (wall).",
              "",
              "Command: `python bench/partition_scaling.py`"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--min-block-size", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    result = run(sizes, args.repeat, args.min_block_size, args.profile)
    print(markdown(result))
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "partition_scaling.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "partition_scaling.md").write_text(markdown(result))


if __name__ == "__main__":
    main()
