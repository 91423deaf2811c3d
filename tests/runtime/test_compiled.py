"""CompiledModel's direct path: a one-region model called with exactly the captured static
signature runs its region without the guard; every other call takes the full path, which
accepts and refuses what it always did, with the same messages."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import hwsdk
from hwsdk.errors import InputMismatchError
from hwsdk.runtime.compiled import CompiledModel

TARGETS = ["cpu", "torch"]


class _Block(torch.nn.Module):
    """Three outputs in an order of their own (as a decode step returns out, keys, values)."""

    def forward(self, x: torch.Tensor, cache: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        keys = torch.cat([cache, x], dim=0)
        return x * 2.0 + 1.0, keys, keys.sum(0)


class _One(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        return (torch.sin(x),)


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(2, 8), torch.randn(5, 8)


def _no_guard(compiled: CompiledModel, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the guard's full checks (the direct path makes none)."""
    calls: list[int] = []
    check = compiled.guard.check

    def counting(flat: Any) -> dict[str, int]:
        calls.append(1)
        return check(flat)

    monkeypatch.setattr(compiled.guard, "check", counting)
    return calls


@pytest.mark.parametrize("target", TARGETS)
def test_the_captured_signature_runs_the_region_directly(
        target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = hwsdk.compile(_Block(), _inputs(), target=target)
    assert compiled._direct is not None
    checks = _no_guard(compiled, monkeypatch)
    for _ in range(3):
        args = _inputs()
        out, ref = compiled(*args), _Block()(*args)
        assert type(out) is tuple and len(out) == 3
        for a, b in zip(out, ref, strict=True):
            torch.testing.assert_close(a, b)
    assert checks == []


@pytest.mark.parametrize("target", TARGETS)
def test_a_one_tuple_stays_a_tuple(target: str) -> None:
    compiled = hwsdk.compile(_One(), (torch.randn(3),), target=target)
    assert compiled._direct is not None
    x = torch.randn(3)
    out = compiled(x)
    assert type(out) is tuple and len(out) == 1
    torch.testing.assert_close(out[0], torch.sin(x))


@pytest.mark.parametrize(("args", "message"), [
    ((torch.randn(2, 9), torch.randn(5, 8)), "expected size 8 at dim 1"),
    ((torch.randn(2, 8, dtype=torch.float64), torch.randn(5, 8)), "expected dtype f32"),
    ((torch.randn(2, 8, 1), torch.randn(5, 8)), "expected rank 2"),
    ((torch.randn(2, 8), [[0.0] * 8] * 5), "expected a tensor, got list"),
    ((torch.randn(2, 8),), "expected 2 input"),
])
def test_every_refusal_of_the_guard_still_refuses(args: tuple[Any, ...], message: str) -> None:
    compiled = hwsdk.compile(_Block(), _inputs(), target="cpu")
    assert compiled._direct is not None
    with pytest.raises(InputMismatchError, match=message):
        compiled(*args)


def test_inputs_off_the_signature_take_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = hwsdk.compile(_Block(), _inputs(), target="cpu")
    checks = _no_guard(compiled, monkeypatch)
    x, cache = _inputs()
    calls: list[tuple[Any, ...]] = [
        (x.t().contiguous().t(), cache),  # a non-contiguous view of the same shape
        (torch.nn.Parameter(x), cache),  # a tensor subclass, requiring grad
        (x.requires_grad_(), cache),
    ]
    for args in calls:
        out, ref = compiled(*args), _Block()(*args)
        for a, b in zip(out, ref, strict=True):
            torch.testing.assert_close(a, b.detach())
    out = compiled(x=x.detach(), cache=cache)  # by keyword
    torch.testing.assert_close(out[1], _Block()(x.detach(), cache)[1])
    # Parameter and keywords take the full path; plain tensors (strided or requiring grad)
    # match the signature, as the guard accepts them too
    assert len(checks) == 2


def test_models_a_single_run_cannot_serve_have_no_direct_path() -> None:
    class Returns(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x, x + 1.0  # an input returned as is

    class Item(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> Any:
            return x.sum().item()

    class Split(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.neg(x * 2.0) + 1.0

    x = torch.randn(4, 3)
    dim = torch.export.Dim("n", min=2)
    cases = [
        (Returns(), {}),
        (Item(), {}),
        (Split(), {"fallback_ops": ["neg"]}),  # three steps
        (Split(), {"dynamic_shapes": ({0: dim},)}),  # a symbol to bind
    ]
    for model, settings in cases:
        compiled = hwsdk.compile(model, (x,), target="cpu", **settings)
        assert compiled._direct is None, type(model).__name__
        y = torch.randn(4, 3)
        ref, out = model(y), compiled(y)
        if isinstance(ref, float):
            assert out == pytest.approx(ref, rel=1e-5)
        else:
            torch.testing.assert_close(out, ref)


def test_a_region_returning_the_wrong_count_breaks_the_contract() -> None:
    import dataclasses

    from hwsdk.errors import PluginContractError

    compiled = hwsdk.compile(_Block(), _inputs(), target="cpu")

    def short(inputs: Any, env: Any) -> list[Any]:
        return [inputs[0]]

    step = dataclasses.replace(compiled.steps[0], runner=short)
    broken = CompiledModel(compiled.captured, compiled.plan, [step])
    assert broken._direct is not None
    x, cache = _inputs()
    for call in (lambda: broken(x, cache), lambda: broken(x=x, cache=cache)):  # direct, full
        with pytest.raises(PluginContractError, match=r"returned 1 value.* has 3 output"):
            call()


def test_regions_know_whether_they_are_alone_in_the_plan() -> None:
    """build_compiled tells each region whether it is the plan's only one: the cpu target
    then keeps ONNX Runtime's threads spinning for a one-region plan and stops them where
    PyTorch runs between its calls (the plan says so), with the same results either way."""
    pytest.importorskip("onnxruntime")

    class TwoLinears(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = torch.nn.Linear(8, 8), torch.nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(torch.relu(self.a(x)) * 2.0)

    model, x = TwoLinears().eval(), torch.randn(3, 8)
    whole = hwsdk.compile(model, (x,), target="cpu")
    split = hwsdk.compile(model, (x,), target="cpu", fallback_ops=["mul"])
    notes = [[r.details.get("thread_spinning", "") for r in m.plan.regions if r.target == "cpu"]
             for m in (whole, split)]
    assert len(notes[0]) == 1 and notes[0][0].startswith("on")
    assert len(notes[1]) == 2 and all(n.startswith("off") for n in notes[1])
    with torch.no_grad():
        expected = model(x)
    assert torch.allclose(whole(x), expected, atol=1e-6)
    assert torch.allclose(split(x), expected, atol=1e-6)
