"""Elementwise ops: unary math and activations, binary arithmetic and comparisons, where, cast."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hwsdk._lazy import F, torch
from hwsdk.ir.dtypes import DType, to_torch
from hwsdk.ir.graph import TensorType
from hwsdk.ir.opdef import Converted, ConvertFn, OpDef, is_tensor, register
from hwsdk.ir.ops._infer import broadcast_shapes, promote, promote_scalar, same, with_dtype

# --- unary --------------------------------------------------------------------------------------


def _float_result(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    return [t if t.dtype.is_float else with_dtype(t, DType.f32)]


def _unary_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if len(args) != 1 or kwargs or not is_tensor(args[0]):
        return None
    return [args[0]], {}


def _bool_result(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    return [with_dtype(types[0], DType.bool)]


def _unary(name: str, fn: Callable[[Any], Any], summary: str, aten: tuple[str, ...],
           float_out: bool = True, infer: Any = None) -> OpDef:
    return register(OpDef(
        name=name, category="elementwise", summary=summary, inputs=("x",), attrs={},
        infer=infer or (_float_result if float_out else same), reference=fn,
        aten=dict.fromkeys(aten, _unary_convert),
    ))


_unary("neg", lambda x: torch.neg(x), "-x", ("aten.neg.default",), float_out=False)
_unary("abs", lambda x: torch.abs(x), "|x|", ("aten.abs.default",), float_out=False)
_unary("exp", lambda x: torch.exp(x), "e^x", ("aten.exp.default",))
_unary("log", lambda x: torch.log(x), "natural logarithm", ("aten.log.default",))
_unary("sqrt", lambda x: torch.sqrt(x), "square root", ("aten.sqrt.default",))
_unary("rsqrt", lambda x: torch.rsqrt(x), "1 / sqrt(x)", ("aten.rsqrt.default",))
_unary("reciprocal", lambda x: torch.reciprocal(x), "1 / x", ("aten.reciprocal.default",))
_unary("sin", lambda x: torch.sin(x), "sine", ("aten.sin.default",))
_unary("cos", lambda x: torch.cos(x), "cosine", ("aten.cos.default",))
_unary("tanh", lambda x: torch.tanh(x), "hyperbolic tangent", ("aten.tanh.default",))
_unary("erf", lambda x: torch.erf(x), "error function", ("aten.erf.default",))
_unary("sigmoid", lambda x: torch.sigmoid(x), "logistic sigmoid", ("aten.sigmoid.default",))
_unary("relu", lambda x: torch.relu(x), "max(x, 0)", ("aten.relu.default",), float_out=False)
_unary("silu", lambda x: F.silu(x), "x * sigmoid(x) (SiLU / swish)", ("aten.silu.default",))
_unary("logical_not", lambda x: torch.logical_not(x), "boolean not (bool result)",
       ("aten.logical_not.default",), infer=_bool_result)


def _gelu_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    approximate = kwargs.get("approximate", args[1] if len(args) > 1 else "none")
    if approximate not in ("none", "tanh"):
        return None
    return [args[0]], {"approximate": approximate}


register(OpDef(
    name="gelu", category="elementwise",
    summary="GELU; approximate='none' (erf form) or 'tanh' (tanh form)",
    inputs=("x",), attrs={"approximate": "none"}, infer=same,
    reference=lambda x, approximate="none": F.gelu(x, approximate=approximate),
    aten={"aten.gelu.default": _gelu_convert},
))


def _clamp_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    lo = kwargs.get("min", args[1] if len(args) > 1 else None)
    hi = kwargs.get("max", args[2] if len(args) > 2 else None)
    if is_tensor(lo) or is_tensor(hi):
        return None
    return [args[0]], {"min": lo, "max": hi}


def _clamp_min_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return None if is_tensor(args[1]) else ([args[0]], {"min": args[1], "max": None})


def _clamp_max_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return None if is_tensor(args[1]) else ([args[0]], {"min": None, "max": args[1]})


def _hardtanh_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    lo = args[1] if len(args) > 1 else -1.0
    hi = args[2] if len(args) > 2 else 1.0
    return [args[0]], {"min": lo, "max": hi}


register(OpDef(
    name="clamp", category="elementwise", summary="clamp to [min, max] (either may be None)",
    inputs=("x",), attrs={"min": None, "max": None}, infer=same,
    reference=lambda x, min=None, max=None: torch.clamp(x, min, max),
    aten={"aten.clamp.default": _clamp_convert, "aten.clamp_min.default": _clamp_min_convert,
          "aten.clamp_max.default": _clamp_max_convert,
          "aten.hardtanh.default": _hardtanh_convert},
))

# --- binary -------------------------------------------------------------------------------------


def _binary_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if kwargs.get("alpha", 1) != 1 or kwargs.get("rounding_mode") is not None:
        return None
    if len(args) > 2:
        return None
    a, b = args[0], args[1]
    if is_tensor(a) and is_tensor(b):
        return [a, b], {}
    if is_tensor(a) and isinstance(b, (int, float, bool)):
        return [a], {"scalar": b, "scalar_first": False}
    if is_tensor(b) and isinstance(a, (int, float, bool)):
        return [b], {"scalar": a, "scalar_first": True}
    return None


def _binary_infer(bool_out: bool, true_div: bool = False
                  ) -> Callable[[Sequence[TensorType], Mapping[str, Any]], list[TensorType]]:
    def infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
        if len(types) == 2:
            shape = broadcast_shapes(types[0].shape, types[1].shape)
            dtype = promote(types[0].dtype, types[1].dtype)
        else:
            shape = types[0].shape
            dtype = promote_scalar(types[0].dtype, attrs.get("scalar"))
        if true_div and not dtype.is_float:
            dtype = DType.f32  # true division of integers gives the default float dtype
        return [TensorType(DType.bool if bool_out else dtype, shape)]

    return infer


def _binary_reference(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def reference(a: Any, b: Any = None, scalar: Any = None, scalar_first: bool = False) -> Any:
        if b is None:
            return fn(scalar, a) if scalar_first else fn(a, scalar)
        return fn(a, b)

    return reference


def _scalar_first_tensor(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Wrap ops whose torch function takes tensors only: a Python scalar operand becomes a
    0-d tensor (of the tensor's dtype when that is floating point, as torch promotes)."""

    def scalar(value: Any, like: Any) -> Any:
        return torch.tensor(value, dtype=like.dtype if like.dtype.is_floating_point else None)

    def call(a: Any, b: Any) -> Any:
        if not isinstance(a, torch.Tensor):
            a = scalar(a, b)
        elif not isinstance(b, torch.Tensor):
            b = scalar(b, a)
        return fn(a, b)

    return call


def _binary(name: str, fn: Callable[[Any, Any], Any], summary: str, aten: tuple[str, ...],
            bool_out: bool = False, extra_aten: Mapping[str, ConvertFn] | None = None,
            true_div: bool = False) -> None:
    register(OpDef(
        name=name, category="elementwise", summary=summary,
        inputs=("a", "b?"), attrs={"scalar": None, "scalar_first": False},
        infer=_binary_infer(bool_out, true_div), reference=_binary_reference(fn),
        aten={**dict.fromkeys(aten, _binary_convert), **(extra_aten or {})},
        notes="With one tensor input, the other operand is the scalar attr "
              "(first operand when scalar_first).",
    ))


def _rsub_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if kwargs.get("alpha", 1) != 1 or len(args) != 2 or is_tensor(args[1]):
        return None
    return [args[0]], {"scalar": args[1], "scalar_first": True}


def _bitwise_and_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    a, b = args[0], args[1]
    if is_tensor(a) and is_tensor(b) and a.type.dtype == b.type.dtype == DType.bool:
        return [a, b], {}
    return None


_binary("add", lambda a, b: a + b, "a + b (broadcasting)",
        ("aten.add.Tensor", "aten.add.Scalar"))
_binary("sub", lambda a, b: a - b, "a - b", ("aten.sub.Tensor", "aten.sub.Scalar"),
        extra_aten={"aten.rsub.Scalar": _rsub_convert})
_binary("mul", lambda a, b: a * b, "a * b", ("aten.mul.Tensor", "aten.mul.Scalar"))
_binary("div", lambda a, b: a / b, "a / b (true division)",
        ("aten.div.Tensor", "aten.div.Scalar", "aten.div.Tensor_mode"), true_div=True)
_binary("pow", lambda a, b: a ** b, "a ** b",
        ("aten.pow.Tensor_Scalar", "aten.pow.Tensor_Tensor", "aten.pow.Scalar"))
_binary("maximum", _scalar_first_tensor(lambda a, b: torch.maximum(a, b)), "elementwise max",
        ("aten.maximum.default",))
_binary("minimum", _scalar_first_tensor(lambda a, b: torch.minimum(a, b)), "elementwise min",
        ("aten.minimum.default",))
_binary("eq", lambda a, b: a == b, "a == b", ("aten.eq.Tensor", "aten.eq.Scalar"), True)
_binary("ne", lambda a, b: a != b, "a != b", ("aten.ne.Tensor", "aten.ne.Scalar"), True)
_binary("lt", lambda a, b: a < b, "a < b", ("aten.lt.Tensor", "aten.lt.Scalar"), True)
_binary("le", lambda a, b: a <= b, "a <= b", ("aten.le.Tensor", "aten.le.Scalar"), True)
_binary("gt", lambda a, b: a > b, "a > b", ("aten.gt.Tensor", "aten.gt.Scalar"), True)
_binary("ge", lambda a, b: a >= b, "a >= b", ("aten.ge.Tensor", "aten.ge.Scalar"), True)
_binary("logical_and", _scalar_first_tensor(lambda a, b: torch.logical_and(a, b)),
        "boolean and", ("aten.logical_and.default",), True,
        extra_aten={"aten.bitwise_and.Tensor": _bitwise_and_convert})
_binary("logical_or", _scalar_first_tensor(lambda a, b: torch.logical_or(a, b)),
        "boolean or", ("aten.logical_or.default",), True)
# --- where, cast ---------------------------------------------------------------------------------


def _where_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    cond, x, y = args
    if not is_tensor(cond):
        return None
    if is_tensor(x) and is_tensor(y):
        return [cond, x, y], {}
    if is_tensor(x) and isinstance(y, (int, float, bool)):
        return [cond, x], {"other": y}
    return None


def _where_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    shapes = [t.shape for t in types]
    dtype = promote(*(t.dtype for t in types[1:])) if len(types) == 3 else types[1].dtype
    return [TensorType(dtype, broadcast_shapes(*shapes))]


def _where_reference(cond: Any, x: Any, y: Any = None, other: Any = None) -> Any:
    return torch.where(cond, x, y if y is not None else other)


register(OpDef(
    name="where", category="elementwise", summary="cond ? x : y (y may be the scalar attr other)",
    inputs=("cond", "x", "y?"), attrs={"other": None}, infer=_where_infer,
    reference=_where_reference,
    aten=dict.fromkeys(("aten.where.self", "aten.where.ScalarOther"), _where_convert),
))


def _cast_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    from hwsdk.ir.dtypes import from_torch

    extra = {k: v for k, v in kwargs.items() if v is not None and k not in ("dtype",)}
    if any(k not in ("device", "layout", "non_blocking", "copy", "memory_format") for k in extra):
        return None
    device = extra.get("device")
    if device is not None and str(device) != "cpu":
        return None
    dtype = kwargs.get("dtype", args[1] if len(args) > 1 else None)
    if dtype is None:
        return [args[0]], {"dtype": args[0].type.dtype.value}
    return [args[0]], {"dtype": from_torch(dtype).value}


register(OpDef(
    name="cast", category="elementwise", summary="convert to another dtype",
    inputs=("x",), attrs={"dtype": None},
    infer=lambda types, attrs: [TensorType(DType(attrs["dtype"]), types[0].shape)],
    reference=lambda x, dtype: x.to(to_torch(DType(dtype))),
    aten=dict.fromkeys(("aten._to_copy.default", "aten.to.dtype"), _cast_convert),
))
