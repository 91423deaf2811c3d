"""torchao's int8 weight-only export form recognised at capture as dequantize → linear."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import hwsdk

torch = pytest.importorskip("torch")


class _Int8Linear(torch.nn.Module):
    """The chain torchao 0.18's Int8Tensor exports as, written out by hand."""

    def __init__(self, n: int, k: int) -> None:
        super().__init__()
        self.qdata = torch.nn.Parameter(torch.randint(-127, 128, (n, k), dtype=torch.int8),
                                        requires_grad=False)
        self.scale = torch.nn.Parameter(torch.rand(n, 1) / 50, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.qdata.t().float()) * self.scale.view(-1)


def _engines() -> list[str]:
    """torch, cpu and intel where registered (intel is a plugin)."""
    names = {t.name for t in hwsdk.targets()}
    return [t for t in ("torch", "cpu", "intel") if t in names]


def _dequantize_count(cm: object) -> tuple[int, list[str]]:
    graph = cm.plan.graph  # type: ignore[attr-defined]
    return (sum(n.op == "dequantize" for n in graph.nodes),
            [n.op for n in graph.nodes if n.op in ("cast", "matmul", "torch_op")])


def test_the_hand_written_chain_becomes_dequantize_linear_on_every_cpu_engine() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(_Int8Linear(48, 64), torch.nn.GELU(), _Int8Linear(16, 48))
    x = torch.randn(3, 64)
    want = model(x)
    for target in _engines():
        cm = hwsdk.compile(model.eval(), (x,), target=target)
        assert _dequantize_count(cm) == (2, []), target
        torch.testing.assert_close(cm(x), want, rtol=1e-5, atol=1e-5)


def test_a_float_matmul_times_a_vector_is_left_alone() -> None:
    class Scaled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(8, 4))
            self.s = torch.nn.Parameter(torch.randn(8))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x @ self.w.t()) * self.s

    cm = hwsdk.compile(Scaled().eval(), (torch.randn(2, 4),), target="torch")
    assert _dequantize_count(cm)[0] == 0


def test_torchao_int8_weight_only_model_has_no_opaque_quantized_linear() -> None:
    pytest.importorskip("torchao")
    from torchao.quantization import Int8WeightOnlyConfig, quantize_

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.GELU(),
                                torch.nn.Linear(96, 32)).eval()
    quantize_(model, Int8WeightOnlyConfig())
    x = torch.randn(2, 5, 64)
    want = model(x)
    for target in _engines():
        cm = hwsdk.compile(model, (x,), target=target)
        assert _dequantize_count(cm) == (2, []), target
        torch.testing.assert_close(cm(x), want, rtol=1e-5, atol=1e-5)
        if target == "cpu":
            (region,) = [r for r in cm.plan.regions if r.target == "cpu"]
            assert region.details["quantized_weights"]["weights_stay_compressed"]


def _intx_int4(model: torch.nn.Module, granularity: object, mapping: str) -> None:
    """torchao's int4 weight-only form that runs on CPU in float32 (IntxUnpackedToInt8Tensor)."""
    pytest.importorskip("torchao")
    from torchao.quantization import IntxWeightOnlyConfig, quantize_
    from torchao.quantization.quant_primitives import MappingType

    quantize_(model, IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=granularity,
                                          mapping_type=getattr(MappingType, mapping)))


def _granularity(name: str) -> object:
    pytest.importorskip("torchao")
    from torchao.quantization.granularity import PerAxis, PerGroup

    return PerGroup(32) if name == "group32" else PerAxis(0)


def _compiled_on_every_engine(model: torch.nn.Module, x: torch.Tensor
                              ) -> Iterator[tuple[str, Any, list[Any]]]:
    """(target, compiled, its dequantize nodes) per engine, once it is checked that the
    quantized linears became dequantize -> linear (beside the GELU) and all run there."""
    for target in _engines():
        cm = hwsdk.compile(model, (x,), target=target)
        graph = cm.plan.graph
        assert {n.op for n in graph.nodes} == {"dequantize", "linear", "gelu"}, target
        assert all(cm.plan.runs_on(n.id) == cm.plan.regions[0].target for n in graph.nodes)
        yield target, cm, [n for n in graph.nodes if n.op == "dequantize"]


@pytest.mark.parametrize("mapping", ["SYMMETRIC", "ASYMMETRIC"])
@pytest.mark.parametrize("granularity", ["group32", "per_channel"])
def test_torchao_intx_int4_model_becomes_int4_dequantize_linear(granularity: str,
                                                                mapping: str) -> None:
    from hwsdk.ir.ops.quant import dequantize_reference

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.GELU(),
                                torch.nn.Linear(96, 32, bias=False)).eval()
    _intx_int4(model, _granularity(granularity), mapping)
    x = torch.randn(2, 5, 64)
    with torch.no_grad():
        want = model(x)
    for target, cm, dqs in _compiled_on_every_engine(model, x):
        assert [(n.attrs["bits"], n.attrs["group_size"]) for n in dqs] == \
            ([(4, 32), (4, 32)] if granularity == "group32" else [(4, 64), (4, 96)])
        got = cm(x)
        if target == "torch":  # the same eager arithmetic as torchao's: bit for bit
            torch.testing.assert_close(got, want, rtol=0, atol=0)
        else:
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    # the IR's weights are torchao's exactly; a symmetric zero point is 0 (stored as 8)
    graph = cm.plan.graph
    for dq, layer in zip(dqs, (model[0], model[2]), strict=True):
        data, scale, zero = (graph.param_data[v] for v in dq.inputs)
        weight = dequantize_reference(data, scale, zero, bits=4,
                                      group_size=dq.attrs["group_size"], shape=dq.attrs["shape"])
        assert torch.equal(weight, layer.weight.dequantize())
        assert (zero == 8).all() == (mapping == "SYMMETRIC")


@pytest.mark.parametrize(("granularity", "mapping", "group", "zero"), [
    ("per_channel", "SYMMETRIC", 0, False), ("per_channel", "ASYMMETRIC", 0, True),
    ("group32", "SYMMETRIC", 32, False), ("group32", "ASYMMETRIC", 32, True)])
def test_torchao_intx_int8_model_becomes_int8_dequantize_linear(
        granularity: str, mapping: str, group: int, zero: bool) -> None:
    """IntxWeightOnlyConfig's default weight_dtype, int8: its values span [-128, 127], so it
    is int8 as stored, per channel or per group, a zero point only where torchao has one."""
    pytest.importorskip("torchao")
    from torchao.quantization import IntxWeightOnlyConfig, quantize_
    from torchao.quantization.quant_primitives import MappingType

    from hwsdk.ir.ops.quant import dequantize_reference

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.GELU(),
                                torch.nn.Linear(96, 32)).eval()
    quantize_(model, IntxWeightOnlyConfig(weight_dtype=torch.int8,
                                          granularity=_granularity(granularity),
                                          mapping_type=getattr(MappingType, mapping)))
    x = torch.randn(2, 5, 64)
    with torch.no_grad():
        want = model(x)
    for target, cm, dqs in _compiled_on_every_engine(model, x):
        assert [(n.attrs["bits"], n.attrs["group_size"], len(n.inputs)) for n in dqs] == \
            [(8, group, 3 if zero else 2)] * 2
        rtol = 0 if target == "torch" else 1e-5
        torch.testing.assert_close(cm(x), want, rtol=rtol, atol=rtol)
    graph = cm.plan.graph
    for dq, layer in zip(dqs, (model[0], model[2]), strict=True):
        data, scale, *zeros = (graph.param_data[v] for v in dq.inputs)
        weight = dequantize_reference(data, scale, zeros[0] if zeros else None, bits=8,
                                      group_size=group, shape=dq.attrs["shape"])
        assert torch.equal(weight, layer.weight.dequantize())


def test_torchao_int4_bfloat16_scale_on_a_float32_model_is_stored_as_float32() -> None:
    pytest.importorskip("torchao")
    from torchao.quantization import IntxWeightOnlyConfig, quantize_
    from torchao.quantization.granularity import PerGroup

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 16)).eval()
    quantize_(model, IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=PerGroup(32),
                                          scale_dtype=torch.bfloat16))
    x = torch.randn(3, 64)
    cm = hwsdk.compile(model, (x,), target="torch")
    (dq,) = [n for n in cm.plan.graph.nodes if n.op == "dequantize"]
    assert str(cm.plan.graph.types[dq.inputs[1]]) == "f32[16, 2]"
    torch.testing.assert_close(cm(x), model(x), rtol=0, atol=0)


def test_torchao_int4_with_an_odd_input_width_is_stored_as_int8() -> None:
    """Two int4 values share a byte; with K odd the same values are int8, still exact."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(63, 16)).eval()
    _intx_int4(model, _granularity("per_channel"), "SYMMETRIC")
    x = torch.randn(3, 63)
    for target in _engines():
        cm = hwsdk.compile(model, (x,), target=target)
        (dq,) = [n for n in cm.plan.graph.nodes if n.op == "dequantize"]
        assert (dq.attrs["bits"], dq.attrs["group_size"]) == (8, 0)
        rtol = 0 if target == "torch" else 1e-5
        torch.testing.assert_close(cm(x), model(x), rtol=rtol, atol=rtol)
