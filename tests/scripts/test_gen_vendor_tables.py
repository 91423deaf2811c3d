"""scripts/gen_vendor_tables.py: the committed Gaudi and Neuron tables are exactly what it
writes from the vendor files, and its parsers read every entry of those files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
VENDOR_DATA = REPO.parent / "shared" / "vendor-data"

pytestmark = pytest.mark.skipif(not (VENDOR_DATA / "SOURCES.md").exists(),
                                reason=f"vendor files not found at {VENDOR_DATA}")


@pytest.fixture(scope="module")
def scripts() -> Iterator[None]:
    """scripts/ on sys.path, for gen_vendor_tables and its vendor_tables package."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        yield
    finally:
        sys.path.remove(str(REPO / "scripts"))


@pytest.fixture(scope="module")
def generated(scripts: None) -> dict[str, str]:
    import gen_vendor_tables

    result: dict[str, str] = gen_vendor_tables.generate(VENDOR_DATA)
    return result


@pytest.mark.parametrize(("plugin", "files"), [
    ("gaudi", ["gaudi.json", "gaudi2.json", "gaudi3.json"]),
    ("inferentia", ["inf2.json", "trn1.json", "trn2.json"]),
])
def test_generator_reproduces_committed_tables_byte_for_byte(
        generated: dict[str, str], plugin: str, files: list[str]) -> None:
    ours = {rel: text for rel, text in generated.items() if rel.startswith(f"plugins/{plugin}/")}
    assert sorted(Path(rel).name for rel in ours) == files
    for rel, text in ours.items():
        assert (REPO / rel).read_bytes() == text.encode("utf-8"), f"{rel} is stale"


def _vendor_module(name: str) -> ModuleType:
    import importlib

    return importlib.import_module(f"vendor_tables.{name}")


def test_the_parsers_read_every_entry_of_the_gaudi_sources(scripts: None) -> None:
    gaudi = _vendor_module("gaudi")
    entries = gaudi.parse_yaml(VENDOR_DATA / gaudi.YAML_SOURCE)
    kinds = [e.kind for e in entries.values()]
    # 1057 keys, 26 of them hpu:: custom ops; 895 of the rest carry an op_validator
    assert len(entries) == 1057 - 26
    assert kinds.count("validator") == 895 and kinds.count("dtypes") == 88
    assert "rms_norm" not in entries  # hpu::rms_norm, not aten.rms_norm
    docs = gaudi.parse_docs(VENDOR_DATA / gaudi.DOCS_SOURCE)
    assert docs["addmm"][0].cells["FP8"] == "No" and docs["embedding"][0].cells["FP8"] == "Yes"
    assert docs["linear"][0].cells["FP32"] == "Yes" and docs["linear"][0].line == 58
    assert entries["mm"].per_generation and entries["mm"].validator


def test_the_parsers_read_every_row_of_the_neuron_sources(scripts: None) -> None:
    neuron = _vendor_module("neuron")
    listed = neuron.parse_torch_neuronx(VENDOR_DATA / neuron.OPS_SOURCE)
    xla = neuron.parse_xla_table(VENDOR_DATA / neuron.XLA_SOURCE)
    assert len(listed) == 41 and {"_softmax", "addmm", "view", "zero_"} <= set(listed)
    assert len(xla) == 62 and xla["Pow"].startswith("Exponent argument must be")
    assert {k for k, v in xla.items() if v} == {"DynamicUpdateSlice", "Gather", "Pow", "Reduce",
                                                "RngBitGenerator"}
