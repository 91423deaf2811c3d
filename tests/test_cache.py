"""hwsdk.cache: a cache directory that cannot be used never fails a caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsdk.cache import cache_dir, cache_dir_or_temp


def test_usable_directory_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir("kind") == tmp_path / "c" / "kind"
    assert (tmp_path / "c" / "kind").is_dir()


def test_a_file_as_cache_dir_gives_none_with_one_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(blocker))
    assert cache_dir("kind") is None
    assert cache_dir("kind") is None
    messages = [str(w.message) for w in recwarn]
    assert len(messages) == 1 and str(blocker / "kind") in messages[0]
    assert "Set HWSDK_CACHE_DIR to a writable directory" in messages[0]
    temp = cache_dir_or_temp("kind")
    assert temp.is_dir() and not str(temp).startswith(str(blocker))
    assert cache_dir_or_temp("kind") == temp
    (temp / "x.py").write_text("pass")  # callers can write there


def test_a_removed_directory_is_created_again(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path / "c"))
    path = cache_dir("kind")
    assert path is not None
    path.rmdir()
    assert cache_dir("kind") == path and path.is_dir()
