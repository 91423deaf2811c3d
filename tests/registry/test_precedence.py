"""Who gets a contested target name: built-ins, then first-party plugins, then third-party
ones, whatever order the entry points sort in; two plugins of the same tier both lose."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsdk.errors import PluginLoadError
from hwsdk.registry import get_registry
from tests.registry.plugins import API, HEADER, targets_hook
from tests.support.fake_dist import installed, write_distribution


def _claimant(root: Path, entry: str, dist: str, target: str,
              aliases: tuple[str, ...] = ()) -> None:
    write_distribution(root, dist, "6.6", {f"hwsdk_prec_{entry}": HEADER + API + targets_hook(
        target, aliases)}, {entry: f"hwsdk_prec_{entry}"})


@pytest.mark.parametrize("entry", ["aaa_intel", "zzz_intel"])
def test_third_party_cannot_shadow_a_first_party_target(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str) -> None:
    _claimant(tmp_path, entry, "acme-intel", "intel")
    monkeypatch.setenv("HWSDK_PLUGINS", f"intel,{entry}")
    with installed(tmp_path):
        registry = get_registry()
        assert registry.plugins["intel"].ok, registry.plugins["intel"].error
        assert registry.record_for("intel").distribution == "hwsdk-intel"
        record = registry.plugins[entry]
        assert record.state == "failed"
        assert "plugin intel (hwsdk-intel " in record.error
        assert f"plugin {entry} (acme-intel 6.6)" in record.error
        assert "takes precedence" in record.error


@pytest.mark.parametrize("entry", ["aaa_cpu", "zzz_cpu"])
def test_third_party_alias_cannot_take_a_builtin_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str) -> None:
    _claimant(tmp_path, entry, "acme-fast", "fastcpu", aliases=("cpu",))
    monkeypatch.setenv("HWSDK_PLUGINS", f"cpu,{entry}")
    with installed(tmp_path):
        registry = get_registry()
        assert registry.record_for("cpu").distribution == "hwsdk"
        assert registry.plugins[entry].state == "failed"


@pytest.mark.parametrize("names", [("aaa", "bbb", "ccc"), ("ccc", "bbb", "aaa")])
def test_same_tier_claimants_all_lose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      names: tuple[str, ...]) -> None:
    for i, entry in enumerate(names):
        _claimant(tmp_path, entry, f"vendor{i}-acme", "acme")
    monkeypatch.setenv("HWSDK_PLUGINS", ",".join(names))
    with installed(tmp_path):
        registry = get_registry()
        for i, entry in enumerate(names):
            record = registry.plugins[entry]
            assert record.state == "failed", entry
            assert "claimed by" in record.error and f"vendor{i}-acme 6.6" in record.error
        with pytest.raises(PluginLoadError, match="claimed by"):
            registry.resolve("acme")
