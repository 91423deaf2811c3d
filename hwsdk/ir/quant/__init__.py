"""Weight-only quantization of a captured graph (int8 per channel, int4 per group).

:func:`quant_config` checks what the user asked for, :func:`quantize_graph` rewrites each
eligible ``linear`` weight into ``dequantize → linear`` (see :mod:`hwsdk.ir.ops.quant`), and
:func:`recognize_torchao` turns torchao-quantized weights into the same form at capture, and
:func:`weight_summary` reports the weight formats and bytes of a set of nodes.
"""

from hwsdk.ir.quant.account import weight_summary
from hwsdk.ir.quant.config import (
    QUANTIZE_FALLBACKS,
    SCHEMES,
    QuantConfig,
    quant_config,
    quantize_fallback,
)
from hwsdk.ir.quant.recognize import recognize_torchao
from hwsdk.ir.quant.rtn import dequantize_weights, quantize_graph

__all__ = ["QuantConfig", "SCHEMES", "quant_config", "quantize_graph", "recognize_torchao",
           "weight_summary", "QUANTIZE_FALLBACKS", "quantize_fallback", "dequantize_weights"]
