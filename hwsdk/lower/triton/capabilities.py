"""The op table of the Triton lowering, shared by the GPU plugins that use it.

A plugin says which dtypes its arch has (from its vendor's documents); this module says which
ops the generator emits and under what constraints, so both halves of each fact have one home.
Compute ops are generated for f32/f16/bf16 (and i64/i32/bool for elementwise, comparison,
shape, indexing (index_copy included) and cat ops, i64/i32 for argmax, and i64/i32/bool for
cumsum, which sums them in int64); fp8 values enter and leave through ``cast``, shape, indexing
and cat ops only. ``dequantize`` runs for the weight formats the plugin's vendor documents
(``quant``: int8 and int4 weight-only, each with the line it rests on), fused into the load of
the ``linear`` that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping

from hwsdk.capability import (
    Constraint,
    MaxDimSize,
    OpSupport,
    ReasonCode,
    Support,
    UnhandledInputs,
    Verdict,
)
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.ops.quant import FORMAT_DTYPES
from hwsdk.lower.triton.ops import (
    ATTENTION_OPS,
    CONV_OPS,
    ELEMENTWISE,
    GATHER_OPS,
    MATMUL_OPS,
    MAX_HEAD_DIM,
    MAX_ROW,
    MOVE_OPS,
    QUANT_OPS,
    ROW_OPS,
    SCAN_OPS,
    VIEW_OPS,
    unsupported_reason,
)

__all__ = ["op_table", "check_node", "FLOAT_COMPUTE", "INT_COMPUTE", "FP8", "QuantFacts",
           "quant_entry"]

FLOAT_COMPUTE = (DType.f32, DType.f16, DType.bf16)
INT_COMPUTE = (DType.i64, DType.i32, DType.bool)
FP8 = (DType.f8e4m3fn, DType.f8e5m2, DType.f8e4m3fnuz, DType.f8e5m2fnuz)
_BOOL_OPS = frozenset({"logical_and", "logical_or", "logical_not", "eq", "ne", "where", "cast",
                       "copy"})
_INT_OPS = ELEMENTWISE - {"exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "erf",
                          "sigmoid", "silu", "gelu", "reciprocal", "pow"}


def _entry(op: str, hw: Mapping[DType, Support]) -> OpSupport:
    moves = op in VIEW_OPS or op in MOVE_OPS  # values moved as they are, in any dtype
    dtypes: dict[DType, Support] = {}
    for dt in DType:
        if dt is DType.f64:
            dtypes[dt] = "no"
        elif dt in FLOAT_COMPUTE:
            dtypes[dt] = hw.get(dt, "unknown")
        elif dt is DType.bool:  # bool arithmetic would wrap in int1: logic and masks only
            ok = op in _BOOL_OPS or moves or op in ATTENTION_OPS or op in SCAN_OPS
            dtypes[dt] = "yes" if ok else "no"
        elif dt in INT_COMPUTE:
            ok = op in _INT_OPS or moves or op in SCAN_OPS or op == "argmax"
            dtypes[dt] = "yes" if ok else "no"
        elif dt in FP8:
            dtypes[dt] = hw.get(dt, "no") if op == "cast" or moves else "no"
        else:
            dtypes[dt] = "unknown" if op in _INT_OPS or moves else "no"
    if op == "logical_not":  # the core op set types its result like its input, not bool
        dtypes = {dt: "yes" if dt is DType.bool else "no" for dt in DType}
    constraints: list[Constraint] = []
    note = ""
    if op in ATTENTION_OPS:
        constraints = [MaxDimSize(max=MAX_HEAD_DIM, input=0, dim=-1),
                       MaxDimSize(max=MAX_HEAD_DIM, input=2, dim=-1),
                       UnhandledInputs(classes=["nan_inf"],
                                       why="rows holding NaN or inf: the online softmax and "
                                           "PyTorch's CPU attention kernel give different "
                                           "results")]
        note = "flash-attention-style kernel: online softmax, causal and boolean/additive masks"
    elif op in ROW_OPS:
        note = "one pass per row; trailing dims only, row of at most 16384 elements"
    elif op in MATMUL_OPS:
        note = "tiled tl.dot, fp32 accumulation (ieee precision for f32), epilogue fused"
    elif op == "cast" and any(hw.get(dt) == "yes" for dt in _FNUZ):
        constraints = [UnhandledInputs(classes=["nan_inf"],
                                       why="a float8 fnuz NaN (0x80) casts to 0.0 in the "
                                           "emulated kernels (found by the conformance kit; "
                                           "unchecked on a device)")]
    elif op in VIEW_OPS:
        note = "a torch view between kernels, or absorbed by the kernel (contiguous reshape)"
    elif op in GATHER_OPS:
        note = ("one load per output element through the index; an index outside its dim "
                "reads 0 (PyTorch raises IndexError)")
    elif op == "cat":
        note = "one kernel: each output element loads from the input whose range holds it"
    elif op == "index_copy":
        note = ("one kernel: each position along dim loads from the last source slice whose "
                "index names it, else from x (duplicate indices: the last write wins); an "
                "index outside its dim writes nothing (PyTorch raises IndexError)")
    elif op in SCAN_OPS:
        note = (f"one-pass tl.cumsum per line; the scanned dim static, at most {MAX_ROW} "
                "elements; floats sum in fp32, integers and bool in int64")
    elif op in CONV_OPS:
        note = ("implicit-GEMM kernel (1-d/2-d/3-d, groups, stride, padding, dilation), fp32 "
                "accumulation; channels, spatial sizes and weight static")
    return OpSupport(dtypes=dtypes, constraints=constraints, note=note,
                     source="hwsdk.lower.triton (tests/lower/triton)")


_FNUZ = (DType.f8e4m3fnuz, DType.f8e5m2fnuz)

QuantFacts = Mapping[str, tuple[Support, str]]
"""Weight format (``"int8"``, ``"int4"``: :data:`~hwsdk.ir.ops.quant.FORMAT_DTYPES`) → its
support on an arch and the vendor's line it rests on (empty: the vendor is silent)."""


def quant_entry(hw: Mapping[DType, Support], quant: QuantFacts, source: str) -> OpSupport:
    """``dequantize``: each weight format as its vendor states it, scales in the arch's float
    dtypes.

    :param source: the vendor document the formats' facts come from.
    """
    dtypes: dict[DType, Support] = dict.fromkeys(DType, "no")
    basis = []
    for fmt, dt in FORMAT_DTYPES.items():
        support, line = quant.get(fmt, ("unknown", ""))
        dtypes[dt] = support
        basis.append(f"{fmt} weights ({dt} data): {support}"
                     + (f", {line}" if line else ", the vendor's sources are silent"))
    for dt in FLOAT_COMPUTE:
        dtypes[dt] = hw.get(dt, "unknown")
    note = ("fused into the weight load of the linear reading it (one matmul kernel, no float "
            "weight stored), else a kernel writing the float weight; " + "; ".join(basis))
    return OpSupport(dtypes=dtypes, note=note,
                     source=f"{source}; hwsdk.lower.triton (tests/lower/triton/test_quant.py)")


def op_table(hw: Mapping[DType, Support], quant: QuantFacts | None = None,
             quant_source: str = "") -> dict[str, OpSupport]:
    """The ``ops`` of a capability table for an arch whose float dtypes are ``hw``.

    :param hw: arch facts for f32/f16/bf16 and the fp8 types (missing: unknown / no).
    :param quant: arch facts for the quantized weight formats (missing: unknown).
    :param quant_source: the document ``quant`` comes from.
    """
    ops = sorted({*ELEMENTWISE, *VIEW_OPS, *ROW_OPS, *MATMUL_OPS, *ATTENTION_OPS, *MOVE_OPS,
                  *SCAN_OPS, *CONV_OPS})
    table = {op: _entry(op, hw) for op in ops}
    for op in sorted(QUANT_OPS):
        table[op] = quant_entry(hw, quant or {}, quant_source or "no vendor source given")
    return table


def check_node(target: str, node: Node, graph: Graph) -> Verdict | None:
    """The dynamic check of the lowering (None: fine), for a plugin's ``hwsdk_check``."""
    reason = unsupported_reason(node, graph)
    if reason is None:
        return None
    return Verdict(target=target, node_id=node.id, ok=False, code=ReasonCode.CONSTRAINT,
                   reason=reason)
