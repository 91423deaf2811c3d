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
    """Stands in for :func:`hwsdk.tune.tuner.time_candidates`: fixed medians (and quartiles,
    where ``spreads`` has them), calls counted."""

    def __init__(self, medians: Mapping[str, float]) -> None:
        self.medians = dict(medians)
        self.spreads: dict[str, tuple[float, float]] = {}
        self.calls: list[list[str]] = []

    def __call__(self, compiled_by: Mapping[str, Any], inputs: Sequence[Any],
                 budget_s: float = 0.0) -> dict[str, Timing]:
        self.calls.append(sorted(compiled_by))
        for model in compiled_by.values():
            model(*inputs)  # every candidate really runs
        return {name: Timing(self.medians[name], 5, *self.spreads[name], 5)
                if name in self.spreads else Timing(self.medians[name], 5)
                for name in compiled_by}


class FakeSegmentTimer:
    """Stands in for :func:`hwsdk.tune.tuner.time_segments`: a segment's median is
    ``per_engine[engine]`` (``per_segment[(index, engine)]`` where given), a pair costs the two
    plus ``crossing``; every call really runs once."""

    def __init__(self, per_engine: Mapping[str, float]) -> None:
        self.per_engine = dict(per_engine)
        self.per_segment: dict[tuple[int, str], float] = {}
        self.crossing = 0.0
        self.calls: list[list[str]] = []

    def _one(self, index: int, engine: str) -> float:
        return self.per_segment.get((index, engine), self.per_engine[engine])

    def __call__(self, calls: Mapping[str, Any], budget_s: float = 0.0) -> dict[str, Timing]:
        self.calls.append(sorted(calls))
        found = {}
        for name, call in calls.items():
            call()
            index, _, engines = name.partition("|")
            parts = engines.split(">")
            cost = sum(self._one(int(index) + i, e) for i, e in enumerate(parts))
            found[name] = Timing(cost + (self.crossing if len(parts) == 2 else 0.0), 5)
        return found


@pytest.fixture
def segments_timer(monkeypatch: pytest.MonkeyPatch) -> FakeSegmentTimer:
    fake = FakeSegmentTimer({"cpu": 0.0003, "intel:cpu": 0.0004, "torch": 0.001})
    monkeypatch.setattr(tuner, "time_segments", fake)
    return fake


@pytest.fixture
def timer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          segments_timer: FakeSegmentTimer) -> FakeTimer:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    monkeypatch.setenv("HWSDK_TUNE_BUDGET", "inf")
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
    note = _tuned_notes(compiled)[0]
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
    note = _tuned_notes(second)[0]
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
    assert ("tune: candidate cpu dropped: CompileError: region r0 (3 nodes) failed to compile "
            "for cpu: RuntimeError: the engine refused this region") in notes
    # per segment too: each segment's cpu engine is dropped with the same reason
    assert ("tune: not measured (RuntimeError: the engine refused this region): s0 cpu, s1 cpu, "
            "s2 cpu") in notes


class _SpentBudget:
    """A tuning budget that is spent as soon as the reference candidate has compiled."""

    factor = 2.0

    def reference_done(self) -> None:
        pass

    def left_s(self) -> float:
        return 0.0

    def spent(self) -> bool:
        return True


def test_a_spent_budget_still_compiles_every_single_engine_candidate(
        timer: FakeTimer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuner, "Budget", lambda factor: _SpentBudget())
    timer.medians = {"cpu": 0.001, "intel:cpu>cpu": 0.002, "torch": 0.003}
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["intel:cpu", "cpu"], tune="measure")
    # the reference (the priority mix) compiles first; intel:cpu alone places every node as it
    # does, so it is timed as the mix; cpu and PyTorch are compiled although the budget is spent
    assert timer.calls == [["cpu", "intel:cpu>cpu", "torch"]]
    assert [r.target for r in compiled.plan.regions] == ["cpu"]
    notes = _tuned_notes(compiled)
    assert not any("not compiled" in n for n in notes)
    assert any(n.startswith("tune: per-region candidate not added: the tuning budget")
               for n in notes)
    torch.testing.assert_close(compiled(*inputs), model(*inputs), rtol=1e-4, atol=1e-4)


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


def test_per_region_choice_mixes_engines_and_the_plan_records_every_median(
        timer: FakeTimer, segments_timer: FakeSegmentTimer) -> None:
    segments_timer.per_segment[(0, "torch")] = 0.0001  # s0 is fastest in PyTorch
    timer.medians = {"cpu": 0.001, "torch": 0.003, "per-region": 0.0008}
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert timer.calls == [["cpu", "per-region", "torch"]]
    assert [r.target for r in compiled.plan.regions] == ["torch", "cpu", "cpu"]
    notes = _tuned_notes(compiled)
    assert "per-region 0.80 ms, cpu 1.00 ms, torch 3.00 ms -> per-region" in notes[0]
    assert "tune s0 (1 nodes, module 0): torch 0.10 ms, cpu 0.30 ms -> torch" in notes
    assert any(n.startswith("tune crossings s0->s1: cpu>torch 0.000 ms") for n in notes)
    first = compiled.plan.regions[0]
    assert first.details["tune"]["medians_ms"] == {"cpu": 0.3, "torch": 0.1}
    assert compiled.plan.regions[1].details["tune"]["crossing_in_ms"]["torch>cpu"] == 0.0
    node = compiled.plan.nodes[first.node_ids[0]]
    assert node.target == "torch" and "measured faster in PyTorch" in node.reason
    torch.testing.assert_close(compiled(*inputs), model(*inputs), rtol=1e-4, atol=1e-4)
    from hwsdk.report.html import render_html
    from hwsdk.report.text import render_report

    assert "r0: torch 0.10 ms, cpu 0.30 ms -> torch" in render_report(compiled.plan)
    assert "measured: cpu 0.30 ms, intel" not in render_report(compiled.plan)
    assert "<li>r1: cpu 0.30 ms, torch 1.00 ms -&gt; cpu</li>" in render_html(compiled.plan)

    again = hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    assert len(timer.calls) == 1 and len(segments_timer.calls) == 1  # nothing measured again
    assert [r.target for r in again.plan.regions] == ["torch", "cpu", "cpu"]
    assert _tuned_notes(again)[0].startswith("tune (cached decision")
    assert "tune s0 (1 nodes, module 0): torch 0.10 ms, cpu 0.30 ms -> torch" in \
        _tuned_notes(again)
    torch.testing.assert_close(again(*inputs), model(*inputs), rtol=1e-4, atol=1e-4)


def test_the_dynamic_program_loses_to_a_whole_model_candidate_that_is_faster_in_fact(
        timer: FakeTimer, segments_timer: FakeSegmentTimer) -> None:
    segments_timer.per_segment[(0, "torch")] = 0.0001
    timer.medians = {"cpu": 0.001, "torch": 0.003, "per-region": 0.0012}
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert [r.target for r in compiled.plan.regions] == ["cpu"]
    assert "cpu 1.00 ms, per-region 1.20 ms, torch 3.00 ms -> cpu" in \
        _tuned_notes(compiled)[0]


def test_a_per_region_mix_within_noise_of_one_engine_loses_to_it_and_the_cache_says_why(
        timer: FakeTimer, segments_timer: FakeSegmentTimer) -> None:
    segments_timer.per_segment[(0, "torch")] = 0.0001
    timer.medians = {"cpu": 0.00100, "torch": 0.003, "per-region": 0.00095}
    timer.spreads = {"cpu": (0.00090, 0.00120), "per-region": (0.00085, 0.00110),
                     "torch": (0.0029, 0.0031)}
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    assert [r.target for r in compiled.plan.regions] == ["cpu"]
    why = ("per-region 0.95 ms (0.85-1.10), cpu 1.00 ms (0.90-1.20), torch 3.00 ms "
           "(2.90-3.10) -> cpu: within noise of per-region; fewer regions")
    assert why in _tuned_notes(compiled)[0]
    assert "simplest of them wins" in _tuned_notes(compiled)[0]
    again = hwsdk.compile(model, inputs, target=["cpu"], tune="cached")
    assert len(timer.calls) == 1  # the decision cache hit
    assert _tuned_notes(again)[0].startswith("tune (cached decision")
    assert why in _tuned_notes(again)[0]
    assert [r.target for r in again.plan.regions] == ["cpu"]


class SlowRegion:
    """A compiled region that is correct but slow: a test double for a slow engine."""

    def __init__(self, inner: Any, delay_s: float) -> None:
        self.inner = inner
        self.delay_s = delay_s
        self.details = {"engine": "slow double"}

    def __call__(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        import time

        time.sleep(self.delay_s)
        return self.inner(inputs, env)


def test_pytorch_wins_against_a_slow_target_double_timed_for_real(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    monkeypatch.setenv("HWSDK_TUNE_BUDGET", "inf")
    registry = get_registry()
    real = registry.compile

    def slow(ref: str, region: Any, options: Mapping[str, Any]) -> Any:
        compiled = real(ref, region, options)
        return SlowRegion(compiled, 0.1) if ref == "cpu" else compiled

    monkeypatch.setattr(registry, "compile", slow)
    model, inputs = _model()
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert {r.target for r in compiled.plan.regions} == {"torch"}
    notes = _tuned_notes(compiled)
    assert notes[0].startswith("tune (measured") and "-> torch" in notes[0]
    assert all(line.endswith("-> torch") for line in notes if line.startswith("tune s"))


def test_inductor_is_a_candidate_engine_of_cpu_only_when_asked_for(
        timer: FakeTimer, segments_timer: FakeSegmentTimer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    model, inputs = _model()
    hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert not any("cpu/inductor" in name for name in segments_timer.calls[-1])
    pytest.importorskip("torch._inductor")
    monkeypatch.setenv("HWSDK_TUNE_INDUCTOR", "1")
    segments_timer.per_engine["cpu/inductor"] = 0.0001
    timer.medians["per-region"] = 0.0005
    compiled = hwsdk.compile(model, inputs, target=["cpu"], tune="measure")
    assert "0|cpu/inductor" in segments_timer.calls[-1]
    assert [r.target for r in compiled.plan.regions] == ["cpu", "cpu", "cpu"]
    assert all("inductor" in r.details["engine"] for r in compiled.plan.regions)
    torch.testing.assert_close(compiled(*inputs), model(*inputs), rtol=1e-4, atol=1e-4)
