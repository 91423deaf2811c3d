"""Round-to-nearest quantization of captured linear weights."""

from __future__ import annotations

import pytest

from hwsdk.ir.quant import quant_config, quantize_graph, weight_summary
from hwsdk.ir.quant.rtn import quantize_int4, quantize_int8

torch = pytest.importorskip("torch")


def _captured() -> object:
    from hwsdk.ir.capture import capture

    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.up = torch.nn.Linear(64, 96)
            self.lm_head = torch.nn.Linear(96, 10, bias=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.lm_head(torch.relu(self.up(x)))

    return capture(Net().eval(), (torch.randn(2, 64),))


def test_int8_error_is_at_most_half_a_step() -> None:
    w = torch.randn(16, 40)
    data, scale = quantize_int8(w)
    assert data.dtype == torch.int8 and scale.shape == (16,)
    back = data.float() * scale[:, None]
    assert bool(((back - w).abs() <= scale[:, None] / 2 + 1e-7).all())


def test_int4_error_is_at_most_half_a_step_and_zero_is_exact() -> None:
    from hwsdk.ir.ops.quant import dequantize_reference

    w = torch.randn(8, 64)
    w[0, :32] = 0.0
    packed, scale, zero = quantize_int4(w, 32)
    assert packed.shape == (8, 32) and scale.shape == (8, 2) and zero.dtype == torch.uint8
    back = dequantize_reference(packed, scale, zero, bits=4, group_size=32, shape=[8, 64])
    step = scale.repeat_interleave(32, dim=1)
    assert bool(((back - w).abs() <= step / 2 + 1e-6).all())
    assert bool((back[0, :32] == 0).all())


def test_graph_gets_dequantize_before_each_linear_and_drops_the_float_weights() -> None:
    captured = _captured()
    graph = captured.graph  # type: ignore[attr-defined]
    floats = {n.inputs[1] for n in graph.nodes if n.op == "linear"}
    config = quant_config("int8_weight_only")
    assert config is not None
    notes = quantize_graph(graph, config)
    graph.validate()
    ops = [n.op for n in graph.nodes]
    assert ops.count("dequantize") == 2 and ops.index("dequantize") < ops.index("linear")
    assert not floats & set(graph.params)
    assert "2 linear weight(s) quantized to 8 bits" in notes[0]
    summary = weight_summary(graph, graph.nodes)
    assert summary is not None and summary["formats"] == {"int8 per channel": 2}
    assert summary["bytes_float"] == (64 * 96 + 96 * 10) * 4
    assert summary["ratio"] <= 0.27


def test_int4_keeps_lm_head_and_layers_whose_width_is_not_a_group_multiple() -> None:
    captured = _captured()
    graph = captured.graph  # type: ignore[attr-defined]
    config = quant_config("int4_weight_only", group_size=128)
    assert config is not None
    notes = quantize_graph(graph, config)
    assert [n.op for n in graph.nodes].count("dequantize") == 0
    assert "lm_head (excluded by quantize_exclude)" in notes[1]
    assert "64 input channels are not a multiple of group_size=128" in notes[1]


def test_dequantize_weights_stores_the_reference_float_weight_and_drops_the_quantized() -> None:
    import torch

    from hwsdk.ir.eager import run_node
    from hwsdk.ir.quant import dequantize_weights, quant_config, quantize_graph
    from tests.lower.triton.conftest import Build

    b = Build()
    x = b.input(torch.randn(3, 16))
    y = b.op("linear", x, b.input(torch.randn(8, 16), param=True), "")
    graph = b.graph([y])
    config = quant_config("int4_weight_only", group_size=8, exclude=[])
    assert config is not None
    quantize_graph(graph, config)
    (dq,) = [n for n in graph.nodes if n.op == "dequantize"]
    expected = run_node(dq, [graph.param_data[v] for v in dq.inputs], {})[0]
    notes = dequantize_weights(graph, {dq.id: "DTYPE: no int4 here"})
    assert [n.op for n in graph.nodes] == ["linear"]
    out = dq.outputs[0]
    assert graph.params == [out] and torch.equal(graph.param_data[out], expected)
    assert set(graph.types) >= {out} and not any(".q" in v for v in graph.types)
    assert notes == [f"quantize_fallback='dequantize': 1 weight(s) dequantized to float up "
                     f"front, as no requested target runs them quantized: {out} (was int4 "
                     "per group of 8: DTYPE: no int4 here)"]
    assert dequantize_weights(graph, {}) == []
