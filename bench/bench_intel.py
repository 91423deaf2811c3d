"""hwsdk ``intel`` target against raw OpenVINO, torch.compile(backend="openvino") and eager,
interleaved in one process.

Not a test. Usage: ``python bench/bench_intel.py [--models mlp,bert-base] [--threads 2]``.
Writes bench/results/intel.{md,json} (or intel_<suffix> with ``--suffix``).

Runners per model, all f32 and with the same thread count:
- ``hwsdk intel``: ``hwsdk.compile(model, inputs, target="intel", num_threads=T)``.
- ``raw OpenVINO``: ``torch.export.export`` → ``openvino.convert_model`` →
  ``compile_model(CPU, INFERENCE_PRECISION_HINT=f32, INFERENCE_NUM_THREADS=T, LATENCY)``, one
  infer request with the same zero-copy I/O as hwsdk: ``ov.Tensor`` over the inputs' memory,
  fresh output buffers handed to ``set_output_tensor`` (``request.infer(dict)`` costs ~0.3 ms
  more per call on small models, which would flatter hwsdk).
- ``torch.compile openvino``: ``torch.compile(model, backend="openvino")`` with the same config.
- ``torch eager``: the model under ``torch.no_grad()`` with ``torch.set_num_threads(T)``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Runner, eager_runner, machine_info, measure, write_results
from models import MODELS

ROUNDS = {"mlp": 400, "resnet18": 60}


def _ov_config(threads: int) -> dict[str, Any]:
    return {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY"}


def _pack(outs: list[Any]) -> Any:
    return outs[0] if len(outs) == 1 else tuple(outs)


def hwsdk_runner(model: Any, inputs: tuple[Any, ...], threads: int) -> Runner:
    def setup() -> Any:
        import hwsdk

        compiled = hwsdk.compile(model, inputs, target="intel", num_threads=threads)
        setup.plan = compiled.plan.summary()  # type: ignore[attr-defined]
        return lambda: compiled(*inputs)

    return Runner("hwsdk intel", setup, hwsdk=True)


def raw_openvino_runner(model: Any, inputs: tuple[Any, ...], threads: int) -> Runner:
    def setup() -> Any:
        import numpy as np
        import openvino as ov
        import torch

        exported = torch.export.export(model, inputs)
        ov_model = ov.convert_model(exported)
        compiled = ov.Core().compile_model(ov_model, "CPU", _ov_config(threads))
        request = compiled.create_infer_request()
        for i, x in enumerate(inputs):  # one plain run to learn the output shapes
            request.set_input_tensor(i, ov.Tensor(x.numpy(), shared_memory=True))
        request.infer()
        specs = [(tuple(request.get_output_tensor(i).shape),
                  request.get_output_tensor(i).data.dtype) for i in range(len(compiled.outputs))]

        def call() -> Any:
            # the same zero-copy mechanics as hwsdk: shared inputs, fresh output buffers
            for i, x in enumerate(inputs):
                request.set_input_tensor(i, ov.Tensor(x.numpy(), shared_memory=True))
            outs = []
            for i, (shape, dtype) in enumerate(specs):
                out = torch.from_numpy(np.empty(shape, dtype))
                request.set_output_tensor(i, ov.Tensor(out.numpy(), shared_memory=True))
                outs.append(out)
            request.infer(share_outputs=True)
            return _pack(outs)

        return call

    return Runner("raw OpenVINO", setup)


def torch_compile_runner(model: Any, inputs: tuple[Any, ...], threads: int) -> Runner:
    def setup() -> Any:
        import openvino.torch  # noqa: F401  (registers the backend)
        import torch

        compiled = torch.compile(model, backend="openvino",
                                 options={"device": "CPU", "config": _ov_config(threads)})

        def call() -> Any:
            with torch.no_grad():
                return compiled(*inputs)

        return call

    return Runner("torch.compile openvino", setup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of timing per model")
    parser.add_argument("--suffix", default="")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    results = []
    for name in args.models.split(","):
        model, inputs = MODELS[name]()
        with torch.no_grad():
            reference = model(*inputs)
        hwsdk = hwsdk_runner(model, inputs, args.threads)
        runners = [hwsdk, raw_openvino_runner(model, inputs, args.threads),
                   torch_compile_runner(model, inputs, args.threads), eager_runner(model, inputs)]
        print(f"== {name}", flush=True)
        rows = measure(name, runners, reference, rounds=ROUNDS.get(name, args.rounds),
                       budget_s=args.budget)
        raw = next((r.median_ms for r in rows if r.runner == "raw OpenVINO"), None)
        for row in rows:
            if raw and row.median_ms:
                row.extra["ratio_to_raw_openvino"] = round(row.median_ms / raw, 3)
            if row.runner == "hwsdk intel":
                row.extra["plan"] = getattr(hwsdk.setup, "plan", "")
            print(f"  {row.runner:26s} median {row.median_ms or 0:9.3f} ms  p90 "
                  f"{row.p90_ms or 0:9.3f}  x raw {row.extra.get('ratio_to_raw_openvino', '-')}"
                  f"  err {row.max_abs_error}  {row.error}", flush=True)
        results.extend(rows)
    info = machine_info(args.threads)
    preface = ("hwsdk `intel` vs raw OpenVINO (torch.export → convert_model → compile_model), "
               "torch.compile(backend=\"openvino\") and eager; all f32 "
               "(INFERENCE_PRECISION_HINT=f32), same thread count, runners interleaved. "
               f"Command: `python bench/bench_intel.py --models {args.models} "
               f"--threads {args.threads}`. `ratio to best peer` compares with the fastest "
               "non-hwsdk runner; the JSON has `ratio_to_raw_openvino` per row.")
    path = write_results("intel" + (f"_{args.suffix}" if args.suffix else ""), results, info,
                         preface)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
