"""Quantized weights on nvidia: the table's int8 / int4 / fp8 facts read from TensorRT-LLM's
Precision list (each line checked against the vendor file), and a quantized model compiled
emulated: every dequantize in the linear's matmul kernel, equal to the torch target."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hwsdk_nvidia import archs

import hwsdk
from hwsdk.ir.dtypes import DType

VENDOR_FILE = Path(__file__).resolve().parents[3].parent / "shared" / "vendor-data" / \
    "nvidia" / "support-matrix.md"


@pytest.mark.skipif(not VENDOR_FILE.exists(), reason=f"{VENDOR_FILE} not found")
def test_every_precision_line_is_quoted_verbatim_from_the_support_matrix() -> None:
    lines = {line.strip().removeprefix("- ") for line in VENDOR_FILE.read_text().splitlines()}
    for arch in archs.ARCHS:
        assert archs.PRECISION[arch] in lines, arch


@pytest.mark.parametrize("arch", archs.ARCHS)
def test_table_states_int8_int4_and_fp8_with_their_line(arch: str) -> None:
    table = hwsdk.capabilities(f"nvidia:{arch}")
    entry = table.ops["dequantize"]
    assert entry.dtypes[DType.i8] == entry.dtypes[DType.u8] == "yes"  # INT8, INT4 on all
    assert archs.PRECISION[arch] in entry.note and "TensorRT-LLM" in entry.source
    fp8 = "yes" if archs.compute_capability(arch) >= 89 else "no"
    assert table.ops["cast"].dtypes[DType.f8e4m3fn] == fp8
    assert table.ops["cast"].dtypes[DType.f8e5m2] == fp8
    assert entry.dtypes[DType.f64] == "no"


def test_facts_follow_the_listed_precisions() -> None:
    assert archs.quant_facts("sm_80")["int4"][0] == "yes"  # INT4[^smgte89]: the footnote is
    assert archs.dtype_facts("sm_80")[DType.f8e4m3fn] == "no"  # about FP8 activations


@pytest.mark.parametrize("scheme", ["int8_weight_only", "int4_weight_only"])
def test_quantized_mlp_runs_each_dequantize_in_its_linear_kernel(scheme: str) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 48), torch.nn.GELU(),
                                torch.nn.Linear(48, 24)).eval()
    x = torch.randn(3, 64)
    settings = {"quantize": scheme, "group_size": 16, "quantize_exclude": []}
    cm = hwsdk.compile(model, (x,), target="nvidia:sm_90", emulate=True, **settings)
    ref = hwsdk.compile(model, (x,), target="torch", **settings)
    torch.testing.assert_close(cm(x), ref(x), rtol=1e-4, atol=1e-4)
    (region,) = cm.plan.regions
    kernels = region.details["kernels"]
    assert [k["ops"][:2] for k in kernels if k["family"] == "matmul"] == [
        ["dequantize", "linear"]] * 2
    assert all(k["family"] != "dequantize" for k in kernels)  # no float weight written
    assert region.details["weights"]["bytes_stored"] < region.details["weights"]["bytes_float"]
