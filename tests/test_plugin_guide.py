"""docs/plugin-guide.md stays true: every hookspec is documented with its exact signature,
the example capability table validates, and every code block parses."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from hwsdk import hookspecs
from hwsdk.capability import CapabilityTable
from hwsdk.registry import HOOK_NAMES

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


def test_template_plugin_implements_every_hook() -> None:
    source = (GUIDE.parents[1] / "examples" / "numpy_plugin" / "src" / "hwsdk_numpy_example"
              / "__init__.py").read_text()
    tree = ast.parse(source)
    hooks = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)
             and any(ast.unparse(d) == "hookimpl" for d in n.decorator_list)}
    assert hooks == set(HOOK_NAMES)
    assert "HWSDK_PLUGIN_API" in source
