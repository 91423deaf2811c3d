"""The nvidia plugin: targets, capability tables per compute capability, probe, no-GPU errors,
and end-to-end emulated runs of the shared GPT-2 model."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

import hwsdk
from hwsdk.ir.dtypes import DType


def test_import_is_cheap() -> None:
    code = ("import sys, hwsdk_nvidia; "
            "print(any(m in sys.modules for m in ('torch', 'triton')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_targets_and_variants() -> None:
    info = next(t for t in hwsdk.targets() if t.name == "nvidia")
    assert {"sm_80", "sm_86", "sm_89", "sm_90"} <= set(info.variants)
    assert "emulate" in info.options


@pytest.mark.parametrize(("arch", "bf16", "fp8"), [
    ("sm_80", "yes", "no"), ("sm_86", "yes", "no"), ("sm_89", "yes", "yes"),
    ("sm_90", "yes", "yes"), ("sm_100", "yes", "yes"),
])
def test_dtype_facts_per_compute_capability(arch: str, bf16: str, fp8: str) -> None:
    table = hwsdk.capabilities(f"nvidia:{arch}")
    assert table.support("add", DType.bf16) == bf16
    assert table.support("cast", DType.f8e4m3fn) == fp8
    assert table.support("cast", DType.f8e5m2) == fp8
    assert table.support("cast", DType.f8e4m3fnuz) == "no"  # the AMD variant
    assert table.support("embedding", DType.f32) == "yes"  # the gather kernel family
    assert table.support("max_pool2d", DType.f32) == "no"  # not a kernel family: PyTorch
    assert any("support-matrix.md" in p.source for p in table.provenance)


def test_probe_gives_a_reason_without_a_gpu() -> None:
    from hwsdk_nvidia import TARGET

    result = TARGET.deep_probe()
    if not result.available:
        assert result.reason and result.can_compile_offline


def test_compile_without_gpu_points_to_emulate_and_aot() -> None:
    from hwsdk.errors import TargetUnavailableError
    from hwsdk.lower.triton import device_available
    from tests.models import mlp

    if device_available("cuda"):
        pytest.skip("a CUDA GPU is present")
    model, inputs = mlp()
    with pytest.raises(TargetUnavailableError, match=r"emulate=True.*ahead-of-time"):
        hwsdk.compile(model, inputs, target="nvidia:sm_90")


def test_gpt2_emulated_matches_eager() -> None:
    import torch

    from tests.models import gpt2

    model, inputs = gpt2(batch=1, seq=8)
    compiled = hwsdk.compile(model, inputs, target="nvidia:sm_90", emulate=True)
    with torch.no_grad():
        expected = model(*inputs).logits
    got = compiled(*inputs)
    got = got.logits if hasattr(got, "logits") else got[0]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    regions = [r for r in compiled.plan.regions if r.target == "nvidia:sm_90"]
    kernels = [k for r in regions for k in r.details.get("kernels", [])]
    assert all(r.details["emulated"] is True for r in regions)
    assert {k["family"] for k in kernels} == {"gather", "row", "matmul", "attention"}
    assert compiled.plan.coverage() == {"nvidia:sm_90": 1.0}  # embeddings too: one region
    assert any(len(k["ops"]) >= 10 for k in kernels)  # the GELU chain fused into its matmul
    assert any(r.details["elided_copies"] for r in regions)  # clone/alias cost nothing


def test_aot_front_refuses_other_vendors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hwsdk_nvidia.aot import compile_artifact

    with pytest.raises(ValueError, match="nvidia targets only"):
        compile_artifact(SimpleNamespace(targets=("rocm:gfx942", "torch")), tmp_path)


def test_dynamic_batch_emulated() -> None:
    import torch
    from torch.export import Dim

    from tests.models import mlp

    model, inputs = mlp(batch=4)
    compiled = hwsdk.compile(model, inputs, target="nvidia:sm_90", emulate=True,
                             dynamic_shapes=({0: Dim("batch", min=2, max=64)},))
    for batch in (3, 7):  # sizes and grids come from the symbol values at each call
        x = torch.randn(batch, 32)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-4)
