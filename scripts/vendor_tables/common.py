"""What both generators share: the SOURCES.md provenance, dtype names, deterministic JSON."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwsdk.capability import CapabilityTable, OpSupport, Provenance, Support
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import all_ops, aten_map
from hwsdk.ir.ops.quant import FORMAT_DTYPES

SCHEMA_VERSION = 1
ALL_DTYPES: list[DType] = list(DType)
GENERATOR = "scripts/gen_vendor_tables.py"


@dataclass(frozen=True)
class Source:
    """One row of vendor-data/SOURCES.md."""

    saved_path: str
    repository: str
    path: str
    commit: str
    version: str
    licence: str

    @property
    def name(self) -> str:
        return self.saved_path.rsplit("/", 1)[-1]

    def provenance(self) -> Provenance:
        return Provenance(source=self.name, version=self.version,
                          url_or_repo_path=f"{self.repository}:{self.path}@{self.commit}",
                          retrieved=self.commit)

    def cite(self, key: str = "") -> dict[str, str]:
        """Structured provenance of one table entry."""
        entry = {"source": self.name, "repository": self.repository, "path": self.path,
                 "commit": self.commit, "version": self.version}
        if key:
            entry["key"] = key
        return entry

    def short(self, key: str = "") -> str:
        where = f"{self.name}" + (f" [{key}]" if key else "")
        return f"{where} @ {self.repository} {self.commit[:8]} ({self.version})"


def read_sources(vendor_data: Path) -> dict[str, Source]:
    """Parse the provenance table of SOURCES.md: saved path → Source."""
    sources: dict[str, Source] = {}
    for line in (vendor_data / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or "/" not in cells[0] or cells[0].startswith("---"):
            continue
        commit = re.search(r"\b[0-9a-f]{40}\b", cells[3])
        if commit is None:
            continue
        saved = cells[0]
        sources[saved] = Source(saved_path=saved, repository=cells[1], path=cells[2],
                                commit=commit.group(0), version=cells[4], licence=cells[5])
    return sources


def overloads_by_op() -> dict[str, list[str]]:
    """Core op → the ATen overloads that map to it (hwsdk.ir.opdef.aten_map, sorted); every
    core op is present, one no ATen overload maps to (``dequantize``, which capture builds
    from a pattern) with none, so vendor sources can only be silent on it."""
    result: dict[str, list[str]] = defaultdict(list)
    for core in all_ops():
        result[core.name] = []
    for overload, op in aten_map().items():
        result[op].append(overload)
    return {op: sorted(v) for op, v in sorted(result.items())}


def split_overload(overload: str) -> tuple[str, str]:
    """``"aten.add.Tensor"`` → ``("add", "Tensor")``."""
    _, name, variant = overload.split(".", 2)
    return name, variant


def render(target: str, version: str, provenance: list[Provenance], ops: dict[str, Any],
           entries: dict[str, Any], note: str, constraints: list[Any] | None = None) -> str:
    """Validate a table and return its deterministic JSON text (sorted keys, newline)."""
    from hwsdk.ir.opdef import OPSET_VERSION

    table = CapabilityTable(target=target, version=version, opset_version=OPSET_VERSION,
                            provenance=provenance, ops=ops, note=note,
                            constraints=constraints or [])
    document = {"schema": SCHEMA_VERSION, "generator": GENERATOR,
                "table": table.model_dump(mode="json"), "entries": entries}
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def quant_entry(entry: OpSupport, facts: dict[str, tuple[Support, str]], source: str,
                more: str = "") -> tuple[OpSupport, dict[str, str]]:
    """``dequantize``'s entry with each weight format's fact (``"int8"`` / ``"int4"`` →
    (support, the raw line it rests on), :data:`~hwsdk.ir.ops.quant.FORMAT_DTYPES` keys the
    data dtype), and the basis of each stated cell. No ATen overload maps to dequantize, so
    the op rules leave it silent; these facts are about the weight formats themselves.

    :param source: the short citation of the document the facts rest on.
    :param more: a remark for the note.
    """
    dtypes = dict(entry.dtypes)
    basis: dict[str, str] = {}
    said = []
    for fmt, dtype in FORMAT_DTYPES.items():
        support, line = facts.get(fmt, ("unknown", ""))
        dtypes[dtype] = support
        if support != "unknown":
            basis[str(dtype)] = line
        said.append(f"{fmt} weights ({dtype} data): {support}"
                    + (f" ({line})" if line else ""))
    note = f"{entry.note}; quantized weight formats: " + "; ".join(said) + (
        f"; {more}" if more else "")
    return entry.model_copy(update={"dtypes": dtypes, "note": note, "source": source}), basis
