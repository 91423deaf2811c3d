"""The intel target's capability tables: what the OpenVINO lowering implements, per op and dtype.

Every ``yes`` for ``intel:cpu`` is exercised by ``plugins/intel/tests/test_intel_ops.py``, which
lowers the op, compiles it for OpenVINO's CPU device and compares it with the op's PyTorch
reference; the test builds its cases from :data:`CLAIMS`, so a claim without a case fails.
The GPU and NPU tables reuse the same lowering; where those devices are known to differ
(NPU compiles static shapes only) it is a constraint or ``unknown``.
"""

from __future__ import annotations

from hwsdk.plugin import (
    OPSET_VERSION,
    CapabilityTable,
    Constraint,
    DType,
    OpSupport,
    Provenance,
    StaticShape,
    Support,
    UnhandledInputs,
)
from hwsdk_intel.devices import DEVICES, VARIANTS

__all__ = ["CLAIMS", "TESTED_OPENVINO", "table", "VARIANTS", "DEVICES", "FRONTEND_MISSING"]

TESTED_OPENVINO = "2026.4.1"
"""The OpenVINO release the claims were tested with (``openvino.get_version()`` prefix)."""


_F = (DType.f32, DType.f16)
_FI = (*_F, DType.i32)
_ALL = (*_FI, DType.bool)

CLAIMS: dict[str, tuple[DType, ...]] = {
    **dict.fromkeys(("neg", "abs", "relu", "clamp", "add", "sub", "mul", "maximum", "minimum",
                     "eq", "ne", "lt", "le", "gt", "ge", "where", "amax", "amin", "index_select",
                     "gather", "index_copy"), _FI),
    **dict.fromkeys(("exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh", "erf",
                     "sigmoid", "silu", "gelu", "div", "pow", "softmax", "log_softmax",
                     "layer_norm", "rms_norm", "batch_norm", "linear", "matmul", "addmm",
                     "conv", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "embedding",
                     "mean", "sum", "cumsum"), _F),
    "scaled_dot_product_attention": (*_F, DType.bool),
    **dict.fromkeys(("logical_not", "logical_and", "logical_or"), (DType.bool,)),
    **dict.fromkeys(("reshape", "permute", "expand", "slice", "select", "squeeze", "unsqueeze",
                     "copy", "cat", "split", "cast", "triu", "tril"), _ALL),
    "argmax": (DType.f32, DType.i32),
    "arange": (DType.f32, DType.i32),
    "full": (DType.f32, DType.i32, DType.bool),
    "dequantize": (DType.i8, DType.u8, DType.f32),  # int8 data, packed int4 data, f32 scales
}
"""Core op → the dtypes the lowering implements and the tests verify on the CPU device.

No i64: OpenVINO's CPU plugin computes i64 tensors as i32, so values beyond ±2^31 wrap, even
through a reshape (``test_i64_is_computed_as_i32`` shows it). Integer ``sum``/``cumsum`` are
left out too: torch accumulates them in i64. Index inputs (embedding ids, gather indices) are
not data dtypes and stay accepted."""

_NOT_BOUND = (DType.f64, DType.bf16, DType.i64, DType.f8e4m3fn, DType.f8e5m2,
              DType.f8e4m3fnuz, DType.f8e5m2fnuz)
_NOTE_NOT_BOUND = ("i64 runs as i32 and f64 as f32 on OpenVINO CPU (values beyond i32/f32 "
                   "change); bf16 tensors are not bound by this lowering (ask for "
                   "precision='bf16' instead); fp8 is not lowered.")

FRONTEND_MISSING = frozenset({"layer_norm", "dequantize"})
"""Claimed ops none of whose ATen overloads is in OpenVINO's own torch.export frontend table
(``get_supported_ops_fx`` in op_table.cpp, see provenance); checked by the tests when the file
is at hand. hwsdk lowers them anyway: the lowering does not go through that frontend
(``dequantize`` has no ATen overload; the frontend skips torch's dequantize ops)."""

_OP_CONSTRAINTS: dict[str, list[Constraint]] = {}

_PROVENANCE = [
    Provenance(source="hwsdk-intel op tests: each claimed op x dtype lowered, compiled for the "
                      "OpenVINO CPU device and compared with the op's PyTorch reference",
               version=f"OpenVINO {TESTED_OPENVINO}",
               url_or_repo_path="plugins/intel/tests/test_intel_ops.py", retrieved="2026-11-22"),
    Provenance(source="OpenVINO PyTorch frontend op table (cross-check of op names; no dtypes)",
               version="OpenVINO master",
               url_or_repo_path="openvinotoolkit/openvino:src/frontends/pytorch/src/op_table.cpp"
                                "@8792f71e7eb75f7c81582f08e6d212582093806a",
               retrieved="2026 (see /work/shared/vendor-data/SOURCES.md)"),
    Provenance(source="OpenVINO CPU runtime model of a dequantize -> linear region: "
                      "FullyConnected with runtimePrecision i8 / u4 (weights kept compressed), "
                      "checked by the tests",
               version=f"OpenVINO {TESTED_OPENVINO}",
               url_or_repo_path="plugins/intel/tests/test_intel_quant.py", retrieved="2026-12-01"),
]

_VARIANT_NOTES = {
    "cpu": "Verified on this lowering's tests on the CPU device. f32 by default "
           "(INFERENCE_PRECISION_HINT=f32); bf16/f16 only through the precision option.",
    "gpu": "Same lowering as intel:cpu; not run on a GPU here, so i32 is unknown (i64 is no, as "
           "on CPU); a region the GPU plugin rejects falls back to PyTorch with COMPILE_FAILED.",
    "npu": "Same lowering as intel:cpu; not run on an NPU here. The NPU plugin compiles static "
           "shapes only and computes in f16 internally; integer support is unknown.",
}


def _dtypes(op: str, variant: str) -> dict[DType, Support]:
    claimed = CLAIMS[op]
    result: dict[DType, Support] = {}
    for dtype in DType:
        if dtype in claimed:
            int_unknown = variant != "cpu" and dtype in (DType.i32, DType.i8, DType.u8)
            result[dtype] = "unknown" if int_unknown else "yes"
        elif dtype in _NOT_BOUND:
            result[dtype] = "no"
        else:
            result[dtype] = "unknown"
    return result


_UNHANDLED: dict[str, tuple[tuple[str, ...], str]] = {
    "scaled_dot_product_attention": (
        ("nan_inf",), "rows holding NaN or inf: OpenVINO's fused attention and PyTorch's CPU "
                      "kernel give different results (as ONNX Runtime's do, see the cpu target)"),
    "layer_norm": (
        ("zero_stride",), "a constant row normalises rounding noise: OpenVINO's MVN leaves "
                          "x - mean ~1e-7, which 1/sqrt(eps) lifts to ~3e-5, beyond the kit's "
                          "tolerance (PyTorch's kernel gets exactly 0)"),
}
"""Op → (input classes the conformance kit found differing from PyTorch, why)."""


def _op_constraints(op: str) -> list[Constraint]:
    declared = list(_OP_CONSTRAINTS.get(op, []))
    if op in _UNHANDLED:
        classes, why = _UNHANDLED[op]
        declared.append(UnhandledInputs(classes=list(classes), why=why))  # type: ignore[arg-type]
    return declared


def table(variant: str = "cpu") -> CapabilityTable:
    """The capability table of ``intel:<variant>`` (no openvino import: works offline)."""
    ops = {
        op: OpSupport(dtypes=_dtypes(op, variant), constraints=_op_constraints(op),
                      note=_NOTE_NOT_BOUND,
                      source="hwsdk-intel lowering; " + (
                          "not in OpenVINO's torch.export frontend table" if op in
                          FRONTEND_MISSING else "also in OpenVINO's torch.export frontend table"))
        for op in sorted(CLAIMS)
    }
    constraints: list[Constraint] = []
    if variant == "npu":
        constraints.append(StaticShape(why="the OpenVINO NPU plugin compiles static shapes only"))
    return CapabilityTable(
        target=f"intel:{variant}", version=TESTED_OPENVINO, opset_version=OPSET_VERSION,
        provenance=_PROVENANCE, ops=ops, constraints=constraints, note=_VARIANT_NOTES[variant])
