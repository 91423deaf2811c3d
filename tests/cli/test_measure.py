"""hwsdk run's speed headline: a ratio only from interleaved rounds, with its spread, and a
plain "too noisy" when the spread allows no verdict."""

from __future__ import annotations

import time

import pytest

from hwsdk.cli.measure import Timing, time_side_by_side


def _timing(*ratios: float) -> Timing:
    return Timing(1e-3, 1e-3 * ratios[0], tuple(ratios), 1)


def test_a_tight_spread_gets_a_verdict() -> None:
    fast = _timing(0.50, 0.52, 0.49, 0.51, 0.50, 0.48)
    assert fast.noise() == "" and fast.headline().endswith("2.00x faster")
    assert "IQR 0.49" in fast.headline() and "over 6 interleaved rounds" in fast.headline()
    slow = _timing(2.0, 2.1, 1.9, 2.0)
    assert slow.headline().endswith("2.00x slower")


@pytest.mark.parametrize(("ratios", "why"), [
    ((0.2, 0.9, 1.3, 5.0, 0.8, 1.1), "crosses 1.0"),  # the 79.72x faster / 4.98x slower case
    ((0.5, 0.5), "only 2 round(s)"),
])
def test_a_wide_spread_is_called_meaningless(ratios: tuple[float, ...], why: str) -> None:
    timing = _timing(*ratios)
    assert why in timing.noise()
    headline = timing.headline()
    assert "too noisy to call either faster" in headline
    assert "faster\"" not in headline and "x faster" not in headline and "x slower" not in headline


def test_a_wide_spread_on_one_side_names_the_side_not_the_margin() -> None:
    timing = _timing(0.2, 0.5, 0.8, 0.3, 0.7, 0.5)
    assert "exceeds ±20%" in timing.noise()
    headline = timing.headline()
    assert "hwsdk faster across the whole IQR, by a margin too noisy to quote" in headline
    assert "x faster" not in headline


def test_rounds_are_interleaved_and_batched() -> None:
    calls: list[str] = []

    def eager(x: int) -> int:
        calls.append("e")
        time.sleep(1e-3)
        return x

    def compiled(x: int) -> int:
        calls.append("h")
        time.sleep(5e-4)
        return x

    timing = time_side_by_side(eager, compiled, (1,), repeat=6)
    assert len(timing.ratios) == 6 and timing.calls >= 1
    per_round = timing.calls
    body = "".join(calls[2:])  # after one warm-up call of each
    blocks = [body[i:i + per_round] for i in range(0, len(body), per_round)]
    assert len(blocks) == 12 and all(len(set(b)) == 1 for b in blocks)
    firsts = [blocks[2 * i][0] for i in range(6)]
    assert firsts == ["e", "h", "e", "h", "e", "h"]  # who goes first alternates
    assert timing.eager_s >= 1e-3 and timing.hwsdk_s >= 5e-4  # per call, not per block


def test_the_advice_names_the_commands_rounds_option() -> None:
    noisy = _timing(0.5, 0.5)
    assert noisy.headline().endswith("with a larger --repeat")
    assert noisy.headline("--rounds").endswith("with a larger --rounds")
    assert "call(s)" not in noisy.headline()  # one call per round is not worth saying
    batched = Timing(1e-3, 5e-4, (0.5, 0.5, 0.5), 40)
    assert "over 3 interleaved rounds of 40 call(s)" in batched.headline()
