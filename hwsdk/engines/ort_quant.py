"""Quantized weights in ONNX Runtime: how they run (the ``quantized_matmul`` option), and what
ORT made of them, read back from its optimized model.

The lowering turns each ``dequantize → linear`` into ``com.microsoft.MatMulNBits``
(:mod:`hwsdk.lower.onnx.ops_quant`) at the ``accuracy_level`` the mode gives (:data:`MODES`):

- ``fused`` (default): level 1, float32 compute: weight-only, within ~1e-6 of the reference.
- ``int8_compute``: level 4: ORT also quantizes the *activations* to int8, per block, at every
  call: faster on x86 (its int8 kernels), and a precision change the region's details record
  with its measured error (:data:`INT8_COMPUTE_ERROR`).
- ``decompress``: no MatMulNBits: the weight is dequantized in the graph and ORT folds it into a
  float32 constant at session creation: float32 speed, float32 weights in ORT's memory.

Measured on ORT 1.32's CPU kernels in bench/results/quant.md.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.errors import InvalidArgumentError

__all__ = ["MODES", "INT8_COMPUTE_ERROR", "accuracy_level", "prepare", "fusion_details",
           "discard", "unfused", "record_unfused"]

MODES: dict[str, int | None] = {"fused": 1, "int8_compute": 4, "decompress": None}
"""``quantized_matmul`` value → MatMulNBits ``accuracy_level`` (None: no MatMulNBits)."""

INT8_COMPUTE_ERROR = 2e-2
"""The relative error (max abs difference over max abs value) of ``int8_compute`` against the
eager-dequantized reference that tests/engines/test_ort_quant.py bounds; measured 5e-3 to 1e-2
on random inputs (activations quantized per block of 32 to 128)."""

_FUSED = "MatMulNBits"
_DTYPE_BYTES = {1: 4, 2: 1, 3: 1, 10: 2, 16: 2}  # onnx float, uint8, int8, float16, bfloat16


def accuracy_level(options: Mapping[str, Any]) -> int | None:
    """The MatMulNBits ``accuracy_level`` the ``quantized_matmul`` option asks for (None:
    weights dequantized to float).

    :raises InvalidArgumentError: for a mode outside :data:`MODES`.
    """
    mode = options.get("quantized_matmul", "fused")
    if mode not in MODES:
        raise InvalidArgumentError(f"option quantized_matmul must be one of {list(MODES)}, "
                                   f"got {mode!r}")
    return MODES[mode]


def _quantized(model: Any) -> bool:
    return model is not None and any(n.op_type in (_FUSED, "DequantizeLinear")
                                     for n in model.graph.node)


def prepare(so: Any, model: Any, mode: str = "fused") -> str | None:
    """Set ``so`` up for a model holding quantized weights, as ``mode`` asks, with ORT's
    optimized model written to a temporary file; return that file's path (None for a model
    without quantized weights: ``so`` is left unchanged).

    :raises InvalidArgumentError: for a mode outside :data:`MODES`.
    """
    level = accuracy_level({"quantized_matmul": mode})
    if not _quantized(model):
        return None
    if level is None:  # fold DequantizeLinear into a float constant (ORT keeps it otherwise)
        so.add_session_config_entry("session.disable_quant_qdq", "1")
    else:  # ORT's own DequantizeLinear → MatMul fusion, if it finds one, at the same level
        so.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", str(level))
    handle, path = tempfile.mkstemp(prefix="hwsdk_ort_", suffix=".onnx")
    os.close(handle)
    so.optimized_model_filepath = path
    return path


def _nbytes(tensor: Any) -> int:
    count = 1
    for d in tensor.dims:
        count *= int(d)
    return count * _DTYPE_BYTES.get(int(tensor.data_type), 4)


def fusion_details(path: str, mode: str = "fused") -> dict[str, Any]:
    """What ORT runs for the quantized weights, read from its optimized model at ``path``
    (removed afterwards): the MatMulNBits nodes, their bits and accuracy level, the bytes of
    their weight inputs (B, scales, zero points) as ORT's graph holds them, and how many
    ``DequantizeLinear`` were left (each one decompresses a weight at every call)."""
    import onnx

    try:
        model = onnx.load(path, load_external_data=False)
    finally:
        discard(path)
    sizes = {t.name: _nbytes(t) for t in model.graph.initializer}
    fused = [n for n in model.graph.node if n.op_type == _FUSED]
    left = sum(1 for n in model.graph.node if n.op_type == "DequantizeLinear")
    attrs = [{a.name: a.i for a in n.attribute} for n in fused]
    details: dict[str, Any] = {
        "mode": mode, "fused_matmul_nbits": len(fused), "dequantize_left": left,
        "bits": sorted({a.get("bits", 0) for a in attrs}),
        "accuracy_level": sorted({a.get("accuracy_level", 0) for a in attrs}),
        "block_size": sorted({a.get("block_size", 0) for a in attrs}),
        "bytes_in_engine": sum(sizes.get(i, 0) for n in fused for i in list(n.input)[1:4]),
        "weights_stay_compressed": bool(fused) and left == 0}
    if mode == "int8_compute":
        details["precision"] = (f"activations quantized to int8 per block (MatMulNBits "
                                f"accuracy_level 4): relative error up to "
                                f"{INT8_COMPUTE_ERROR:g} of the weight-only result")
    return details


def unfused(nodes: Sequence[Any], graph: Any, level: int | None) -> dict[str, str]:
    """The ``linear`` nodes among ``nodes`` reading a dequantized weight that are not one
    MatMulNBits, each with the reason (their weight runs as float)."""
    from hwsdk.lower.onnx.ops_quant import nbits_reason

    dequantized = {n.outputs[0]: n for n in nodes if n.op == "dequantize"}
    found = {}
    for node in nodes:
        dq = dequantized.get(node.inputs[1]) if node.op == "linear" else None
        if dq is not None:
            reason = ("quantized_matmul='decompress'" if level is None
                      else nbits_reason(node, dq, graph))
            if reason:
                found[node.id] = reason
    return found


def record_unfused(details: dict[str, Any], region: Any, level: int | None) -> None:
    """Add to a compiled region's ``details["quantized_weights"]`` the linears whose quantized
    weight ORT holds as float (:func:`unfused`), under ``dequantized_to_float``."""
    found = unfused(region.nodes, region.graph, level)
    if found:
        mode = next(m for m, lvl in MODES.items() if lvl == level)
        entry = details.setdefault("quantized_weights", {
            "mode": mode, "fused_matmul_nbits": 0, "weights_stay_compressed": False})
        entry["dequantized_to_float"] = found


def discard(path: str | None) -> None:
    """Remove the optimized model :func:`prepare` asked for (no-op for None)."""
    if path and os.path.exists(path):
        os.remove(path)
