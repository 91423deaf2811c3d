"""bench/opinfo_sweep.py: the sweep survives a crash and a hang in its child and names them,
classifies every outcome, and its comparison is the one its docstring states."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "opinfo_sweep.py"


@pytest.fixture(scope="module")
def sweep() -> Iterator[ModuleType]:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import opinfo_sweep

        yield opinfo_sweep
    finally:
        sys.path.remove(str(SCRIPT.parent))


def _run(tmp_path: Path, *options: str) -> list[dict[str, Any]]:
    out = tmp_path / "opinfo"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *options], check=True,
                   env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.with_suffix(".md").read_text().startswith("# OpInfo sweep")
    lines = out.with_suffix(".jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["event"] == "result"]


def test_crash_hang_and_every_outcome_on_fake_ops(tmp_path: Path) -> None:
    records = _run(tmp_path, "--source", "tests.bench.fake_ops:OPS", "--targets", "cpu",
                   "--timeout", "20")
    outcome = {r["id"]: r["outcome"] for r in records}
    assert outcome == {
        "fake_mul#0": "pass", "fake_mul#1": "pass",
        # the child aborts on sample 1; a new child goes on with sample 2
        "fake_crash#0": "pass", "fake_crash#1": "crash", "fake_crash#2": "pass",
        "fake_hang#0": "timeout", "fake_hang#1": "pass",
        "fake_wrong#0": "wrong",
        "randn_fake#0": "op-skip",
        "fake_raises#0": "skip:eager-raises",
    }
    crash = next(r for r in records if r["outcome"] == "crash")
    assert crash["message"].startswith("child crash in eager+capture")
    assert len(records) == len(outcome)  # nothing run twice after a restart


def test_a_real_opinfo_sample(tmp_path: Path) -> None:
    records = _run(tmp_path, "--ops", "add", "--limit-samples", "2", "--targets", "cpu")
    assert [(r["id"], r["outcome"]) for r in records] == [("add#0", "pass"), ("add#1", "pass")]


def test_matches(sweep: ModuleType) -> None:
    import torch

    nan = float("nan")
    x = torch.tensor([1.0, nan, 100.0])
    assert sweep.matches(x, x.clone())[0]  # NaN equals NaN
    assert sweep.matches(x + 1e-4, x)[0]  # atol scales with the largest |expected|
    assert not sweep.matches(x + 1e-2, x)[0]
    assert not sweep.matches(x.double(), x)[0]  # dtype must match
    assert not sweep.matches(x[:2], x)[0]
    assert not sweep.matches(torch.tensor([1, 2]), torch.tensor([1, 3]))[0]
    assert not sweep.matches((x,), (x, x))[0]
    assert sweep.matches(torch.tensor(3), 3)[0]


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def supports_dtype(self, dtype: Any, device: str) -> bool:
        return True


def test_random_ops_are_skipped_by_name(sweep: ModuleType) -> None:
    skipped = ["rand_like", "randn", "nn.functional.dropout", "bernoulli", "normal",
               "uniform", "empty_like", "new_empty", "nn.functional.rrelu",
               "pca_lowrank", "nn.functional.fractional_max_pool2d"]
    kept = ["nn.functional.normalize", "nn.functional.batch_norm", "norm", "__rand__",
            "nn.functional.poisson_nll_loss", "signal.windows.exponential",
            "native_dropout_backward"]
    assert [n for n in skipped + kept if sweep.op_skip_reason(_Named(n))] == skipped


def _sample_of(fn: Any, *tensors: Any) -> Any:
    from tests.bench.fake_ops import FakeOp, Sample

    return FakeOp("fake", fn), Sample(tensors[0], tuple(tensors[1:]))


def test_inputs_updated_in_place_are_compared_with_eager(sweep: ModuleType) -> None:
    import torch

    def norm(x: Any, mean: Any, var: Any) -> Any:
        return torch.nn.functional.batch_norm(x, mean, var, training=True, momentum=0.5)

    call = sweep._Call(*_sample_of(norm, torch.randn(4, 3), torch.zeros(3), torch.ones(3)))
    reason, expected, _ = sweep.eager_skip(call)
    assert reason is None and not torch.equal(expected[1][1], torch.zeros(3))
    captured, refused = sweep.capture_sample(call)
    assert refused is None
    assert sweep.run_target(call, captured, expected, "cpu")["outcome"] == "fallback-pass"
    untouched = (expected[0], sweep._clone(call.tensors))  # as if nothing were written back
    record = sweep.run_target(call, captured, untouched, "cpu")
    assert record["outcome"] == "wrong" and record["message"].startswith("inputs after")


def test_a_captured_call_that_draws_is_random(sweep: ModuleType) -> None:
    import torch

    def drop(x: Any) -> Any:
        return torch.nn.functional.dropout(x, 0.5, True)  # p and training passed positionally

    call = sweep._Call(*_sample_of(drop, torch.randn(4)))
    captured, _ = sweep.capture_sample(call)
    assert sweep.random_call(captured.graph) == "aten.native_dropout.default"
    call = sweep._Call(*_sample_of(torch.abs, torch.randn(4)))
    assert sweep.random_call(sweep.capture_sample(call)[0].graph) == ""
