"""hwsdk's own costs: per-call runtime overhead, and cost per fallback boundary.

Not a test. Usage: ``python bench/overheads.py [--targets cpu,intel,torch]``.
Writes bench/results/overheads.{md,json}.

- Per-call overhead on a one-op model: the full ``CompiledModel`` call against calling its one
  compiled region's engine directly on the same tensors (same process, interleaved). The
  difference is what hwsdk adds: input guards, slots, output structure.
- Cost per boundary: a chain of 33 elementwise ops in which k ops (k = 0 … 16) are forced to
  PyTorch with ``fallback_ops``, so the graph alternates between the target and PyTorch 2k times.
  The fitted slope is the cost of one round trip.
- The cpu target beside raw ONNX Runtime on small models, where per-call cost dominates: a
  4x7x64 gated MLP and one LLM decode step (one token against a 128-position KV cache). Runners,
  interleaved in rotating order: the full ``CompiledModel`` call; its region's ``run``; hwsdk's own
  session called the raw way; hwsdk's graph (``dump_onnx``) in a plain session; torch.onnx's
  export in a plain session. The raw way: numpy views of the inputs in, ``torch.from_numpy`` of
  ONNX Runtime's outputs out. Target: hwsdk cpu <= 1.05 x torch.onnx in a plain session.
"""

from __future__ import annotations

import argparse
import json
import os
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


def gated_mlp() -> tuple[Any, tuple[Any, ...]]:
    """LayerNorm, gate and up linears (64 -> 128), SiLU gate, down linear, on 4x7x64 tokens."""
    import torch

    class GatedMLP(torch.nn.Module):
        def __init__(self, d: int = 64, hidden: int = 128) -> None:
            super().__init__()
            self.norm = torch.nn.LayerNorm(d)
            self.gate = torch.nn.Linear(d, hidden)
            self.up = torch.nn.Linear(d, hidden)
            self.down = torch.nn.Linear(hidden, d)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.norm(x)
            return self.down(torch.nn.functional.silu(self.gate(y)) * self.up(y))

    torch.manual_seed(0)
    return GatedMLP().eval(), (torch.randn(4, 7, 64),)


def decode_step() -> tuple[Any, tuple[Any, ...]]:
    """One decoder block at one token (d=256, 4 heads, SiLU-gated MLP of 688) attending over a
    128-position KV cache passed in as inputs, as an LLM decode step reads it."""
    import torch

    def rms(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w

    class Block(torch.nn.Module):
        def __init__(self, d: int = 256, heads: int = 4, hidden: int = 688) -> None:
            super().__init__()
            self.heads, self.dh = heads, d // heads
            self.n1 = torch.nn.Parameter(torch.ones(d))
            self.n2 = torch.nn.Parameter(torch.ones(d))
            self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
            self.o = torch.nn.Linear(d, d, bias=False)
            self.gate = torch.nn.Linear(d, hidden, bias=False)
            self.up = torch.nn.Linear(d, hidden, bias=False)
            self.down = torch.nn.Linear(hidden, d, bias=False)

        def forward(self, x: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            b, t, d = x.shape
            q, k, v = self.qkv(rms(x, self.n1)).split(d, dim=-1)
            q, k, v = (z.reshape(b, t, self.heads, self.dh).transpose(1, 2) for z in (q, k, v))
            keys = torch.cat([k_cache, k], dim=2)
            values = torch.cat([v_cache, v], dim=2)
            att = torch.nn.functional.scaled_dot_product_attention(q, keys, values)
            h = x + self.o(att.transpose(1, 2).reshape(b, t, d))
            y = rms(h, self.n2)
            out = h + self.down(torch.nn.functional.silu(self.gate(y)) * self.up(y))
            return out, keys, values

    torch.manual_seed(0)
    return Block().eval(), (torch.randn(1, 1, 256), torch.randn(1, 4, 128, 64),
                            torch.randn(1, 4, 128, 64))


def _plain_session(model: Any, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _raw_call(session: Any, inputs: tuple[Any, ...]) -> Callable[[], Any]:
    """ONNX Runtime called the way a user would: numpy views in, torch.from_numpy out."""
    import torch

    names = [i.name for i in session.get_inputs()]

    def call() -> Any:
        feeds = {n: x.numpy() for n, x in zip(names, inputs, strict=True)}
        return [torch.from_numpy(o) for o in session.run(None, feeds)]

    return call


def _torch_onnx(model: Any, inputs: tuple[Any, ...], path: Path) -> str:
    """Export with torch.onnx (the dynamo exporter where onnxscript is installed, else the
    TorchScript one); returns which."""
    import importlib.util
    import warnings

    import torch

    dynamo = importlib.util.find_spec("onnxscript") is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(model, inputs, str(path), dynamo=True, external_data=False)
        else:
            torch.onnx.export(model, inputs, str(path), dynamo=False, opset_version=18)
    return "dynamo" if dynamo else "torchscript"


def engine_runners(model: Any, inputs: tuple[Any, ...], threads: int, workdir: Path
                   ) -> tuple[dict[str, Callable[[], Any]], str]:
    """The five ways to run ``model`` (see the module docstring), and the exporter used."""
    import hwsdk

    dump = workdir / "dump"
    compiled = hwsdk.compile(model, inputs, target="cpu", num_threads=threads)
    hwsdk.compile(model, inputs, target="cpu", num_threads=threads, dump_onnx=str(dump))
    if len(compiled.steps) != 1 or compiled.steps[0].target != "cpu":
        raise RuntimeError(f"expected one cpu region, got {compiled.plan.summary()}")
    region = compiled.steps[0].runner
    exporter = _torch_onnx(model, inputs, workdir / "torch.onnx")
    calls = {
        "hwsdk cpu": lambda: compiled(*inputs),
        "hwsdk region run": lambda: region(list(inputs), {}),
        "hwsdk's session, raw call": _raw_call(region.session, inputs),
        "hwsdk's graph (dump_onnx), plain session": _raw_call(
            _plain_session(str(next(dump.glob("*.onnx"))), threads), inputs),
        "torch.onnx export, plain session": _raw_call(
            _plain_session(str(workdir / "torch.onnx"), threads), inputs),
    }
    return calls, exporter


RAW = "torch.onnx export, plain session"


def versus_raw(name: str, model: Any, inputs: tuple[Any, ...], threads: int = 2,
               rounds: int = 30, block: int = 50) -> dict[str, Any]:
    """Median µs per runner over interleaved rounds, and each runner's ratio to ``RAW``
    (median and min-max of the per-round ratios)."""
    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as tmp:
        calls, exporter = engine_runners(model, inputs, threads, Path(tmp))
        with torch.no_grad():
            reference = model(*inputs)
        reference = reference if isinstance(reference, tuple) else (reference,)
        for label, call in calls.items():
            out = call()
            out = out if isinstance(out, (tuple, list)) else (out,)
            err = _max_error(out, reference)
            if err > 1e-3:
                raise RuntimeError(f"{name}: {label} differs from eager by {err}")
            _time_us(call, 200)
        names = list(calls)
        times: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        for r in range(rounds):
            for label in names[r % len(names):] + names[: r % len(names)]:
                times[label].append(_mean_us(calls[label], block))
    rows = []
    for label in names:
        row: dict[str, Any] = {"runner": label}
        for i, kind in enumerate(("wall", "cpu")):
            mine = [t[i] for t in times[label]]
            ratios = [a[i] / b[i] for a, b in zip(times[label], times[RAW], strict=True)]
            row[kind] = {"median_us": statistics.median(mine), "min_us": min(mine),
                         "max_us": max(mine), "ratio": statistics.median(ratios),
                         "ratio_min": min(ratios), "ratio_max": max(ratios)}
        rows.append(row)
    return {"model": name, "threads": threads, "exporter": exporter, "rounds": rounds,
            "block": block, "rows": rows}


def _max_error(outputs: Any, reference: tuple[Any, ...]) -> float:
    """Largest difference of each output from the reference output of its shape (a region's
    outputs need not come in the model's order)."""
    worst = 0.0
    for out in outputs:
        errs = [float((out - ref).abs().max()) for ref in reference if ref.shape == out.shape]
        worst = max(worst, min(errs) if errs else float("inf"))
    return worst


def _mean_us(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """Mean wall and calling-thread CPU µs per call (with one intra-op thread ONNX Runtime runs
    on the calling thread, so the CPU time is the work itself, whatever else the machine runs)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - wall) / n * 1e6, (time.thread_time() - cpu) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="cpu,intel,torch")
    args = parser.parse_args()
    import torch

    import hwsdk

    torch.set_num_threads(2)
    load_before = os.getloadavg()[0]
    known = {t.name for t in hwsdk.targets()}
    targets = [t for t in args.targets.split(",") if t in known]
    overhead = [per_call_overhead(t) for t in targets]
    boundaries = [boundary_cost(t) for t in targets if t != "torch"]
    engines = [versus_raw(n, *f(), threads=t) for t in (1, 2) for n, f in (
        ("gated MLP 4x7x64", gated_mlp), ("decode step", decode_step))] if "cpu" in targets else []
    info = machine_info(threads=2)
    load = (load_before, os.getloadavg()[0])
    command = " ".join(["python bench/overheads.py", *sys.argv[1:]])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overheads.json").write_text(json.dumps(
        {"machine": info, "command": command, "load_average_1min": load, "per_call": overhead,
         "boundaries": boundaries, "versus_raw_ort": engines}, indent=2) + "\n")
    lines = ["# hwsdk overheads", "", f"Command: `{command}` (1-minute load average "
             f"{load[0]:.1f} at the start, {load[1]:.1f} at the end, on "
             f"{os.cpu_count()} cores)", "",
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
    for e in engines:
        lines += ["", f"## cpu beside raw ONNX Runtime: {e['model']} ({e['threads']} intra-op "
                      f"thread(s), {e['rounds']} interleaved rounds of {e['block']} calls)", "",
                  f"Ratio: a round's mean µs over the same round's `{RAW}` (torch.onnx "
                  f"{e['exporter']} exporter), median (min-max) over rounds. CPU: the calling "
                  "thread's CPU time, robust on a shared machine (with one thread it is all of "
                  "ONNX Runtime's work). Target: hwsdk cpu <= 1.05.", "",
                  "| runner | wall µs | wall ratio | CPU µs | CPU ratio |", "|---|---|---|---|---|"]
        for r in e["rows"]:
            w, c = r["wall"], r["cpu"]
            lines.append(f"| {r['runner']} | {w['median_us']:.1f} | {w['ratio']:.2f} "
                         f"({w['ratio_min']:.2f}-{w['ratio_max']:.2f}) | {c['median_us']:.1f} | "
                         f"{c['ratio']:.2f} ({c['ratio_min']:.2f}-{c['ratio_max']:.2f}) |")
    (RESULTS / "overheads.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
