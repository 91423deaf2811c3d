"""The ``dequantize`` converter: OpenVINO's compressed-weight form, as NNCF emits it.

``Constant(i8 | u4) → Convert → (Subtract zero point) → Multiply scale [→ Reshape]`` feeding
the ``linear``'s MatMul: OpenVINO's CPU plugin recognises the pattern and compiles a
FullyConnected that reads the 8- or 4-bit weight directly (:func:`compressed_weights` reads
that off the runtime model). The data must be a param: a computed weight is not lowered.
"""

from __future__ import annotations

from typing import Any

from hwsdk.plugin import Node
from hwsdk_intel.lowering import Lowering
from hwsdk_intel.ops_math import converter

__all__ = ["compressed_weights"]


def _layout(node: Node) -> tuple[int, int, int]:
    """(N, groups, K / groups) of the node's weight (groups 1: per channel)."""
    n, k = (int(d) for d in node.attrs["shape"])
    group = int(node.attrs["group_size"])
    groups = k // group if group else 1
    return n, groups, k // groups


def _param_array(lw: Lowering, name: str, node: Node) -> Any:
    if name not in lw.region.graph.params:
        raise NotImplementedError(f"dequantize of a computed {name!r} is not lowered; only "
                                  "weights that are params")
    tensor = lw.region.param(name).detach().contiguous()
    lw.keep_alive.append(tensor)
    return tensor.numpy()


def _u4_constant(lw: Lowering, packed: Any, shape: list[int]) -> Any:
    """A u4 Constant of ``shape`` from bytes holding two values each, low nibble first (the
    IR's order and OpenVINO's)."""
    import numpy as np
    import openvino as ov

    tensor = ov.Tensor(ov.Type.u4, ov.Shape(shape))
    np.asarray(tensor.data).view(np.uint8).reshape(-1)[:] = packed.reshape(-1)
    return lw.ops.constant(tensor)


def _pack(values: Any) -> Any:
    """uint8 values 0..15 → two per byte (a trailing odd value padded with 0)."""
    import numpy as np

    flat = values.reshape(-1).astype(np.uint8)
    if flat.size % 2:
        flat = np.concatenate([flat, np.zeros(1, np.uint8)])
    return (flat[0::2] | (flat[1::2] << 4)).astype(np.uint8)


@converter("dequantize")
def _dequantize(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    n, groups, width = _layout(node)
    bits = int(node.attrs["bits"])
    grouped = [n, groups, width] if node.attrs["group_size"] else [n, width]
    per = [n, groups, 1] if node.attrs["group_size"] else [n, 1]
    data = _param_array(lw, node.inputs[0], node)
    if bits == 4:
        weight = _u4_constant(lw, data, grouped)
    else:
        weight = lw.ops.constant(data.reshape(grouped), shared_memory=True)
    scale = lw.ops.constant(_param_array(lw, node.inputs[1], node).reshape(per))
    out_type = scale.get_element_type()
    w = lw.ops.convert(weight, out_type)
    if len(node.inputs) > 2 and node.inputs[2]:
        zero = _param_array(lw, node.inputs[2], node)
        zp = (_u4_constant(lw, _pack(zero), per) if bits == 4
              else lw.ops.constant(zero.reshape(per)))
        w = lw.ops.subtract(w, lw.ops.convert(zp, out_type))
    w = lw.ops.multiply(w, scale)
    if node.attrs["group_size"]:
        w = lw.ops.reshape(w, lw.i64([n, groups * width]), False)
    return [w]


def compressed_weights(runtime_model: Any) -> dict[str, Any]:
    """The FullyConnected layers of a compiled model's runtime model by weight precision
    (``{"i8": 2, "u4": 1}``): the weights OpenVINO kept compressed."""
    counts: dict[str, int] = {}
    for op in runtime_model.get_ordered_ops():
        info = op.get_rt_info()
        if "layerType" not in info or info["layerType"].astype(str) != "FullyConnected":
            continue
        precision = info["runtimePrecision"].astype(str) if "runtimePrecision" in info else ""
        if precision in ("i8", "u8", "u4", "i4"):
            counts[precision] = counts.get(precision, 0) + 1
    return counts
