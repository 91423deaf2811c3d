"""hwsdk against what users would pick instead, on the model zoo, plus the emulated GPU targets.

Not a test. Usage: ``python bench/run_all.py [--models mlp,bert-base] [--threads 2]``.
Writes bench/results/all.{md,json} and bench/results/gpu_codegen.{md,json}.

With ``--device cuda --gpu-target nvidia:sm_90`` (a machine with the GPU; scripts/gpu_check.sh
runs it so) the timed runners are GPU ones instead: torch eager and torch.compile (inductor) on
the GPU, hwsdk on the GPU target with CPU inputs and with GPU inputs, every call synchronized;
it writes bench/results/gpu.{md,json} after each model and skips the code-generation table.

Per model, runners interleaved in one process (same thread count for all): torch eager,
torch.compile (inductor), onnxruntime on torch.onnx.export(dynamo=True)'s model, raw OpenVINO
(f32 hint), torch.compile(backend="openvino"), and hwsdk with every target that runs here
(torch, cpu, intel, auto by priority, auto measured). A runner that fails is listed with its error.

The GPU section is not a timing: for nvidia and rocm archs it reports what can be measured
without a GPU: kernels per model, ops fused per kernel and ahead-of-time compile time per arch.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cpu import ort_runner
from bench_intel import raw_openvino_runner, torch_compile_runner
from harness import (
    RESULTS,
    Runner,
    eager_runner,
    hwsdk_runner,
    machine_info,
    measure,
    write_results,
)
from models import MODELS

ROUNDS = {"mlp": 300, "resnet18": 40}
MEASURED = "hwsdk auto (measured)"
"""auto choosing by measurement on this machine (docs/tuning.md); "hwsdk auto" is the
priority rule (tune="off")."""
GPU_ARCHS = ("nvidia:sm_80", "nvidia:sm_90", "rocm:gfx90a", "rocm:gfx942")


def inductor_runner(model: Any, inputs: tuple[Any, ...]) -> Runner:
    def setup() -> Any:
        import torch

        compiled = torch.compile(model)

        def call() -> Any:
            with torch.no_grad():
                return compiled(*inputs)

        return call

    return Runner("torch.compile inductor", setup)


def runners_for(model: Any, inputs: tuple[Any, ...], threads: int, workdir: str) -> list[Runner]:
    import hwsdk

    known = {t.name for t in hwsdk.targets()}
    peers = [eager_runner(model, inputs), inductor_runner(model, inputs),
             ort_runner(model, inputs, threads, workdir),
             raw_openvino_runner(model, inputs, threads),
             torch_compile_runner(model, inputs, threads)]
    ours = [hwsdk_runner(model, inputs, "torch")]
    if "cpu" in known:
        ours.append(hwsdk_runner(model, inputs, "cpu", num_threads=threads))
    if "intel" in known:
        ours.append(hwsdk_runner(model, inputs, "intel", num_threads=threads))
    ours.append(hwsdk_runner(model, inputs, "auto", tune="off"))  # the priority rule
    measured = hwsdk_runner(model, inputs, "auto", tune="measure", num_threads=threads)
    ours.append(Runner(MEASURED, measured.setup, hwsdk=True))
    return peers + ours


def _synced(runner: Runner, name: str) -> Runner:
    """``runner`` with each call waiting for the GPU (CUDA calls return before they finish)."""

    def setup() -> Any:
        import torch

        call = runner.setup()
        setup.plan = getattr(runner.setup, "plan", None)  # type: ignore[attr-defined]

        def synced() -> Any:
            out = call()
            torch.cuda.synchronize()
            return out

        return synced

    return Runner(name, setup, runner.hwsdk)


def cuda_runners_for(model: Any, inputs: tuple[Any, ...], target: str) -> list[Runner]:
    """GPU peers (eager, inductor) and hwsdk on ``target``, fed CPU and GPU inputs."""
    import copy

    gpu_model = copy.deepcopy(model).to("cuda")
    gpu_inputs = tuple(x.to("cuda") for x in inputs)
    return [_synced(eager_runner(gpu_model, gpu_inputs), "torch eager cuda"),
            _synced(inductor_runner(gpu_model, gpu_inputs), "torch.compile inductor cuda"),
            _synced(hwsdk_runner(model, inputs, target), f"hwsdk {target} (cpu inputs)"),
            _synced(hwsdk_runner(gpu_model, gpu_inputs, target), f"hwsdk {target} (cuda inputs)")]


def gpu_codegen(name: str, model: Any, inputs: tuple[Any, ...],
                archs: tuple[str, ...] = GPU_ARCHS) -> list[dict[str, Any]]:
    """Kernels, fusion and ahead-of-time compile time per arch (no GPU timing)."""
    import hwsdk
    from hwsdk.ir.capture import capture
    from hwsdk.partition.planner import plan_graph
    from hwsdk.registry import get_registry
    from hwsdk.runtime.build import build_compiled

    known = {t.name for t in hwsdk.targets()}
    captured = capture(model, inputs)
    rows = []
    for target in archs:
        if target.split(":")[0] not in known:
            continue
        start = time.perf_counter()
        try:
            plan = plan_graph(captured, target, options={"aot": True})
            compiled = build_compiled(captured, plan, get_registry(), {"aot": True}, False)
        except Exception as exc:  # reported, not raised
            rows.append({"model": name, "target": target, "error": f"{type(exc).__name__}: {exc}"})
            continue
        seconds = time.perf_counter() - start
        details = [r.details for r in compiled.plan.regions if r.status == "compiled"]
        kernels = sum(d.get("num_kernels", 0) for d in details)
        fused = sum(d.get("ops_in_kernels", 0) for d in details)
        rows.append({
            "model": name, "target": target, "aot_compile_s": round(seconds, 2),
            "kernels": kernels, "ops_in_kernels": fused,
            "ops_per_kernel": round(fused / kernels, 2) if kernels else None,
            "max_ops_per_kernel": max((d.get("max_ops_per_kernel", 0) for d in details),
                                      default=0),
            "coverage": compiled.plan.summary_dict()["coverage"],
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--calls-per-round", type=int, default=3,
                        help="back-to-back calls per runner per round; the fastest counts")
    parser.add_argument("--gpu-models", default="mlp,gpt2-small")
    parser.add_argument("--gpu-only", action="store_true",
                        help="skip the timed runners; only the GPU code-generation table")
    parser.add_argument("--gpu-archs", default=",".join(GPU_ARCHS),
                        help="targets of the GPU code-generation table")
    parser.add_argument("--gpu-suffix", default="",
                        help="write gpu_codegen_<suffix>.{md,json} (keeps other tables)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cuda: time GPU runners on the GPU (bench/results/gpu.md)")
    parser.add_argument("--gpu-target", default="nvidia:sm_90",
                        help="with --device cuda: the hwsdk target to time")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    results, plans = [], []
    command = "python bench/run_all.py " + " ".join(sys.argv[1:])
    on_gpu = args.device == "cuda"
    if on_gpu and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no CUDA GPU here (run it where the GPU is)")
    with tempfile.TemporaryDirectory() as workdir:
        for name in [] if args.gpu_only else args.models.split(","):
            model, inputs = MODELS[name]()
            with torch.no_grad():
                reference = model(*inputs)
            runners = (cuda_runners_for(model, inputs, args.gpu_target) if on_gpu
                       else runners_for(model, inputs, args.threads, workdir))
            print(f"== {name}", flush=True)
            found = measure(name, runners, reference, rounds=ROUNDS.get(name, args.rounds),
                            budget_s=120.0 * args.calls_per_round,
                            calls_per_round=args.calls_per_round)
            for r in found:
                print(f"  {r.runner:32s} median {r.median_ms} ratio {r.ratio_to_best_peer} "
                      f"{r.error}", flush=True)
            results.extend(found)
            shown = f"hwsdk {args.gpu_target} (cpu inputs)" if on_gpu else "hwsdk auto"
            auto = next((r for r in runners if r.name == shown), None)
            plan = getattr(auto.setup, "plan", None) if auto else None
            if plan is not None:
                plans.append(f"- {name}: " + plan.summary().splitlines()[1])
            tuned = next((r for r in runners if r.name == MEASURED), None)
            tuned_plan = getattr(tuned.setup, "plan", None) if tuned else None
            plans.extend(f"- {name} ({MEASURED}): {note}" for note in
                         (tuned_plan.notes if tuned_plan is not None else ())
                         if note.startswith("tune"))
            if on_gpu:  # a GPU run may be cut short by its time limit: keep each model
                write_results("gpu", results, _gpu_info(args.threads),
                              _preface(command, args, plans))
    if results:
        info = _gpu_info(args.threads) if on_gpu else machine_info(args.threads)
        print(write_results("gpu" if on_gpu else "all", results, info,
                            _preface(command, args, plans)).read_text())
    if on_gpu:
        return
    gpu_rows = []
    for name in args.gpu_models.split(","):
        model, inputs = MODELS[name]()
        gpu_rows.extend(gpu_codegen(name, model, inputs, tuple(args.gpu_archs.split(","))))
    stem = f"gpu_codegen_{args.gpu_suffix}" if args.gpu_suffix else "gpu_codegen"
    (RESULTS / f"{stem}.json").write_text(json.dumps(gpu_rows, indent=2) + "\n")
    lines = ["# Emulated GPU targets: code generation, not GPU timings", "",
             f"Command: `{command.strip()}`. Ahead-of-time compilation with Triton for each "
             "arch on this CPU-only machine; nothing here ran on a GPU.", "",
             "| model | target | kernels | ops in kernels | ops per kernel | largest kernel "
             "(ops) | AOT compile s | coverage |", "|---|---|---|---|---|---|---|---|"]
    for r in gpu_rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['target']} | error: {r['error']} |||||| ")
            continue
        lines.append(f"| {r['model']} | {r['target']} | {r['kernels']} | {r['ops_in_kernels']} "
                     f"| {r['ops_per_kernel']} | {r['max_ops_per_kernel']} | "
                     f"{r['aot_compile_s']} | {r['coverage']} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _preface(command: str, args: Any, plans: list[str]) -> str:
    placed = f"hwsdk {args.gpu_target}" if args.device == "cuda" else "hwsdk auto"
    return (f"Command: `{command.strip()}`\n\nRunners interleaved in one process, "
            f"{args.threads} threads each, in a seeded order drawn per round; each round every "
            f"runner makes {args.calls_per_round} back-to-back call(s) and its fastest counts; "
            "median and p90 are over the rounds; ratio = median / best non-hwsdk runner's "
            f"median (the best peer). {placed} placement:\n" + "\n".join(plans))


def _gpu_info(threads: int) -> dict[str, Any]:
    import torch

    return {**machine_info(threads), "gpu": torch.cuda.get_device_name(0)}


if __name__ == "__main__":
    main()
