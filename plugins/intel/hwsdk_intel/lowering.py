"""IR region → ``openvino.Model``, built with OpenVINO's opset Python API (no ONNX round trip).

:class:`Lowering` holds what the op converters share: the opset module, the value map, and
helpers for constants and for symbolic dims, which become in-graph ``ShapeOf``/``Gather``
arithmetic on the region's inputs (or a scalar parameter fed from ``env`` when no input
carries the symbol). The converters themselves live in :mod:`hwsdk_intel.ops_math` and
:mod:`hwsdk_intel.ops_nn`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hwsdk.plugin import (
    DimExpr,
    DimVisitor,
    DType,
    IntegerDimCheck,
    Node,
    Region,
    TensorType,
    UnsupportedDim,
)

__all__ = ["Lowering", "Converter", "CONVERTERS", "lower_region", "opset", "ov_type",
           "OPSET_NAMES"]

Converter = Callable[["Lowering", Node, list[Any]], list[Any]]
"""``convert(lowering, node, inputs)`` → OpenVINO outputs, one per ``node.outputs``;
``inputs`` align with ``node.inputs`` (None for an absent optional input)."""

CONVERTERS: dict[str, Converter] = {}
"""Core op name → converter; filled by the op modules."""

OPSET_NAMES = ("opset16", "opset15", "opset14")
"""Opsets tried newest first; 14 is the oldest with torch's ceil_mode pooling (``ceil_torch``)
and ScaledDotProductAttention (from opset13)."""

_OV_TYPES = {
    DType.f32: "f32", DType.f16: "f16", DType.bf16: "bf16", DType.f64: "f64",
    DType.i64: "i64", DType.i32: "i32", DType.i16: "i16", DType.i8: "i8", DType.u8: "u8",
    DType.bool: "boolean",
}


def opset() -> Any:
    """The newest OpenVINO opset module among :data:`OPSET_NAMES` (imports openvino)."""
    import importlib

    for name in OPSET_NAMES:
        try:
            return importlib.import_module(f"openvino.{name}")
        except ImportError:
            continue
    raise ImportError(f"openvino provides none of {', '.join(OPSET_NAMES)}; "
                      "install openvino>=2024.4")


def ov_type(dtype: DType) -> Any:
    """The ``openvino.Type`` for an IR dtype.

    :raises NotImplementedError: for dtypes this lowering does not bind (fp8 …).
    """
    import openvino as ov

    try:
        return getattr(ov.Type, _OV_TYPES[dtype])
    except KeyError:
        raise NotImplementedError(f"the intel lowering has no OpenVINO type for {dtype}") from None


def _ensure_converters() -> None:
    from hwsdk_intel import ops_math, ops_nn, ops_quant  # noqa: F401  (registers converters)


class Lowering:
    """Builds one ``openvino.Model`` from a region.

    :param region: the region to lower.
    :param exact_nan: propagate NaN as PyTorch does where OpenVINO's op would not (see
        :mod:`.ops_math`); False only to measure what that costs (bench/nan_cost.py).
    """

    def __init__(self, region: Region, exact_nan: bool = True) -> None:
        _ensure_converters()
        self.region = region
        self.exact_nan = exact_nan
        self.ops = opset()
        self.values: dict[str, Any] = {}
        self.parameters: list[Any] = []
        self.symbol_params: list[str] = []  # symbols fed from env, in parameter order
        self._dims: dict[str, Any] = {}
        self._shape_of: dict[str, Any] = {}
        self.keep_alive: list[Any] = []  # tensors that shared constants point into
        self.model: Any = None
        self.passthrough: dict[int, int] = {}  # output index → input index it simply is

    # --- types and constants -------------------------------------------------------------------

    def type_of(self, value: str) -> TensorType:
        return self.region.type_of(value)

    def const(self, value: Any, dtype: DType | str) -> Any:
        """A constant of ``value`` (scalar or nested list) in ``dtype``."""
        import numpy as np

        dt = DType(dtype)
        if dt is DType.bf16:
            return self.ops.convert(self.ops.constant(np.asarray(value, np.float32)), "bf16")
        np_dtype = {DType.bool: np.bool_, DType.f16: np.float16}.get(dt)
        arr = np.asarray(value, dtype=np_dtype or np.dtype(_numpy_name(dt)))
        return self.ops.constant(arr)

    def empty(self, t: TensorType) -> Any:
        """A constant of static, zero-size type ``t``."""
        import numpy as np

        return self.const(np.zeros([int(d) for d in t.shape], np.float32), t.dtype)

    def i64(self, values: Sequence[int] | int) -> Any:
        import numpy as np

        return self.ops.constant(np.asarray(values, dtype=np.int64))

    def param_constant(self, name: str) -> Any:
        """A weight as a Constant sharing the torch tensor's memory where OpenVINO allows."""
        import torch

        tensor = self.region.param(name).detach()
        if not tensor.is_contiguous():
            tensor = tensor.contiguous()
        if tensor.dtype == torch.bfloat16:
            node = self.ops.constant(tensor.float().numpy())
            return self.ops.convert(node, "bf16")
        array = tensor.numpy()
        self.keep_alive.append(tensor)
        if array.ndim == 0 or array.dtype == bool:
            return self.ops.constant(array.copy())
        return self.ops.constant(array, shared_memory=True)

    def to_dtype(self, out: Any, dtype: DType) -> Any:
        """``out`` converted to ``dtype`` (no node when it already is)."""
        if out.get_element_type() == ov_type(dtype):
            return out
        return self.ops.convert(out, _OV_TYPES[dtype]).output(0)

    # --- symbolic dims -------------------------------------------------------------------------

    def dim(self, dim: int | str) -> Any:
        """A scalar i64 node for a dim (int, symbol or expression over symbols)."""
        if isinstance(dim, int):
            return self.i64(dim)
        if dim not in self._dims:
            try:
                self._dims[dim] = _OvDim(self).visit_str(dim)
            except UnsupportedDim as exc:
                raise NotImplementedError(f"symbolic dim {dim!r} uses {exc}, which is not "
                                          "lowered") from None
        return self._dims[dim]

    def shape_vector(self, dims: Sequence[int | str]) -> Any:
        """A 1-D i64 node holding ``dims``; a constant when they are all ints."""
        if all(isinstance(d, int) for d in dims):
            return self.i64([int(d) for d in dims])
        parts = [self.ops.unsqueeze(self.dim(d), self.i64(0)) for d in dims]
        return self.ops.concat(parts, 0)

    def _symbol(self, symbol: str) -> Any:
        for name in self.region.inputs:
            shape = self.type_of(name).shape
            if symbol in shape:
                if name not in self._shape_of:
                    self._shape_of[name] = self.ops.shape_of(self.values[name], "i64")
                return self.ops.gather(self._shape_of[name], self.i64(shape.index(symbol)),
                                       self.i64(0))
        param = self.ops.parameter([], ov_type(DType.i64), name=f"sym:{symbol}")
        self.parameters.append(param)
        self.symbol_params.append(symbol)
        return param

    # --- the walk ------------------------------------------------------------------------------

    def build(self) -> Any:
        """Lower every node; return the ``openvino.Model``."""
        import openvino as ov

        for name in self.region.inputs:
            t = self.type_of(name)
            shape = ov.PartialShape([d if isinstance(d, int) else ov.Dimension()
                                     for d in t.shape])
            param = self.ops.parameter(shape, ov_type(t.dtype), name=name)
            self.parameters.append(param)
            self.values[name] = param.output(0)
        for node in self.region.nodes:
            self._lower_node(node)
        results = []
        params = {p.get_friendly_name(): i for i, p in enumerate(self.parameters)}
        for k, name in enumerate(self.region.outputs):
            out = self.values[name]
            if out.get_node().get_type_name() == "Parameter":
                # a region input passed straight through: OpenVINO would not fill a
                # caller-provided output buffer for it, so the runtime copies the input
                self.passthrough[k] = params[out.get_node().get_friendly_name()]
            results.append(self.ops.result(out))
        return ov.Model(results, self.parameters, f"hwsdk_{self.region.id}")

    def _lower_node(self, node: Node) -> None:
        convert = CONVERTERS.get(node.op)
        if convert is None:
            raise NotImplementedError(f"the intel lowering has no converter for {node.op}")
        args = [self._value(name) if name else None for name in node.inputs]
        types = [self.type_of(name) for name in node.outputs]
        if types and all(t.is_static and 0 in t.shape for t in types):
            # every output is statically empty, so its value is its shape: a constant. OpenVINO's
            # CPU plugin dies (SIGFPE) compiling a static Broadcast of a zero-size tensor
            outs = [self.empty(t) for t in types]
        else:
            outs = convert(self, node, args)
        if len(outs) != len(node.outputs):
            raise RuntimeError(f"converter for {node.op} gave {len(outs)} outputs, "
                               f"expected {len(node.outputs)}")
        for name, out in zip(node.outputs, outs, strict=True):
            out = out.output(0) if hasattr(out, "output") and not hasattr(out, "get_node") \
                else out
            expected = ov_type(self.type_of(name).dtype)
            if out.get_element_type() != expected:
                out = self.ops.convert(out, expected).output(0)
            self.values[name] = out

    def _value(self, name: str) -> Any:
        if name not in self.values:
            if name not in self.region.graph.params:
                raise KeyError(f"value {name!r} is neither a region input nor computed before")
            self.values[name] = self.param_constant(name).output(0)
        return self.values[name]


def _numpy_name(dtype: DType) -> str:
    return {DType.f32: "float32", DType.f64: "float64", DType.i64: "int64", DType.i32: "int32",
            DType.i16: "int16", DType.i8: "int8", DType.u8: "uint8"}[dtype]


def lower_region(region: Region, exact_nan: bool = True) -> Lowering:
    """Lower ``region``; the returned :class:`Lowering` has ``model`` set.

    :param exact_nan: see :class:`Lowering`.

    :raises NotImplementedError: for an op, dtype or dim expression the lowering lacks.
    :raises RuntimeError: OpenVINO's own errors (shape inference …), message kept.
    """
    lowering = Lowering(region, exact_nan)
    lowering.model = lowering.build()
    return lowering


_OV_BINARY = {"+": "add", "-": "subtract", "*": "multiply", "//": "divide",  # i64 floors
              "%": "floor_mod", "**": "power"}


class DimCheck(IntegerDimCheck):
    """Accepts the dim forms :class:`_OvDim` writes (integer arithmetic, two-argument Max and
    Min); refuses the rest with the form's name, at planning time."""

    def __init__(self) -> None:
        super().__init__(_OV_BINARY, {"Max": 2, "Min": 2})


class _OvDim(DimVisitor[Any]):
    """Writes a dim tree (checked by :class:`DimCheck` first) as i64 OpenVINO nodes."""

    def __init__(self, lowerer: Any) -> None:
        self.lowerer = lowerer
        self.ops = lowerer.ops

    def visit_str(self, dim: str) -> Any:
        DimCheck().visit_str(dim)
        return super().visit_str(dim)

    def const(self, value: int | float) -> Any:
        return self.lowerer.i64(int(value))

    def symbol(self, name: str) -> Any:
        return self.lowerer._symbol(name)

    def neg(self, operand: DimExpr) -> Any:
        return self.ops.negative(self.visit(operand))

    def binary(self, op: str, left: DimExpr, right: DimExpr) -> Any:
        return getattr(self.ops, _OV_BINARY[op])(self.visit(left), self.visit(right))

    def call(self, func: str, args: tuple[DimExpr, ...]) -> Any:
        fn = self.ops.maximum if func == "Max" else self.ops.minimum
        return fn(self.visit(args[0]), self.visit(args[1]))
