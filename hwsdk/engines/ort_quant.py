"""Quantized weights in ONNX Runtime: the session settings for them, and the check that ORT
fused each ``DequantizeLinear → MatMul`` into ``com.microsoft.MatMulNBits``.

ORT's fusion gives MatMulNBits ``accuracy_level`` 4 by default, which quantizes the
*activations* to int8 as well (relative error ~5e-3 on float32 inputs): a precision change the
user did not ask for with a weight-only scheme. hwsdk asks for level 1 (float32 compute) unless
the ``quantized_matmul`` option says otherwise (:data:`MODES`), and records the mode and level
in the region's details. Measured on ORT 1.32's CPU kernels (bench/results/quant.md), the 8-bit
float32-compute MatMulNBits is much slower than a float32 MatMul: ``decompress`` trades the
memory saving for float32 speed.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from hwsdk.errors import InvalidArgumentError

__all__ = ["ACCURACY_LEVEL", "MODES", "prepare", "fusion_details", "discard"]

ACCURACY_LEVEL = "1"
"""MatMulNBits ``accuracy_level`` hwsdk asks for: 1 = float32 compute (weight-only)."""

MODES = ("fused", "int8_compute", "decompress")
"""``quantized_matmul`` values: MatMulNBits at accuracy level 1, at level 4 (activations
quantized to int8), or DequantizeLinear folded into float32 weights at session creation
(ORT's ``session.disable_quant_qdq``)."""

_FUSED = "MatMulNBits"


def prepare(so: Any, model: Any, mode: str = "fused") -> str | None:
    """Set ``so`` up for a model holding ``DequantizeLinear`` nodes as ``mode`` (one of
    :data:`MODES`) asks, and the optimized model written to a temporary file; return that
    file's path (None for a model without quantized weights: ``so`` is left unchanged).

    :raises InvalidArgumentError: for a mode outside :data:`MODES`.
    """
    if mode not in MODES:
        raise InvalidArgumentError(f"option quantized_matmul must be one of {list(MODES)}, "
                                   f"got {mode!r}")
    if model is None or not any(n.op_type == "DequantizeLinear" for n in model.graph.node):
        return None
    if mode == "decompress":
        so.add_session_config_entry("session.disable_quant_qdq", "1")
    so.add_session_config_entry("session.qdq_matmulnbits_accuracy_level",
                                "4" if mode == "int8_compute" else ACCURACY_LEVEL)
    handle, path = tempfile.mkstemp(prefix="hwsdk_ort_", suffix=".onnx")
    os.close(handle)
    so.optimized_model_filepath = path
    return path


def fusion_details(path: str, mode: str = "fused") -> dict[str, Any]:
    """What ORT made of the quantized weights, read from its optimized model at ``path``
    (removed afterwards): fused MatMulNBits nodes, their bits and accuracy level, and how
    many ``DequantizeLinear`` were left (each one decompresses a weight at every call)."""
    import onnx

    try:
        model = onnx.load(path, load_external_data=False)
    finally:
        discard(path)
    fused = [n for n in model.graph.node if n.op_type == _FUSED]
    left = sum(1 for n in model.graph.node if n.op_type == "DequantizeLinear")
    attrs = [{a.name: a.i for a in n.attribute} for n in fused]
    return {"mode": mode, "fused_matmul_nbits": len(fused), "dequantize_left": left,
            "bits": sorted({a.get("bits", 0) for a in attrs}),
            "accuracy_level": sorted({a.get("accuracy_level", 0) for a in attrs}),
            "weights_stay_compressed": bool(fused) and left == 0}


def discard(path: str | None) -> None:
    """Remove the optimized model :func:`prepare` asked for (no-op for None)."""
    if path and os.path.exists(path):
        os.remove(path)
