"""Picking the winner and the line that says why."""

from __future__ import annotations

from hwsdk.tune.choose import choose, timing_line
from hwsdk.tune.measure import Timing


def test_the_lowest_median_wins_and_a_tie_goes_to_the_earlier_candidate() -> None:
    timings = {"intel:cpu": Timing(0.002, 5), "cpu": Timing(0.001, 5), "torch": Timing(0.001, 5)}
    assert choose(timings, ["intel:cpu", "cpu", "torch"]) == "cpu"
    assert choose(timings, ["torch", "cpu"]) == "torch"


def test_the_line_lists_fastest_first_in_milliseconds() -> None:
    line = timing_line({"intel:cpu": 0.00234, "cpu": 0.00191, "torch": 0.0031}, "cpu")
    assert line == "cpu 1.91 ms, intel:cpu 2.34 ms, torch 3.10 ms -> cpu"
