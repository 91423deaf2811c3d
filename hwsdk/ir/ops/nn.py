"""Composite ops vendors accelerate whole: normalization, linear algebra, convolution, pooling,
attention and embedding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk._lazy import F, torch
from hwsdk.errors import IRError
from hwsdk.ir.graph import TensorType
from hwsdk.ir.opdef import Converted, OpDef, is_tensor, register
from hwsdk.ir.ops._infer import broadcast_shapes, norm_dim, same
from hwsdk.ir.symbolic import Dim

# --- softmax ------------------------------------------------------------------------------------


def _softmax_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``_softmax(x, dim, half_to_float)`` or ``softmax.int(x, dim, dtype=None)``."""
    x, dim = args[0], args[1]
    extra = args[2] if len(args) > 2 else kwargs.get("dtype", kwargs.get("half_to_float"))
    if extra not in (None, False):
        return None
    return [x], {"dim": norm_dim(dim, x.type.rank)}


for _name, _fn, _aten in (
    ("softmax", lambda x, dim: torch.softmax(x, dim),
     ("aten._softmax.default", "aten.softmax.int")),
    ("log_softmax", lambda x, dim: torch.log_softmax(x, dim),
     ("aten._log_softmax.default", "aten.log_softmax.int")),
):
    register(OpDef(
        name=_name, category="normalization", summary=f"{_name} along one dim",
        inputs=("x",), attrs={"dim": -1}, infer=same, reference=_fn,
        aten=dict.fromkeys(_aten, _softmax_convert),
    ))

# --- layer_norm, rms_norm, batch_norm -------------------------------------------------------------


def _layer_norm_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    x, shape = args[0], list(args[1])
    weight = args[2] if len(args) > 2 else kwargs.get("weight")
    bias = args[3] if len(args) > 3 else kwargs.get("bias")
    eps = args[4] if len(args) > 4 else kwargs.get("eps", 1e-5)
    return [x, weight or "", bias or ""], {"normalized_shape": shape, "eps": float(eps)}


register(OpDef(
    name="layer_norm", category="normalization",
    summary="layer normalization over the trailing normalized_shape dims",
    inputs=("x", "weight?", "bias?"), attrs={"normalized_shape": [], "eps": 1e-5}, infer=same,
    reference=lambda x, weight=None, bias=None, normalized_shape=(), eps=1e-5: F.layer_norm(
        x, list(normalized_shape), weight, bias, eps),
    aten={"aten.layer_norm.default": _layer_norm_convert},
))


def _rms_norm_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    x, shape = args[0], list(args[1])
    weight = args[2] if len(args) > 2 else kwargs.get("weight")
    eps = args[3] if len(args) > 3 else kwargs.get("eps")
    return [x, weight or ""], {"normalized_shape": shape, "eps": eps}


register(OpDef(
    name="rms_norm", category="normalization",
    summary="RMS normalization over the trailing dims (eps None: the dtype's epsilon)",
    inputs=("x", "weight?"), attrs={"normalized_shape": [], "eps": None}, infer=same,
    reference=lambda x, weight=None, normalized_shape=(), eps=None: F.rms_norm(
        x, list(normalized_shape), weight, eps),
    aten={"aten.rms_norm.default": _rms_norm_convert},
))


def _bn_legit_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``_native_batch_norm_legit_no_training(x, w, b, mean, var, momentum, eps)``."""
    x, w, b, mean, var = args[:5]
    eps = args[6] if len(args) > 6 else kwargs.get("eps", 1e-5)
    if not (is_tensor(mean) and is_tensor(var)):
        return None
    return [x, w or "", b or "", mean, var], {"eps": float(eps)}


def _bn_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``batch_norm(x, w, b, mean, var, training, momentum, eps, cudnn)``, eval only."""
    if args[5]:
        return None
    return _bn_legit_convert((*args[:5], args[6], args[7]), {})


register(OpDef(
    name="batch_norm", category="normalization",
    summary="batch normalization in inference mode (running statistics)",
    inputs=("x", "weight?", "bias?", "running_mean", "running_var"), attrs={"eps": 1e-5},
    infer=same,
    reference=lambda x, weight=None, bias=None, running_mean=None, running_var=None, eps=1e-5:
        F.batch_norm(x, running_mean, running_var, weight, bias, False, 0.0, eps),
    aten={"aten._native_batch_norm_legit_no_training.default": _bn_legit_convert,
          "aten.batch_norm.default": _bn_convert},
    notes="ATen's no-training overload returns three tensors; only the first maps here.",
))

# --- linear algebra -----------------------------------------------------------------------------


def _linear_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    bias = args[2] if len(args) > 2 else kwargs.get("bias")
    return [args[0], args[1], bias or ""], {}


def _linear_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, w = types[0], types[1]
    return [TensorType(x.dtype, (*x.shape[:-1], w.shape[0]))]


register(OpDef(
    name="linear", category="linear_algebra", summary="x @ weight.T + bias",
    inputs=("x", "weight", "bias?"), attrs={}, infer=_linear_infer,
    reference=lambda x, weight, bias=None: F.linear(x, weight, bias),
    aten={"aten.linear.default": _linear_convert},
))


def _matmul_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    a, b = types[0].shape, types[1].shape
    if len(a) < 1 or len(b) < 1:
        raise IRError("matmul needs operands of rank >= 1")
    if len(b) == 1:
        shape: tuple[Dim, ...] = tuple(a[:-1])
    elif len(a) == 1:
        shape = (*b[:-2], b[-1])
    else:
        shape = (*broadcast_shapes(a[:-2], b[:-2]), a[-2], b[-1])
    return [TensorType(types[0].dtype, shape)]


def _two_tensor_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0], args[1]], {}


register(OpDef(
    name="matmul", category="linear_algebra", summary="a @ b with numpy broadcasting (mm, bmm)",
    inputs=("a", "b"), attrs={}, infer=_matmul_infer,
    reference=lambda a, b: torch.matmul(a, b),
    aten=dict.fromkeys(("aten.matmul.default", "aten.mm.default", "aten.bmm.default"),
                       _two_tensor_convert),
))


def _addmm_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if kwargs.get("beta", 1) != 1 or kwargs.get("alpha", 1) != 1:
        return None
    return [args[0], args[1], args[2]], {}


register(OpDef(
    name="addmm", category="linear_algebra", summary="bias + a @ b for 2-D a and b",
    inputs=("bias", "a", "b"), attrs={},
    infer=lambda types, attrs: [TensorType(types[1].dtype, (types[1].shape[0], types[2].shape[1]))],
    reference=lambda bias, a, b: torch.addmm(bias, a, b),
    aten={"aten.addmm.default": _addmm_convert},
))

# --- convolution and pooling ----------------------------------------------------------------------


def _pair(v: Any, n: int) -> list[int]:
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * n if len(v) == 1 else v


def _conv_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``conv2d(x, w, b, stride, padding, dilation, groups)`` (conv1d likewise)."""
    x, w = args[0], args[1]
    n = x.type.rank - 2
    if x.type.rank != w.type.rank:  # an unbatched input: the op takes (N, C, *spatial)
        return None
    b = args[2] if len(args) > 2 else None
    stride = args[3] if len(args) > 3 else 1
    padding = args[4] if len(args) > 4 else 0
    dilation = args[5] if len(args) > 5 else 1
    groups = args[6] if len(args) > 6 else 1
    if isinstance(padding, str):
        return None
    return [x, w, b or ""], {"stride": _pair(stride, n), "padding": _pair(padding, n),
                             "dilation": _pair(dilation, n), "groups": int(groups)}


def _convolution_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)``."""
    if args[6]:
        return None
    return _conv_convert((*args[:6], args[8]), {})


def _window_out(size: Dim, k: int, s: int, p: int, d: int, ceil: bool = False) -> Dim:
    if not isinstance(size, int):
        return f"(({size} + {2 * p - d * (k - 1) - 1})//{s} + 1)"
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def _conv_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, w = types[0], types[1]
    spatial = [
        _window_out(x.shape[2 + i], int(w.shape[2 + i]), attrs["stride"][i], attrs["padding"][i],
                    attrs["dilation"][i])
        for i in range(x.rank - 2)
    ]
    return [TensorType(x.dtype, (x.shape[0], w.shape[0], *spatial))]


def _conv_reference(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                    dilation: Any = 1, groups: int = 1) -> Any:
    fn = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[x.dim()]
    return fn(x, weight, bias, stride, padding, dilation, groups)


register(OpDef(
    name="conv", category="convolution", summary="N-d convolution (1-d, 2-d, 3-d; not transposed)",
    inputs=("x", "weight", "bias?"),
    attrs={"stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1},
    infer=_conv_infer, reference=_conv_reference,
    aten={"aten.conv1d.default": _conv_convert, "aten.conv2d.default": _conv_convert,
          "aten.conv3d.default": _conv_convert, "aten.convolution.default": _convolution_convert},
))


def _maxpool_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``max_pool2d(x, kernel, stride=[], padding=0, dilation=1, ceil_mode=False)``."""
    kernel = _pair(args[1], 2)
    stride = _pair(args[2], 2) if len(args) > 2 and args[2] else kernel
    padding = _pair(args[3] if len(args) > 3 else 0, 2)
    dilation = _pair(args[4] if len(args) > 4 else 1, 2)
    ceil_mode = bool(args[5]) if len(args) > 5 else False
    return [args[0]], {"kernel": kernel, "stride": stride, "padding": padding,
                       "dilation": dilation, "ceil_mode": ceil_mode}


def _pool_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x = types[0]
    dil = attrs.get("dilation", [1, 1])
    spatial = [
        _window_out(x.shape[-2 + i], attrs["kernel"][i], attrs["stride"][i], attrs["padding"][i],
                    dil[i], attrs["ceil_mode"])
        for i in range(2)
    ]
    return [TensorType(x.dtype, (*x.shape[:-2], *spatial))]


register(OpDef(
    name="max_pool2d", category="convolution", summary="2-d max pooling",
    inputs=("x",),
    attrs={"kernel": [1, 1], "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1],
           "ceil_mode": False},
    infer=_pool_infer,
    reference=lambda x, kernel, stride, padding, dilation, ceil_mode: F.max_pool2d(
        x, kernel, stride, padding, dilation, ceil_mode),
    aten={"aten.max_pool2d.default": _maxpool_convert,
          "aten.max_pool2d_with_indices.default": _maxpool_convert},
    notes="max_pool2d_with_indices maps here when only its values are used.",
))


def _avgpool_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor)``."""
    if len(args) > 6 and args[6] is not None:
        return None
    kernel = _pair(args[1], 2)
    stride = _pair(args[2], 2) if len(args) > 2 and args[2] else kernel
    return [args[0]], {
        "kernel": kernel, "stride": stride, "padding": _pair(args[3] if len(args) > 3 else 0, 2),
        "ceil_mode": bool(args[4]) if len(args) > 4 else False,
        "count_include_pad": bool(args[5]) if len(args) > 5 else True,
    }


register(OpDef(
    name="avg_pool2d", category="convolution", summary="2-d average pooling",
    inputs=("x",),
    attrs={"kernel": [1, 1], "stride": [1, 1], "padding": [0, 0], "ceil_mode": False,
           "count_include_pad": True},
    infer=_pool_infer,
    reference=lambda x, kernel, stride, padding, ceil_mode, count_include_pad: F.avg_pool2d(
        x, kernel, stride, padding, ceil_mode, count_include_pad),
    aten={"aten.avg_pool2d.default": _avgpool_convert},
))


def _adaptive_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0]], {"output_size": _pair(args[1], 2)}


register(OpDef(
    name="adaptive_avg_pool2d", category="convolution",
    summary="2-d average pooling to a fixed output size",
    inputs=("x",), attrs={"output_size": [1, 1]},
    infer=lambda types, attrs: [TensorType(
        types[0].dtype, (*types[0].shape[:-2], *attrs["output_size"]))],
    reference=lambda x, output_size: F.adaptive_avg_pool2d(x, output_size),
    aten=dict.fromkeys(("aten.adaptive_avg_pool2d.default", "aten._adaptive_avg_pool2d.default"),
                       _adaptive_convert),
))

# --- embedding and attention ----------------------------------------------------------------------


def _embedding_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0], args[1]], {}


register(OpDef(
    name="embedding", category="indexing", summary="rows of weight picked by integer indices",
    inputs=("weight", "indices"), attrs={},
    infer=lambda types, attrs: [TensorType(
        types[0].dtype, (*types[1].shape, types[0].shape[1]))],
    reference=lambda weight, indices: F.embedding(indices, weight),
    aten={"aten.embedding.default": _embedding_convert},
))


def _sdpa_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    names = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa")
    bound = dict(zip(names, args, strict=False)) | dict(kwargs)
    if bound.get("dropout_p", 0.0) != 0.0:
        return None
    mask = bound.get("attn_mask")
    return [bound["query"], bound["key"], bound["value"], mask or ""], {
        "is_causal": bool(bound.get("is_causal", False)),
        "scale": bound.get("scale"),
        "enable_gqa": bool(bound.get("enable_gqa", False)),
    }


def _sdpa_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    q, v = types[0], types[2]
    return [TensorType(q.dtype, (*q.shape[:-1], v.shape[-1]))]


register(OpDef(
    name="scaled_dot_product_attention", category="attention",
    summary="softmax(q @ k.T * scale + mask) @ v, optional causal mask and grouped-query heads",
    inputs=("query", "key", "value", "attn_mask?"),
    attrs={"is_causal": False, "scale": None, "enable_gqa": False}, infer=_sdpa_infer,
    reference=lambda query, key, value, attn_mask=None, is_causal=False, scale=None,
    enable_gqa=False: F.scaled_dot_product_attention(
        query, key, value, attn_mask=attn_mask, is_causal=is_causal, scale=scale,
        enable_gqa=enable_gqa),
    aten={"aten.scaled_dot_product_attention.default": _sdpa_convert},
    notes="Dropout must be 0 (inference).",
))
