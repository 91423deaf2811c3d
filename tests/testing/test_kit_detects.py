"""The conformance kit catches broken plugins: a wrong kernel, a sloppy error, an empty
provenance source, a missing device, and it skips (with the reason) what it cannot run."""

from __future__ import annotations

from pathlib import Path

from tests.support.fake_dist import write_distribution
from tests.testing.support import run_kit

BROKEN = '''
from hwsdk.errors import TargetUnavailableError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import (Availability, CapabilityTable, CompiledRegion, OpSupport, Provenance,
                          TargetInfo, hookimpl, to_fx)

HWSDK_PLUGIN_API = ">=1,<2"
NAMES = ("wrongadd", "offline", "sloppy")


class Sub(CompiledRegion):
    """Computes a - b where the graph says add."""

    def run(self, inputs, env):
        a, b = inputs
        return [a - b]


class Reference(CompiledRegion):
    def __init__(self, region):
        super().__init__({"engine": "reference"})
        self.fx = to_fx(region)

    def run(self, inputs, env):
        return self.fx(inputs, env)


@hookimpl
def hwsdk_targets():
    return [TargetInfo(name=n, vendor="test", description=f"broken on purpose: {n}")
            for n in NAMES]


@hookimpl
def hwsdk_probe(target):
    if target == "offline":
        return Availability(available=False, reason="no Frobnicator card found on the PCI bus")
    return Availability(available=True) if target in NAMES else None


@hookimpl
def hwsdk_capabilities(target):
    if target not in NAMES:
        return None
    source = "" if target == "sloppy" else "unit test"
    ops = {"add": OpSupport(dtypes={DType.f32: "yes"})}
    if target == "sloppy":
        ops["not_an_op"] = OpSupport(dtypes={DType.f32: "yes"})  # not in the core op set
    return CapabilityTable(target=target, version="1", opset_version=OPSET_VERSION,
                           provenance=[Provenance(source=source)], ops=ops)


@hookimpl
def hwsdk_compile(target, region, options):
    if target == "offline":
        raise TargetUnavailableError("the Frobnicator runtime is not installed")
    if target == "sloppy":
        if any(n.op != "add" for n in region.nodes):
            raise ValueError("nope")
        return Reference(region)
    if target == "wrongadd":
        if any(n.op != "add" for n in region.nodes):
            raise ValueError("wrongadd only compiles add")
        return Sub()
    return None
'''


def test_kit_reports_each_broken_contract(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    write_distribution(root, "hwsdk-broken", "0.3", {"hwsdk_broken": BROKEN},
                       {"broken": "hwsdk_broken"})
    done, summary = run_kit(tmp_path, [str(root)], ["wrongadd", "offline", "sloppy"])
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    records = {(r["target"], r["kind"], r["op"]): r for r in summary["records"]}

    wrong = records[("wrongadd", "op", "add")]
    assert wrong["status"] == "failed" and "outside rtol" in wrong["detail"]
    assert records[("wrongadd", "errors", "")]["status"] == "failed"  # ValueError, not hwsdk's
    assert "CompileError" in records[("wrongadd", "errors", "")]["detail"]

    offline = records[("offline", "op", "add")]
    assert offline["status"] == "skipped" and "Frobnicator card" in offline["detail"]
    assert records[("offline", "unavailable", "")]["status"] == "passed"
    assert records[("offline", "round_trip", "")]["status"] == "skipped"

    sloppy = records[("sloppy", "capabilities", "")]
    assert sloppy["status"] == "failed" and "empty source" in sloppy["detail"]
    assert "outside core op set" in sloppy["detail"]
    unknown = records[("sloppy", "op", "not_an_op")]
    assert unknown["status"] == "skipped" and "no input generator" in unknown["detail"]
    assert records[("sloppy", "op", "add")]["status"] == "passed"

    assert "hwsdk conformance for wrongadd" in done.stdout
    assert "FAIL op add f32" in done.stdout
