"""hwsdk.compile(quantize=...): the argument checked before capture, the plan's notes and
per-region weights, and the result against the eager-dequantized reference."""

from __future__ import annotations

import pytest

import hwsdk
from hwsdk.errors import InvalidArgumentError

torch = pytest.importorskip("torch")


class _Mlp(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.up = torch.nn.Linear(64, 128)
        self.down = torch.nn.Linear(128, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(torch.nn.functional.gelu(self.up(x)))


def test_a_bad_scheme_is_refused_before_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk.ir.capture

    def no_capture(*args: object, **kwargs: object) -> None:
        raise AssertionError("captured before the argument was checked")

    monkeypatch.setattr(hwsdk.ir.capture, "capture", no_capture)
    with pytest.raises(InvalidArgumentError, match="int8_weight_only"):
        hwsdk.compile(_Mlp().eval(), (torch.randn(2, 64),), target="torch", quantize="int8")


@pytest.mark.parametrize("scheme", ["int8_weight_only", "int4_weight_only"])
def test_torch_target_runs_the_eager_dequantized_weights(scheme: str) -> None:
    from hwsdk.ir.ops.quant import dequantize_reference

    torch.manual_seed(0)
    model = _Mlp().eval()
    x = torch.randn(3, 64)
    cm = hwsdk.compile(model, (x,), target="torch", quantize=scheme, group_size=32)
    graph = cm.plan.graph
    dq = {n.outputs[0]: n for n in graph.nodes if n.op == "dequantize"}
    assert len(dq) == 2
    # the same model with its weights replaced by the dequantized ones, run eagerly
    reference = _Mlp().eval()
    reference.load_state_dict(model.state_dict())
    for node, layer in zip(dq.values(), (reference.up, reference.down), strict=True):
        values = [graph.param_data[v] if v else None for v in node.inputs]
        with torch.no_grad():
            layer.weight.copy_(dequantize_reference(*values, **node.attrs))
    torch.testing.assert_close(cm(x), reference(x), rtol=1e-6, atol=1e-6)
    assert any(scheme in note and "2 linear weight(s)" in note for note in cm.plan.notes)
    weights = [r.details["weights"] for r in cm.plan.regions if "weights" in r.details]
    assert weights and weights[0]["bytes_float"] == (64 * 128 + 128 * 32) * 4
    assert weights[0]["ratio"] <= (0.27 if scheme.startswith("int8") else 0.17)
