"""Plugin isolation with real entry points: every broken plugin is failed or refused with its
root cause, and every other plugin keeps working."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.errors import PluginLoadError, UnknownTargetError
from hwsdk.registry import Registry, get_registry
from tests.registry.plugins import BROKEN, module_name, write_all
from tests.support.fake_dist import installed


@pytest.fixture(scope="module")
def dist_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("regdists")
    write_all(root)
    return root


@pytest.fixture
def registry(dist_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    monkeypatch.delenv("HWSDK_PLUGINS", raising=False)
    monkeypatch.delenv("HWSDK_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("HWSDK_TRACE_PLUGINS", raising=False)
    with installed(dist_root):
        yield get_registry()


def _calls(entry: str) -> list[tuple[str, tuple[object, ...]]]:
    module = sys.modules.get(module_name(entry))
    return list(getattr(module, "CALLS", []))


@pytest.mark.parametrize("entry", sorted(BROKEN))
def test_broken_plugin_is_isolated(registry: Registry, entry: str) -> None:
    _source, cause, state = BROKEN[entry]
    record = registry.plugins[entry]
    assert record.state == state, record.error
    assert cause in record.error
    assert record.distribution == f"hwsdk-test-{entry}"
    assert record.version == "0.0.1"
    assert record.traceback.strip() and type(record.cause).__name__ in record.traceback
    assert record.plugin is None and not record.hooks
    assert not registry.pm.has_plugin(f"hwsdk-plugin:{entry}")
    # every other plugin keeps working
    assert registry.plugins["good"].ok and registry.plugins["torch"].ok
    assert registry.capabilities("good").ops.keys() == {"add", "relu", "mul", "matmul"}
    assert registry.resolve("torch")[0].name == "torch"


@pytest.mark.parametrize("entry", sorted(BROKEN))
def test_asking_for_a_broken_plugins_target_raises_with_root_cause(registry: Registry,
                                                                    entry: str) -> None:
    if entry == "duplicate":  # its target name is torch's: asking for it gets the builtin
        assert registry.record_for("torch").name == "torch"
        return
    with pytest.raises(PluginLoadError) as info:
        registry.resolve(entry)
    message = str(info.value)
    assert f"hwsdk-test-{entry} 0.0.1" in message and BROKEN[entry][1] in message
    assert info.value.__cause__ is registry.plugins[entry].cause


@pytest.mark.parametrize("entry", ["apifuture", "apinone"])
def test_incompatible_api_is_refused_before_any_hook(registry: Registry, entry: str) -> None:
    assert registry.plugins[entry].state == "refused"
    assert module_name(entry) in sys.modules  # it was imported, to read its declaration
    assert _calls(entry) == []
    if entry == "apifuture":
        error = registry.plugins[entry].error  # both versions named: the plugin's and hwsdk's
        assert ">=3,<4" in error and "2.0" in error and "1.0" in error


def test_targets_hook_not_called_for_unmarked_hooks(registry: Registry) -> None:
    assert _calls("unmarked") == []


@pytest.mark.parametrize("entry", ["capsraise", "capsmalformed", "capsnone", "capsother"])
def test_capabilities_failure_at_first_use(registry: Registry, entry: str) -> None:
    record = registry.plugins[entry]
    assert record.ok and registry.resolve(entry)[0].name == entry
    with pytest.raises(PluginLoadError) as info:
        registry.capabilities(entry)
    assert "hwsdk-test-" + entry in str(info.value)
    assert info.value.__cause__ is not None
    assert record.state == "failed" and record.cause is info.value.__cause__
    assert type(record.cause).__name__ in record.traceback
    assert (record.distribution, record.version) == (f"hwsdk-test-{entry}", "0.0.1")
    # from now on the target is gone, with the same root cause
    with pytest.raises(PluginLoadError) as again:
        registry.resolve(entry)
    assert again.value.__cause__ is record.cause
    assert registry.capabilities("good").target == "good"


def test_capabilities_root_causes_are_specific(registry: Registry) -> None:
    expected = {"capsraise": "table file missing", "capsmalformed": "maybe",
                "capsnone": "returned None", "capsother": "describes target 'torch'"}
    for entry, text in expected.items():
        with pytest.raises(PluginLoadError, match=text):
            registry.capabilities(entry)


def test_raising_check_fails_the_plugin(registry: Registry) -> None:
    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, Node, TensorType

    t = TensorType(DType.f32, (2,))
    graph = Graph(["x"], ["y"], [Node("n0", "add", ["x", "x"], {}, ["y"])], {"x": t, "y": t})
    with pytest.raises(PluginLoadError, match="KeyError") as info:
        registry.check("checkraise", graph.nodes[0], graph)
    assert isinstance(info.value.__cause__, KeyError)
    assert registry.plugins["checkraise"].state == "failed"


def test_raising_probe_reads_unavailable(registry: Registry) -> None:
    availability = registry.probe("proberaise")
    assert not availability.available and "permission denied" in availability.reason
    assert registry.plugins["proberaise"].ok


def test_unknown_target_suggests_and_mentions_failed_plugins(registry: Registry) -> None:
    with pytest.raises(UnknownTargetError, match="did you mean good") as info:
        registry.resolve("goood")
    assert "targetsraise" in str(info.value)


def test_other_plugins_still_compile_a_model(registry: Registry) -> None:
    import torch

    import hwsdk

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    x = torch.randn(3, 4)
    for target in ("torch", ["good", "torch"]):
        compiled = hwsdk.compile(model.eval(), (x,), target=target)
        torch.testing.assert_close(compiled(x), model(x))
    assert compiled.plan.coverage().get("good", 0) > 0
