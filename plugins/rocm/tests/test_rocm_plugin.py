"""The rocm plugin: targets, capability tables per gfx arch (fp8 as fnuz on gfx942), probe,
no-GPU errors, and end-to-end emulated runs of the shared BERT model."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

import hwsdk
from hwsdk.ir.dtypes import DType


def test_import_is_cheap() -> None:
    code = ("import sys, hwsdk_rocm; "
            "print(any(m in sys.modules for m in ('torch', 'triton')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_targets_and_variants() -> None:
    info = next(t for t in hwsdk.targets() if t.name == "rocm")
    assert {"gfx90a", "gfx942", "gfx1100"} <= set(info.variants)
    assert "emulate" in info.options


@pytest.mark.parametrize(("arch", "bf16", "fnuz"), [
    ("gfx90a", "yes", "no"), ("gfx942", "yes", "yes"), ("gfx1100", "unknown", "unknown"),
])
def test_dtype_facts_per_arch(arch: str, bf16: str, fnuz: str) -> None:
    table = hwsdk.capabilities(f"rocm:{arch}")
    assert table.support("add", DType.bf16) == bf16
    assert table.support("cast", DType.f8e4m3fnuz) == fnuz
    assert table.support("cast", DType.f8e5m2fnuz) == fnuz
    if arch != "gfx1100":
        assert table.support("cast", DType.f8e4m3fn) == "no"  # OCP fp8 is not MI300's
    assert any("precision-support.rst" in p.source for p in table.provenance)


def test_probe_gives_a_reason_without_a_gpu() -> None:
    from hwsdk_rocm import TARGET

    result = TARGET.deep_probe()
    if not result.available:
        assert "hip" in result.reason.lower() or "rocm" in result.reason.lower()


def test_compile_without_gpu_points_to_emulate_and_aot() -> None:
    from hwsdk.errors import TargetUnavailableError
    from hwsdk.lower.triton import device_available
    from tests.models import mlp

    if device_available("hip"):
        pytest.skip("a ROCm GPU is present")
    model, inputs = mlp()
    with pytest.raises(TargetUnavailableError, match=r"ROCm.*emulate=True"):
        hwsdk.compile(model, inputs, target="rocm:gfx942")


def test_bert_emulated_matches_eager() -> None:
    import torch

    from tests.models import bert

    model, inputs = bert(batch=1, seq=8)
    compiled = hwsdk.compile(model, inputs, target="rocm:gfx942", emulate=True)
    with torch.no_grad():
        expected = model(*inputs).last_hidden_state
    got = compiled(*inputs)
    got = got.last_hidden_state if hasattr(got, "last_hidden_state") else got[0]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    regions = [r for r in compiled.plan.regions if r.target == "rocm:gfx942"]
    assert all(r.details["emulated"] is True for r in regions)
    kernels = [k for r in regions for k in r.details.get("kernels", [])]
    assert {"row", "matmul", "attention"} <= {k["family"] for k in kernels}


def test_aot_front_refuses_other_vendors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hwsdk_rocm.aot import compile_artifact

    with pytest.raises(ValueError, match="rocm targets only"):
        compile_artifact(SimpleNamespace(targets=("nvidia:sm_90", "torch")), tmp_path)
