"""Quantized weights on intel:cpu: the lowering emits NNCF's compressed-constant form and
OpenVINO's runtime model keeps the weights 8- and 4-bit (FullyConnected in i8 / u4)."""

from __future__ import annotations

import pytest
import torch

import hwsdk


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.GELU(),
                               torch.nn.Linear(96, 32)).eval()


@pytest.mark.parametrize(("scheme", "precision"), [("int8_weight_only", "i8"),
                                                   ("int4_weight_only", "u4")])
def test_weights_stay_compressed_and_match_the_torch_reference(scheme: str,
                                                               precision: str) -> None:
    model, x = _model(), torch.randn(2, 5, 64)
    cm = hwsdk.compile(model, (x,), target="intel", quantize=scheme, group_size=32)
    ref = hwsdk.compile(model, (x,), target="torch", quantize=scheme, group_size=32)
    torch.testing.assert_close(cm(x), ref(x), rtol=1e-5, atol=1e-5)
    (region,) = cm.plan.regions
    assert region.target == "intel:cpu"
    assert region.details["compressed_weights"] == {precision: 2}
    assert sum(region.details["weights"]["formats"].values()) == 2
