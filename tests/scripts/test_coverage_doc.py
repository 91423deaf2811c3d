"""docs/coverage.md is current: it records a hash of what its numbers depend on (every target's
capability table, the op set version, the transformers version, the generator), and this test
recomputes only that hash, so it stays fast (regenerating builds 20 models: minutes)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("transformers", reason="docs/coverage.md is built from transformers models")


@pytest.fixture(scope="module")
def generator() -> Iterator[ModuleType]:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import gen_coverage_doc

        yield gen_coverage_doc
    finally:
        sys.path.remove(str(REPO / "scripts"))


def test_coverage_doc_is_not_stale(generator: ModuleType) -> None:
    text = generator.COVERAGE_MD.read_text(encoding="utf-8")
    assert generator.recorded_hash(text) == generator.inputs_hash(), (
        "docs/coverage.md is stale: run python scripts/gen_coverage_doc.py")


def test_the_doc_covers_every_family_and_target(generator: ModuleType) -> None:
    text = generator.COVERAGE_MD.read_text(encoding="utf-8")
    for family in generator.FAMILIES:
        assert f"| {family} (" in text or f"| {family} | capture failed" in text, family
    for ref in generator.target_refs():
        assert f"`{ref}`" in text, ref


def test_the_hash_changes_with_a_table(generator: ModuleType,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk.registry import get_registry

    before = generator.inputs_hash()
    registry = get_registry()
    real = registry.capabilities

    def changed(ref: str) -> object:
        table = real(ref)
        return table.model_copy(update={"note": table.note + " (changed)"}) \
            if ref == "gaudi:gaudi2" else table

    monkeypatch.setattr(registry, "capabilities", changed)
    assert generator.inputs_hash() != before
