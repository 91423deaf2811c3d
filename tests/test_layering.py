"""Data flows one way: no hwsdk module imports a later stage.

Every module of ``hwsdk/`` is parsed (not imported) and each of its imports, module-level or
inside a function, is checked against :data:`LAYERS`: a module may import its own layer or an
earlier one. Imports under ``if TYPE_CHECKING:`` are annotations only and are not checked. An
attribute of the root package (``import hwsdk; hwsdk.compile(...)``) counts as an import of the
module the root loads it from.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import hwsdk

ROOT = Path(hwsdk.__file__).parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("hwsdk._version", "hwsdk._lazy", "hwsdk.errors", "hwsdk.cache")),
    ("ir", ("hwsdk.ir",)),
    ("capability", ("hwsdk.capability", "hwsdk.packaged_tables", "hwsdk.contract")),
    ("lowering", ("hwsdk.lower", "hwsdk.lower.fx", "hwsdk.lower.onnx", "hwsdk.lower.eager")),
    ("plugin API", ("hwsdk.plugin", "hwsdk.plugin_v1", "hwsdk.hookspecs")),
    ("plugins", ("hwsdk.builtin", "hwsdk.engines", "hwsdk.lower.triton",
                 "hwsdk.lower.fx_target")),
    ("registry", ("hwsdk.registry", "hwsdk.target_rules", "hwsdk.capability_cache")),
    ("partition", ("hwsdk.partition",)),
    ("runtime", ("hwsdk.runtime",)),
    ("tune", ("hwsdk.tune",)),
    ("report", ("hwsdk.report",)),
    ("facade", ("hwsdk", "hwsdk.api", "hwsdk.export", "hwsdk.llm", "hwsdk.dynamo",
                "hwsdk.models")),
    ("tools", ("hwsdk.cli", "hwsdk.testing", "hwsdk.__main__")),
)
"""Stages in data-flow order: ir → capability → partition → runtime → report → facade and
tools. A lowering turns IR into an engine's form; ``hwsdk.plugin`` is the facade vendors import
(it re-exports the IR types, capability classes and the FX lowering); the built-in targets and
shared vendor code (``hwsdk.lower.triton``, ``hwsdk.lower.fx_target``) are plugins, which the
core reaches only through the registry. The most specific prefix decides a module's layer."""

REEXPORTS_UP_TO = {"hwsdk.plugin": "plugins"}
"""The vendor facade: ``hwsdk.plugin`` re-exports, lazily, the shared target helpers
(``TritonTarget``, ``FxTarget``) of the layer above it, so that a plugin imports nothing else."""

LAZY_TABLES = ("_LAZY", "_HOME")
"""Module-level name → module tables a module's ``__getattr__`` imports from (PEP 562): their
module names count as imports."""


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of the longest prefix naming ``module`` (``hwsdk`` names the
    root package alone)."""
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            nested = prefix != "hwsdk" and module.startswith(prefix + ".")
            if (module == prefix or nested) and len(prefix) > length:
                best, length = index, len(prefix)
    if best < 0:
        raise AssertionError(f"{module} is in no layer of tests/test_layering.py; add it")
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _root_home(name: str) -> str:
    """The module a name of the root package comes from (its lazy ``_HOME`` table), or the
    submodule of that name."""
    home: dict[str, str] = getattr(hwsdk, "_HOME", {})
    if name == "__version__":
        return "hwsdk._version"
    return home.get(name, f"hwsdk.{name}")


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, imported hwsdk module) for every import in ``source``."""
    tree = ast.parse(source)
    skip = _type_checking_lines(tree)
    root_bound = False
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "hwsdk" and alias.asname is None:
                    root_bound = True
                elif alias.name.startswith("hwsdk."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: len(module.split(".")) - node.level
                                            + (1 if is_package else 0)]
                base = ".".join([*package, *([base] if base else [])])
            if base == "hwsdk":
                for alias in node.names:
                    yield node.lineno, _root_home(alias.name)
            elif base.startswith("hwsdk."):
                yield node.lineno, base
    for node in tree.body:
        if (isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id in LAZY_TABLES
                        for t in (node.targets if isinstance(node, ast.Assign)
                                  else [node.target]))):
            for value in ast.walk(node.value):
                if isinstance(value, ast.Constant) and str(value.value).startswith("hwsdk."):
                    yield value.lineno, str(value.value)
    if root_bound:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "hwsdk" and node.attr != "__file__"):
                yield node.lineno, _root_home(node.attr)


def reach_backs(module: str, source: str, is_package: bool) -> list[str]:
    """Each import of ``module`` that names a later layer, as ``module:line -> target``."""
    own = layer_of(module)
    allowed = own
    if module in REEXPORTS_UP_TO:
        allowed = [name for name, _ in LAYERS].index(REEXPORTS_UP_TO[module])
    found = []
    for line, target in imports_of(source, module, is_package):
        if layer_of(target) > allowed:
            found.append(f"{module}:{line} ({LAYERS[own][0]}) imports {target} "
                         f"({LAYERS[layer_of(target)][0]})")
    return found


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_imports_a_later_stage() -> None:
    found = []
    for path in _modules():
        found += reach_backs(module_name(path), path.read_text(encoding="utf-8"),
                             path.name == "__init__.py")
    assert not found, "stages reach back up:\n" + "\n".join(found)


def test_the_root_package_loads_only_its_version_eagerly() -> None:
    """``import hwsdk`` binds the root package, whose names load on first use: at module level
    it imports only :mod:`hwsdk._version`, so the base layer may use ``hwsdk.__file__``."""
    tree = ast.parse((ROOT / "__init__.py").read_text(encoding="utf-8"))
    eager = [n.module for n in tree.body if isinstance(n, ast.ImportFrom)
             and (n.module or "").startswith("hwsdk")]
    assert eager == ["hwsdk._version"]


@pytest.mark.parametrize(("module", "source", "reached"), [
    ("hwsdk.partition.plan", "def f():\n    from hwsdk.report.text import render_summary\n",
     "hwsdk.report.text"),
    ("hwsdk.ir.fold", "from hwsdk.lower.eager import run_node\n", "hwsdk.lower.eager"),
    ("hwsdk.lower.triton.aot", "def f():\n    from hwsdk.api import plan_graph\n", "hwsdk.api"),
    ("hwsdk.partition.plan", "from ..runtime import compiled\n", "hwsdk.runtime"),
    ("hwsdk.llm.loop", "import hwsdk.cli.app\n", "hwsdk.cli.app"),
    ("hwsdk.runtime.build", "import hwsdk\nhwsdk.explain(None, ())\n", "hwsdk.api"),
    ("hwsdk.capability", "from hwsdk import registry\n", "hwsdk.registry"),
    ("hwsdk.plugin", "_LAZY = {'plan_graph': 'hwsdk.partition.planner'}\n",
     "hwsdk.partition.planner"),
    ("hwsdk.plugin", "def f():\n    import hwsdk.registry\n", "hwsdk.registry"),
])
def test_a_reintroduced_reach_back_is_found(module: str, source: str, reached: str) -> None:
    [found] = reach_backs(module, source, is_package=False)
    assert found.startswith(f"{module}:") and f"imports {reached} " in found


def test_the_vendor_facade_may_reexport_the_shared_target_helpers() -> None:
    source = ("_LAZY = {'TritonTarget': 'hwsdk.lower.triton.plugin', "
              "'FxTarget': 'hwsdk.lower.fx_target'}\n")
    assert reach_backs("hwsdk.plugin", source, is_package=False) == []
    assert reach_backs("hwsdk.hookspecs", source, is_package=False) != []  # no one else


def test_type_only_and_downward_imports_pass() -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
              "    from hwsdk.partition.plan import PartitionPlan\n"
              "from hwsdk.ir.graph import Graph\nimport hwsdk\nROOT = hwsdk.__file__\n")
    assert reach_backs("hwsdk.capability", source, is_package=False) == []


def test_architecture_doc_maps_every_layer() -> None:
    """docs/architecture.md's module map names every layer and every module prefix of
    :data:`LAYERS`, so the two stay one picture."""
    doc = (ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = doc.split("## Module map, by layer")[1].split("\n## ")[0]
    rows = {line.split("|")[1].strip() for line in table.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip()}
    assert [name for name, _ in LAYERS if name not in rows] == []
    missing = [p for _, prefixes in LAYERS for p in prefixes if f"`{p}" not in table]
    assert not missing, f"docs/architecture.md's module map does not name {missing}"
