"""Install throwaway plugin distributions for a test: a real ``.dist-info`` with
``entry_points.txt`` on ``sys.path``, found by ``importlib.metadata`` exactly like a pip
install (no registration shortcut)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hwsdk.registry import reset_registry


def write_distribution(root: Path, dist: str, version: str, modules: dict[str, str],
                       entry_points: dict[str, str]) -> None:
    """Write modules and a dist-info declaring ``hwsdk.plugins`` entry points under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[hwsdk.plugins]", *(f"{name} = {value}" for name, value in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@contextmanager
def installed(root: Path) -> Iterator[None]:
    """Put ``root`` on sys.path and reload the registry; undo both afterwards."""
    sys.path.insert(0, str(root))
    reset_registry()
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in [m for m, mod in sys.modules.items()
                     if getattr(mod, "__file__", None) and str(root) in str(mod.__file__)]:
            del sys.modules[name]
        reset_registry()


SUBSET_PLUGIN = '''
"""A test plugin that claims a subset of ops and runs them through their PyTorch references."""
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import (Availability, CapabilityTable, CompiledRegion, OpSupport, Provenance,
                          TargetInfo, hookimpl, to_fx)

HWSDK_PLUGIN_API = ">=1,<2"
OPS = {ops!r}
CALLS = []


class Run(CompiledRegion):
    def __init__(self, region):
        super().__init__({{"engine": "reference", "nodes": len(region.nodes)}})
        self.fx = to_fx(region)

    def run(self, inputs, env):
        CALLS.append(len(inputs))
        return self.fx(inputs, env)


@hookimpl
def hwsdk_targets():
    return [TargetInfo(name={name!r}, vendor="test", priority=50,
                       options={{"flag": "a test option"}})]


@hookimpl
def hwsdk_probe(target):
    return Availability(available=True, devices=["cpu"]) if target == {name!r} else None


@hookimpl
def hwsdk_capabilities(target):
    if target != {name!r}:
        return None
    return CapabilityTable(
        target={name!r}, version="1", opset_version=OPSET_VERSION,
        provenance=[Provenance(source="test")],
        ops={{op: OpSupport(dtypes={{DType.f32: "yes", DType.i64: "yes", DType.bool: "yes"}})
             for op in OPS}})


@hookimpl
def hwsdk_compile(target, region, options):
    if target != {name!r}:
        return None
    return Run(region)
'''

DEFAULT_SUBSET = ("linear", "matmul", "addmm", "layer_norm", "gelu", "relu", "add", "mul",
                  "softmax", "conv", "batch_norm", "embedding", "tanh", "silu", "rms_norm")


def subset_plugin_source(name: str = "subset", ops: tuple[str, ...] = DEFAULT_SUBSET) -> str:
    """Source of a plugin module serving target ``name`` for ``ops`` (f32, i64, bool)."""
    return SUBSET_PLUGIN.format(name=name, ops=tuple(ops))


@contextmanager
def subset_plugin(tmp_path: Path, name: str = "subset",
                  ops: tuple[str, ...] = DEFAULT_SUBSET) -> Iterator[str]:
    """A subset plugin installed for the duration of the block; yields its target name."""
    module = f"hwsdk_test_{name}"
    write_distribution(tmp_path / f"dist_{name}", f"hwsdk-test-{name}", "0.1",
                       {module: subset_plugin_source(name, ops)}, {name: module})
    with installed(tmp_path / f"dist_{name}"):
        yield name
