"""``hwsdk.explain`` for a target whose hardware and SDK are absent: a complete, stable plan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.registry import get_registry
from tests.support.fake_dist import installed, write_distribution

ABSENT = '''
from hwsdk.errors import TargetUnavailableError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import (Availability, CapabilityTable, OpSupport, Provenance, TargetInfo,
                          StaticShape, hookimpl)

HWSDK_PLUGIN_API = ">=1,<2"
COMPILED = []


@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="farhw", vendor="test", variants=["v1", "v2"], default_variant="v2",
                       priority=40)]


@hookimpl
def hwsdk_probe(target):
    return Availability(available=False,
                        reason="no /dev/farhw device and the farhw SDK is not installed")


@hookimpl
def hwsdk_capabilities(target):
    yes = {DType.f32: "yes", DType.f16: "yes"}
    return CapabilityTable(
        target=target, version="3.1", opset_version=OPSET_VERSION,
        provenance=[Provenance(source="test table", version="3.1")],
        ops={"linear": OpSupport(dtypes=yes, constraints=[StaticShape(why="graph compiler")]),
             "add": OpSupport(dtypes=yes), "gelu": OpSupport(dtypes={DType.f32: "unknown"})})


@hookimpl
def hwsdk_compile(target, region, options):
    COMPILED.append(region.id)
    raise TargetUnavailableError("farhw SDK is not installed")
'''


@pytest.fixture
def absent_target(tmp_path: Path) -> Iterator[str]:
    write_distribution(tmp_path, "hwsdk-test-farhw", "0.4", {"hwsdk_test_farhw": ABSENT},
                       {"farhw": "hwsdk_test_farhw"})
    with installed(tmp_path):
        yield "farhw"


def test_explain_without_hardware_or_sdk_gives_a_complete_stable_plan(absent_target: str) -> None:
    import sys

    import hwsdk
    from tests.models import mlp

    model, inputs = mlp()
    assert not get_registry().probe(absent_target).available
    plan = hwsdk.explain(model, inputs, target=absent_target)
    text = plan.to_json()
    again = hwsdk.explain(model, inputs, target=absent_target).to_json()
    assert text == again  # two captures, identical text

    data = json.loads(text)
    assert data["targets"] == ["farhw:v2", "torch"]
    assert data["availability"]["farhw:v2"]["available"] is False
    assert "SDK is not installed" in data["availability"]["farhw:v2"]["reason"]
    graph_ids = [node.id for node in plan.graph.nodes]
    assert [n["id"] for n in data["nodes"]] == graph_ids
    region_ids = {r["id"] for r in data["regions"]}
    for node in data["nodes"]:
        assert node["target"] in ("farhw:v2", "torch") and node["region"] in region_ids
        assert node["reason"] and node["code"]
        assert node["verdicts"] or node["code"] == "USER_FALLBACK"
    placed = sorted(i for r in data["regions"] for i in r["nodes"])
    assert placed == sorted(graph_ids)
    codes = {n["op"]: n["code"] for n in data["nodes"]}
    assert codes["linear"] == "SUPPORTED" and codes["add"] == "SUPPORTED"
    assert codes["gelu"] == "UNKNOWN" and codes["layer_norm"] == "NO_KERNEL"
    assert 0 < data["summary"]["coverage"]["farhw:v2"] < 1
    assert data["summary"]["boundary_crossings"] >= 2
    assert sys.modules["hwsdk_test_farhw"].COMPILED == []  # explain never compiles
    assert "farhw" in plan.summary()
