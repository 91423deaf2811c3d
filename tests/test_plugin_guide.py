"""docs/plugin-guide.md stays true: every hookspec and every method of the Target contract is
documented with its exact signature, the example capability table validates, every code block
parses, and the template plugin is an API 2 plugin of the size the guide promises."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from hwsdk import hookspecs
from hwsdk.capability import CapabilityTable
from hwsdk.contract import Target
from hwsdk.registry import HOOK_NAMES

TARGET_METHODS = ("probe", "capabilities", "check", "compile")
"""The methods hwsdk calls on a Target (the rest of the class is helpers with defaults)."""
TEMPLATE = Path(__file__).resolve().parents[1] / "examples" / "numpy_plugin" / "src" / \
    "hwsdk_numpy_example"

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugin-guide.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in _BLOCK.findall(GUIDE.read_text()) if kind == lang]


def _documented_specs() -> dict[str, tuple[ast.FunctionDef, bool]]:
    """hwsdk_* functions decorated with @hookspec in the guide's python blocks."""
    found: dict[str, tuple[ast.FunctionDef, bool]] = {}
    for body in _blocks("python"):
        for node in ast.walk(ast.parse(body)):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("hwsdk_"):
                continue
            for dec in node.decorator_list:
                name = ast.unparse(dec)
                if name.startswith("hookspec"):
                    found[node.name] = (node, "firstresult=True" in name)
    return found


def _guide_signature(fn: ast.FunctionDef) -> tuple[list[tuple[str, str]], str]:
    params = [(a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in fn.args.args]
    return params, ast.unparse(fn.returns) if fn.returns else ""


def _spec_signature(name: str) -> tuple[list[tuple[str, str]], str]:
    sig = inspect.signature(getattr(hookspecs, name))
    params = [(p.name, str(p.annotation)) for p in sig.parameters.values()]
    return params, str(sig.return_annotation)


def test_every_hookspec_is_in_the_guide() -> None:
    documented = _documented_specs()
    missing = sorted(set(HOOK_NAMES) - set(documented))
    assert not missing, f"hookspecs missing from docs/plugin-guide.md: {missing}"
    extra = sorted(set(documented) - set(HOOK_NAMES))
    assert not extra, f"the guide documents hooks hwsdk does not define: {extra}"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_guide_signature_matches_hookspec(name: str) -> None:
    fn, firstresult = _documented_specs()[name]
    assert _guide_signature(fn) == _spec_signature(name)
    spec_opts = getattr(getattr(hookspecs, name), "hwsdk_spec", {})
    assert firstresult == bool(spec_opts.get("firstresult")), f"{name}: firstresult differs"


def test_each_hook_has_a_section() -> None:
    text = GUIDE.read_text()
    for name in HOOK_NAMES:
        assert f"### {name}" in text


def test_example_capability_table_validates() -> None:
    tables = [b for b in _blocks("json") if '"provenance"' in b]
    assert tables, "the guide has no capability table example"
    for body in tables:
        table = CapabilityTable.model_validate_json(body)
        assert table.provenance and table.ops


def test_python_blocks_parse_and_api_range_is_current() -> None:
    from packaging.specifiers import SpecifierSet

    from hwsdk.plugin import PLUGIN_API_VERSION

    for body in _blocks("python"):
        ast.parse(body)
    declared = re.search(r'HWSDK_PLUGIN_API = "([^"]+)"', GUIDE.read_text())
    assert declared and PLUGIN_API_VERSION in SpecifierSet(declared.group(1))


def _documented_methods() -> dict[str, ast.FunctionDef]:
    """Functions named like a Target method, with ``self`` first, in the guide's python blocks
    that sit under a ``### Target.<name>`` heading."""
    found: dict[str, ast.FunctionDef] = {}
    for name in TARGET_METHODS:
        section = GUIDE.read_text().split(f"### Target.{name}\n", 1)
        assert len(section) == 2, f"no section ### Target.{name}"
        body = _BLOCK.search(section[1])
        assert body and body.group(1) == "python", f"Target.{name}: no python block"
        for node in ast.walk(ast.parse(body.group(2))):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                found[name] = node
    return found


@pytest.mark.parametrize("name", TARGET_METHODS)
def test_guide_documents_each_target_method_with_its_signature(name: str) -> None:
    fn = _documented_methods()[name]
    params, returns = _guide_signature(fn)
    sig = inspect.signature(getattr(Target, name))
    assert params == [(p.name, "" if p.name == "self" else str(p.annotation))
                      for p in sig.parameters.values()]
    assert returns == str(sig.return_annotation)
    doc = inspect.getdoc(getattr(Target, name)) or ""
    assert doc.splitlines()[0].endswith("."), f"Target.{name} has no summary line"


def test_template_is_an_api_2_plugin_under_100_lines() -> None:
    source = (TEMPLATE / "__init__.py").read_text()
    tree = ast.parse(source)
    hooks = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)
             and any(ast.unparse(d).endswith("hookimpl") for d in n.decorator_list)}
    assert hooks == set(HOOK_NAMES)
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert {n.name for n in cls.body if isinstance(n, ast.FunctionDef)} == set(TARGET_METHODS)
    assert 'HWSDK_PLUGIN_API = ">=2,<3"' in source
    lines = sum(len(p.read_text().splitlines()) for p in TEMPLATE.glob("*.py"))
    assert lines < 100, f"the template has {lines} lines of Python"
    for path in TEMPLATE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                       [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for module in modules:
                if module.startswith("hwsdk") and not module.startswith("hwsdk_"):
                    assert module in ("hwsdk", "hwsdk.plugin", "hwsdk.errors"), (path, module)
