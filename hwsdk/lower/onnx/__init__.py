"""IR → ONNX: the shared lowering every ONNX Runtime user (``cpu``, vendor EPs) hands regions to.

>>> lowered = lower(graph, nodes, inputs, outputs)          # doctest: +SKIP
>>> onnx.checker.check_model(lowered.model)                  # doctest: +SKIP

Importing this package imports neither onnx nor torch; the functions do, when called.
"""

from hwsdk.lower.onnx import (  # noqa: F401  (register the converters)
    ops_attention,
    ops_elementwise,
    ops_nn,
    ops_quant,
    ops_reduction,
    ops_shape,
)
from hwsdk.lower.onnx.builder import OPSET, SYM_PREFIX, LoweringError
from hwsdk.lower.onnx.lowering import IR_VERSION, LoweredModel, lower, unsupported_reason
from hwsdk.lower.onnx.registry import CONVERTERS

__all__ = ["OPSET", "IR_VERSION", "SYM_PREFIX", "LoweringError", "LoweredModel", "lower",
           "unsupported_reason", "lowered_ops"]


def lowered_ops() -> list[str]:
    """The core ops this lowering has a converter for."""
    return sorted(CONVERTERS)
