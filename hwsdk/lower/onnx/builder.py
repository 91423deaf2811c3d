"""The ONNX graph builder the op converters write into: nodes, initializers, and symbolic dims.

Symbolic dims (``"s0"``, ``"2*s0 + 1"``) that an op needs as *values* (a reshape target, a slice
end) are computed inside the ONNX graph: each symbol is read from the shape of a graph input
that carries it (``Shape(x, start=k, end=k+1)``) and the expression is built from integer ops.
A symbol no graph input carries becomes an extra ``int64`` scalar graph input named
``sym::<name>`` that the engine feeds from the call's symbol values. Expressions are cached,
so every distinct dim is computed once per model.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.errors import HwsdkError, IRError
from hwsdk.ir.dims import DimExpr, DimVisitor, IntegerDimCheck, UnsupportedDim, parse
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.symbolic import Dim

__all__ = ["Builder", "DimCheck", "LoweringError", "onnx_dtype", "numpy_dtype", "SYM_PREFIX",
           "OPSET", "MS_DOMAIN"]

OPSET = 18
"""The ONNX opset the lowering emits (the opset ``torch.onnx`` emits by default too)."""

SYM_PREFIX = "sym::"

MS_DOMAIN = "com.microsoft"
"""The domain of ONNX Runtime's contrib ops (``MatMulNBits``), imported at version 1."""

_ONNX_DTYPE = {
    DType.f64: "DOUBLE", DType.f32: "FLOAT", DType.f16: "FLOAT16", DType.bf16: "BFLOAT16",
    DType.f8e4m3fn: "FLOAT8E4M3FN", DType.f8e5m2: "FLOAT8E5M2",
    DType.f8e4m3fnuz: "FLOAT8E4M3FNUZ", DType.f8e5m2fnuz: "FLOAT8E5M2FNUZ",
    DType.i64: "INT64", DType.i32: "INT32", DType.i16: "INT16", DType.i8: "INT8",
    DType.u8: "UINT8", DType.bool: "BOOL",
}
_NUMPY_DTYPE = {
    DType.f64: "float64", DType.f32: "float32", DType.f16: "float16", DType.i64: "int64",
    DType.i32: "int32", DType.i16: "int16", DType.i8: "int8", DType.u8: "uint8",
    DType.bool: "bool",
}


class LoweringError(HwsdkError):
    """An IR node (or graph) cannot be expressed as ONNX by this lowering."""


def onnx_dtype(dtype: DType) -> int:
    """The ``onnx.TensorProto`` element type of an IR dtype."""
    from onnx import TensorProto

    return int(getattr(TensorProto, _ONNX_DTYPE[DType(dtype)]))


def numpy_dtype(dtype: DType) -> Any:
    """The numpy dtype of an IR dtype.

    :raises LoweringError: for dtypes numpy has no name for (bf16, the f8 family).
    """
    import numpy as np

    try:
        return np.dtype(_NUMPY_DTYPE[DType(dtype)])
    except KeyError:
        raise LoweringError(f"{dtype} has no numpy equivalent; the ONNX lowering cannot hold "
                            "it as a constant") from None


class Builder:
    """Accumulates ONNX nodes and initializers for one lowered region.

    :param graph: the IR graph the region belongs to (types and param tensors).
    :param inputs: the region's input value names (graph inputs of the ONNX model).
    """

    def __init__(self, graph: Graph, inputs: Sequence[str], external: bool = False,
                 matmul_nbits: int | None = None,
                 cache_attention: bool | str = True) -> None:
        self.graph = graph
        self.inputs = frozenset(inputs)
        # attention over a KV cache input may become GroupQueryAttention (cache_attention.py);
        # the (positions, mask) inputs each such call is checked on, and with "in_place" the
        # (output, input) pairs of caches it writes where they lie
        self.cache_attention = cache_attention
        self.cache_calls: set[tuple[str, str]] = set()
        self.in_place: list[tuple[str, str]] = []
        self.external = external
        # MatMulNBits accuracy_level for linears reading a dequantized weight (None: MatMul on
        # the float weight), and those weights' dequantize nodes by ONNX name (ops_quant).
        self.matmul_nbits = matmul_nbits
        self.dequantized: dict[str, Any] = {}
        self.external_data: dict[str, Any] = {}  # param initializer name → numpy array
        self.nodes: list[Any] = []
        self.initializers: dict[str, Any] = {}
        self.extra_inputs: list[str] = []  # symbols fed as int64 scalars
        self._counter = 0
        self._const_cache: dict[tuple[Any, ...], str] = {}
        # values computed once per model and reused by every converter asking with the same
        # key (the broadcast index every KV-cache write of a step shares)
        self.shared: dict[tuple[Any, ...], str] = {}
        self._dim_cache: dict[str, str] = {}
        self._symbol_source: dict[str, tuple[str, int]] = {}
        for name in inputs:
            for axis, dim in enumerate(graph.types[name].shape):
                if isinstance(dim, str) and dim.isidentifier() and dim not in self._symbol_source:
                    self._symbol_source[dim] = (name, axis)

    @functools.cached_property
    def producers(self) -> dict[str, Node]:
        """The IR graph's node producing each value (the graph does not change while it is
        lowered, so the map is built once)."""
        return self.graph.producers()

    @functools.cached_property
    def consumers(self) -> dict[str, list[Node]]:
        """The IR graph's nodes reading each value, built once."""
        return self.graph.consumers()

    # --- names, nodes, constants ------------------------------------------------------------

    def fresh(self, hint: str) -> str:
        self._counter += 1
        return f"{hint}~{self._counter}"

    def type_of(self, value: str) -> TensorType:
        return self.graph.types[value]

    def op(self, op_type: str, inputs: Sequence[str], n_out: int = 1,
           outputs: Sequence[str] | None = None, domain: str = "", **attrs: Any) -> list[str]:
        """Append one ONNX node; returns its output names (fresh unless given)."""
        from onnx import helper

        outs = list(outputs) if outputs is not None else [
            self.fresh(op_type.lower()) for _ in range(n_out)]
        inputs = list(inputs)
        while inputs and not inputs[-1]:  # trailing absent optionals are left out, not ""
            inputs.pop()
        self.nodes.append(helper.make_node(op_type, inputs, outs, domain=domain or None,
                                           **{k: v for k, v in attrs.items() if v is not None}))
        return outs

    def op1(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        return self.op(op_type, inputs, **attrs)[0]

    def const(self, value: Any, dtype: DType | str | None = None) -> str:
        """An initializer holding ``value`` (array, list or scalar) as ``dtype``."""
        import numpy as np

        arr = np.asarray(value, dtype=numpy_dtype(DType(dtype)) if dtype else None)
        key = (str(arr.dtype), arr.shape, arr.tobytes())
        if arr.size <= 64 and key in self._const_cache:
            return self._const_cache[key]
        name = self.fresh("const")
        self._add_initializer(name, arr)
        if arr.size <= 64:
            self._const_cache[key] = name
        return name

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant (axes, shapes, pads)."""
        return self.const([int(v) for v in values], DType.i64)

    def param(self, name: str, transform: str = "") -> str:
        """The initializer for IR param ``name`` (``transform="T"``: its transpose, for linear)."""
        key = f"{name}::{transform}" if transform else name
        if key in self.initializers:
            return key
        tensor = self.graph.param_data[name]
        arr = _to_numpy(tensor)
        if transform == "T":
            import numpy as np

            arr = np.ascontiguousarray(arr.T)
        return self.derived(key, arr)

    def derived(self, key: str, arr: Any) -> str:
        """An initializer named ``key`` for an array derived from params (a repacked weight),
        stored as params are: external when the builder is, so the model holds no copy."""
        if key not in self.initializers:
            if self.external:
                self.initializers[key] = _external_placeholder(key, arr)
                self.external_data[key] = arr
            else:
                self._add_initializer(key, arr)
        return key

    def _add_initializer(self, name: str, arr: Any) -> None:
        from onnx import numpy_helper

        self.initializers[name] = numpy_helper.from_array(arr, name)

    def cast(self, value: str, src: DType, dst: DType) -> str:
        return value if src == dst else self.op1("Cast", [value], to=onnx_dtype(dst))

    # --- symbolic dims ----------------------------------------------------------------------

    def dim(self, dim: Dim) -> str:
        """A 1-D int64 tensor of one element holding ``dim`` (an int or a symbolic expression)."""
        if isinstance(dim, int):
            return self.ints([dim])
        if dim not in self._dim_cache:
            try:
                self._dim_cache[dim] = _OnnxDim(self).visit(parse(dim))
            except (UnsupportedDim, IRError) as exc:
                raise LoweringError(f"cannot compute the symbolic dim {dim!r} in ONNX: "
                                    f"{exc}") from None
        return self._dim_cache[dim]

    def shape_tensor(self, dims: Sequence[Dim], copy_from: Sequence[Dim] | None = None) -> str:
        """A 1-D int64 shape tensor; dims equal to ``copy_from``'s at the same index become 0."""
        if all(isinstance(d, int) for d in dims):
            return self.ints([int(d) for d in dims])
        parts = []
        for i, d in enumerate(dims):
            same = copy_from is not None and i < len(copy_from) and copy_from[i] == d
            parts.append(self.ints([0]) if same and isinstance(d, str) else self.dim(d))
        return self.op1("Concat", parts, axis=0)

    def scalar_of(self, dim: Dim, dtype: DType = DType.i64) -> str:
        """A 0-d tensor holding ``dim`` as ``dtype``."""
        if isinstance(dim, int):
            return self.const(dim, dtype)
        squeezed = self.op1("Squeeze", [self.dim(dim)])
        return self.cast(squeezed, DType.i64, dtype)

    def _symbol(self, name: str) -> str:
        key = f"${name}"
        if key in self._dim_cache:
            return self._dim_cache[key]
        if name in self._symbol_source:
            value, axis = self._symbol_source[name]
            out = self.op1("Shape", [value], start=axis, end=axis + 1)
        else:
            if name not in self.extra_inputs:
                self.extra_inputs.append(name)
            out = self.op1("Reshape", [SYM_PREFIX + name, self.ints([1])])
        self._dim_cache[key] = out
        return out


_INT_OPS = {"+": "Add", "-": "Sub", "*": "Mul", "%": "Mod", "**": "Pow"}
_INT_FUNCS = {"Max": "Max", "Min": "Min"}


class DimCheck(IntegerDimCheck):
    """Accepts the dim forms :class:`_OnnxDim` writes (integer arithmetic, ``Max``, ``Min``);
    refuses the rest with the form's name, at planning time."""

    def __init__(self) -> None:
        super().__init__({*_INT_OPS, "//"}, dict.fromkeys(_INT_FUNCS))


class _OnnxDim(DimVisitor[str]):
    """Writes a dim tree as int64 ONNX ops into ``builder``; returns the 1-element tensor."""

    def __init__(self, builder: Builder) -> None:
        self.b = builder

    def visit(self, expr: DimExpr) -> str:
        DimCheck().visit(expr)
        return super().visit(expr)

    def const(self, value: int | float) -> str:
        return self.b.ints([int(value)])

    def symbol(self, name: str) -> str:
        return self.b._symbol(name)

    def neg(self, operand: DimExpr) -> str:
        return self.b.op1("Neg", [super().visit(operand)])

    def binary(self, op: str, left: DimExpr, right: DimExpr) -> str:
        a, b = super().visit(left), super().visit(right)
        if op == "//":
            return _floor_div(self.b, a, b)
        return self.b.op1(_INT_OPS[op], [a, b])

    def call(self, func: str, args: tuple[DimExpr, ...]) -> str:
        return self.b.op1(_INT_FUNCS[func], [super().visit(a) for a in args])


def _floor_div(b: Builder, num: str, den: str) -> str:
    """Python floor division of int64 tensors (ONNX ``Div`` truncates toward zero)."""
    exact = b.op1("Sub", [num, b.op1("Mod", [num, den])])  # Mod takes the divisor's sign
    return b.op1("Div", [exact, den])


def _external_placeholder(name: str, arr: Any) -> Any:
    """An initializer whose data the session receives separately (no copy into the model)."""
    from onnx import TensorProto, helper

    tensor = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(arr.dtype),
                         dims=list(arr.shape), data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "hwsdk-memory"), ("offset", "0"),
                       ("length", str(arr.nbytes))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _to_numpy(tensor: Any) -> Any:
    import numpy as np

    if hasattr(tensor, "detach"):
        tensor = tensor.detach().cpu().contiguous()
        if str(tensor.dtype) == "torch.bfloat16":
            raise LoweringError("bf16 params are not supported by the ONNX lowering yet")
        return tensor.numpy()
    return np.asarray(tensor)


def input_types(graph: Graph, names: Sequence[str]) -> Mapping[str, TensorType]:
    return {n: graph.types[n] for n in names}
