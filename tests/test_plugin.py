"""The plugin API's value types: TargetInfo and Availability checked on construction, and
hook results given as mappings."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hwsdk.errors import PluginContractError
from hwsdk.plugin import Availability, TargetInfo, from_hook

REPO = Path(__file__).resolve().parents[1]


def test_target_info_keeps_its_fields_and_copies_lists() -> None:
    variants = ["a", "b"]
    info = TargetInfo(name="acme", vendor="Acme", variants=variants, default_variant="b",
                      aliases=("acme-npu",), options={"fast": "go fast"})
    variants.append("c")
    assert info.variants == ["a", "b"] and info.aliases == ["acme-npu"]
    assert info.priority == 10 and info.engine == "" and info.options == {"fast": "go fast"}


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": "Acme"}, "name 'Acme' must be lower case"),
    ({"name": "acme:npu"}, "must be lower case"),
    ({"vendor": 3}, "vendor must be a str"),
    ({"variants": "ab"}, "variants must be a list of str"),
    ({"variants": ["a"], "default_variant": "b"}, "default_variant 'b' is not one of"),
    ({"priority": "high"}, "priority must be an int"),
    ({"priority": True}, "priority must be an int"),
    ({"options": {"fast": 1}}, "options must map str to str"),
])
def test_target_info_rejects_bad_fields(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginContractError, match=message):
        TargetInfo(**{"name": "acme", "vendor": "Acme", **fields})


@pytest.mark.parametrize(("fields", "message"), [
    ({"available": "yes"}, "available must be a bool"),
    ({"available": True, "devices": [1]}, "devices must be a list of str"),
    ({"available": True, "versions": {"sdk": 2}}, "versions must map str to str"),
    ({"available": False, "reason": None}, "reason must be a str"),
])
def test_availability_rejects_bad_fields(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginContractError, match=message):
        Availability(**fields)


def test_availability_to_dict() -> None:
    found = Availability(available=True, devices=["npu0"], versions={"sdk": "1.2"})
    assert found.to_dict() == {"available": True, "reason": "", "devices": ["npu0"],
                               "versions": {"sdk": "1.2"}, "can_compile_offline": False}


def test_from_hook_accepts_instances_and_mappings() -> None:
    info = TargetInfo(name="acme", vendor="Acme")
    assert from_hook(TargetInfo, info) is info
    assert from_hook(TargetInfo, {"name": "acme", "vendor": "Acme"}) == info
    assert from_hook(Availability, {"available": False, "reason": "no card"}).reason == "no card"


@pytest.mark.parametrize(("raw", "message"), [
    ({"name": "acme", "vendor": "Acme", "colour": "red"}, "TargetInfo has no field colour"),
    ({"name": "acme"}, "TargetInfo needs vendor"),
    (["acme"], "expected a TargetInfo .* got list"),
])
def test_from_hook_names_the_problem(raw: object, message: str) -> None:
    with pytest.raises(PluginContractError, match=message):
        from_hook(TargetInfo, raw)


def test_importing_the_plugin_api_imports_neither_torch_nor_pydantic() -> None:
    """The facade, and the lazily re-exported helpers a plugin module touches at import (op
    lookup, attribute resolution, the shared Triton and FX targets), stay free of torch,
    openvino, triton and onnxruntime; the capability classes load pydantic on first use."""
    heavy = ("torch", "pydantic", "openvino", "triton", "onnxruntime")
    code = ("import sys, hwsdk.plugin as p, hwsdk.registry; "
            "p.DType, p.Graph, p.Node, p.TensorType, p.get_op, p.all_ops, p.OPSET_VERSION, "
            "p.resolve_attrs, p.TritonTarget, p.FxTarget, p.to_fx, p.evaluate_shape; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules)); "
            "p.CapabilityTable; print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out == ["[]", "True"]


def test_every_name_the_facade_exports_resolves() -> None:
    import hwsdk.plugin

    missing = [name for name in hwsdk.plugin.__all__ if not hasattr(hwsdk.plugin, name)]
    assert not missing


def _hwsdk_imports(path: Path) -> set[str]:
    """The hwsdk modules ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "hwsdk":
            found.update(f"hwsdk.{a.name}" for a in node.names)  # from hwsdk import plugin
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return {m for m in found if m == "hwsdk" or m.startswith("hwsdk.")}


def test_first_party_plugins_import_only_the_facade_and_errors() -> None:
    template = REPO / "examples" / "numpy_plugin" / "src" / "hwsdk_numpy_example"
    packages = [*sorted(p.parent for p in (REPO / "plugins").glob("*/hwsdk_*/__init__.py")),
                template]
    assert len(packages) == 6
    wrong = {f"{path.relative_to(REPO)}: {module}"
             for package in packages for path in package.rglob("*.py")
             for module in _hwsdk_imports(path) - {"hwsdk.plugin", "hwsdk.errors"}}
    assert not wrong, sorted(wrong)


def test_module_present_finds_without_importing(monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk.plugin import module_present

    assert module_present("json") and not module_present("no_such_module_xyz")
    monkeypatch.setitem(sys.modules, "json", None)  # how tests hide a module
    assert not module_present("json")
