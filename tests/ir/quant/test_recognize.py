"""torchao's int8 weight-only export form recognised at capture as dequantize → linear."""

from __future__ import annotations

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
