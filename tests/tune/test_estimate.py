"""A candidate's estimate and spread from its timed calls; when two are within noise."""

from __future__ import annotations

import pytest

from hwsdk.tune.estimate import Timing, contenders, summarize, within_noise


def test_the_estimate_is_the_median_of_each_rounds_fastest_call() -> None:
    # a scheduler slice (4 ms) lands on one call of round 1 and on both calls of round 3
    timing = summarize([[0.0010, 0.0011], [0.0012, 0.0050], [0.0011, 0.0010],
                        [0.0050, 0.0048], [0.0010, 0.0012]])
    assert timing.median_s == pytest.approx(0.0010)
    # per-round minima 1.0, 1.2, 1.0, 4.8, 1.0 ms: the slow round is outside the quartiles
    assert timing.spread == pytest.approx((0.0010, 0.0012))
    assert (timing.runs, timing.rounds) == (10, 5)


def test_one_call_per_round_gives_the_plain_median() -> None:
    timing = summarize([[0.003], [0.001], [0.002]])
    assert timing.median_s == pytest.approx(0.002)
    assert timing.spread == pytest.approx((0.0015, 0.0025))
    assert summarize([[0.004]]).spread == (0.004, 0.004)
    with pytest.raises(ValueError):
        summarize([[], []])


def test_a_timing_without_quartiles_spreads_over_its_median_only() -> None:
    assert Timing(0.002, 5).spread == (0.002, 0.002)


def test_an_estimate_inside_the_others_quartiles_is_within_noise() -> None:
    fast = Timing(0.0010, 6, 0.0009, 0.0012, 3)
    close = Timing(0.0011, 6, 0.0011, 0.0015, 3)
    far = Timing(0.0014, 6, 0.0013, 0.0016, 3)
    assert within_noise(fast, close) and within_noise(close, fast)
    assert not within_noise(fast, far)
    # ranges that only touch at their edges are not a tie (bench/tune_mixed.py's mix)
    mix, cpu = Timing(0.00696, 10, 0.00618, 0.00790, 10), Timing(0.00798, 10, 0.00789, 0.00801, 10)
    assert not within_noise(mix, cpu) and not within_noise(cpu, mix)
    found = contenders({"far": far, "close": close, "fast": fast,
                        "g|x": far}, group=lambda n: n.split("|")[0] if "|" in n else "")
    assert found == {"": ["fast", "close"], "g": ["g|x"]}
