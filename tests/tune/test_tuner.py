"""hwsdk.compile(tune=...) end to end on a small MLP: what is measured, kept, reused, dropped.

The timings are replaced by fixed numbers (``time_candidates``), so no test depends on how fast
anything is; the candidates are really planned and compiled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import torch

import hwsdk
from hwsdk.partition.plan import RegionStatus
from hwsdk.registry import get_registry
from hwsdk.tune import cache, tuner
from hwsdk.tune.measure import Timing

MEDIANS = {"cpu": 0.001, "torch": 0.003}


def _model() -> tuple[torch.nn.Module, tuple[torch.Tensor]]:
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 4)).eval()
    return model, (torch.randn(2, 16),)


class FakeTimer:
    """Stands in for :func:`hwsdk.tune.tuner.time_candidates`: fixed medians, calls counted."""

    def __init__(self, medians: Mapping[str, float]) -> None:
        self.medians = dict(medians)
        self.calls: list[list[str]] = []

    def __call__(self, compiled_by: Mapping[str, Any], inputs: Sequence[Any]
                 ) -> dict[str, Timing]:
        self.calls.append(sorted(compiled_by))
        for model in compiled_by.values():
            model(*inputs)  # every candidate really runs
        return {name: Timing(self.medians[name], 5) for name in compiled_by}


@pytest.fixture
def timer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTimer:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    fake = FakeTimer(MEDIANS)
    monkeypatch.setattr(tuner, "time_candidates", fake)
    return fake


def _tuned_notes(compiled: Any) -> list[str]:
    return [n for n in compiled.plan.notes if n.startswith("tune")]


def test_the_fastest_candidate_wins_and_the_plan_says_why(timer: FakeTimer) -> None:
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert timer.calls == [["cpu", "torch"]]
    assert [r.target for r in compiled.plan.regions] == ["cpu"]
    (note,) = _tuned_notes(compiled)
    assert "tune (measured" in note and "cpu 1.00 ms, torch 3.00 ms -> cpu" in note
    assert compiled.plan.requested == ("cpu",)
    assert "cpu 1.00 ms, torch 3.00 ms -> cpu" in compiled.plan.summary()
    torch.testing.assert_close(compiled(*inputs), model(*inputs), rtol=1e-4, atol=1e-4)


def test_pytorch_wins_when_it_is_fastest(timer: FakeTimer) -> None:
    timer.medians = {"cpu": 0.005, "torch": 0.001}
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert {r.target for r in compiled.plan.regions} == {"torch"}
    assert all(r.status is RegionStatus.FALLBACK for r in compiled.plan.regions)
    assert "-> torch" in _tuned_notes(compiled)[0]


def test_the_second_compile_reuses_the_decision(timer: FakeTimer) -> None:
    model, inputs = _model()
    hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    second = hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    assert len(timer.calls) == 1  # measured once
    (note,) = _tuned_notes(second)
    assert note.startswith("tune (cached decision") and "-> cpu" in note
    assert [r.target for r in second.plan.regions] == ["cpu"]
    hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert len(timer.calls) == 2  # measure always measures


def test_an_engine_version_change_invalidates_the_decision(
        timer: FakeTimer, monkeypatch: pytest.MonkeyPatch) -> None:
    model, inputs = _model()
    hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    versions = cache.engine_versions()
    monkeypatch.setattr(cache, "engine_versions",
                        lambda: {**versions, "onnxruntime": "99.0.0"})
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    assert len(timer.calls) == 2
    assert _tuned_notes(compiled)[0].startswith("tune (measured")


def test_a_thread_count_change_invalidates_the_decision(timer: FakeTimer) -> None:
    model, inputs = _model()
    hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(threads + 1)
        hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    finally:
        torch.set_num_threads(threads)
    assert len(timer.calls) == 2
    hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    assert len(timer.calls) == 2  # back to the first settings: the first decision


def test_a_candidate_that_fails_to_compile_is_dropped_with_its_reason(
        timer: FakeTimer, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = get_registry()
    real = registry.compile

    def failing(ref: str, region: Any, options: Mapping[str, Any]) -> Any:
        if ref == "cpu":
            raise RuntimeError("the engine refused this region")
        return real(ref, region, options)

    monkeypatch.setattr(registry, "compile", failing)
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert timer.calls == [["torch"]]
    notes = _tuned_notes(compiled)
    assert "-> torch" in notes[0]
    assert notes[1] == ("tune: candidate cpu dropped: CompileError: region r0 (3 nodes) failed "
                        "to compile for cpu: RuntimeError: the engine refused this region")


def test_tune_off_plans_by_priority(timer: FakeTimer) -> None:
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target="auto", tune="off")
    assert timer.calls == [] and _tuned_notes(compiled) == []


def test_explain_keeps_the_priority_rule_and_says_so() -> None:
    model, inputs = _model()
    plan = hwsdk.explain(model, inputs, target="auto")
    assert any("declared priority" in note for note in plan.notes)
    assert not any("declared priority" in n for n in hwsdk.explain(model, inputs, "cpu").notes)


class AddsInPlace(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x.add_(1.0)
        return torch.relu(x) * 2.0


def test_timing_never_changes_the_callers_inputs(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    x = torch.zeros(2, 3)
    compiled = hwsdk.compile(AddsInPlace(), (x,), target=["cpu"], tune="measure")
    assert _tuned_notes(compiled)[0].startswith("tune (measured")  # really timed
    assert torch.equal(x, torch.zeros(2, 3))
    compiled(x)
    assert torch.equal(x, torch.ones(2, 3))  # the model does update its input


def test_a_model_compiled_on_first_call_is_tuned_then(timer: FakeTimer) -> None:
    model, inputs = _model()
    lazy = hwsdk.compile(model, None, target=["cpu"], tune="measure")
    assert timer.calls == []
    lazy(*inputs)
    assert timer.calls == [["cpu", "torch"]]
    assert "-> cpu" in _tuned_notes(lazy)[0]
