"""Inferentia/Trainium tables from the torch-neuronx operator list, the neuronx-cc XLA operator
table (compiler.rst) and the NeuronCore data types (data-types.rst).

Rules (docs/vendor-tables.md):

* **Documented**: torch-neuronx lists one of the op's mapped ATen overloads (``aten::add``
  covers every ``add`` overload): ``yes``, dtypes from data-types.rst for the variant's
  NeuronCore version (listed types ``yes``, float64 ``no``, the rest ``unknown``).
* **Inferred**: the op is not listed, but every XLA operator hwsdk's lowering map
  (:mod:`.neuron_hlo`) gives it is in compiler.rst's table. Neither source says so for the op,
  so its dtypes stay ``unknown``, its note says "inferred from …" and its entry has
  ``level: inferred`` (the torch-neuronx list is not exhaustive, so this is no ``no`` either).
* **Undocumented**: anything else is ``unknown``.
* Every table carries a StaticShape constraint: Neuron compiles fixed shapes (bucketing).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hwsdk.capability import AttrIn, ConstantInput, OpSupport, Provenance, StaticShape, Support
from hwsdk.ir.dtypes import DType

from .common import ALL_DTYPES, Source, overloads_by_op, quant_entry, render, split_overload
from .neuron_hlo import HLO, REDUCE_OTHER_COMPUTATION

OPS_SOURCE = "neuron/pytorch-neuron-supported-operators.rst"
XLA_SOURCE = "neuron/compiler.rst"
DTYPES_SOURCE = "neuron/data-types.rst"
BUCKETING = Provenance(
    source="torch-neuronx Autobucketing developer guide (each bucket model accepts a static "
           "input shape)",
    version="Neuron documentation, latest",
    url_or_repo_path="https://awsdocs-neuron.readthedocs-hosted.com/en/latest/frameworks/torch/"
                     "torch-neuronx/programming-guide/inference/autobucketing-dev-guide.html")
STATIC_WHY = ("Neuron compiles each graph for fixed input shapes; serve varying sizes by "
              "bucketing: pad to a few fixed shapes, one traced model per bucket")

_CORE_V2: dict[DType, Support] = {
    DType.f32: "yes", DType.f16: "yes", DType.bf16: "yes", DType.f8e5m2: "yes", DType.u8: "yes",
    DType.i32: "yes", DType.i64: "yes"}
# variant → (NeuronCore version as data-types.rst names it, dtype → support)
VARIANTS: dict[str, tuple[str, dict[DType, Support]]] = {
    "inf2": ("NeuronCore-v2 (data-types.rst 'Trn1 / Inf2 (NeuronCore v2)')", _CORE_V2),
    "trn1": ("NeuronCore-v2 (data-types.rst 'Trn1 / Inf2 (NeuronCore v2)')", _CORE_V2),
    "trn2": ("NeuronCore-v3 (data-types.rst 'Trn2 (NeuronCore v3)')", _CORE_V2),
}
DTYPE_NOTES = {
    "inf2": "i64 runs auto-converted to int32 (data-types.rst: 'On Trn1, 64-bit integers are "
            "always auto-converted to 32-bit integers', NeuronCore v2)",
    "trn1": "i64 runs auto-converted to int32 (data-types.rst, NeuronCore v2)",
    "trn2": "i64 native with neuronx-cc --native-int64 (data-types.rst, NeuronCore v3); "
            "compiler.rst 2.32: the default still downcasts to int32",
}
INT_TYPES_LINE = ("data-types.rst:99-106 'Trn1 supports the following data types': of the "
                  "integers only UINT8, INT32 and UINT32 (NeuronCore v3 adds INT64, UINT64, "
                  "line 224)")
QUANT_FACTS: dict[str, tuple[Support, str]] = {
    "int8": ("no", f"{INT_TYPES_LINE}: no INT8"),
    "int4": ("no", f"{INT_TYPES_LINE}: no 4-bit integer"),
}
"""The weight formats against the NeuronCore data types, which that page lists in full per
core version (the ops' own dtypes are ``unknown`` beyond it: their lists are not)."""
FP8_E4M3_NOTE = ("data-types.rst lists FP8_e4m3 without saying whether it is torch's "
                 "float8_e4m3fn encoding, so f8e4m3fn is unknown")


def parse_torch_neuronx(path: Path) -> list[str]:
    """ATen op names (``_softmax``) listed by the torch-neuronx supported-operators page."""
    names = re.findall(r"\|\s*aten::(\S+?)\s*\|", path.read_text(encoding="utf-8"))
    return sorted({n.replace("\\", "") for n in names})


def listed_lines(path: Path) -> dict[str, int]:
    """Line number of each ``aten::`` name of the torch-neuronx page (for ``basis``)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.search(r"\|\s*aten::(\S+?)\s*\|", line)
        if match:
            lines.setdefault(match.group(1).replace("\\", ""), number)
    return lines


def parse_xla_table(path: Path) -> dict[str, str]:
    """The 'Supported XLA Operators | Notes' grid table: operator → note."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "Supported XLA Operators" in line
                 and line.startswith("|"))
    table: dict[str, str] = {}
    name, note = "", list[str]()
    for line in lines[start + 2:]:
        if line.startswith("+"):
            if name:
                table[name] = " ".join(note).strip()
            name, note = "", list[str]()
            continue
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0]:
            name = name or cells[0].split()[0]
        if len(cells) > 1 and cells[1]:
            note.append(cells[1])
    return table


def _constraints(op: str, xla: dict[str, str]) -> list[Any]:
    if op == "pow" and xla.get("Pow"):
        # the exponent is input 1, or the scalar attr; with scalar_first it is the tensor
        return [ConstantInput(input=1), AttrIn(attr="scalar_first", values=[False])]
    return []


def classify(op: str, overloads: list[str], listed: list[str],
             xla: dict[str, str]) -> tuple[Support, str, str, list[str]]:
    """(status yes|no|unknown, level, note, sources used) for one core op.

    ``level`` is ``documented`` (torch-neuronx lists the op), ``inferred`` (hwsdk's lowering
    map reaches only operators compiler.rst lists; the status stays ``unknown`` and the note
    says "inferred from …") or ``undocumented`` (no source covers it).
    """
    hits = sorted({split_overload(o)[0] for o in overloads} & set(listed))
    if hits:
        return "yes", "documented", "torch-neuronx lists " + ", ".join(
            f"aten::{h}" for h in hits), [OPS_SOURCE]
    if op not in HLO:
        return "unknown", "undocumented", "neither source covers this op", []
    needed = HLO[op]
    missing = [h for h in needed if h not in xla]
    if missing:
        return "unknown", "undocumented", (
            "not in the torch-neuronx list; lowers to XLA " + ", ".join(needed)
            + ", and compiler.rst's XLA table does not list " + ", ".join(missing)), [
            OPS_SOURCE, XLA_SOURCE]
    via = ", ".join(needed) or "no computation (alias/copy)"
    inferred = (f"inferred from compiler.rst's XLA table (not documented for this ATen op): "
                f"not in the torch-neuronx list; hwsdk's lowering map gives XLA {via}")
    if op in REDUCE_OTHER_COMPUTATION:
        return "unknown", "inferred", (
            f"{inferred}, but it needs {REDUCE_OTHER_COMPUTATION[op]} and compiler.rst says of "
            f"Reduce: '{xla['Reduce']}', so it likely does not compile"), [XLA_SOURCE]
    notes = [f"{h}: {xla[h]}" for h in needed if xla.get(h)]
    text = f"{inferred}, all listed" + (" (notes: " + "; ".join(notes) + ")" if notes else "")
    return "unknown", "inferred", text, [OPS_SOURCE, XLA_SOURCE]


def _basis(status: str, overloads: list[str], lines: dict[str, int],
           dtypes: dict[DType, Support]) -> dict[str, str]:
    """The raw line each yes/no cell rests on: the torch-neuronx row (the dtype's own line
    is data-types.rst's NeuronCore section, cited in the provenance)."""
    names = sorted({split_overload(o)[0] for o in overloads} & set(lines))
    result = {}
    for dtype, support in dtypes.items():
        if dtype == DType.f64:
            result[str(dtype)] = "data-types.rst lists no 64-bit float"
        elif support == "yes" and status == "yes" and names:
            result[str(dtype)] = (f"pytorch-neuron-supported-operators.rst:{lines[names[0]]} "
                                  f"aten::{names[0]}")
    return result


def build_variant(variant: str, listed: list[str], xla: dict[str, str],
                  sources: dict[str, Source], lines: dict[str, int]) -> str:
    """The JSON text of one variant's table."""
    core, supported = VARIANTS[variant]
    ops: dict[str, OpSupport] = {}
    extra: dict[str, Any] = {}
    for op, overloads in overloads_by_op().items():
        status, level, note, used = classify(op, overloads, listed, xla)
        dtypes: dict[DType, Support] = {}
        for dtype in ALL_DTYPES:
            if status == "yes":
                dtypes[dtype] = supported.get(dtype, "unknown")
            else:
                dtypes[dtype] = status
        dtypes[DType.f64] = "no"
        if status == "yes":
            used = [*used, DTYPES_SOURCE]
        cites = [sources[s].cite(op) for s in used] + [sources[DTYPES_SOURCE].cite("FP64")]
        ops[op] = OpSupport(dtypes=dtypes, constraints=_constraints(op, xla),
                            note=note + "; float64: no (data-types.rst lists no FP64)",
                            source="; ".join(sources[s].short() for s in used)
                            or sources[DTYPES_SOURCE].short())
        extra[op] = {"aten": overloads, "provenance": cites, "hlo": list(HLO.get(op, ())),
                     "status": status, "level": level,
                     "basis": _basis(status, overloads, lines, dtypes)}
    dsrc = sources[DTYPES_SOURCE]
    ops["dequantize"], basis = quant_entry(ops["dequantize"], QUANT_FACTS, dsrc.short("99-106"))
    extra["dequantize"]["basis"].update(basis)
    extra["dequantize"].update(level="documented", provenance=[dsrc.cite("99-106")])
    note = (f"AWS Neuron variant {variant}: {core}. Generated by scripts/gen_vendor_tables.py; "
            f"rules in docs/vendor-tables.md. {DTYPE_NOTES[variant]}. {FP8_E4M3_NOTE}. "
            "Dynamic shapes need bucketing (static-shape constraint).")
    provenance = [sources[s].provenance() for s in (OPS_SOURCE, XLA_SOURCE, DTYPES_SOURCE)]
    return render(f"inferentia:{variant}", sources[XLA_SOURCE].version,
                  [*provenance, BUCKETING], ops, extra, note,
                  constraints=[StaticShape(why=STATIC_WHY)])


def generate(vendor_data: Path, sources: dict[str, Source]) -> dict[str, str]:
    """Relative output path → JSON text, for every Neuron variant."""
    listed = parse_torch_neuronx(vendor_data / OPS_SOURCE)
    xla = parse_xla_table(vendor_data / XLA_SOURCE)
    lines = listed_lines(vendor_data / OPS_SOURCE)
    return {f"plugins/inferentia/hwsdk_inferentia/tables/{variant}.json":
            build_variant(variant, listed, xla, sources, lines) for variant in VARIANTS}
