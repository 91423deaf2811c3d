"""Quantized weights on the cpu target: each quantized linear is one MatMulNBits (bits 8 per
channel, bits 4 per group), float32 compute by default, checked in ORT's optimized model and
against the torch target's eager reference; the other modes say what they change."""

from __future__ import annotations

from typing import Any

import pytest

import hwsdk

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")


def _model(k: int = 64, hidden: int = 96, out: int = 32) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(k, hidden), torch.nn.GELU(),
                               torch.nn.Linear(hidden, out)).eval()


def _rel(a: Any, b: Any) -> float:
    return float((a - b).abs().max() / b.abs().max())


def _pair(model: torch.nn.Module, x: Any, **settings: Any) -> tuple[Any, Any]:
    options = {k: v for k, v in settings.items() if k == "quantized_matmul"}
    scheme = {k: v for k, v in settings.items() if k != "quantized_matmul"}
    cpu = hwsdk.compile(model, (x,), target="cpu", **scheme, **options)
    ref = hwsdk.compile(model, (x,), target="torch", **scheme)
    return cpu, ref


@pytest.mark.parametrize(("k", "shape"), [(64, (2, 5)), (100, (4,)), (200, (3, 7))])
def test_int8_is_matmul_nbits_bits_8_and_matches_the_torch_reference(
        k: int, shape: tuple[int, ...]) -> None:
    model, x = _model(k, 75, 33), torch.randn(*shape, k)  # K padded to whole blocks
    cpu, ref = _pair(model, x, quantize="int8_weight_only")
    assert _rel(cpu(x), ref(x)) <= 1e-6
    (region,) = cpu.plan.regions
    fused = region.details["quantized_weights"]
    assert fused["mode"] == "fused" and fused["fused_matmul_nbits"] == 2
    assert fused["bits"] == [8] and fused["accuracy_level"] == [1]
    assert fused["weights_stay_compressed"] and fused["dequantize_left"] == 0
    assert region.details["weights"]["formats"] == {"int8 per channel": 2}


@pytest.mark.parametrize(("scheme", "bound"), [("int8_weight_only", 0.27),
                                               ("int4_weight_only", 0.15)])
def test_weight_bytes_orts_graph_holds_meet_the_bounds(scheme: str, bound: float) -> None:
    model, x = _model(256, 384, 128), torch.randn(1, 256)
    cpu = hwsdk.compile(model, (x,), target="cpu", quantize=scheme, group_size=128)
    fused = cpu.plan.regions[0].details["quantized_weights"]
    assert fused["bytes_in_engine"] <= bound * 4 * (256 * 384 + 384 * 128)


@pytest.mark.parametrize("shape", [(2, 5), (3,), (1, 1)])
def test_int4_is_matmul_nbits_bits_4_and_matches_the_torch_reference(
        shape: tuple[int, ...]) -> None:
    model, x = _model(96, 64, 45), torch.randn(*shape, 96)
    cpu, ref = _pair(model, x, quantize="int4_weight_only", group_size=32)
    assert all(cpu.plan.runs_on(n.id) == "cpu" for n in cpu.plan.graph.nodes)
    assert _rel(cpu(x), ref(x)) <= 1e-6
    fused = cpu.plan.regions[0].details["quantized_weights"]
    assert fused["bits"] == [4] and fused["block_size"] == [32]
    assert fused["fused_matmul_nbits"] == 2 and fused["weights_stay_compressed"]
    assert "dequantized_to_float" not in fused


def test_int8_compute_records_the_precision_change_and_stays_within_it() -> None:
    from hwsdk.engines.ort_quant import INT8_COMPUTE_ERROR

    model, x = _model(), torch.randn(2, 5, 64)
    for scheme in ("int8_weight_only", "int4_weight_only"):
        cpu, ref = _pair(model, x, quantize=scheme, group_size=32,
                         quantized_matmul="int8_compute")
        details = cpu.plan.regions[0].details["quantized_weights"]
        assert details["accuracy_level"] == [4] and details["fused_matmul_nbits"] == 2
        assert "activations quantized to int8" in details["precision"]
        assert 1e-4 < _rel(cpu(x), ref(x)) <= INT8_COMPUTE_ERROR


@pytest.mark.parametrize("scheme", ["int8_weight_only", "int4_weight_only"])
def test_decompress_runs_float_weights_and_says_so(scheme: str) -> None:
    model, x = _model(), torch.randn(2, 5, 64)
    cpu, ref = _pair(model, x, quantize=scheme, group_size=32, quantized_matmul="decompress")
    assert _rel(cpu(x), ref(x)) <= 1e-6
    details = cpu.plan.regions[0].details["quantized_weights"]
    assert details["mode"] == "decompress" and details["fused_matmul_nbits"] == 0
    assert not details["weights_stay_compressed"]
    assert set(details["dequantized_to_float"].values()) == {"quantized_matmul='decompress'"}


def test_a_group_matmul_nbits_cannot_take_runs_float_with_the_reason_recorded() -> None:
    model, x = _model(48, 48, 24), torch.randn(2, 48)
    cpu, ref = _pair(model, x, quantize="int4_weight_only", group_size=24)
    assert _rel(cpu(x), ref(x)) <= 1e-6
    details = cpu.plan.regions[0].details["quantized_weights"]
    assert details["fused_matmul_nbits"] == 0
    reasons = details["dequantized_to_float"]
    assert len(reasons) == 2 and all("group_size=24" in r for r in reasons.values())


def test_an_unknown_quantized_matmul_mode_is_refused() -> None:
    from hwsdk.errors import HwsdkError

    model, x = _model(), torch.randn(2, 64)
    with pytest.raises(HwsdkError, match="quantized_matmul must be one of"):
        hwsdk.compile(model, (x,), target="cpu", quantize="int8_weight_only",
                      quantized_matmul="fast", require_full=True)
