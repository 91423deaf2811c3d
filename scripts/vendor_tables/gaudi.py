"""Gaudi tables from hpu_op.yaml, cross-checked with Pytorch_Operators.rst.

Rules (docs/vendor-tables.md):

* An hpu_op.yaml entry keyed by an ATen overload (``mm``, ``add.Tensor``) with a ``dtypes``
  list and no ``op_validator`` is validated by that list: listed dtypes are ``yes``, the rest
  ``no``. A per-generation dict (Gaudi, Gaudi2, Gaudi3) gives one list per variant; a
  per-input dict uses the first (data) input's list.
* An entry with an ``op_validator`` is checked at run time: every dtype is ``unknown``, even
  when the entry also lists dtypes (the bridge's codegen then ignores the list). Entries that
  only wrap or override the op (``hpu_wrap_all_versions``, ``override_fn``) are ``unknown`` too.
  ``custom_op_schema`` entries are ``hpu::`` custom ops, not the ATen op of that name.
* A core op takes, per dtype: ``yes`` if any of its mapped overloads says yes, ``no`` if every
  mapped overload present in the file says no, otherwise ``unknown``; no entry at all:
  ``unknown``.
* float64 is ``no`` everywhere (the Intel Gaudi PyTorch Support Matrix: Float64 No).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hwsdk.capability import OpSupport, Provenance, Support
from hwsdk.ir.dtypes import DType

from .common import ALL_DTYPES, Source, overloads_by_op, render, split_overload

VARIANTS = {"gaudi": "Gaudi", "gaudi2": "Gaudi2", "gaudi3": "Gaudi3"}
YAML_SOURCE = "gaudi/hpu_op.yaml"
DOCS_SOURCE = "gaudi/Pytorch_Operators.rst"
SUPPORT_MATRIX = Provenance(
    source="Intel Gaudi PyTorch Support Matrix (Data Types: Float64 No)",
    version="Intel Gaudi documentation, latest",
    url_or_repo_path="https://docs.habana.ai/en/latest/PyTorch/Reference/"
                     "PyTorch_Support_Matrix.html")
YAML_DTYPES = {
    "Float": DType.f32, "BFloat16": DType.bf16, "Half": DType.f16, "Float8_e5m2": DType.f8e5m2,
    "Float8_e4m3fn": DType.f8e4m3fn, "Long": DType.i64, "Int": DType.i32, "Short": DType.i16,
    "Char": DType.i8, "Byte": DType.u8, "Bool": DType.bool, "Double": DType.f64,
}
DOC_COLUMNS: list[tuple[str, tuple[DType, ...]]] = [
    ("FP32", (DType.f32,)), ("BF16", (DType.bf16,)), ("FP16", (DType.f16,)),
    ("FP8", (DType.f8e4m3fn, DType.f8e5m2)), ("INT64", (DType.i64,)), ("INT32", (DType.i32,)),
    ("INT16", (DType.i16,)), ("INT8", (DType.i8,)), ("BOOL", (DType.bool,)),
]
_DOC_ROW = re.compile(r"^(\S+)\s+((?:(?:Yes|No)\s+){9})(\S+)\s*$")


@dataclass
class Entry:
    """One hpu_op.yaml entry as the rules see it."""

    key: str
    kind: str  # dtypes | validator | wrapped
    validator: str = ""
    listed: dict[str, list[DType]] = field(default_factory=dict)  # variant → dtypes

    def status(self, variant: str, dtype: DType) -> Support:
        if self.kind != "dtypes":
            return "unknown"
        return "yes" if dtype in self.listed.get(variant, []) else "no"

    def describe(self, variant: str) -> str:
        listed = ",".join(str(d) for d in self.listed.get(variant, []))
        if self.kind == "dtypes":
            return f"{self.key}: dtypes [{listed}]"
        if self.kind == "validator":
            extra = f"; its unused list: [{listed}]" if listed else ""
            return f"{self.key}: checked at run time by op_validator {self.validator}{extra}"
        return f"{self.key}: wrapped/overridden, no dtype list"


def _dtype_list(raw: Any) -> list[DType]:
    if isinstance(raw, dict):  # per input: the first (data) input decides
        raw = next(iter(raw.values()), [])
    return [YAML_DTYPES[name] for name in raw or [] if name in YAML_DTYPES]


def parse_yaml(path: Path) -> dict[str, Entry]:
    """ATen-keyed entries of hpu_op.yaml (custom ``hpu::`` ops left out)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same result, faster
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    entries: dict[str, Entry] = {}
    for key, spec in raw.items():
        if not isinstance(spec, dict) or "custom_op_schema" in spec:
            continue
        dtypes = spec.get("dtypes")
        listed: dict[str, list[DType]] = {}
        if isinstance(dtypes, list):
            listed = {v: _dtype_list(dtypes) for v in VARIANTS}
        elif isinstance(dtypes, dict):
            listed = {v: _dtype_list(dtypes.get(gen)) for v, gen in VARIANTS.items()}
        if "op_validator" in spec:
            entries[key] = Entry(key, "validator", str(spec["op_validator"]), listed)
        elif dtypes is not None:
            entries[key] = Entry(key, "dtypes", "", listed)
        else:
            entries[key] = Entry(key, "wrapped")
    return entries


def parse_docs(path: Path) -> dict[str, list[dict[str, str]]]:
    """Pytorch_Operators.rst rows: operator name → rows of column → Yes/No (+ type)."""
    rows: dict[str, list[dict[str, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _DOC_ROW.match(line)
        if not match:
            continue
        name = match.group(1).replace("\\", "")
        cells = dict(zip([c for c, _ in DOC_COLUMNS], match.group(2).split(), strict=True))
        cells["type"] = match.group(3)
        rows.setdefault(name, []).append(cells)
    return rows


def yaml_key(overload: str) -> str:
    name, variant = split_overload(overload)
    return name if variant == "default" else f"{name}.{variant}"


def combine(statuses: list[Support]) -> Support:
    """Any overload yes → yes; every overload no → no; else unknown."""
    if "yes" in statuses:
        return "yes"
    if statuses and all(s == "no" for s in statuses):
        return "no"
    return "unknown"


def _docs_for(op: str, overloads: list[str],
              docs: dict[str, list[dict[str, str]]]) -> tuple[str, dict[str, str]]:
    """The docs row of the op's own name, else of the first mapped overload's name."""
    names = [op, *(split_overload(o)[0] for o in overloads)]
    for name in names:
        for candidate in (name, name.lstrip("_")):
            if candidate in docs:
                return candidate, docs[candidate][0]
    return "", {}


def _doc_text(name: str, row: dict[str, str]) -> str:
    cells = " ".join(f"{c} {row[c]}" for c, _ in DOC_COLUMNS)
    return f"Pytorch_Operators.rst lists {name} ({row['type']}): {cells}"


def _disagreements(dtypes: dict[DType, Support], row: dict[str, str]) -> list[str]:
    found = []
    for column, targets in DOC_COLUMNS:
        ours = dtypes[targets[0]]
        if ours != "unknown" and (row[column] == "Yes") != (ours == "yes"):
            found.append(f"{column}: docs {row[column]}, hpu_op.yaml {ours}")
    return found


def build_variant(variant: str, entries: dict[str, Entry],
                  docs: dict[str, list[dict[str, str]]],
                  sources: dict[str, Source]) -> tuple[str, int]:
    """The JSON text of one variant's table and its number of docs disagreements."""
    ysrc, dsrc = sources[YAML_SOURCE], sources[DOCS_SOURCE]
    ops: dict[str, OpSupport] = {}
    extra: dict[str, Any] = {}
    disagreements = 0
    for op, overloads in overloads_by_op().items():
        present = [(o, entries[yaml_key(o)]) for o in overloads if yaml_key(o) in entries]
        dtypes: dict[DType, Support] = {}
        for dtype in ALL_DTYPES:
            dtypes[dtype] = combine([e.status(variant, dtype) for _, e in present])
        dtypes[DType.f64] = "no"
        notes = [e.describe(variant) for _, e in present] or [
            "hpu_op.yaml has no entry for " + ", ".join(overloads)]
        cites = [ysrc.cite(e.key) for _, e in present]
        doc_name, row = _docs_for(op, overloads, docs)
        if row:
            notes.append(_doc_text(doc_name, row))
            cites.append(dsrc.cite(doc_name))
            differ = _disagreements(dtypes, row)
            if differ:
                disagreements += 1
                notes.append("DISAGREES with the docs table: " + "; ".join(differ))
        notes.append("float64: no (Support Matrix)")
        keys = [e.key for _, e in present] or ["-"]
        ops[op] = OpSupport(dtypes=dtypes, note="; ".join(notes),
                            source=ysrc.short(",".join(keys)))
        extra[op] = {"aten": overloads, "provenance": cites,
                     "hpu_op_yaml": {o: {"key": e.key, "kind": e.kind, "validator": e.validator,
                                         "listed": [str(d) for d in e.listed.get(variant, [])]}
                                     for o, e in present}}
    note = (f"Intel Gaudi variant {variant} ({VARIANTS[variant]} in hpu_op.yaml). Generated by "
            "scripts/gen_vendor_tables.py; rules in docs/vendor-tables.md. Ops whose entries "
            "are checked by a runtime op_validator are unknown. "
            f"{disagreements} ops disagree with Pytorch_Operators.rst (see their notes; "
            "the docs table does not distinguish Gaudi generations).")
    text = render(f"gaudi:{variant}", ysrc.version,
                  [ysrc.provenance(), dsrc.provenance(), SUPPORT_MATRIX], ops, extra, note)
    return text, disagreements


def generate(vendor_data: Path, sources: dict[str, Source]) -> dict[str, str]:
    """Relative output path → JSON text, for every Gaudi variant."""
    entries = parse_yaml(vendor_data / YAML_SOURCE)
    docs = parse_docs(vendor_data / DOCS_SOURCE)
    return {f"plugins/gaudi/hwsdk_gaudi/tables/{variant}.json":
            build_variant(variant, entries, docs, sources)[0] for variant in VARIANTS}
