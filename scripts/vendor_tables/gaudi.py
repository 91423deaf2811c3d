"""Gaudi tables: Pytorch_Operators.rst gives the dtypes, hpu_op.yaml the per-generation facts.

Rules (docs/vendor-tables.md), per core op, variant and dtype; a core op is read through each
of its mapped ATen overloads' names (and :data:`DOC_ALIASES`):

1. **Pytorch_Operators.rst** (Yes/No per FP32, BF16, FP16, FP8, INT64, INT32, INT16, INT8,
   BOOL) is the dtype truth: a row of that name saying Yes → ``yes``, all its rows No → ``no``.
2. **Per-generation lists** in hpu_op.yaml (``dtypes: {Gaudi: [...], Gaudi2: [...]}``) keep the
   generations apart: where the docs say Yes but the variant's list omits the dtype, the
   variant gets ``no`` (the docs table does not distinguish generations). Where the docs have
   no row, the variant's list decides (listed ``yes``, unlisted ``no``).
3. Without a docs row, a plain ``dtypes`` list with no ``op_validator`` decides the same way.
4. An ``op_validator`` (a run-time check in the bridge) is a note on an entry that is
   otherwise ``yes``, naming the validator, never a reason for ``unknown``.
5. ``unknown`` only where every source is silent. float64 is ``no`` (Support Matrix).

Across a core op's overloads: any ``yes`` → ``yes``; else any ``no`` and no silent overload
that has an entry → ``no``; else ``unknown``. Every yes/no cell records the raw line it rests
on (``entries[op].basis``), which tests/scripts checks against the vendor file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hwsdk.capability import OpSupport, Provenance, Support
from hwsdk.ir.dtypes import DType

from .common import ALL_DTYPES, Source, overloads_by_op, quant_entry, render, split_overload

VARIANTS = {"gaudi": "Gaudi", "gaudi2": "Gaudi2", "gaudi3": "Gaudi3"}
YAML_SOURCE = "gaudi/hpu_op.yaml"
DOCS_SOURCE = "gaudi/Pytorch_Operators.rst"
YAML_NAME, DOCS_NAME = "hpu_op.yaml", "Pytorch_Operators.rst"
SUPPORT_MATRIX = Provenance(
    source="Intel Gaudi PyTorch Support Matrix (Data Types: Float64 No)",
    version="Intel Gaudi documentation, latest",
    url_or_repo_path="https://docs.habana.ai/en/latest/PyTorch/Reference/"
                     "PyTorch_Support_Matrix.html")
F64_BASIS = "Support Matrix: Float64 No"
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
COLUMN_OF = {d: column for column, dtypes in DOC_COLUMNS for d in dtypes}
DOC_ALIASES: dict[str, tuple[str, str]] = {
    "slice": ("as_strided", "hwsdk's reading: ATen implements aten.slice.Tensor as an "
                            "as_strided view of its input (TensorShape.cpp), and hpu_op.yaml "
                            "wraps slice.Tensor for HPU, so the as_strided row is read for "
                            "slice"),
    "index_copy": ("index_copy_", "hwsdk's reading: the docs list only the in-place "
                                  "index_copy_, and hpu_op.yaml gives index_copy and "
                                  "index_copy_ the one TPC kernel index_copy_fwd, so the "
                                  "index_copy_ row is read for index_copy"),
}
"""Core op → (docs row, why): rows read for an op whose own ATen names have none."""
_DOC_ROW = re.compile(r"^(\S+)\s+((?:(?:Yes|No)\s+){9})(\S+)\s*$")
_YAML_KEY = re.compile(r"^([A-Za-z0-9_.]+):")


@dataclass(frozen=True)
class DocRow:
    """One Pytorch_Operators.rst row: line number, column → Yes/No, operator type."""

    line: int
    cells: dict[str, str]
    type: str


@dataclass
class Entry:
    """One hpu_op.yaml entry as the rules see it."""

    key: str
    kind: str  # dtypes | validator | wrapped
    line: int = 0
    validator: str = ""
    per_generation: bool = False
    listed: dict[str, list[DType]] = field(default_factory=dict)  # variant → dtypes

    def describe(self, variant: str) -> str:
        listed = ",".join(str(d) for d in self.listed.get(variant, []))
        where = f"{YAML_NAME}:{self.line} {self.key}"
        parts = []
        if self.listed:
            gen = f"{VARIANTS[variant]} " if self.per_generation else ""
            parts.append(f"{gen}dtypes [{listed}]")
        if self.validator:
            parts.append(f"checked at run time by op_validator {self.validator}")
        if self.kind == "wrapped":
            parts.append("wrapped/overridden, no dtype list")
        return f"{where}: " + "; ".join(parts)


def _dtype_list(raw: Any) -> list[DType]:
    if isinstance(raw, dict):  # per input: the first (data) input decides
        raw = next(iter(raw.values()), [])
    return [YAML_DTYPES[name] for name in raw or [] if name in YAML_DTYPES]


def _key_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _YAML_KEY.match(line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def parse_yaml(path: Path) -> dict[str, Entry]:
    """ATen-keyed entries of hpu_op.yaml (custom ``hpu::`` ops left out), with line numbers."""
    text = path.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same result, faster
    raw = yaml.load(text, Loader=loader)
    lines = _key_lines(text)
    entries: dict[str, Entry] = {}
    for key, spec in raw.items():
        if not isinstance(spec, dict) or "custom_op_schema" in spec:
            continue
        dtypes = spec.get("dtypes")
        listed: dict[str, list[DType]] = {}
        per_generation = isinstance(dtypes, dict) and any(g in dtypes for g in VARIANTS.values())
        if isinstance(dtypes, list) or (isinstance(dtypes, dict) and not per_generation):
            listed = {v: _dtype_list(dtypes) for v in VARIANTS}
        elif isinstance(dtypes, dict):
            listed = {v: _dtype_list(dtypes.get(gen)) for v, gen in VARIANTS.items()}
        validator = str(spec.get("op_validator", ""))
        kind = "validator" if validator else "dtypes" if dtypes is not None else "wrapped"
        entries[key] = Entry(key, kind, lines.get(key, 0), validator, per_generation, listed)
    return entries


def parse_docs(path: Path) -> dict[str, list[DocRow]]:
    """Pytorch_Operators.rst rows: operator name → its rows (one per operator type)."""
    rows: dict[str, list[DocRow]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _DOC_ROW.match(line)
        if not match:
            continue
        name = match.group(1).replace("\\", "")
        cells = dict(zip([c for c, _ in DOC_COLUMNS], match.group(2).split(), strict=True))
        rows.setdefault(name, []).append(DocRow(number, cells, match.group(3)))
    return rows


def yaml_key(overload: str) -> str:
    name, variant = split_overload(overload)
    return name if variant == "default" else f"{name}.{variant}"


def _doc_rows(name: str, docs: dict[str, list[DocRow]]) -> tuple[str, list[DocRow]]:
    for candidate in (name, name.lstrip("_")):
        if candidate in docs:
            return candidate, docs[candidate]
    return "", []


@dataclass
class Fact:
    """One overload's answer for one dtype, with the raw line it rests on."""

    support: Support
    basis: str = ""


def _doc_fact(name: str, rows: list[DocRow], dtype: DType) -> Fact | None:
    column = COLUMN_OF.get(dtype)
    if column is None or not rows:
        return None
    row = next((r for r in rows if r.cells[column] == "Yes"), rows[0])
    answer = row.cells[column]
    return Fact("yes" if answer == "Yes" else "no",
                f"{DOCS_NAME}:{row.line} {name} ({row.type}) {column} {answer}")


def _list_fact(entry: Entry, variant: str, dtype: DType) -> Fact:
    gen = VARIANTS[variant] if entry.per_generation else "dtypes"
    yaml_name = next(k for k, v in YAML_DTYPES.items() if v == dtype)
    listed = dtype in entry.listed.get(variant, [])
    return Fact("yes" if listed else "no",
                f"{YAML_NAME}:{entry.line} {entry.key} {gen} "
                f"{'lists' if listed else 'omits'} {yaml_name}")


def overload_fact(variant: str, dtype: DType, entry: Entry | None, doc_name: str,
                  rows: list[DocRow]) -> Fact | None:
    """The answer of one ATen name for one dtype (None: this name has no source at all)."""
    doc = _doc_fact(doc_name, rows, dtype)
    representable = dtype in YAML_DTYPES.values()
    if doc is not None:
        if (doc.support == "yes" and entry is not None and entry.per_generation
                and representable and dtype not in entry.listed.get(variant, [])):
            return _list_fact(entry, variant, dtype)  # the docs do not split generations
        return doc
    if entry is not None and representable and (
            entry.per_generation or (entry.kind == "dtypes" and entry.listed)):
        return _list_fact(entry, variant, dtype)
    if entry is not None or rows:
        return Fact("unknown")
    return None


def combine(facts: list[Fact | None]) -> Fact:
    """Any yes → yes; any no and no silent entry → no; else unknown."""
    present = [f for f in facts if f is not None]
    for fact in present:
        if fact.support == "yes":
            return fact
    if present and all(f.support == "no" for f in present):
        return present[0]
    return Fact("unknown")


@dataclass
class OpSources:
    """What the sources hold for one core op: yaml entries and docs rows by ATen name."""

    names: list[tuple[str, Entry | None, str, list[DocRow]]]
    alias_why: str = ""

    @classmethod
    def lookup(cls, op: str, overloads: list[str], entries: dict[str, Entry],
               docs: dict[str, list[DocRow]]) -> OpSources:
        names: list[tuple[str, Entry | None, str, list[DocRow]]] = []
        for overload in overloads:
            doc_name, rows = _doc_rows(split_overload(overload)[0], docs)
            names.append((overload, entries.get(yaml_key(overload)), doc_name, rows))
        why = ""
        if op in DOC_ALIASES and not any(rows for *_, rows in names):
            alias, why = DOC_ALIASES[op]
            names.append((f"docs row {alias}", None, alias, docs.get(alias, [])))
        return cls(names, why)

    def fact(self, variant: str, dtype: DType) -> Fact:
        if dtype == DType.f64:
            return Fact("no", F64_BASIS)
        return combine([overload_fact(variant, dtype, e, n, r) for _, e, n, r in self.names])

    def entries(self) -> list[Entry]:
        return [e for _, e, _, _ in self.names if e is not None]

    def rows(self) -> dict[str, list[DocRow]]:
        return {n: r for _, _, n, r in self.names if r}


def _row_text(name: str, row: DocRow) -> str:
    cells = " ".join(f"{c} {row.cells[c]}" for c, _ in DOC_COLUMNS)
    return f"{DOCS_NAME}:{row.line} {name} ({row.type}): {cells}"


def _disagreements(variant: str, found: OpSources) -> list[str]:
    """Docs No where the variant's own yaml list says yes (the docs win; noted here)."""
    result = []
    for _, entry, _doc_name, rows in found.names:
        if entry is None or not rows or not entry.listed:
            continue
        for column, dtypes in DOC_COLUMNS:
            if any(r.cells[column] == "Yes" for r in rows):
                continue
            if any(d in entry.listed.get(variant, []) for d in dtypes):
                result.append(f"{entry.key} {column}: docs No, {YAML_NAME} lists it")
    return result


def _note(variant: str, op: str, overloads: list[str], found: OpSources) -> str:
    notes = [_row_text(n, r) for n, rows in found.rows().items() for r in rows]
    notes += [e.describe(variant) for e in found.entries()]
    if found.alias_why:
        notes.append(found.alias_why)
    if not overloads:
        notes.append(f"{DOCS_NAME} has no row for {op} and {YAML_NAME} no entry: no ATen "
                     "overload maps to it")
    elif not found.rows():
        notes.append(f"{DOCS_NAME} has no row for " + ", ".join(
            sorted({split_overload(o)[0] for o in overloads})))
    if overloads and not found.entries():
        notes.append(f"{YAML_NAME} has no entry for " + ", ".join(overloads))
    differ = _disagreements(variant, found)
    if differ:
        notes.append("docs and yaml differ (docs used): " + "; ".join(differ))
    notes.append("float64: no (Support Matrix)")
    return "; ".join(notes)


def _source(found: OpSources, ysrc: Source, dsrc: Source) -> str:
    cited = []
    rows = found.rows()
    if rows:
        lines = ",".join(f"{n}:{r.line}" for n, rs in rows.items() for r in rs)
        cited.append(dsrc.short(lines))
    keys = ",".join(f"{e.key}:{e.line}" for e in found.entries())
    if keys:
        cited.append(ysrc.short(keys))
    return "; ".join(cited) or ysrc.short("-")


QUANT_ROW = "linear"
"""The docs row a weight-only int8 linear is read from: its matmul takes int8 weights."""


def quant_facts(docs: dict[str, list[DocRow]]) -> dict[str, tuple[Support, str]]:
    """int8 weights: the ``linear`` row's INT8 cell (No on every generation: no int8 linear,
    so no weight-compressed one); int4: unknown (neither file has a 4-bit type)."""
    row = docs[QUANT_ROW][0]
    line = f"{DOCS_NAME}:{row.line} {QUANT_ROW} ({row.type}) INT8 {row.cells['INT8']}"
    return {"int8": ("yes" if row.cells["INT8"] == "Yes" else "no", line)}


def _custom_note(custom: dict[str, int]) -> str:
    """The ``quantized_decomposed`` dequantize kernel hpu_op.yaml lists without dtypes: an
    unfused int8 path, which hwsdk does not lower to."""
    return "; ".join(f"{YAML_NAME}:{n} lists quantized_decomposed::{k} with no dtype list "
                     "(an unfused int8 dequantize; hwsdk does not lower to it)"
                     for k, n in sorted(custom.items()))


def custom_dequantize(path: Path) -> dict[str, int]:
    """hpu_op.yaml's ``quantized_decomposed`` per-channel dequantize (int8 per channel is
    hwsdk's int8 format) → its line."""
    lines = _key_lines(path.read_text(encoding="utf-8"))
    return {k: n for k, n in lines.items() if k == "dequantize_per_channel"}


def build_variant(variant: str, entries: dict[str, Entry], docs: dict[str, list[DocRow]],
                  sources: dict[str, Source], entries_raw: dict[str, int] | None = None) -> str:
    """The JSON text of one variant's table."""
    ysrc, dsrc = sources[YAML_SOURCE], sources[DOCS_SOURCE]
    ops: dict[str, OpSupport] = {}
    extra: dict[str, Any] = {}
    for op, overloads in overloads_by_op().items():
        found = OpSources.lookup(op, overloads, entries, docs)
        facts = {dtype: found.fact(variant, dtype) for dtype in ALL_DTYPES}
        dtypes: dict[DType, Support] = {d: f.support for d, f in facts.items()}
        cites = [dsrc.cite(f"{n}:{r.line}") for n, rs in found.rows().items() for r in rs]
        cites += [ysrc.cite(f"{e.key}:{e.line}") for e in found.entries()]
        ops[op] = OpSupport(dtypes=dtypes,
                            note=_note(variant, op, overloads, found),
                            source=_source(found, ysrc, dsrc))
        extra[op] = {
            "aten": overloads, "provenance": cites,
            "level": "documented" if any(f.basis != F64_BASIS and f.support != "unknown"
                                         for f in facts.values()) else "undocumented",
            "basis": {str(d): f.basis for d, f in facts.items() if f.support != "unknown"},
            "hpu_op_yaml": {e.key: {"line": e.line, "kind": e.kind, "validator": e.validator,
                                    "per_generation": e.per_generation,
                                    "listed": [str(d) for d in e.listed.get(variant, [])]}
                            for e in found.entries()}}
    row = docs[QUANT_ROW][0]
    ops["dequantize"], basis = quant_entry(
        ops["dequantize"], quant_facts(docs), dsrc.short(f"{QUANT_ROW}:{row.line}"),
        _custom_note(entries_raw or {}))
    extra["dequantize"]["basis"].update(basis)
    extra["dequantize"].update(level="documented",
                               provenance=[dsrc.cite(f"{QUANT_ROW}:{row.line}")])
    note = (f"Intel Gaudi variant {variant} ({VARIANTS[variant]} in hpu_op.yaml). Generated by "
            "scripts/gen_vendor_tables.py; rules in docs/vendor-tables.md. Dtypes from "
            "Pytorch_Operators.rst; hpu_op.yaml's per-generation lists remove what this "
            "generation lacks; an op_validator is a run-time check noted on the op; unknown "
            "only where both files are silent.")
    return render(f"gaudi:{variant}", ysrc.version,
                  [dsrc.provenance(), ysrc.provenance(), SUPPORT_MATRIX], ops, extra, note)


def generate(vendor_data: Path, sources: dict[str, Source]) -> dict[str, str]:
    """Relative output path → JSON text, for every Gaudi variant."""
    entries = parse_yaml(vendor_data / YAML_SOURCE)
    docs = parse_docs(vendor_data / DOCS_SOURCE)
    custom = custom_dequantize(vendor_data / YAML_SOURCE)
    return {f"plugins/gaudi/hwsdk_gaudi/tables/{variant}.json":
            build_variant(variant, entries, docs, sources, custom) for variant in VARIANTS}
