"""Quantized weights on the cpu target: ORT fuses DequantizeLinear → MatMul into MatMulNBits
(float32 compute), the region's details say so, and 4-bit weights stay in PyTorch (DTYPE)."""

from __future__ import annotations

import pytest

import hwsdk

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.GELU(),
                               torch.nn.Linear(96, 32)).eval()


@pytest.mark.parametrize("shape", [(2, 5, 64), (4, 64)])
def test_int8_fuses_into_matmul_nbits_and_matches_the_torch_reference(
        shape: tuple[int, ...]) -> None:
    model, x = _model(), torch.randn(*shape)
    cpu = hwsdk.compile(model, (x,), target="cpu", quantize="int8_weight_only")
    ref = hwsdk.compile(model, (x,), target="torch", quantize="int8_weight_only")
    torch.testing.assert_close(cpu(x), ref(x), rtol=1e-5, atol=1e-5)
    (region,) = cpu.plan.regions
    fused = region.details["quantized_weights"]
    assert fused == {"mode": "fused", "fused_matmul_nbits": 2, "dequantize_left": 0, "bits": [8],
                     "accuracy_level": [1], "weights_stay_compressed": True}
    assert region.details["weights"]["formats"] == {"int8 per channel": 2}


def test_int4_dequantize_stays_in_pytorch_with_reason_dtype() -> None:
    from hwsdk.capability import ReasonCode

    model, x = _model(), torch.randn(2, 64)
    cm = hwsdk.compile(model, (x,), target="cpu", quantize="int4_weight_only", group_size=32)
    dq = [n.id for n in cm.plan.graph.nodes if n.op == "dequantize"]
    assert len(dq) == 2
    for node_id in dq:
        info = cm.plan.nodes[node_id]
        assert info.target == "torch" and info.code is ReasonCode.DTYPE, info
    ref = hwsdk.compile(model, (x,), target="torch", quantize="int4_weight_only", group_size=32)
    torch.testing.assert_close(cm(x), ref(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("mode", "fused", "tol"), [("decompress", 0, 1e-5),
                                                   ("int8_compute", 2, 5e-2)])
def test_quantized_matmul_option_says_how_the_weights_run(mode: str, fused: int,
                                                           tol: float) -> None:
    model, x = _model(), torch.randn(2, 5, 64)
    cpu = hwsdk.compile(model, (x,), target="cpu", quantize="int8_weight_only",
                        quantized_matmul=mode)
    ref = hwsdk.compile(model, (x,), target="torch", quantize="int8_weight_only")
    torch.testing.assert_close(cpu(x), ref(x), rtol=tol, atol=tol)
    details = cpu.plan.regions[0].details["quantized_weights"]
    assert details["mode"] == mode and details["fused_matmul_nbits"] == fused
    assert details["dequantize_left"] == 0
    assert details["weights_stay_compressed"] is (mode != "decompress")


def test_an_unknown_quantized_matmul_mode_is_refused() -> None:
    from hwsdk.errors import HwsdkError

    model, x = _model(), torch.randn(2, 64)
    with pytest.raises(HwsdkError, match="quantized_matmul must be one of"):
        hwsdk.compile(model, (x,), target="cpu", quantize="int8_weight_only",
                      quantized_matmul="fast", require_full=True)
