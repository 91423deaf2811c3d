"""Fault isolation, end to end, with real installed distributions (dist-info directories on the
path of a fresh interpreter): five broken plugins, one good one.

`hwsdk doctor` shows each broken plugin as FAIL with its root cause; the good plugin and the
built-ins keep working; asking for a broken plugin's target raises PluginLoadError carrying
that cause.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fake_dist import subset_plugin_source, write_distribution

HEADER = """
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import CapabilityTable, OpSupport, Provenance, TargetInfo, hookimpl
HWSDK_PLUGIN_API = ">=1,<2"
"""

BROKEN: dict[str, tuple[str, str]] = {
    # entry point / target name: (module source, root cause the user must see)
    "boomimport": (
        'raise ImportError("libacme.so.3: cannot open shared object file")\n',
        "libacme.so.3: cannot open shared object file"),
    "hookraise": (HEADER + '''
@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="hookraise", vendor="test")]

@hookimpl
def hwsdk_capabilities(target):
    raise RuntimeError("ACME driver returned error 0x2a")
''', "ACME driver returned error 0x2a"),
    "badtable": (HEADER + '''
@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="badtable", vendor="test")]

@hookimpl
def hwsdk_capabilities(target):
    return {"target": "badtable", "version": "1", "opset_version": OPSET_VERSION,
            "provenance": [], "ops": {"add": {"dtypes": {"f33": "yes"}}}}
''', "provenance"),
    "clashy": (HEADER + '''
@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="clashy", vendor="test"), TargetInfo(name="torch", vendor="test")]
''', "'torch' is already served"),
    "futureapi": (HEADER.replace('">=1,<2"', '">=3,<4"') + '''
@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="futureapi", vendor="test")]
''', ">=3,<4"),
}

SCRIPT = """
import json, sys, warnings
import torch
import hwsdk
from hwsdk.partition.planner import plan_graph
from hwsdk.runtime.build import build_compiled
from hwsdk.ir.capture import capture
from hwsdk.registry import get_registry

registry = get_registry()
registry.validate_all()
out = {"records": {r.name: [r.state, r.error] for r in registry.plugins.values()}, "use": {}}
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
x = torch.randn(2, 4)
captured = capture(model, (x,))  # once; each target is then planned and compiled as
                                 # hwsdk.compile does after capture
for name in sys.argv[1:]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = plan_graph(captured, name, registry=registry)
            cm = build_compiled(captured, plan, registry, {}, require_full=False)
        ok = torch.allclose(cm(x), model(x), atol=1e-6)
        out["use"][name] = ["ok" if ok else "wrong", sorted({r.target for r in cm.plan.regions})]
    except Exception as exc:
        cause = exc.__cause__
        out["use"][name] = [type(exc).__name__, str(exc), repr(cause) if cause else ""]
try:  # and once through the front door
    hwsdk.compile(model, (x,), target="hookraise")
    out["front_door"] = "compiled"
except hwsdk.PluginLoadError as exc:
    out["front_door"] = str(exc)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("site")
    for i, (name, (source, _)) in enumerate(BROKEN.items()):
        write_distribution(root, f"hwsdk-{name}", f"0.{i + 1}", {f"hwsdk_{name}": source},
                           {name: f"hwsdk_{name}"})
    write_distribution(root, "hwsdk-goodsub", "1.0",
                       {"hwsdk_goodsub": subset_plugin_source("goodsub")},
                       {"goodsub": "hwsdk_goodsub"})
    repo = str(Path(__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items()
           if k not in ("HWSDK_PLUGINS", "HWSDK_DISABLE_PLUGINS", "HWSDK_TRACE_PLUGINS")}
    env["PYTHONPATH"] = os.pathsep.join([str(root), repo])
    # only these plugins (and the torch fallback): the first-party plugins installed here have
    # their own tests, and must not make this one slow or flaky
    env["HWSDK_PLUGINS"] = ",".join([*BROKEN, "goodsub", "cpu"])
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def _doctor_blocks(text: str) -> dict[str, tuple[str, str]]:
    """Plugin name → (PASS/FAIL/SKIP, its lines) from the plugins section of `hwsdk doctor`."""
    blocks: dict[str, tuple[str, str]] = {}
    current = ""
    section = False
    for line in text.splitlines():
        words = line.split()
        if line.rstrip().endswith(":") and not line.startswith(" "):
            section = line.strip() == "plugins:"
            current = ""
        elif section and len(words) > 1 and words[0] in ("PASS", "FAIL", "SKIP"):
            current = words[1]
            blocks[current] = (words[0], line)
        elif section and current:  # the error and root cause lines of that plugin
            state, lines = blocks[current]
            blocks[current] = (state, lines + "\n" + line)
    return blocks


def test_doctor_shows_each_broken_plugin_with_its_root_cause(site: dict[str, str]) -> None:
    cli = "import sys; from hwsdk.cli import main; sys.exit(main())"
    done = _run(site, "-c", cli, "doctor")
    assert done.returncode == 0, done.stderr[-3000:]
    blocks = _doctor_blocks(done.stdout)
    for name, (_, cause) in BROKEN.items():
        assert name in blocks, done.stdout
        state, lines = blocks[name]
        assert state == "FAIL", lines
        assert cause in lines, lines
        assert f"hwsdk-{name}" in lines  # the distribution to blame
    assert blocks["goodsub"][0] == blocks["torch"][0] == blocks["cpu"][0] == "PASS"
    assert _run(site, "-c", cli, "doctor", "--strict").returncode == 1


def test_good_plugins_work_and_broken_targets_raise_their_cause(site: dict[str, str]) -> None:
    done = _run(site, "-c", SCRIPT, "goodsub", "torch", "cpu", *BROKEN)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    records = result["records"]
    for name, (_, cause) in BROKEN.items():
        state, error = records[name]
        assert state in ("failed", "refused") and cause in error, (name, state, error)
    assert records["futureapi"][0] == "refused" and "2.0" in records["futureapi"][1]
    assert records["goodsub"][0] == records["torch"][0] == "loaded"

    use = result["use"]
    assert use["goodsub"] == ["ok", ["goodsub"]]
    assert use["torch"] == ["ok", ["torch"]]
    assert use["cpu"] == ["ok", ["cpu"]]
    for name, (_, cause) in BROKEN.items():
        kind, message, *_ = use[name]
        assert kind == "PluginLoadError", (name, use[name])
        assert cause in message, (name, message)
    assert BROKEN["hookraise"][1] in result["front_door"]
