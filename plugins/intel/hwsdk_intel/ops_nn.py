"""Converters for composite ops (norms, linear algebra, convolution, pooling, attention,
embedding) and for shape, indexing and creation ops (see :mod:`.lowering`)."""

from __future__ import annotations

import math
from typing import Any

from hwsdk.plugin import DType, Node
from hwsdk_intel.lowering import Lowering
from hwsdk_intel.ops_math import converter

INT64_MAX = 2**63 - 1

# --- normalization ------------------------------------------------------------------------------


@converter("layer_norm")
def _layer_norm(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x, weight, bias = ([*args, None, None])[:3]
    k = len(node.attrs["normalized_shape"])
    axes = lw.i64(list(range(-k, 0)))
    out = lw.ops.mvn(x, axes, True, float(node.attrs["eps"]), "inside_sqrt")
    if weight is not None:
        out = lw.ops.multiply(out, weight)
    if bias is not None:
        out = lw.ops.add(out, bias)
    return [out]


@converter("rms_norm")
def _rms_norm(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    import torch

    x, weight = ([*args, None])[:2]
    dtype = lw.type_of(node.inputs[0]).dtype
    eps = node.attrs.get("eps")
    if eps is None:
        from hwsdk.plugin import to_torch

        eps = torch.finfo(to_torch(dtype)).eps
    k = len(node.attrs["normalized_shape"])
    o = lw.ops
    mean_sq = o.reduce_mean(o.multiply(x, x), lw.i64(list(range(-k, 0))), True)
    out = o.multiply(x, o.divide(lw.const(1, dtype),
                                 o.sqrt(o.add(mean_sq, lw.const(float(eps), dtype)))))
    if weight is not None:
        out = o.multiply(out, weight)
    return [out]


@converter("batch_norm")
def _batch_norm(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x, weight, bias, mean, var = args
    dtype = lw.type_of(node.inputs[0]).dtype
    channels = lw.type_of(node.inputs[3]).shape[0]
    if weight is None:
        weight = lw.const([1.0] * int(channels), dtype)
    if bias is None:
        bias = lw.const([0.0] * int(channels), dtype)
    return [lw.ops.batch_norm_inference(x, weight, bias, mean, var, float(node.attrs["eps"]))]


# --- linear algebra -----------------------------------------------------------------------------


@converter("linear")
def _linear(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x, weight, bias = ([*args, None])[:3]
    out = lw.ops.matmul(x, weight, False, True)
    return [lw.ops.add(out, bias) if bias is not None else out]


@converter("matmul")
def _matmul(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.matmul(args[0], args[1], False, False)]


@converter("addmm")
def _addmm(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    bias, a, b = args
    return [lw.ops.add(lw.ops.matmul(a, b, False, False), bias)]


# --- convolution and pooling ----------------------------------------------------------------------


@converter("conv")
def _conv(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x, weight, bias = ([*args, None])[:3]
    a = node.attrs
    spatial = lw.type_of(node.inputs[0]).rank - 2
    stride, padding, dilation = (list(a[k])[:spatial] for k in ("stride", "padding", "dilation"))
    groups = int(a["groups"])
    o = lw.ops
    if groups == 1:
        out = o.convolution(x, weight, stride, padding, padding, dilation)
    else:
        w_shape = [int(d) for d in lw.type_of(node.inputs[1]).shape]
        grouped = o.reshape(weight, lw.i64([groups, w_shape[0] // groups, *w_shape[1:]]), False)
        out = o.group_convolution(x, grouped, stride, padding, padding, dilation)
    if bias is not None:
        out = o.add(out, o.reshape(bias, lw.i64([1, -1] + [1] * spatial), False))
    return [out]


def _rounding(ceil_mode: bool) -> str:
    return "ceil_torch" if ceil_mode else "floor"


def _pool(lw: Lowering, node: Node, x: Any) -> Any:
    a = node.attrs
    return lw.ops.max_pool(x, list(a["stride"]), list(a["dilation"]), list(a["padding"]),
                           list(a["padding"]), list(a["kernel"]),
                           _rounding(a["ceil_mode"])).output(0)


@converter("max_pool2d")
def _max_pool(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    o = lw.ops
    x = args[0]
    out = _pool(lw, node, x)
    if not lw.exact_nan:
        return [out]
    # PyTorch: a window holding NaN is NaN, an all -inf window is -inf. OpenVINO's MaxPool
    # skips NaN and gives the lowest finite value for an all -inf window.
    zero = lw.const(0.0, lw.type_of(node.inputs[0]).dtype)
    finite_or_inf = o.logical_not(o.is_inf(x, {"detect_positive": False}))
    kept = _pool(lw, node, o.convert_like(finite_or_inf, x))
    all_neg_inf = o.logical_not(o.greater(kept, zero))
    out = o.select(all_neg_inf, o.convert_like(lw.const(-float("inf"), DType.f32), out), out)
    has_nan = o.greater(_pool(lw, node, o.convert_like(o.is_nan(x), x)), zero)
    return [o.select(has_nan, o.convert_like(lw.const(float("nan"), DType.f32), out), out)]


@converter("avg_pool2d")
def _avg_pool(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    import inspect

    a = node.attrs
    # AvgPool-16 takes dilations; its Python wrapper crashes when they are left None
    extra = {"dilations": [1, 1]} if "dilations" in inspect.signature(lw.ops.avg_pool).parameters \
        else {}
    if not (a["ceil_mode"] and a["count_include_pad"] and any(a["padding"])):
        return [lw.ops.avg_pool(args[0], list(a["stride"]), list(a["padding"]),
                                list(a["padding"]), list(a["kernel"]), not a["count_include_pad"],
                                _rounding(a["ceil_mode"]), **extra)]
    # PyTorch divides a window by its overlap with the padded input; OpenVINO's ceil_torch
    # counts the part beyond the padding too. Pad explicitly, exclude the rest, and drop the
    # trailing window OpenVINO then adds when one starts in the right padding.
    o = lw.ops
    pads = [0, 0, *a["padding"]]
    padded = o.pad(args[0], lw.i64(pads), lw.i64(pads), "constant")
    out = o.avg_pool(padded, list(a["stride"]), [0, 0], [0, 0], list(a["kernel"]), True,
                     "ceil_torch", **extra)
    # a symbolic output size raises here: the region then falls back, with the reason
    spatial = [int(d) for d in lw.type_of(node.outputs[0]).shape[2:]]
    return [o.slice(out, lw.i64([0, 0]), lw.i64(spatial), lw.i64([1, 1]), lw.i64([2, 3]))]


@converter("adaptive_avg_pool2d")
def _adaptive_avg_pool(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.adaptive_avg_pool(args[0], lw.i64(list(node.attrs["output_size"])))]


# --- embedding and attention ----------------------------------------------------------------------


@converter("embedding")
def _embedding(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.gather(args[0], args[1], lw.i64(0))]


def _repeat_heads(lw: Lowering, node: Node, value: Any, which: int) -> Any:
    """Grouped-query attention: key/value heads (dim -3) repeated to the query's head count,
    each head ``groups`` times in a row (``repeat_interleave``, as PyTorch's enable_gqa)."""
    q_type, kv_type = lw.type_of(node.inputs[0]), lw.type_of(node.inputs[which])
    heads, kv_heads, size = q_type.shape[-3], kv_type.shape[-3], kv_type.shape[-1]
    if kv_type.rank != 4 or not (isinstance(heads, int) and isinstance(kv_heads, int)
                                 and isinstance(size, int)):
        raise NotImplementedError("enable_gqa is lowered for rank-4 inputs with static head "
                                  f"counts and head size, not {q_type} / {kv_type}")
    if heads == kv_heads:
        return value
    o = lw.ops
    grown = o.tile(o.unsqueeze(value, lw.i64([2])), lw.i64([1, 1, heads // kv_heads, 1, 1]))
    return o.reshape(grown, lw.i64([0, heads, -1, size]), special_zero=True)


def _static(shape: Any, index: int) -> int | None:
    dim = shape[index] if shape.rank.is_static and len(shape) > index else None
    return dim.get_length() if dim is not None and dim.is_static else None


def _unrepeated(value: Any, ir_shape: Any) -> Any:
    """``[b, kv_heads, 1, s, d]`` when ``value`` is transformers' ``repeat_kv`` as lowered
    (Unsqueeze at 2, Broadcast over that dim, Reshape to ``[b, heads, s, d]``, ``ir_shape``
    the IR's), else None. A Broadcast that also grew ``s`` or ``d`` is not that form."""
    reshape = value.get_node()
    if reshape.get_type_name() != "Reshape":
        return None
    broadcast = reshape.input_value(0).get_node()
    if broadcast.get_type_name() != "Broadcast":
        return None
    unsqueezed = broadcast.input_value(0)
    node = unsqueezed.get_node()
    axes = node.input_value(1).get_node() if node.get_type_name() == "Unsqueeze" else None
    if axes is None or axes.get_type_name() != "Constant" or \
            [int(a) for a in axes.get_data().reshape(-1)] != [2]:
        return None
    shape, grown = unsqueezed.get_partial_shape(), broadcast.get_output_partial_shape(0)
    if shape.rank.get_length() != 5 or grown.rank.is_dynamic or grown.rank.get_length() != 5:
        return None
    kv_heads, groups = _static(shape, 1), _static(grown, 2)
    if kv_heads is None or groups is None or _static(grown, 1) != kv_heads or \
            _static(value.get_partial_shape(), 1) != kv_heads * groups:
        return None
    if len(ir_shape) != 4:
        return None
    for dim in (3, 4):  # s and d as the IR has them: equal, or s dynamic on both sides
        found = _static(shape, dim)
        if found is None:
            if dim == 4:
                return None  # the head size is static in every form this lowering takes
            continue
        if found != ir_shape[dim - 1]:
            return None
    return unsqueezed


def _grouped(lw: Lowering, node: Node, q: Any, k: Any, v: Any, mask: Any
             ) -> tuple[Any, Any, Any, Any, int, int] | None:
    """Grouped-query attention without repeating keys and values, so no repeated copy of
    the cache slice is made (OpenVINO's CPU plugin spent a Broadcast per key and value per
    layer on it). ``(q, k, v, mask, heads, value_dim)``, or None when the inputs are not in
    that form (nothing is added to the graph then).

    Without ``is_causal`` each key/value head's query groups are folded into the query rows:
    queries ``[b, kv_heads, groups * t, d]`` against keys and values ``[b, kv_heads, s, d]``,
    the mask's rows tiled to match. Every query row attends on its own, so this is the same
    attention, and at rank 4 the CPU plugin runs it as one fused MHA subgraph where the
    rank-5 form is decomposed into MatMul, Softmax and MatMul nodes (decode tokens/s +3.5 %,
    median of 12 interleaved generations of bench/llm.py's model). A causal mask is laid out
    over ``t`` rows, so causal attention keeps the broadcast form: queries ``[b, kv_heads,
    groups, t, d]`` against keys and values ``[b, kv_heads, 1, s, d]``."""
    q_type = lw.type_of(node.inputs[0])
    heads, size = q_type.shape[-3] if q_type.rank == 4 else None, q_type.shape[-1]
    if not (isinstance(heads, int) and isinstance(size, int)):
        return None
    mask_type = lw.type_of(node.inputs[3]) if mask is not None else None
    if mask_type is not None and not (
            mask_type.rank <= 2 or (mask_type.rank == 3 and mask_type.shape[0] == 1)
            or (mask_type.rank == 4 and mask_type.shape[1] == 1)):
        return None  # a per-head mask: left to the repeated form
    o = lw.ops
    expanded: tuple[Any, Any] | None = None  # repeat_kv's unrepeated keys and values
    dims: tuple[Any, Any, Any]  # key heads, value heads, value head size
    if node.attrs.get("enable_gqa"):
        k_type, v_type = lw.type_of(node.inputs[1]), lw.type_of(node.inputs[2])
        if k_type.rank != 4 or v_type.rank != 4:
            return None
        dims = (k_type.shape[-3], v_type.shape[-3], v_type.shape[-1])
    else:
        expanded = (_unrepeated(k, lw.type_of(node.inputs[1]).shape),
                    _unrepeated(v, lw.type_of(node.inputs[2]).shape))
        if expanded[0] is None or expanded[1] is None:
            return None
        k_shape, v_shape = (x.get_partial_shape() for x in expanded)
        dims = (_static(k_shape, 1), _static(v_shape, 1), _static(v_shape, 4))
    kv_heads, v_heads, value_dim = dims
    if not (isinstance(kv_heads, int) and isinstance(value_dim, int)) or kv_heads < 1 or \
            v_heads != kv_heads or heads % kv_heads or heads == kv_heads:
        return None
    folded_mask = _folded_mask(lw, node, mask, heads // kv_heads)
    if folded_mask is not None:
        k4, v4 = (o.squeeze(x, lw.i64([2])) for x in expanded) if expanded else (k, v)
        q4 = o.reshape(q, lw.i64([0, kv_heads, -1, size]), special_zero=True)
        return q4, k4, v4, folded_mask[0], heads, value_dim
    k5, v5 = expanded or (o.unsqueeze(x, lw.i64([2])).output(0) for x in (k, v))
    if mask_type is not None and mask_type.rank == 4:
        mask = o.unsqueeze(mask, lw.i64([1]))  # [b, 1, 1, t, s]
    q5 = o.reshape(q, lw.i64([0, kv_heads, heads // kv_heads, -1, size]), special_zero=True)
    return q5, k5, v5, mask, heads, value_dim


def _folded_mask(lw: Lowering, node: Node, mask: Any, groups: int) -> tuple[Any] | None:
    """The mask for attention with the query groups folded into the rows (see
    :func:`_grouped`), in a 1-tuple (its value may be None: no mask), or None when the
    attention cannot be folded: it is causal, or the mask's rows neither broadcast (one row,
    or none) nor match the queries' rows."""
    if node.attrs.get("is_causal"):
        return None
    if mask is None:
        return (None,)
    mask_type = lw.type_of(node.inputs[3])
    if mask_type.rank <= 1 or mask_type.shape[-2] == 1:
        return (mask,)  # one row for every query row, folded or not
    if mask_type.shape[-2] != lw.type_of(node.inputs[0]).shape[-2]:
        return None  # the same size (or symbol) as the queries' rows, else not folded
    repeats = [1] * mask_type.rank
    repeats[-2] = groups  # row g * t + i of the folded queries is row i of group g
    return (lw.ops.tile(mask, lw.i64(repeats)),)


@converter("scaled_dot_product_attention")
def _sdpa(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    q, k, v, mask = ([*args, None])[:4]
    grouped = _grouped(lw, node, q, k, v, mask)
    if grouped is not None:
        q, k, v, attend_mask, heads, value_dim = grouped
    elif node.attrs.get("enable_gqa"):
        k, v = _repeat_heads(lw, node, k, 1), _repeat_heads(lw, node, v, 2)
    if grouped is None:
        attend_mask = mask
    dtype = lw.type_of(node.inputs[0]).dtype
    scale = node.attrs.get("scale")
    o = lw.ops
    causal = bool(node.attrs.get("is_causal"))
    scale_node = lw.const(float(scale), dtype) if scale is not None else None
    if attend_mask is None and scale is None:
        out = o.scaled_dot_product_attention(q, k, v, causal=causal)
    else:
        if attend_mask is None:
            attend_mask = lw.const(0.0, dtype)
        out = o.scaled_dot_product_attention(q, k, v, attend_mask, scale_node, causal=causal)
    if grouped is not None:  # [b, kv_heads, groups, t, dv] back to [b, heads, t, dv]
        out = o.reshape(out, lw.i64([0, heads, -1, value_dim]), special_zero=True)
    if mask is None:
        return [out]
    # PyTorch gives a query row its mask allows nothing for (e.g. a left-padding position)
    # zeros; OpenVINO's fused attention gives NaN there
    mask_dtype = lw.type_of(node.inputs[3]).dtype
    blocked = (o.logical_not(mask) if mask_dtype == DType.bool
               else o.equal(mask, lw.const(-math.inf, mask_dtype)))
    none_allowed = o.reduce_logical_and(blocked, lw.i64([-1]), keep_dims=True)
    return [o.select(none_allowed, lw.const(0.0, dtype), out)]


# --- shape ----------------------------------------------------------------------------------------


@converter("reshape")
def _reshape(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.reshape(args[0], lw.shape_vector(_reshape_target(lw, node)), False)]


def _reshape_target(lw: Lowering, node: Node) -> list[int | str]:
    """The reshape's target with each ``-1`` replaced by the size the IR inferred for it.

    OpenVINO cannot resolve a ``-1`` beside a dynamic dim at graph-build time (``[1, s, -1,
    64]`` stays ``[1, ?, ?, 64]``), and a dynamic head count keeps its CPU plugin from running
    attention as one ScaledDotProductAttention node. When the target had a ``-1`` and one dim
    is left symbolic, that dim becomes the ``-1``: the target is then one constant, with no
    shape arithmetic at run time (torch's ``view`` rejects a ``-1`` on an empty tensor, so the
    empty case was already an error).
    """
    shape = list(node.attrs["shape"])
    inferred = lw.type_of(node.outputs[0]).shape
    if -1 not in shape or len(inferred) != len(shape):
        return shape
    target: list[int | str] = [d if isinstance(d, int) else (s if s != -1 else d)
                               for s, d in zip(shape, inferred, strict=True)]
    symbolic = [k for k, d in enumerate(target) if not isinstance(d, int)]
    if len(symbolic) == 1:
        target[symbolic[0]] = -1
    return target


@converter("permute")
def _permute(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.transpose(args[0], lw.i64(list(node.attrs["dims"])))]


@converter("expand")
def _expand(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    shape = list(node.attrs["shape"])
    if not shape or shape == list(lw.type_of(node.inputs[0]).shape):
        # an expand to the input's own shape is the input; and OpenVINO's CPU plugin
        # segfaults in compile_model on a Broadcast of a 0-d Parameter to shape []
        return [args[0]]
    # Broadcast to the exact target, each -1 (a kept dim) read off the input's shape.
    # BIDIRECTIONAL with -1 as 1 would be shorter, but OpenVINO resolves that as
    # max(input, 1), which is wrong when the kept dim is 0 at run time.
    if -1 not in shape:
        return [lw.ops.broadcast(args[0], lw.shape_vector(shape))]
    o = lw.ops
    lead = len(shape) - lw.type_of(node.inputs[0]).rank
    sizes = o.shape_of(args[0], "i64")
    parts = [o.gather(sizes, lw.i64([k - lead]), lw.i64(0)) if d == -1 else
             o.unsqueeze(lw.dim(d), lw.i64(0)) for k, d in enumerate(shape)]
    return [o.broadcast(args[0], o.concat(parts, 0))]


@converter("slice")
def _slice(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    a = node.attrs
    o = lw.ops

    def vec(d: int | str) -> Any:
        return o.unsqueeze(lw.dim(d), lw.i64(0)) if isinstance(d, str) else lw.i64([d])

    end = min(int(a["end"]), INT64_MAX) if isinstance(a["end"], int) else a["end"]
    return [o.slice(args[0], vec(a["start"]), vec(end), lw.i64([int(a["step"])]),
                    lw.i64([int(a["dim"])]))]


@converter("select")
def _select(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.gather(args[0], lw.i64(int(node.attrs["index"])),
                          lw.i64(int(node.attrs["dim"])))]


@converter("squeeze")
def _squeeze(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dims = list(node.attrs["dims"])
    return [lw.ops.squeeze(args[0], lw.i64(dims)) if dims else args[0]]


@converter("unsqueeze")
def _unsqueeze(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.unsqueeze(args[0], lw.i64(int(node.attrs["dim"])))]


@converter("copy")
def _copy(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [args[0]]


@converter("cat")
def _cat(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    out = lw.type_of(node.outputs[0])
    # the axis counted from the end: the same concat, and the form OpenVINO's RoPEFusion
    # matches (its rotate_half pattern wants axis -1)
    axis = int(node.attrs["dim"])
    axis = axis - out.rank if axis >= 0 else axis
    return [lw.ops.concat([lw.to_dtype(a, out.dtype) for a in args], axis)]


@converter("split")
def _split(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    sizes = list(node.attrs["sizes"])
    split = lw.ops.variadic_split(args[0], lw.i64(int(node.attrs["dim"])), lw.i64(sizes))
    return [split.output(i) for i in range(len(sizes))]


# --- indexing and creation ------------------------------------------------------------------------


@converter("index_select")
def _index_select(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.gather(args[0], args[1], lw.i64(int(node.attrs["dim"])))]


@converter("index_copy")
def _index_copy(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    if lw.type_of(node.inputs[0]).rank == 0:
        raise NotImplementedError("index_copy of a 0-d tensor is not lowered to OpenVINO")
    index = args[1]
    if lw.type_of(node.inputs[1]).rank == 0:
        index = lw.ops.unsqueeze(index, lw.i64([0]))
    return [lw.ops.scatter_update(args[0], index, args[2], lw.i64(int(node.attrs["dim"])))]


@converter("gather")
def _gather(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.ops.gather_elements(args[0], args[1], int(node.attrs["dim"]))]


@converter("arange")
def _arange(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dtype = DType(node.attrs["dtype"])
    a = node.attrs
    if dtype.is_float:
        parts = [lw.const(float(a[k]), DType.f32) if not isinstance(a[k], str) else
                 lw.ops.convert(lw.dim(a[k]), "f32") for k in ("start", "end", "step")]
        return [lw.to_dtype(lw.ops.range(*parts, "f32").output(0), dtype)]
    parts = [lw.dim(a[k]) if isinstance(a[k], str) else lw.i64(int(a[k]))
             for k in ("start", "end", "step")]
    return [lw.to_dtype(lw.ops.range(*parts, "i64").output(0), dtype)]


@converter("full")
def _full(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dtype = DType(node.attrs["dtype"])
    value = lw.const(node.attrs["value"], dtype)
    shape = list(node.attrs["shape"])
    if not shape:  # 0-d: the constant itself (no Broadcast to shape [], see _expand)
        return [value]
    return [lw.ops.broadcast(value, lw.shape_vector(shape))]


@converter("triu", "tril")
def _triangle(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    o = lw.ops
    x = args[0]
    shape = o.shape_of(x, "i64")
    rows = o.range(lw.i64(0), o.gather(shape, lw.i64(-2), lw.i64(0)), lw.i64(1), "i64")
    cols = o.range(lw.i64(0), o.gather(shape, lw.i64(-1), lw.i64(0)), lw.i64(1), "i64")
    offset = o.subtract(o.unsqueeze(cols, lw.i64(0)), o.unsqueeze(rows, lw.i64(1)))
    diagonal = lw.i64(int(node.attrs["diagonal"]))
    keep = o.greater_equal(offset, diagonal) if node.op == "triu" else \
        o.less_equal(offset, diagonal)
    zero = lw.const(False if lw.type_of(node.inputs[0]).dtype is DType.bool else 0,
                    lw.type_of(node.inputs[0]).dtype)
    return [o.select(keep, x, zero)]
