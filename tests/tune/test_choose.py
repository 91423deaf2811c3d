"""Picking the winner and the line that says why."""

from __future__ import annotations

from hwsdk.tune.choose import choose, decide, timing_line
from hwsdk.tune.measure import Timing


def test_the_lowest_median_wins_and_a_tie_goes_to_the_earlier_candidate() -> None:
    timings = {"intel:cpu": Timing(0.002, 5), "cpu": Timing(0.001, 5), "torch": Timing(0.001, 5)}
    assert choose(timings, ["intel:cpu", "cpu", "torch"]) == "cpu"
    assert choose(timings, ["torch", "cpu"]) == "torch"


def test_the_line_lists_fastest_first_in_milliseconds() -> None:
    line = timing_line({"intel:cpu": 0.00234, "cpu": 0.00191, "torch": 0.0031}, "cpu")
    assert line == "cpu 1.91 ms, intel:cpu 2.34 ms, torch 3.10 ms -> cpu"


def _spread(median: float, low: float, high: float) -> Timing:
    return Timing(median, 10, low, high, 5)


def test_a_clear_lead_wins_whatever_the_shapes() -> None:
    timings = {"cpu": _spread(0.0010, 0.0009, 0.0011), "mix": _spread(0.0007, 0.0006, 0.0008)}
    choice = decide(timings, ["cpu", "mix"], {"cpu": (1, 0), "mix": (2, 1)})
    assert (choice.winner, choice.reason, choice.tied) == ("mix", "clear of the others' spread",
                                                           ())


def test_candidates_within_noise_go_to_the_fewest_regions() -> None:
    timings = {"cpu": _spread(0.00074, 0.00070, 0.0011), "mix": _spread(0.00071, 0.00069, 0.0008),
               "torch": _spread(0.0030, 0.0029, 0.0032)}
    choice = decide(timings, ["cpu", "mix", "torch"], {"cpu": (1, 0), "mix": (2, 1),
                                                       "torch": (1, 0)})
    assert choice.winner == "cpu" and choice.tied == ("cpu",)
    assert choice.reason == "within noise of mix; fewer regions"


def test_then_the_fewest_crossings_then_the_candidates_order() -> None:
    timings = {"a": _spread(0.0010, 0.0009, 0.0012), "b": _spread(0.0011, 0.0010, 0.0013)}
    # same number of regions; b crosses between engines once less
    crossing = decide(timings, ["a", "b"], {"a": (3, 2), "b": (3, 1)})
    assert (crossing.winner, crossing.reason) == ("b", "within noise of a; fewer crossings")
    ordered = decide(timings, ["b", "a"], {"a": (1, 0), "b": (1, 0)})
    assert (ordered.winner, ordered.reason) == ("b", "within noise of a; as simple, earlier "
                                                     "candidate")
    faster = decide(timings, ["a", "b"])
    assert (faster.winner, faster.reason) == ("a", "within noise of b; as simple, and faster")


def test_the_line_shows_each_spread_and_the_reason() -> None:
    line = timing_line({"cpu": 0.00074, "intel:cpu>cpu": 0.00071}, "cpu",
                       {"cpu": (0.00069, 0.0008), "intel:cpu>cpu": (0.0007, 0.0011)},
                       "within noise of intel:cpu>cpu; fewer regions")
    assert line == ("intel:cpu>cpu 0.71 ms (0.70-1.10), cpu 0.74 ms (0.69-0.80) -> cpu: "
                    "within noise of intel:cpu>cpu; fewer regions")


def test_choose_keeps_the_lowest_estimate_where_decide_weighs_the_noise() -> None:
    timings = {"a": _spread(0.0010, 0.0009, 0.0012), "b": _spread(0.0011, 0.0010, 0.0013)}
    assert choose(timings, ["b", "a"]) == "a"
    assert decide(timings, ["b", "a"]).winner == "b"
