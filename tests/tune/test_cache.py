"""The decision cache: its key follows what the measurement depended on; files are trusted
only when every field checks out."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsdk.tune import cache
from hwsdk.tune.cache import Decision, decision_key, read_decision, write_decision


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))


def _key() -> str:
    return decision_key('{"nodes": []}', ["cpu", "torch"], {"min_block_size": 1})


def test_the_key_changes_with_an_engine_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _key()
    versions = cache.engine_versions()
    monkeypatch.setattr(cache, "engine_versions",
                        lambda: {**versions, "onnxruntime": "0.0.1-other"})
    assert _key() != before


def test_the_key_changes_with_the_thread_count() -> None:
    import torch

    threads = torch.get_num_threads()
    before = _key()
    try:
        torch.set_num_threads(threads + 1)
        assert _key() != before
    finally:
        torch.set_num_threads(threads)
    assert _key() == before


def test_the_key_changes_with_the_graph_and_the_candidates() -> None:
    assert decision_key('{"nodes": [1]}', ["cpu", "torch"], {"min_block_size": 1}) != _key()
    assert decision_key('{"nodes": []}', ["torch"], {"min_block_size": 1}) != _key()


def test_a_decision_round_trips() -> None:
    decision = Decision("cpu", {"cpu": 0.001, "torch": 0.002}, {"intel:cpu": "why"})
    write_decision("k1", decision)
    assert read_decision("k1", ["cpu", "torch", "intel:cpu"]) == decision
    assert read_decision("k2", ["cpu", "torch"]) is None


def test_the_spreads_and_the_reason_round_trip_and_older_files_read_without_them(
        tmp_path: Path) -> None:
    decision = Decision("cpu", {"cpu": 0.001, "torch": 0.002}, {},
                        spreads={"cpu": (0.0009, 0.0012), "torch": (0.0019, 0.0021)},
                        reason="clear of the others' spread")
    write_decision("k1", decision)
    assert read_decision("k1", ["cpu", "torch"]) == decision
    (tmp_path / "tune" / "k2.json").write_text(
        '{"format": 2, "winner": "cpu", "medians": {"cpu": 0.1}, "dropped": {}}')
    older = read_decision("k2", ["cpu", "torch"])
    assert older is not None and older.spreads == {} and older.reason == ""


def test_a_per_region_decision_round_trips() -> None:
    decision = Decision("per-region", {"per-region": 0.001, "cpu": 0.002}, {},
                        ("intel:cpu", "cpu"), ({"intel:cpu": 0.0005, "cpu": 0.001},
                                               {"cpu": 0.0002, "intel:cpu": 0.001}),
                        ({"intel:cpu>cpu": 0.00001, "cpu>intel:cpu": 0.0},))
    write_decision("k1", decision)
    assert read_decision("k1", ["cpu", "per-region"]) == decision


def test_a_winner_that_is_no_longer_a_candidate_is_not_used(tmp_path: Path) -> None:
    write_decision("k1", Decision("intel:cpu", {"intel:cpu": 0.001}, {}))
    with pytest.warns(UserWarning, match="measuring again"):
        assert read_decision("k1", ["cpu", "torch"]) is None


@pytest.mark.parametrize("text", ["not json", '{"format": 2, "winner": "cpu"}',
                                  '{"format": 2, "winner": "cpu", "medians": {"cpu": "fast"},'
                                  ' "dropped": {}}',
                                  '{"format": 2, "winner": "cpu", "medians": {"cpu": 0.1},'
                                  ' "dropped": {}, "engines": ["cpu", "torch"],'
                                  ' "segments": [{"cpu": 0.1}], "crossings": []}',
                                  '{"format": 2, "winner": "cpu", "medians": {"cpu": 0.1},'
                                  ' "dropped": {}, "spreads": {"cpu": [0.1]}}'])
def test_an_untrusted_file_is_ignored_with_a_warning(tmp_path: Path, text: str) -> None:
    (tmp_path / "tune").mkdir(exist_ok=True)
    (tmp_path / "tune" / "k1.json").write_text(text)
    with pytest.warns(UserWarning, match="ignoring the tuning decision"):
        assert read_decision("k1", ["cpu", "torch"]) is None
