"""bench/run_all.py's GPU mode, as far as a machine without a GPU can check it: the refusal
without one and the synchronized runners."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_device_cuda_without_a_gpu_is_refused_with_the_reason() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    done = subprocess.run([sys.executable, str(BENCH / "run_all.py"), "--device", "cuda",
                           "--models", "mlp"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 2
    assert "--device cuda: torch sees no CUDA GPU here" in done.stderr


def test_synced_runner_waits_for_the_gpu_after_every_call(
        run_all: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    waits: list[int] = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: waits.append(1))
    calls: list[int] = []

    def setup() -> object:
        setup.plan = "the plan"  # type: ignore[attr-defined]
        return lambda: calls.append(1) or len(calls)

    runner = run_all._synced(run_all.Runner("inner", setup, True), "synced")
    call = runner.setup()
    assert (call(), call()) == (1, 2) and waits == [1, 1]
    assert runner.name == "synced" and runner.hwsdk and runner.setup.plan == "the plan"

