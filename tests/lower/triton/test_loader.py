"""The generated-module cache: damaged entries are rebuilt, an unusable cache directory is
replaced by a temporary one, each with a warning, and the region still compiles."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hwsdk.lower.triton.loader import load_module, write_source

SOURCE = "import triton\n\n\n@triton.jit\ndef k(x):\n    pass\n\n# {tag}\n"


def _source(tag: object) -> str:
    return SOURCE.format(tag=tag)  # a new source per test: load_module memoises by hash


def _cached(directory: Path, source: str) -> Path:
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    return directory / "triton" / f"hwsdk_triton_{digest}.py"


@pytest.mark.parametrize("damage", [b"\xff\xfe not utf-8", b"", b"def broken(:\n", b"x = 1\n"])
def test_a_damaged_cache_entry_is_discarded_and_rebuilt(tmp_path: Path, damage: bytes,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    source = _source(f"{tmp_path} {damage!r}")
    path = _cached(tmp_path, source)
    path.parent.mkdir(parents=True)
    path.write_bytes(damage)
    with pytest.warns(RuntimeWarning, match=r"is damaged .* discarding and rebuilding"):
        module = load_module(source, emulate=True)
    assert path.read_text() == source and module.__file__ == str(path)
    assert type(module.k).__name__ == "InterpretedFunction"


def test_an_intact_entry_is_reused_silently(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    source = _source(tmp_path)
    path = write_source(source)
    os.utime(path, (1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert write_source(source) == path
    assert path.stat().st_mtime == 1  # not rewritten


def test_a_cache_dir_that_is_a_file_falls_back_to_a_temporary_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(blocker))
    source = _source(blocker)
    with pytest.warns(UserWarning, match=r"cannot use the cache directory .*HWSDK_CACHE_DIR"):
        module = load_module(source, emulate=True)
    assert module.__file__ and Path(module.__file__).read_text() == source
    assert not module.__file__.startswith(str(blocker)) and blocker.read_text()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only directories")
def test_an_unwritable_cache_dir_falls_back_to_a_temporary_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(locked))
    try:
        with pytest.warns(UserWarning, match="cannot use the cache directory"):
            module = load_module(_source(locked), emulate=True)
        assert module.__file__ and not module.__file__.startswith(str(locked))
    finally:
        locked.chmod(0o700)


def test_region_compiles_with_a_damaged_cache_and_a_file_as_cache_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reproductions: both used to leave the region on PyTorch (COMPILE_FAILED)."""
    import torch

    from tests.lower.triton.conftest import Build, lower_graph

    b = Build()
    x = b.input(torch.randn(4, 8))
    graph = b.graph([b.op("relu", b.op("mul", x, x))])
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path / "cache"))
    first = lower_graph(graph)
    path = Path(first.details["source_file"])
    path.write_bytes(b"\xff garbage")
    from hwsdk.lower.triton import loader

    monkeypatch.setattr(loader, "_MODULES", {})  # as in a new process
    with pytest.warns(RuntimeWarning, match="damaged"):
        again = lower_graph(graph)
    torch.testing.assert_close(again.run([b.data[x]], {})[0], torch.relu(b.data[x] ** 2))
    (tmp_path / "blocker").write_text("")
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path / "blocker"))
    monkeypatch.setattr(loader, "_MODULES", {})
    with pytest.warns(UserWarning, match="cannot use the cache directory"):
        third = lower_graph(graph)
    assert third.run([b.data[x]], {})[0].shape == (4, 8)
