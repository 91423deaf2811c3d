"""Inferentia/Trainium tables from the torch-neuronx operator list, the neuronx-cc XLA operator
table (compiler.rst) and the NeuronCore data types (data-types.rst).

Rules (docs/vendor-tables.md):

* A core op is supported when torch-neuronx lists one of its mapped ATen overloads
  (``aten::add`` covers every ``add`` overload), or when every XLA operator it lowers to
  (:mod:`.neuron_hlo`) is in the neuronx-cc table. A table note that states a restriction
  becomes a constraint (Pow: compile-time constant exponent) or a ``no`` (Reduce: only Min,
  Max, Add, Mul); one hwsdk cannot check statically (Gather's index maps) leaves ``unknown``.
  An operator missing from the table, or an op with no mapping, is ``unknown``.
* Dtypes of a supported op come from data-types.rst for the variant's NeuronCore version:
  listed types ``yes``; bool ``yes`` only for ops built on XLA predicates (Compare, Select,
  Logical*); float64 ``no`` (no NeuronCore version lists it); the rest ``unknown``.
* Every table carries a StaticShape constraint: Neuron compiles fixed shapes (bucketing).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hwsdk.capability import AttrIn, ConstantInput, OpSupport, Provenance, StaticShape, Support
from hwsdk.ir.dtypes import DType

from .common import ALL_DTYPES, Source, overloads_by_op, render, split_overload
from .neuron_hlo import HLO, PREDICATE_OPS, REDUCE_OTHER_COMPUTATION

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
FP8_E4M3_NOTE = ("data-types.rst lists FP8_e4m3 without saying whether it is torch's "
                 "float8_e4m3fn encoding, so f8e4m3fn is unknown")


def parse_torch_neuronx(path: Path) -> list[str]:
    """ATen op names (``_softmax``) listed by the torch-neuronx supported-operators page."""
    names = re.findall(r"\|\s*aten::(\S+?)\s*\|", path.read_text(encoding="utf-8"))
    return sorted({n.replace("\\", "") for n in names})


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
             xla: dict[str, str]) -> tuple[Support, str, list[str]]:
    """(status yes|no|unknown, note, sources used) for one core op."""
    hits = sorted({split_overload(o)[0] for o in overloads} & set(listed))
    if hits:
        return "yes", "torch-neuronx lists " + ", ".join(f"aten::{h}" for h in hits), [
            OPS_SOURCE]
    if op not in HLO:
        return "unknown", "neither source covers this op", []
    needed = HLO[op]
    missing = [h for h in needed if h not in xla]
    if missing:
        return "unknown", ("not in the torch-neuronx list; lowers to XLA " + ", ".join(needed)
                           + ", and compiler.rst's XLA table does not list "
                           + ", ".join(missing)), [OPS_SOURCE, XLA_SOURCE]
    if op in REDUCE_OTHER_COMPUTATION:
        return "no", (f"needs {REDUCE_OTHER_COMPUTATION[op]}; compiler.rst: Reduce '"
                      f"{xla['Reduce']}'"), [XLA_SOURCE]
    notes = [f"{h}: {xla[h]}" for h in needed if xla.get(h)]
    if "Gather" in needed and xla.get("Gather"):
        return "unknown", ("compiler.rst: Gather " + xla["Gather"] + "; hwsdk cannot check "
                           "that before lowering"), [OPS_SOURCE, XLA_SOURCE]
    text = "via XLA " + (", ".join(needed) or "no computation (alias/copy)") + \
        ", all in compiler.rst's XLA table" + (" (notes: " + "; ".join(notes) + ")"
                                               if notes else "")
    return "yes", text, [OPS_SOURCE, XLA_SOURCE]


def build_variant(variant: str, listed: list[str], xla: dict[str, str],
                  sources: dict[str, Source]) -> str:
    """The JSON text of one variant's table."""
    core, supported = VARIANTS[variant]
    ops: dict[str, OpSupport] = {}
    extra: dict[str, Any] = {}
    for op, overloads in overloads_by_op().items():
        status, note, used = classify(op, overloads, listed, xla)
        dtypes: dict[DType, Support] = {}
        for dtype in ALL_DTYPES:
            if status == "yes":
                dtypes[dtype] = supported.get(dtype, "unknown")
            else:
                dtypes[dtype] = status
        if status == "yes" and PREDICATE_OPS & set(HLO.get(op, ())):
            dtypes[DType.bool] = "yes"
        dtypes[DType.f64] = "no"
        if status == "yes":
            used = [*used, DTYPES_SOURCE]
        cites = [sources[s].cite(op) for s in used] + [sources[DTYPES_SOURCE].cite("FP64")]
        ops[op] = OpSupport(dtypes=dtypes, constraints=_constraints(op, xla),
                            note=note + "; float64: no (data-types.rst lists no FP64)",
                            source="; ".join(sources[s].short() for s in used)
                            or sources[DTYPES_SOURCE].short())
        extra[op] = {"aten": overloads, "provenance": cites, "hlo": list(HLO.get(op, ())),
                     "status": status}
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
    return {f"plugins/inferentia/hwsdk_inferentia/tables/{variant}.json":
            build_variant(variant, listed, xla, sources) for variant in VARIANTS}
