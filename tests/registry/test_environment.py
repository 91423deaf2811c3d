"""HWSDK_PLUGINS, HWSDK_DISABLE_PLUGINS, HWSDK_TRACE_PLUGINS, and imports that must stay
light (no torch)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.errors import PluginLoadError
from hwsdk.registry import Registry, get_registry
from tests.support.fake_dist import installed, subset_plugin_source, write_distribution


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("envdists")
    for name in ("alpha", "beta"):
        module = f"hwsdk_envtest_{name}"
        write_distribution(path, f"hwsdk-test-{name}", "0.3",
                           {module: subset_plugin_source(name, ("add", "relu"))}, {name: module})
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HWSDK_PLUGINS", "HWSDK_DISABLE_PLUGINS", "HWSDK_TRACE_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _load(root: Path) -> Iterator[Registry]:
    with installed(root):
        yield get_registry()


def test_all_plugins_load_by_default(root: Path, clean_env: pytest.MonkeyPatch) -> None:
    for registry in _load(root):
        assert {"alpha", "beta", "torch"} <= set(registry.targets)


def test_allowlist_keeps_only_named_plugins_and_the_fallback(
        root: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HWSDK_PLUGINS", "alpha")
    for registry in _load(root):
        assert set(registry.targets) == {"alpha", "torch"}
        assert registry.plugins["beta"].state == "disabled"
        with pytest.raises(PluginLoadError, match="HWSDK_PLUGINS"):
            registry.resolve("beta")


def test_allowlist_accepts_distribution_names(root: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HWSDK_PLUGINS", "hwsdk-test-beta, ")
    for registry in _load(root):
        assert set(registry.targets) == {"beta", "torch"}


def test_blocklist_drops_named_plugins(root: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HWSDK_DISABLE_PLUGINS", "beta,torch")
    for registry in _load(root):
        assert {"alpha", "torch"} <= set(registry.targets)  # the fallback cannot be disabled
        assert "beta" not in registry.targets and registry.plugins["beta"].state == "disabled"


def test_trace_writes_load_steps_and_hook_calls_to_stderr(
        root: Path, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("HWSDK_TRACE_PLUGINS", "1")
    for registry in _load(root):
        registry.capabilities("alpha")
        registry.probe("alpha")
    err = capsys.readouterr().err
    assert "hwsdk-trace: load plugin alpha (hwsdk-test-alpha 0.3)" in err
    assert "hwsdk-trace: alpha.hwsdk_targets() -> [1 x TargetInfo]" in err
    assert "alpha: alpha.capabilities() -> <CapabilityTable alpha 2 entries>" in err
    assert "alpha: alpha.probe(True) -> " in err


def test_trace_shows_a_raising_hook(tmp_path: Path, clean_env: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from tests.registry.plugins import LATE

    write_distribution(tmp_path, "hwsdk-test-capsraise", "0.1",
                       {"hwsdk_envtest_capsraise": LATE["capsraise"]},
                       {"capsraise": "hwsdk_envtest_capsraise"})
    clean_env.setenv("HWSDK_TRACE_PLUGINS", "1")
    for registry in _load(tmp_path):
        with pytest.raises(PluginLoadError):
            registry.capabilities("capsraise")
    err = capsys.readouterr().err
    assert "capsraise: capsraise.capabilities() raised ValueError: table file" in err
    assert "capsraise: failed: capabilities of capsraise failed" in err


def test_no_trace_without_the_variable(root: Path, clean_env: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    for registry in _load(root):
        registry.capabilities("alpha")
    assert "hwsdk-trace" not in capsys.readouterr().err


_NO_TORCH = """
import json, sys
import hwsdk
from hwsdk.registry import get_registry
registry = get_registry()
names = [t.name for t in hwsdk.targets()]
table = hwsdk.capabilities("alpha")
hwsdk.capabilities("torch")
registry.probe("alpha")
heavy = sorted(m for m in sys.modules
               if m.split(".")[0] in ("torch", "openvino", "onnxruntime", "triton", "onnx"))
print(json.dumps({"names": names, "heavy": heavy, "ops": sorted(table.ops)}))
"""


def test_import_and_registry_do_not_import_torch(root: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWSDK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(root), os.getcwd()])
    out = subprocess.run([sys.executable, "-c", _NO_TORCH], capture_output=True, text=True,
                         env=env, check=True, timeout=120)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"alpha", "beta", "torch"} <= set(result["names"])
    assert result["ops"] == ["add", "relu"]
    assert result["heavy"] == []
