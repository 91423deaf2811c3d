"""hwsdk run --lm's measurements: interleaved rounds, per-round ratios, the first differing
token, and the settings that make both sides produce exactly the asked number of tokens."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hwsdk.cli.lm_measure import (
    Generation,
    first_difference,
    greedy_settings,
    time_generation,
)


def test_rounds_alternate_who_goes_first() -> None:
    calls: list[str] = []

    def side(name: str, ttft: float, decode: float) -> Generation:
        calls.append(name)
        return Generation(None, ttft, decode)

    timing = time_generation(lambda: side("h", 0.01, 0.001), lambda: side("e", 0.04, 0.004),
                             rounds=4)
    assert calls == ["h", "e", "e", "h", "h", "e", "e", "h"]
    assert timing.ttft().ratios == pytest.approx((0.25,) * 4)
    assert timing.decode().ratio == pytest.approx(0.25)
    assert timing.decode().eager_s == pytest.approx(0.004)
    assert timing.decode().headline("--rounds").endswith("4.00x faster")


def test_first_difference() -> None:
    torch = pytest.importorskip("torch")
    a = torch.tensor([[1, 2, 3, 4]])
    assert first_difference(a, a.clone()) is None
    assert first_difference(a, torch.tensor([[1, 2, 9, 4]])) == 2
    assert first_difference(a, torch.tensor([[1, 2]])) == 2  # eager stopped early


@pytest.mark.parametrize(("pad", "eos", "expected"), [
    (7, 3, 7), (None, 3, 3), (None, [5, 6], 5), (None, None, 0),
])
def test_greedy_settings_ask_for_exactly_n_tokens(pad: int | None, eos: object,
                                                  expected: int) -> None:
    model = SimpleNamespace(generation_config=SimpleNamespace(pad_token_id=pad,
                                                              eos_token_id=eos))
    settings = greedy_settings(model, 12)
    assert settings == {"max_new_tokens": 12, "min_new_tokens": 12, "do_sample": False,
                        "pad_token_id": expected}
