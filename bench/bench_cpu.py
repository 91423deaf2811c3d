"""hwsdk ``cpu`` target against raw ONNX Runtime and torch eager, interleaved in one process.

Not a test. Usage: ``python bench/bench_cpu.py [--models mlp,bert-base] [--threads 2]``.
Writes bench/results/cpu.{md,json} (or cpu_<suffix> with ``--suffix``).

Runners per model, all with the same thread count:
- ``hwsdk cpu``: ``hwsdk.compile(model, inputs, target="cpu", num_threads=T)``, called like the
  model on torch tensors.
- ``onnxruntime``: ``torch.onnx.export(model, inputs, dynamo=True)``, then an
  ``InferenceSession`` (CPU EP, intra-op threads T, all graph optimizations) fed numpy views of
  the same tensors, outputs wrapped back with ``torch.from_numpy`` (no copies either way).
- ``torch eager``: the model under ``torch.no_grad()`` with ``torch.set_num_threads(T)``.
- ``hwsdk cpu: region engine only`` (diagnostic): the compiled model's single region called
  directly, without hwsdk's per-call runtime (input guards, pytree flattening, slots).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Runner, eager_runner, machine_info, measure, write_results
from models import MODELS

ROUNDS = {"mlp": 400}


def hwsdk_runners(model: Any, inputs: tuple[Any, ...], threads: int) -> list[Runner]:
    """The full CompiledModel call, and (diagnostic) its one region's engine called directly."""
    state: dict[str, Any] = {}

    def setup() -> Any:
        import hwsdk

        compiled = hwsdk.compile(model, inputs, target="cpu", num_threads=threads)
        state["compiled"] = compiled
        setup.plan = compiled.plan.summary()  # type: ignore[attr-defined]
        return lambda: compiled(*inputs)

    def direct() -> Any:
        steps = state["compiled"].steps
        if len(steps) != 1:
            raise RuntimeError("more than one region")
        runner = steps[0].runner
        return lambda: runner(list(inputs), {})

    return [Runner("hwsdk cpu", setup, hwsdk=True),
            Runner("hwsdk cpu: region engine only", direct, hwsdk=True)]


def ort_runner(model: Any, inputs: tuple[Any, ...], threads: int, workdir: str) -> Runner:
    def setup() -> Any:
        import onnxruntime as ort
        import torch

        path = str(Path(workdir) / "model.onnx")
        torch.onnx.export(model, inputs, path, dynamo=True, external_data=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]

        def call() -> Any:
            feeds = {n: x.numpy() for n, x in zip(names, inputs, strict=True)}
            outs = [torch.from_numpy(o) for o in session.run(None, feeds)]
            return outs[0] if len(outs) == 1 else tuple(outs)

        return call

    return Runner("onnxruntime (torch.onnx dynamo)", setup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    results = []
    plans = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.models.split(","):
            model, inputs = MODELS[name]()
            with torch.no_grad():
                reference = model(*inputs)
            hw, direct = hwsdk_runners(model, inputs, args.threads)
            runners = [hw, direct, ort_runner(model, inputs, args.threads, workdir),
                       eager_runner(model, inputs)]
            print(f"== {name}", flush=True)
            found = measure(name, runners, reference, rounds=ROUNDS.get(name, args.rounds),
                            warmup=3, budget_s=90.0)
            for r in found:
                print(f"  {r.runner:34s} median {r.median_ms} ms  p90 {r.p90_ms}  "
                      f"ratio {r.ratio_to_best_peer}  err {r.max_abs_error}  {r.error}",
                      flush=True)
            results.extend(found)
            plans.append(f"- {name}: " + getattr(hw.setup, "plan", "?").splitlines()[1])
    suffix = f"_{args.suffix}" if args.suffix else ""
    command = "python bench/bench_cpu.py " + " ".join(sys.argv[1:])
    preface = (f"Command: `{command.strip()}`\n\nRunners interleaved in one process, "
               f"{args.threads} threads each; ratio = median / best non-hwsdk runner's median. "
               "Target: hwsdk cpu <= 1.05 x onnxruntime.\n\nhwsdk plans:\n" + "\n".join(plans))
    path = write_results(f"cpu{suffix}", results, machine_info(args.threads), preface)
    print(path.read_text())


if __name__ == "__main__":
    main()
