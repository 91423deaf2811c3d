"""The dynamic program over the segment sequence, on synthetic numbers."""

from __future__ import annotations

import itertools

import pytest

from hwsdk.tune.dp import best_assignment

MS = 1e-3


def _brute_force(times: list[dict[str, float]],
                 crossings: list[dict[tuple[str, str], float]]) -> float:
    best = float("inf")
    for path in itertools.product(*[list(t) for t in times]):
        cost = sum(t[e] for t, e in zip(times, path, strict=True))
        cost += sum(crossings[i].get((a, b), 0.0) for i, (a, b) in
                    enumerate(itertools.pairwise(path)) if a != b)
        best = min(best, cost)
    return best


def test_each_segment_takes_its_fastest_engine_when_crossing_is_free() -> None:
    times = [{"intel:cpu": 1 * MS, "cpu": 2 * MS, "torch": 5 * MS},
             {"intel:cpu": 4 * MS, "cpu": 1 * MS, "torch": 3 * MS}]
    choice = best_assignment(times, [{}])
    assert choice.engines == ("intel:cpu", "cpu")
    assert choice.cost_s == pytest.approx(2 * MS)


def test_a_dear_crossing_keeps_one_engine() -> None:
    times = [{"intel:cpu": 1 * MS, "cpu": 2 * MS}, {"intel:cpu": 4 * MS, "cpu": 1 * MS}]
    choice = best_assignment(times, [{("intel:cpu", "cpu"): 3 * MS}])
    assert choice.engines == ("cpu", "cpu")  # 3 ms, against 1 + 3 + 1 and 1 + 4
    assert choice.cost_s == pytest.approx(3 * MS)


def test_the_cheaper_of_two_mixed_assignments_over_three_segments() -> None:
    times = [{"a": 1 * MS, "b": 3 * MS}, {"a": 5 * MS, "b": 1 * MS},
             {"a": 1 * MS, "b": 4 * MS}]
    crossings = [{("a", "b"): 0.5 * MS, ("b", "a"): 0.1 * MS},
                 {("b", "a"): 2.5 * MS, ("a", "b"): 0.1 * MS}]
    choice = best_assignment(times, crossings)
    # a b a = 1 + .5 + 1 + 2.5 + 1 = 6; a b b = 1 + .5 + 1 + 4 = 6.5; a a a = 7
    assert choice.engines == ("a", "b", "a")
    assert choice.cost_s == pytest.approx(_brute_force(times, crossings))


def test_it_agrees_with_brute_force_on_random_tables() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 5)
        engines = ["a", "b", "c"]
        times = [{e: rng.uniform(0.1, 5) for e in rng.sample(engines, rng.randint(1, 3))}
                 for _ in range(n)]
        crossings = [{(x, y): rng.uniform(0, 3) for x in engines for y in engines if x != y}
                     for _ in range(n - 1)]
        assert best_assignment(times, crossings).cost_s == pytest.approx(
            _brute_force(times, crossings))


def test_a_tie_goes_to_the_engine_listed_first() -> None:
    assert best_assignment([{"cpu": MS, "torch": MS}], []).engines == ("cpu",)


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        best_assignment([{"cpu": MS}, {}], [{}])
    with pytest.raises(ValueError, match="2 segments need 1"):
        best_assignment([{"cpu": MS}, {"cpu": MS}], [])
