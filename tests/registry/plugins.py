"""Sources of throwaway plugins, good and broken, for the registry tests.

Every plugin appends ``(hook, args)`` to its module-level ``CALLS`` list, so a test can prove
that a refused plugin never had a hook called.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.fake_dist import subset_plugin_source, write_distribution

HEADER = '''
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import (Availability, CapabilityTable, OpSupport, Provenance, TargetInfo,
                          Verdict, ReasonCode, hookimpl)

CALLS = []
'''

API = 'HWSDK_PLUGIN_API = ">=1,<2"\n'


def targets_hook(name: str, aliases: tuple[str, ...] = ()) -> str:
    return f'''
@hookimpl
def hwsdk_targets():
    CALLS.append(("hwsdk_targets", ()))
    return [TargetInfo(name={name!r}, vendor="test", aliases={list(aliases)!r})]
'''


def table_hook(name: str, ops: tuple[str, ...] = ("add", "relu")) -> str:
    return f'''
@hookimpl
def hwsdk_capabilities(target):
    CALLS.append(("hwsdk_capabilities", (target,)))
    return CapabilityTable(target={name!r}, version="1", opset_version=OPSET_VERSION,
                           provenance=[Provenance(source="test")],
                           ops={{op: OpSupport(dtypes={{DType.f32: "yes"}}) for op in {ops!r}}})
'''


# name -> (module source, why it must fail, expected state)
BROKEN: dict[str, tuple[str, str, str]] = {
    "importerror": (HEADER + API + 'raise ImportError("libvendor.so.3: cannot open shared '
                    'object file")\n', "libvendor.so.3", "failed"),
    "targetsraise": (HEADER + API + '''
@hookimpl
def hwsdk_targets():
    CALLS.append(("hwsdk_targets", ()))
    raise RuntimeError("driver enumeration crashed")
''', "driver enumeration crashed", "failed"),
    "targetsbad": (HEADER + API + '''
@hookimpl
def hwsdk_targets():
    return [{"name": "Bad Name!", "vendor": "test"}]
''', "TargetInfo", "failed"),
    "duplicate": (HEADER + API + targets_hook("torch") + table_hook("torch"),
                  "already served by plugin torch (hwsdk", "failed"),
    # a third-party alias on a built-in's name: the built-in keeps it (tests/registry/
    # test_precedence.py has the other cases)
    "zalias": (HEADER + API + targets_hook("zalias", aliases=("cpu",)),
               "'cpu' is already served by plugin cpu (hwsdk ", "failed"),
    "apifuture": (HEADER + 'HWSDK_PLUGIN_API = ">=3,<4"\n' + targets_hook("apifuture")
                  + table_hook("apifuture"), "supports plugin API >=3,<4, but this hwsdk "
                  "implements plugin API 2.0 (and loads 1.0 plugins through a shim)",
                  "refused"),
    "apinone": (HEADER + targets_hook("apinone") + table_hook("apinone"),
                "does not declare HWSDK_PLUGIN_API", "refused"),
    "badargs": (HEADER + API + targets_hook("badargs") + '''
@hookimpl
def hwsdk_capabilities(target, precision):
    return None
''', "precision", "failed"),
    "unknownhook": (HEADER + API + targets_hook("unknownhook") + '''
@hookimpl
def hwsdk_frobnicate(target):
    return None
''', "hwsdk_frobnicate is not an hwsdk hook", "failed"),
    "unmarked": (HEADER + API + '''
def hwsdk_targets():
    CALLS.append(("hwsdk_targets", ()))
    return [TargetInfo(name="unmarked", vendor="test")]
''', "hwsdk_targets is not marked with @hookimpl", "failed"),
}

# Plugins that load, then fail at first use of a hook.
LATE: dict[str, str] = {
    "capsraise": HEADER + API + targets_hook("capsraise") + '''
@hookimpl
def hwsdk_capabilities(target):
    raise ValueError("table file missing from the wheel")
''',
    "capsmalformed": HEADER + API + targets_hook("capsmalformed") + '''
@hookimpl
def hwsdk_capabilities(target):
    return {"target": "capsmalformed", "version": "1", "opset_version": OPSET_VERSION,
            "provenance": [{"source": "test"}], "ops": {"add": {"dtypes": {"f32": "maybe"}}}}
''',
    "capsnone": HEADER + API + targets_hook("capsnone") + '''
@hookimpl
def hwsdk_capabilities(target):
    return None
''',
    "capsother": HEADER + API + targets_hook("capsother") + table_hook("torch"),
    "checkraise": HEADER + API + targets_hook("checkraise") + table_hook("checkraise") + '''
@hookimpl
def hwsdk_check(target, node):
    raise KeyError("attrs")
''',
    "proberaise": HEADER + API + targets_hook("proberaise") + table_hook("proberaise") + '''
@hookimpl
def hwsdk_probe(target):
    raise OSError("/dev/accel0: permission denied")
''',
}

VETO = HEADER + API + targets_hook("veto") + table_hook("veto") + '''
@hookimpl
def hwsdk_check(target, node):
    CALLS.append(("hwsdk_check", (target, node.id)))
    if node.op == "relu":
        return Verdict(target="ignored", node_id="ignored", ok=False, code=ReasonCode.CONSTRAINT,
                       reason="relu after add is not fused on this test device")
    return None
'''


def module_name(entry: str) -> str:
    return f"hwsdk_regtest_{entry}"


def write_all(root: Path) -> None:
    """One distribution per plugin under ``root``: ``good`` (a subset plugin), every BROKEN and
    LATE plugin, and ``veto``."""
    sources = {"good": subset_plugin_source("good", ("add", "relu", "mul", "matmul")),
               "veto": VETO}
    sources.update({k: v[0] for k, v in BROKEN.items()})
    sources.update(LATE)
    for entry, source in sources.items():
        version = "1.2.3" if entry == "good" else "0.0.1"
        write_distribution(root, f"hwsdk-test-{entry}", version,
                           {module_name(entry): source}, {entry: module_name(entry)})
