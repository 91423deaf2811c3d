"""Plugin API 2: Target objects, and the rules hwsdk core applies to every target (probe cache,
the refusal to compile an unavailable target and its offline opt-out, one compile error rule,
a CompiledRegion required); an API 1 module still loads through the shim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hwsdk.errors import CompileError, PluginContractError, TargetUnavailableError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.plugin import Region, Target
from hwsdk.plugin_v1 import ModuleTarget
from hwsdk.registry import Registry, get_registry
from tests.registry.plugins import API, HEADER, table_hook, targets_hook
from tests.support.fake_dist import installed, write_distribution

API2 = '''
from hwsdk.plugin import (Availability, CapabilityTable, CompiledRegion, OpSupport, Provenance,
                          OPSET_VERSION, DType, Target, TargetInfo, hookimpl, to_fx)
from hwsdk.errors import CompileError

HWSDK_PLUGIN_API = ">=2,<3"
CALLS = []
STATE = {"available": False, "compile": "ok"}


class Run(CompiledRegion):
    def __init__(self, region):
        super().__init__({"engine": "reference"})
        self.fx = to_fx(region)

    def run(self, inputs, env):
        return self.fx(inputs, env)


class Acme(Target):
    info = TargetInfo(name="acme", vendor="test", variants=["v1", "v2"], default_variant="v2",
                      options={"emulate": "no device needed"})
    offline_options = {"emulate": "emulated"}

    def probe(self, deep):
        CALLS.append(("probe", self.ref, deep))
        return Availability(available=STATE["available"], reason="no Acme card in this box")

    def capabilities(self):
        CALLS.append(("capabilities", self.ref))
        return CapabilityTable(target=self.ref, version="1", opset_version=OPSET_VERSION,
                               provenance=[Provenance(source="test")],
                               ops={"relu": OpSupport(dtypes={DType.f32: "yes"})})

    def compile(self, region, options):
        CALLS.append(("compile", self.ref, dict(options)))
        how = STATE["compile"]
        if how == "valueerror":
            raise ValueError("lowering crashed")
        if how == "compileerror":
            raise CompileError("relu of rank 9 is not supported")
        if how == "silent":
            raise CompileError("")
        if how == "callable":
            return lambda inputs, env: inputs
        return Run(region)


@hookimpl
def hwsdk_targets():
    return [Acme()]
'''

API2_INFO = '''
from hwsdk.plugin import TargetInfo, hookimpl

HWSDK_PLUGIN_API = ">=2,<3"


@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="infoonly", vendor="test")]
'''

API2_OLD_HOOK = '''
from hwsdk.plugin import Target, TargetInfo, hookimpl

HWSDK_PLUGIN_API = ">=2,<3"


@hookimpl
def hwsdk_targets():
    return []


@hookimpl
def hwsdk_probe(target):
    return None
'''

API1 = HEADER + API + targets_hook("legacy") + table_hook("legacy") + '''
from hwsdk.plugin import CompiledRegion, to_fx


class Run(CompiledRegion):
    def __init__(self, region):
        super().__init__({"engine": "legacy"})
        self.fx = to_fx(region)

    def run(self, inputs, env):
        return self.fx(inputs, env)


@hookimpl
def hwsdk_probe(target, deep):
    CALLS.append(("hwsdk_probe", (target, deep)))
    return {"available": True, "devices": ["legacy0"]}


@hookimpl
def hwsdk_check(target, node, graph):
    CALLS.append(("hwsdk_check", (target, node.id)))
    return None


@hookimpl
def hwsdk_compile(target, region, options):
    CALLS.append(("hwsdk_compile", (target,)))
    return Run(region) if target == "legacy" else None
'''


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    for entry, source in {"acme": API2, "infoonly": API2_INFO, "oldhook": API2_OLD_HOOK,
                          "legacy": API1}.items():
        write_distribution(tmp_path, f"hwsdk-test-{entry}", "0.1",
                           {f"hwsdk_t2_{entry}": source}, {entry: f"hwsdk_t2_{entry}"})
    with installed(tmp_path):
        yield get_registry()


def _module(registry: Registry, entry: str) -> Any:
    return registry.plugins[entry].plugin


def _relu_region(ref: str) -> Region:
    t = TensorType(DType.f32, (2, 3))
    node = Node("n0", "relu", ["x"], {}, ["y"])
    return Region("r0", ref, Graph(["x"], ["y"], [node], {"x": t, "y": t}), [node], ["x"], ["y"])


def test_an_api_2_plugin_serves_bound_target_objects(registry: Registry) -> None:
    record = registry.plugins["acme"]
    assert record.ok and record.api == "2.0" and set(record.hooks) == {"hwsdk_targets"}
    bound = registry.target("acme")
    assert isinstance(bound, Target) and bound.ref == "acme:v2" and bound.variant == "v2"
    assert registry.target("acme:v1").variant == "v1" and registry.target("acme") is bound
    assert registry.capabilities("acme:v1").target == "acme:v1"


def test_probes_are_cached_quick_and_deep_apart(registry: Registry) -> None:
    calls = _module(registry, "acme").CALLS
    for _ in range(3):
        registry.probe("acme", deep=False)
        registry.probe("acme:v2", deep=True)
    assert [c for c in calls if c[0] == "probe"] == [("probe", "acme:v2", False),
                                                      ("probe", "acme:v2", True)]


def test_core_refuses_to_compile_an_unavailable_target(registry: Registry) -> None:
    module = _module(registry, "acme")
    with pytest.raises(TargetUnavailableError,
                       match=r"acme:v2 is unavailable here: no Acme card in this box.*"
                             r"emulate=True \(emulated\)"):
        registry.compile("acme", _relu_region("acme:v2"), {})
    assert not [c for c in module.CALLS if c[0] == "compile"]  # the target was not asked
    compiled = registry.compile("acme", _relu_region("acme:v2"), {"emulate": True})
    assert compiled.details["engine"] == "reference"


@pytest.mark.parametrize(("how", "error", "match"), [
    ("compileerror", CompileError, "rank 9"),
    ("valueerror", PluginContractError, "raised ValueError: lowering crashed .*CompileError"),
    ("silent", PluginContractError, "raised CompileError without a message"),
    ("callable", PluginContractError, "returned function, not a CompiledRegion"),
])
def test_one_compile_error_rule(registry: Registry, how: str, error: type[Exception],
                                match: str) -> None:
    module = _module(registry, "acme")
    module.STATE.update(available=True, compile=how)
    with pytest.raises(error, match=match) as info:
        registry.compile("acme", _relu_region("acme:v2"), {})
    if how == "valueerror":
        assert isinstance(info.value.__cause__, ValueError)
    assert registry.plugins["acme"].ok  # a failed compile does not fail the plugin


def test_hwsdk_compile_records_a_broken_rule_and_falls_back(registry: Registry) -> None:
    import torch

    import hwsdk

    module = _module(registry, "acme")
    module.STATE.update(available=True, compile="valueerror")
    with pytest.warns(UserWarning, match="PluginContractError"):
        compiled = hwsdk.compile(torch.nn.ReLU(), (torch.randn(2, 3),), target="acme")
    x = torch.randn(2, 3)
    assert torch.equal(compiled(x), torch.relu(x))
    (region,) = compiled.plan.regions
    assert "lowering crashed" in region.reason


def test_api_2_refuses_a_targetinfo_and_an_api_1_hook(registry: Registry) -> None:
    assert registry.plugins["infoonly"].state == "failed"
    assert "must return hwsdk.plugin.Target objects (plugin API 2), got TargetInfo" in \
        registry.plugins["infoonly"].error
    assert registry.plugins["oldhook"].state == "failed"
    assert "hwsdk_probe is not an hwsdk hook; plugin API 2.0 defines hwsdk_targets (in plugin " \
           "API 2 probe, capabilities, check and compile are methods" in \
           registry.plugins["oldhook"].error


def test_an_api_1_plugin_still_loads_through_the_shim(registry: Registry) -> None:
    record = registry.plugins["legacy"]
    assert record.ok and record.api == "1.0"
    assert isinstance(registry.target("legacy"), ModuleTarget)
    found = registry.probe("legacy")
    assert found.available and found.devices == ["legacy0"]
    assert registry.capabilities("legacy").ops.keys() == {"add", "relu"}
    region = _relu_region("legacy")
    assert registry.check("legacy", region.nodes[0], region.graph) is None
    compiled = registry.compile("legacy", region, {})
    import torch

    x = torch.randn(2, 3)
    assert torch.equal(compiled.run([x], {})[0], torch.relu(x))
    assert [c[0] for c in _module(registry, "legacy").CALLS if c[0] != "hwsdk_targets"] == [
        "hwsdk_probe", "hwsdk_capabilities", "hwsdk_check", "hwsdk_compile"]
