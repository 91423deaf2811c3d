"""torch.compile(backend="hwsdk") beside backend="openvino", inductor and eager.

Not a test. Usage: ``python bench/torch_compile.py [--models mlp,llama-small] [--threads 2]``.
Writes bench/results/torch_compile.{md,json}.

Inference: per model, every runner is compiled (compile time = torch.compile's first call:
Dynamo, AOTAutograd, the backend) and then timed in one interleaved run (bench/harness.py:
rounds in rotating order, median and p90), so the machine's drift hits all alike. Training:
one step (forward, MSE loss, backward, SGD step) of the MLP and of a small transformer
encoder, each runner on its own copy of the weights, timed the same way. A runner that fails
is listed with its error (backend="openvino" is an inference backend).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intel import _ov_config
from harness import Result, Runner, machine_info, measure, write_results
from models import MODELS

ROUNDS = {"mlp": 200, "llama-small": 20, "mlp-train": 100, "encoder-train": 30}


def _compile(model: Any, backend: str, threads: int) -> Any:
    import torch

    if backend == "eager":
        return model
    if backend == "inductor":
        return torch.compile(model)
    if backend == "openvino":
        import openvino.torch  # noqa: F401  (registers the backend)

        return torch.compile(model, backend="openvino",
                             options={"device": "CPU", "config": _ov_config(threads)})
    target = backend.removeprefix("hwsdk ")
    return torch.compile(model, backend="hwsdk",
                         options={"target": target, "num_threads": threads})


BACKENDS = ("eager", "inductor", "openvino", "hwsdk cpu", "hwsdk intel")
NAMES = {"eager": "torch eager", "inductor": "torch.compile inductor",
         "openvino": "torch.compile openvino", "hwsdk cpu": "torch.compile hwsdk cpu",
         "hwsdk intel": "torch.compile hwsdk intel"}


def inference_runner(model: Any, inputs: tuple[Any, ...], backend: str, threads: int) -> Runner:
    def setup() -> Any:
        import torch

        compiled = _compile(model, backend, threads)

        def call() -> Any:
            with torch.no_grad():
                return compiled(*inputs)

        return call

    return Runner(NAMES[backend], setup, hwsdk=backend.startswith("hwsdk"))


def training_runner(model: Any, batch: tuple[Any, Any], backend: str, threads: int) -> Runner:
    def setup() -> Any:
        import torch

        own = copy.deepcopy(model)
        compiled = _compile(own, backend, threads)
        opt = torch.optim.SGD(own.parameters(), lr=1e-3)
        x, y = batch

        def step() -> Any:
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(compiled(x), y)
            loss.backward()
            opt.step()
            return loss.detach()

        return step

    return Runner(NAMES[backend], setup, hwsdk=backend.startswith("hwsdk"))


def encoder() -> tuple[Any, tuple[Any, Any]]:
    """Two transformer encoder layers (256 wide, 4 heads, no dropout), batch 8 x 64 tokens."""
    import torch
    from torch import nn

    torch.manual_seed(0)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.head = nn.Linear(256, 16)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.encoder(x).mean(dim=1))

    return Encoder(), (torch.randn(8, 64, 256), torch.randn(8, 16))


def mlp_batch() -> tuple[Any, tuple[Any, Any]]:
    import torch

    model, (x,) = MODELS["mlp"]()
    return model.train(), (x, torch.randn_like(x))


def _ratios(results: list[Result]) -> list[str]:
    """Per model, hwsdk against each peer, median over median, with each side's p90/median
    spread."""
    by = {(r.model, r.runner): r for r in results if r.median_ms and r.p90_ms}
    lines = []
    for model in dict.fromkeys(r.model for r in results):
        for ours in ("torch.compile hwsdk cpu", "torch.compile hwsdk intel"):
            for peer in ("torch eager", "torch.compile inductor", "torch.compile openvino"):
                a, b = by.get((model, ours)), by.get((model, peer))
                if a is None or b is None:
                    continue
                ratio = a.median_ms / b.median_ms  # type: ignore[operator]
                lines.append(f"- {model}: {ours} / {peer} = {ratio:.2f}x (spread p90/median: "
                             f"{a.p90_ms / a.median_ms:.2f} vs "  # type: ignore[operator]
                             f"{b.p90_ms / b.median_ms:.2f})")  # type: ignore[operator]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="mlp,llama-small")
    parser.add_argument("--train", default="mlp,encoder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=float, default=25.0, help="seconds of timing per table")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    results: list[Result] = []
    for name in [m for m in args.models.split(",") if m]:
        model, inputs = MODELS[name]()
        with torch.no_grad():
            reference = model(*inputs)
        runners = [inference_runner(model, inputs, b, args.threads) for b in BACKENDS]
        results += measure(name, runners, reference, rounds=ROUNDS.get(name, 30),
                           budget_s=args.budget)
        torch._dynamo.reset()
    training: list[Result] = []
    builders = {"mlp": mlp_batch, "encoder": encoder}
    for name in [m for m in args.train.split(",") if m]:
        model, batch = builders[name]()
        reference = torch.nn.functional.mse_loss(model(batch[0]), batch[1]).detach()
        runners = [training_runner(model, batch, b, args.threads) for b in BACKENDS]
        training += measure(f"{name}-train", runners, reference,
                            rounds=ROUNDS.get(f"{name}-train", 30), budget_s=args.budget)
        torch._dynamo.reset()
    import os

    preface = "\n".join([
        "torch.compile backends, one process, runners interleaved per model "
        f"({args.threads} threads each; ratio = median / best non-hwsdk runner's median; "
        "compile s = the first call, Dynamo and the backend included; max abs err against "
        "eager's output, for training (`-train` rows: forward, MSE loss, backward, SGD step) "
        "the first step's loss). The machine is shared: load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run, so read the spreads.", "",
        "Ratios, hwsdk / peer (one interleaved run):", "", *_ratios(results + training)])
    path = write_results("torch_compile", results + training, machine_info(args.threads),
                         preface=preface)
    print(path.read_text())


if __name__ == "__main__":
    main()
