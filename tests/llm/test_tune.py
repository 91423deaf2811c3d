"""Measured ``auto`` for compile_lm: the fastest candidate by a timed generation, remembered."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hwsdk  # noqa: E402
from hwsdk.errors import CompileError  # noqa: E402
from hwsdk.llm import compiled as compiled_module  # noqa: E402
from hwsdk.llm.families import build_family  # noqa: E402
from hwsdk.llm.tune import measured_lm  # noqa: E402


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HWSDK_TUNE", raising=False)  # the suite pins it off


class _FakeLM:
    """Generates nothing, slowly: ``seconds`` per call."""

    def __init__(self, target: Any, seconds: float) -> None:
        self.target, self.seconds = target, seconds

    def generate(self, ids: Any, **_: Any) -> Any:
        time.sleep(self.seconds)
        return ids


def _fake_build(speeds: Mapping[str, float], failing: str = "") -> Any:
    def build(model: Any, target: Any, max_cache_len: int, settings: Mapping[str, Any]) -> Any:
        name = ">".join(target) if isinstance(target, list) else target
        if name == failing:
            raise CompileError(f"{name} refused the step graph")
        return _FakeLM(name, speeds[name])

    return build


def test_the_fastest_candidate_wins_and_a_failing_one_is_dropped_with_its_reason() -> None:
    model = build_family("llama")
    result = measured_lm(model, ["cpu", "intel"], 32, {}, "measure",
                         _fake_build({"cpu": 0.015, "torch": 0.01}, failing="intel:cpu"))
    assert result is not None
    lm, choice = result
    assert choice.winner == "torch" and lm.target == "torch"  # PyTorch wins when fastest
    assert choice.dropped == {"intel:cpu": "CompileError: intel:cpu refused the step graph"}
    assert set(choice.medians) == {"cpu", "torch"}  # single engines only, no priority mix
    assert choice.note().endswith("intel:cpu dropped: CompileError: intel:cpu refused the "
                                  "step graph")


def test_a_clear_loser_is_not_timed_further() -> None:
    result = measured_lm(build_family("llama"), ["cpu"], 32, {}, "measure",
                         _fake_build({"cpu": 0.001, "torch": 0.03}))
    assert result is not None
    _, choice = result
    assert choice.winner == "cpu" and set(choice.medians) == {"cpu"}
    assert "over 2x the fastest" in choice.dropped["torch"]


def test_no_candidate_compiles_raises_the_last_error() -> None:
    def build(*_: Any) -> Any:
        raise CompileError("nothing compiles")

    with pytest.raises(CompileError, match="nothing compiles"):
        measured_lm(build_family("llama"), ["cpu"], 32, {}, "measure", build)


def test_auto_measures_then_reuses_the_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    model = build_family("llama")
    ids = torch.randint(3, 128, (1, 6), generator=torch.Generator().manual_seed(4))
    expected = model.generate(ids, max_new_tokens=6, do_sample=False)
    lm = hwsdk.compile_lm(model, target=["cpu"], max_cache_len=32, tune="measure")
    note = lm.plan.summary().splitlines()[1]
    assert note.startswith("tune (measured on this machine; greedy generation of 16 tokens "
                           "after a 16-token prompt")
    assert "cpu " in note and "torch " in note
    assert torch.equal(lm.generate(ids, max_new_tokens=6), expected)

    builds: list[Any] = []
    real_build = compiled_module._build

    def counting(*args: Any) -> Any:
        builds.append(args[1])
        return real_build(*args)

    monkeypatch.setattr(compiled_module, "_build", counting)
    again = hwsdk.compile_lm(model, target=["cpu"], max_cache_len=32, tune="cached")
    assert len(builds) == 1  # the winner only
    assert "a decision measured earlier on this machine" in again.plan.summary()
    assert torch.equal(again.generate(ids, max_new_tokens=6), expected)


def test_tune_off_keeps_the_priority_rule_and_says_nothing() -> None:
    lm = hwsdk.compile_lm(build_family("llama"), target=["cpu"], max_cache_len=32, tune="off")
    assert "tune (" not in lm.plan.summary()
