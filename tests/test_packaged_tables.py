"""PackagedTables: JSON capability tables shipped inside a plugin package."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.capability import CapabilityTable
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import PackagedTables


def _document(target: str) -> dict[str, object]:
    return {"schema": 1, "entries": {"relu": "made up for the test"}, "table": {
        "target": target, "version": "1", "opset_version": OPSET_VERSION,
        "provenance": [{"source": "test"}],
        "ops": {"relu": {"dtypes": {"f32": "yes"}, "constraints": [{"kind": "max_rank",
                                                                     "max": 4}]}}}}


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "acme_tables_pkg"
    (root / "tables").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    for variant in ("a1", "a2"):
        (root / "tables" / f"{variant}.json").write_text(json.dumps(_document(f"acme:{variant}")))
    sys.path.insert(0, str(tmp_path))
    try:
        yield "acme_tables_pkg"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("acme_tables_pkg", None)


def test_variant_of(package: str) -> None:
    tables = PackagedTables(package, "acme", ["a1", "a2"], "a2")
    assert tables.variant_of("acme") == "a2" and tables.variant_of("acme:a1") == "a1"
    assert tables.variant_of("acme:a9") is None and tables.variant_of("other") is None


def test_table_is_validated_once_and_document_keeps_the_rest(package: str) -> None:
    tables = PackagedTables(package, "acme", ["a1", "a2"], "a1")
    table = tables.table("a1")
    assert isinstance(table, CapabilityTable) and table.target == "acme:a1"
    assert table.ops["relu"].constraints[0].describe() == "rank <= 4"
    assert tables.table("a1") is table
    assert tables.document("a2")["entries"] == {"relu": "made up for the test"}


def test_unknown_variant_and_bad_default(package: str) -> None:
    tables = PackagedTables(package, "acme", ["a1"], "a1")
    with pytest.raises(KeyError, match="acme has no variant 'a3'; variants: a1"):
        tables.document("a3")
    with pytest.raises(ValueError, match="default variant 'a3' is not one of"):
        PackagedTables(package, "acme", ["a1"], "a3")
