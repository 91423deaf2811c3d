"""bench/overheads.py's comparison with raw ONNX Runtime: every runner computes the model's
answer, and the ratios are per round against the raw torch.onnx session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import overheads


def test_versus_raw_times_five_runners_that_agree_with_eager() -> None:
    model, inputs = overheads.gated_mlp()
    result = overheads.versus_raw("mlp", model, inputs, threads=1, rounds=2, block=2)
    rows = {r["runner"]: r for r in result["rows"]}
    assert list(rows) == ["hwsdk cpu", "hwsdk region run", "hwsdk's session, raw call",
                          "hwsdk's graph (dump_onnx), plain session", overheads.RAW]
    for kind in ("wall", "cpu"):
        assert rows[overheads.RAW][kind]["ratio"] == 1.0
        assert all(r[kind]["median_us"] > 0 for r in rows.values())
