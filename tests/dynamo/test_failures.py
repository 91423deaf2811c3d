"""Failure policy: what fails to compile runs in PyTorch, in the plan with its reason, with a
warning; require_full=True raises instead."""

from __future__ import annotations

from typing import Any

import pytest

from hwsdk.errors import CaptureError, CompileError, UnsupportedOpsError
from tests.dynamo.conftest import close


def _model() -> tuple[Any, Any]:
    import torch
    from torch import nn

    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).eval(), \
        torch.randn(3, 8)


def _root(exc: BaseException) -> BaseException:
    """Dynamo wraps a backend's exception (BackendCompilerFailed); the hwsdk error is inside."""
    while exc.__cause__ is not None or getattr(exc, "inner_exception", None) is not None:
        exc = getattr(exc, "inner_exception", None) or exc.__cause__  # type: ignore[assignment]
    return exc


@pytest.fixture
def failing_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk.registry import Registry

    real = Registry.compile

    def compile_(self: Registry, ref: str, region: Any, options: Any) -> Any:
        if self.canonical(ref) == "cpu":
            raise CompileError("ORT session creation failed (injected)")
        return real(self, ref, region, options)

    monkeypatch.setattr(Registry, "compile", compile_)


@pytest.mark.usefixtures("failing_cpu")
def test_a_region_that_fails_runs_in_pytorch_and_says_why() -> None:
    import torch

    import hwsdk

    model, x = _model()
    compiled = torch.compile(model, backend="hwsdk", options={"target": "cpu"})
    with pytest.warns(UserWarning, match="failed to compile for cpu and runs in PyTorch"), \
            torch.no_grad():
        close(compiled(x), model(x), atol=1e-6)
    (plan,) = hwsdk.plans(compiled)
    region = plan.regions[0]
    assert region.status.value == "compile_failed"
    assert "injected" in region.reason
    assert all(info.target == "torch" for info in plan.nodes.values())


@pytest.mark.usefixtures("failing_cpu")
def test_require_full_raises_on_a_compile_failure() -> None:
    import torch

    model, x = _model()
    compiled = torch.compile(model, backend="hwsdk",
                             options={"target": "cpu", "require_full": True})
    with pytest.raises(Exception) as info, torch.no_grad():
        compiled(x)
    assert isinstance(_root(info.value), CompileError), repr(info.value)


def test_require_full_raises_on_an_op_left_to_pytorch() -> None:
    import torch

    model, x = _model()
    compiled = torch.compile(model, backend="hwsdk", options={
        "target": "cpu", "require_full": True, "fallback_ops": ["relu"]})
    with pytest.raises(Exception) as info, torch.no_grad():
        compiled(x)
    root = _root(info.value)
    assert isinstance(root, UnsupportedOpsError) and "relu" in str(root)


def test_a_graph_that_cannot_be_captured_runs_whole_in_pytorch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    import hwsdk.dynamo.graph
    from hwsdk.dynamo import subgraph_plans

    def refuse(gm: Any) -> Any:
        raise CaptureError("size argument s0 is no dim of any tensor argument (injected)")

    monkeypatch.setattr(hwsdk.dynamo.graph, "capture_graph_module", refuse)
    model, x = _model()
    compiled = torch.compile(model, backend="hwsdk", options={"target": "cpu"})
    with pytest.warns(UserWarning, match="runs in PyTorch: size argument"), torch.no_grad():
        close(compiled(x), model(x), atol=1e-6)
    (record,) = subgraph_plans(compiled)
    assert record.plan is None and "injected" in record.failure
    strict = torch.compile(model, backend="hwsdk",
                           options={"target": "cpu", "require_full": True})
    with pytest.raises(Exception) as info, torch.no_grad():
        strict(x)
    assert isinstance(_root(info.value), CaptureError)
