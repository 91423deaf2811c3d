"""The on-disk cache of capability views behind ``hwsdk caps``: hits, invalidation, and what
is never cached."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.capability import CapabilityTable, MaxRank, OpSupport, Provenance
from hwsdk.capability_cache import KEEP_FILES, cache_key, capability_views, table_view
from hwsdk.errors import PluginLoadError
from hwsdk.registry import Registry, get_registry
from tests.support.fake_dist import installed, subset_plugin_source, write_distribution

PLUGIN = "cachetest"
MODULE = f"hwsdk_test_{PLUGIN}"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(directory))
    monkeypatch.delenv("HWSDK_NO_CACHE", raising=False)
    monkeypatch.setenv("HWSDK_PLUGINS", PLUGIN)
    return directory / "capabilities"


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "dist"
    write_distribution(root, "hwsdk-test-cachetest", "0.1",
                       {MODULE: subset_plugin_source(PLUGIN, ("relu", "add"))},
                       {PLUGIN: MODULE})
    with installed(root):
        yield root


def _touch_edit(path: Path, old: str, new: str) -> None:
    """Edit a file so that its size and mtime both change, as an editor's save does."""
    stat = path.stat()
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_view_is_the_json_form_with_constraint_descriptions() -> None:
    table = CapabilityTable(
        target="acme", version="1", opset_version=1, provenance=[Provenance(source="test")],
        ops={"relu": OpSupport(dtypes={"f32": "yes"}, constraints=[MaxRank(max=4)])},
        constraints=[MaxRank(max=6)])
    view = table_view(table)
    assert view["constraints"] == [{"kind": "max_rank", "max": 6, "description": "rank <= 6"}]
    assert view["ops"]["relu"]["constraints"][0]["description"] == "rank <= 4"
    assert json.loads(json.dumps(view)) == view


def test_second_call_is_served_from_disk(cache: Path, plugin_dir: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = capability_views(get_registry(), [PLUGIN, "torch"])
    assert sorted(first[PLUGIN]["ops"]) == ["add", "relu"]
    (file,) = cache.glob("*.json")

    def must_not_build(self: Registry, ref: str) -> CapabilityTable:
        raise AssertionError(f"built {ref} although the cache is current")

    monkeypatch.setattr(Registry, "capabilities", must_not_build)
    assert capability_views(Registry(), [PLUGIN, "torch"]) == first
    assert list(cache.glob("*.json")) == [file]


def test_editing_the_plugin_changes_the_key(cache: Path, plugin_dir: Path) -> None:
    before = cache_key(get_registry())
    assert capability_views(get_registry(), [PLUGIN])[PLUGIN]["version"] == "1"
    _touch_edit(plugin_dir / f"{MODULE}.py", 'version="1"', 'version="2"')
    import importlib
    import sys

    del sys.modules[MODULE]
    importlib.invalidate_caches()
    registry = Registry()
    assert cache_key(registry) != before
    assert capability_views(registry, [PLUGIN])[PLUGIN]["version"] == "2"


def test_installing_a_distribution_changes_the_key(cache: Path, plugin_dir: Path) -> None:
    before = cache_key(get_registry())
    time.sleep(0.01)
    (plugin_dir / "other_dist-1.0.dist-info").mkdir()
    assert cache_key(Registry()) != before


def test_unreadable_cache_file_is_rebuilt(cache: Path, plugin_dir: Path) -> None:
    capability_views(get_registry(), [PLUGIN])
    (file,) = cache.glob("*.json")
    file.write_text("{not json")
    with pytest.warns(UserWarning, match="unreadable: JSONDecodeError"):
        views = capability_views(Registry(), [PLUGIN])
    assert sorted(views[PLUGIN]["ops"]) == ["add", "relu"]
    assert json.loads(file.read_text())["format"] == 1


def test_no_cache_variable_bypasses_the_disk(cache: Path, plugin_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_NO_CACHE", "1")
    capability_views(get_registry(), [PLUGIN])
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_a_malformed_table_is_an_error_every_time(cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    source = subset_plugin_source(PLUGIN, ("relu",)).replace(
        'provenance=[Provenance(source="test")]', "provenance=[]")
    write_distribution(root, "hwsdk-test-cachetest", "0.1", {MODULE: source}, {PLUGIN: MODULE})
    with installed(root):
        for _ in range(2):
            with pytest.raises(PluginLoadError, match="provenance"):
                capability_views(Registry(), [PLUGIN])
    assert not list(cache.glob("*.json"))


def test_old_files_are_pruned(cache: Path, plugin_dir: Path) -> None:
    cache.mkdir(parents=True)
    for i in range(KEEP_FILES + 5):
        old = cache / f"old{i}.json"
        old.write_text("{}")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    capability_views(get_registry(), [PLUGIN])
    assert len(list(cache.glob("*.json"))) == KEEP_FILES


@pytest.mark.parametrize("damage", [
    {"views": {PLUGIN: 5}},
    {"views": {PLUGIN: {"target": PLUGIN}}},
    {"views": {PLUGIN: {"target": PLUGIN, "version": "1", "opset_version": 1, "note": "",
                        "constraints": [], "provenance": [],
                        "ops": {"relu": {"dtypes": {"f32": "maybe"}, "constraints": [],
                                         "note": "", "source": ""}}}}},
    {"views": []},
])
def test_valid_json_with_malformed_entries_is_rebuilt_with_a_warning(
        cache: Path, plugin_dir: Path, damage: dict[str, object]) -> None:
    capability_views(get_registry(), [PLUGIN])
    (file,) = cache.glob("*.json")
    file.write_text(json.dumps({"format": 1, **damage}))
    with pytest.warns(UserWarning, match="ignoring the capability cache file"):
        views = capability_views(Registry(), [PLUGIN])
    assert sorted(views[PLUGIN]["ops"]) == ["add", "relu"]
    assert sorted(json.loads(file.read_text())["views"][PLUGIN]["ops"]) == ["add", "relu"]


def test_a_fifo_in_place_of_the_file_is_not_opened(cache: Path, plugin_dir: Path) -> None:
    capability_views(get_registry(), [PLUGIN])
    (file,) = cache.glob("*.json")
    file.unlink()
    os.mkfifo(file)
    with pytest.warns(UserWarning, match="not a regular file"):
        views = capability_views(Registry(), [PLUGIN])  # reading the FIFO would block here
    assert sorted(views[PLUGIN]["ops"]) == ["add", "relu"]
    assert file.is_file()  # replaced by the rebuilt file


@pytest.mark.parametrize("layout", ["file", "under_a_file"])
def test_an_unusable_cache_dir_means_no_cache(tmp_path: Path, plugin_dir: Path, layout: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    root = blocker if layout == "file" else blocker / "cache"
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(root))
    monkeypatch.delenv("HWSDK_NO_CACHE", raising=False)
    with pytest.warns(UserWarning, match="cannot use the cache directory"):
        views = capability_views(get_registry(), [PLUGIN])
    assert sorted(views[PLUGIN]["ops"]) == ["add", "relu"]


def test_a_broken_table_is_reported_not_raised_when_failures_are_collected(
        cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    source = subset_plugin_source(PLUGIN, ("relu",)).replace(
        'provenance=[Provenance(source="test")]', "provenance=[]")
    write_distribution(root, "hwsdk-test-cachetest", "0.1", {MODULE: source}, {PLUGIN: MODULE})
    with installed(root):
        failures: dict[str, PluginLoadError] = {}
        views = capability_views(get_registry(), [PLUGIN, "torch"], failures=failures)
    assert list(views) == ["torch"] and list(failures) == [PLUGIN]
    assert "provenance: List should have at least 1 item" in str(failures[PLUGIN])
