"""Quantized weights on rocm: int8 from precision-support.rst's Integral types rows (checked
against the vendor file), int4 unknown (the page has no 4-bit type); with
``quantize_fallback="dequantize"`` an int4 model runs on gfx942 on float weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hwsdk_rocm import archs

import hwsdk
from hwsdk.capability import ReasonCode
from hwsdk.ir.dtypes import DType

VENDOR_FILE = Path(__file__).resolve().parents[3].parent / "shared" / "vendor-data" / \
    "rocm" / "precision-support.rst"


@pytest.mark.skipif(not VENDOR_FILE.exists(), reason=f"{VENDOR_FILE} not found")
def test_int8_rows_say_supported_in_the_vendor_file() -> None:
    lines = VENDOR_FILE.read_text(encoding="utf-8").splitlines()
    for series, rows in archs.INT8_ROWS.items():
        for row in rows:
            assert lines[row - 1].strip() == f"- {series} series", (series, row)
            assert lines[row].strip() == "- ✅", (series, row)  # the int8 column
    assert "int4" not in VENDOR_FILE.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize(("arch", "int8"), [("gfx942", "yes"), ("gfx90a", "yes"),
                                            ("gfx1100", "unknown"), ("gfx950", "unknown")])
def test_table_states_int8_and_leaves_int4_unknown(arch: str, int8: str) -> None:
    entry = hwsdk.capabilities(f"rocm:{arch}").ops["dequantize"]
    assert entry.dtypes[DType.i8] == int8 and entry.dtypes[DType.u8] == "unknown"
    assert "precision-support.rst" in entry.source


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 40), torch.nn.ReLU(),
                               torch.nn.Linear(40, 8)).eval()


def test_int4_stays_in_pytorch_by_default_and_runs_dequantized_when_allowed() -> None:
    model, x = _model(), torch.randn(2, 64)
    settings = {"quantize": "int4_weight_only", "group_size": 8, "quantize_exclude": []}
    ref = hwsdk.compile(model, (x,), target="torch", **settings)
    kept = hwsdk.compile(model, (x,), target="rocm:gfx942", emulate=True, **settings)
    for node in kept.plan.graph.nodes:
        if node.op in ("dequantize", "linear"):
            info = kept.plan.nodes[node.id]
            assert info.target == "torch" and info.code is ReasonCode.UNKNOWN, info
    cm = hwsdk.compile(model, (x,), target="rocm:gfx942", emulate=True,
                       quantize_fallback="dequantize", **settings)
    assert all(cm.plan.runs_on(n.id) == "rocm:gfx942" for n in cm.plan.graph.nodes)
    note = next(n for n in cm.plan.notes if n.startswith("quantize_fallback='dequantize'"))
    assert "2 weight(s)" in note and "was int4 per group of 8: UNKNOWN" in note
    (region,) = cm.plan.regions
    assert region.details["weights"]["formats"] == {"float (dequantized up front)": 2}
    assert region.details["weights"]["bytes_stored"] == 4 * (40 * 64 + 8 * 40)
    torch.testing.assert_close(cm(x), ref(x), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(kept(x), ref(x), rtol=1e-5, atol=1e-5)
