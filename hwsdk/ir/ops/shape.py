"""Shape and data-movement ops (reshape, permute, slice, cat, split …), indexing and creation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk._lazy import torch
from hwsdk.ir.dtypes import DType, from_torch, to_torch
from hwsdk.ir.graph import TensorType
from hwsdk.ir.opdef import Converted, OpDef, is_tensor, register
from hwsdk.ir.ops._infer import norm_dim, same
from hwsdk.ir.symbolic import Dim

INT64_MAX = 2**63 - 1

# --- reshape, permute, transpose, expand --------------------------------------------------------


def _shape_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0]], {"shape": list(args[1])}


def _reshape_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x = types[0]
    shape: list[Dim] = list(attrs["shape"])
    if -1 in shape:
        known = [d for d in shape if d != -1]
        numel = x.numel()
        if numel is not None and all(isinstance(d, int) for d in known):
            prod = 1
            for d in known:
                prod *= int(d)
            shape[shape.index(-1)] = numel // prod if prod else 0
        else:
            shape[shape.index(-1)] = "?"
    return [TensorType(x.dtype, tuple(shape))]


register(OpDef(
    name="reshape", category="shape", summary="view with a new shape (one dim may be -1)",
    inputs=("x",), attrs={"shape": []}, infer=_reshape_infer,
    reference=lambda x, shape: torch.reshape(x, shape), sym_attrs=("shape",),
    aten=dict.fromkeys(("aten.view.default", "aten.reshape.default", "aten._unsafe_view.default"),
                       _shape_convert),
))


def _permute_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    rank = args[0].type.rank
    return [args[0]], {"dims": [norm_dim(d, rank) for d in args[1]]}


def _transpose_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    rank = args[0].type.rank
    dims = list(range(rank))
    a, b = norm_dim(args[1], rank), norm_dim(args[2], rank)
    dims[a], dims[b] = dims[b], dims[a]
    return [args[0]], {"dims": dims}


def _t_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    rank = args[0].type.rank
    return [args[0]], {"dims": list(reversed(range(rank)))}


register(OpDef(
    name="permute", category="shape", summary="reorder dims (transpose, t and permute)",
    inputs=("x",), attrs={"dims": []},
    infer=lambda types, attrs: [TensorType(
        types[0].dtype, tuple(types[0].shape[d] for d in attrs["dims"]))],
    reference=lambda x, dims: torch.permute(x, dims),
    aten={"aten.permute.default": _permute_convert, "aten.transpose.int": _transpose_convert,
          "aten.t.default": _t_convert},
))


def _expand_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x = types[0]
    size = list(attrs["shape"])
    offset = len(size) - x.rank
    out = [x.shape[i - offset] if d == -1 else d for i, d in enumerate(size)]
    return [TensorType(x.dtype, tuple(out))]


register(OpDef(
    name="expand", category="shape", summary="broadcast to a larger shape (-1 keeps a dim)",
    inputs=("x",), attrs={"shape": []}, infer=_expand_infer,
    reference=lambda x, shape: x.expand(shape), sym_attrs=("shape",),
    aten={"aten.expand.default": _shape_convert},
))

# --- slice, select, squeeze, unsqueeze ------------------------------------------------------------


def _slice_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    x = args[0]
    dim = norm_dim(args[1] if len(args) > 1 else 0, x.type.rank)
    start = args[2] if len(args) > 2 and args[2] is not None else 0
    end = args[3] if len(args) > 3 and args[3] is not None else INT64_MAX
    step = args[4] if len(args) > 4 else 1
    size = x.type.shape[dim]
    if isinstance(end, int) and isinstance(size, int) and end > size:
        end = size
    return [x], {"dim": dim, "start": start, "end": end, "step": int(step)}


def _slice_len(size: Dim, start: Dim, end: Dim, step: int) -> Dim:
    if all(isinstance(v, int) for v in (size, start, end)):
        n, s, e = int(size), int(start), int(end)
        s = max(0, s + n if s < 0 else s)
        e = min(n, e + n if e < 0 else e)
        return max(0, (e - s + step - 1) // step) if e > s else 0
    if end in (INT64_MAX, size):
        return size if start == 0 and step == 1 else f"(({size} - {start} + {step - 1})//{step})"
    return f"(({end} - {start} + {step - 1})//{step})"


def _slice_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x = types[0]
    shape = list(x.shape)
    dim = attrs["dim"]
    shape[dim] = _slice_len(shape[dim], attrs["start"], attrs["end"], attrs["step"])
    return [TensorType(x.dtype, tuple(shape))]


def _slice_reference(x: Any, dim: int, start: int, end: int, step: int) -> Any:
    return torch.ops.aten.slice.Tensor(x, dim, start, end, step)


register(OpDef(
    name="slice", category="shape", summary="x[start:end:step] along one dim",
    inputs=("x",), attrs={"dim": 0, "start": 0, "end": INT64_MAX, "step": 1},
    infer=_slice_infer, reference=_slice_reference, sym_attrs=("start", "end"),
    aten={"aten.slice.Tensor": _slice_convert},
))


def _select_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if not isinstance(args[2], int):
        return None
    return [args[0]], {"dim": norm_dim(args[1], args[0].type.rank), "index": args[2]}


register(OpDef(
    name="select", category="shape", summary="x[index] along one dim (the dim is removed)",
    inputs=("x",), attrs={"dim": 0, "index": 0},
    infer=lambda types, attrs: [TensorType(types[0].dtype, tuple(
        d for i, d in enumerate(types[0].shape) if i != attrs["dim"]))],
    reference=lambda x, dim, index: torch.select(x, dim, index),
    aten={"aten.select.int": _select_convert},
))


def _squeeze_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    x = args[0]
    rank = x.type.rank
    if len(args) == 1:
        dims = [i for i, d in enumerate(x.type.shape) if d == 1]
    else:
        raw = args[1] if isinstance(args[1], (list, tuple)) else [args[1]]
        dims = sorted(norm_dim(d, rank) for d in raw)
    if any(x.type.shape[d] != 1 for d in dims):
        dims = [d for d in dims if x.type.shape[d] == 1]
    return [x], {"dims": dims}


register(OpDef(
    name="squeeze", category="shape", summary="remove the given size-1 dims",
    inputs=("x",), attrs={"dims": []},
    infer=lambda types, attrs: [TensorType(types[0].dtype, tuple(
        d for i, d in enumerate(types[0].shape) if i not in attrs["dims"]))],
    reference=lambda x, dims: torch.squeeze(x, dims) if dims else x,
    aten=dict.fromkeys(("aten.squeeze.dim", "aten.squeeze.dims", "aten.squeeze.default"),
                       _squeeze_convert),
))


def _unsqueeze_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0]], {"dim": norm_dim(args[1], args[0].type.rank + 1)}


def _unsqueeze_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    shape = list(types[0].shape)
    shape.insert(attrs["dim"], 1)
    return [TensorType(types[0].dtype, tuple(shape))]


register(OpDef(
    name="unsqueeze", category="shape", summary="insert a size-1 dim",
    inputs=("x",), attrs={"dim": 0}, infer=_unsqueeze_infer,
    reference=lambda x, dim: torch.unsqueeze(x, dim),
    aten={"aten.unsqueeze.default": _unsqueeze_convert},
))


def _copy_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if not is_tensor(args[0]):
        return None
    return [args[0]], {}


register(OpDef(
    name="copy", category="shape", summary="the same values (clone, alias, contiguous, detach)",
    inputs=("x",), attrs={}, infer=same, reference=lambda x: x.clone(),
    aten=dict.fromkeys(("aten.clone.default", "aten.alias.default", "aten.contiguous.default",
                        "aten.detach.default", "aten.lift_fresh_copy.default"), _copy_convert),
))

# --- cat and split -----------------------------------------------------------------------------


def _cat_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    tensors = list(args[0])
    if not all(is_tensor(t) for t in tensors):
        return None
    # torch.cat skips legacy empty 1-d tensors (torch.empty(0), e.g. an unfilled KV cache).
    kept = [t for t in tensors if t.type.shape != (0,)]
    tensors = kept or tensors[:1]
    rank = tensors[0].type.rank
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    return tensors, {"dim": norm_dim(dim, rank)}


def _cat_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    dim = attrs["dim"]
    shape = list(types[0].shape)
    sizes = [t.shape[dim] for t in types]
    if all(isinstance(s, int) for s in sizes):
        shape[dim] = sum(int(s) for s in sizes)
    else:
        shape[dim] = " + ".join(str(s) for s in sizes)
    dtype = types[0].dtype
    return [TensorType(dtype, tuple(shape))]


register(OpDef(
    name="cat", category="shape", summary="concatenate along one dim",
    inputs=("*tensors",), attrs={"dim": 0}, infer=_cat_infer,
    reference=lambda *tensors, dim: torch.cat(tensors, dim),
    aten={"aten.cat.default": _cat_convert},
))


def _split_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    x = args[0]
    dim = norm_dim(args[2] if len(args) > 2 else kwargs.get("dim", 0), x.type.rank)
    sizes = args[1]
    if isinstance(sizes, int):
        total = x.type.shape[dim]
        if not isinstance(total, int):
            return None
        sizes = [min(sizes, total - i) for i in range(0, total, sizes)]
    if not all(isinstance(s, int) for s in sizes):
        return None
    return [x], {"sizes": list(sizes), "dim": dim}


def _split_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x = types[0]
    out = []
    for size in attrs["sizes"]:
        shape = list(x.shape)
        shape[attrs["dim"]] = size
        out.append(TensorType(x.dtype, tuple(shape)))
    return out


register(OpDef(
    name="split", category="shape", summary="split along one dim into pieces of given sizes",
    inputs=("x",), attrs={"sizes": [], "dim": 0}, infer=_split_infer, num_outputs=None,
    reference=lambda x, sizes, dim: tuple(torch.split(x, sizes, dim)),
    aten=dict.fromkeys(("aten.split.Tensor", "aten.split_with_sizes.default"), _split_convert),
))

# --- indexing -----------------------------------------------------------------------------------


def _index_select_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0], args[2]], {"dim": norm_dim(args[1], args[0].type.rank)}


def _index_select_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    shape = list(types[0].shape)
    shape[attrs["dim"]] = types[1].shape[0] if types[1].rank else 1
    return [TensorType(types[0].dtype, tuple(shape))]


register(OpDef(
    name="index_select", category="indexing", summary="pick entries along one dim by a 1-d index",
    inputs=("x", "index"), attrs={"dim": 0}, infer=_index_select_infer,
    reference=lambda x, index, dim: torch.index_select(x, dim, index),
    aten={"aten.index_select.default": _index_select_convert},
))


def _gather_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if kwargs.get("sparse_grad"):
        return None
    return [args[0], args[2]], {"dim": norm_dim(args[1], args[0].type.rank)}


register(OpDef(
    name="gather", category="indexing", summary="out[i][j] = x[index[i][j]][j] along dim",
    inputs=("x", "index"), attrs={"dim": 0},
    infer=lambda types, attrs: [TensorType(types[0].dtype, types[1].shape)],
    reference=lambda x, index, dim: torch.gather(x, dim, index),
    aten={"aten.gather.default": _gather_convert},
))

def _index_copy_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    x, dim, index, source = args[0], args[1], args[2], args[3]
    if index.type.rank > 1 or source.type.rank != x.type.rank:
        return None
    return [x, index, source], {"dim": norm_dim(dim, x.type.rank)}


register(OpDef(
    name="index_copy", category="indexing",
    summary="x with the slices at index along dim replaced by source (a KV-cache write)",
    inputs=("x", "index", "source"), attrs={"dim": 0},
    infer=lambda types, attrs: [types[0]],
    reference=lambda x, index, source, dim: torch.index_copy(x, dim, index, source),
    aten={"aten.index_copy.default": _index_copy_convert},
))

# --- creation -----------------------------------------------------------------------------------


def _dtype_attr(kwargs: Mapping[str, Any], default: DType) -> str:
    dtype = kwargs.get("dtype")
    return (from_torch(dtype) if dtype is not None else default).value


def _arange_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    if len(args) == 1:
        start, end, step = 0, args[0], 1
    else:
        start, end, step = args[0], args[1], args[2] if len(args) > 2 else 1
    if any(isinstance(v, float) for v in (start, end, step)) and kwargs.get("dtype") is None:
        return None
    return [], {"start": start, "end": end, "step": step,
                "dtype": _dtype_attr(kwargs, DType.i64)}


def _arange_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    start, end, step = attrs["start"], attrs["end"], attrs["step"]
    if all(isinstance(v, (int, float)) for v in (start, end, step)):
        import math

        n: Dim = max(0, math.ceil((end - start) / step))
    else:
        n = str(end) if start == 0 and step == 1 else f"(({end} - {start})//{step})"
    return [TensorType(DType(attrs["dtype"]), (n,))]


register(OpDef(
    name="arange", category="creation", summary="start, start+step, … up to end (exclusive)",
    inputs=(), attrs={"start": 0, "end": 0, "step": 1, "dtype": "i64"}, infer=_arange_infer,
    reference=lambda start, end, step, dtype: torch.arange(
        start, end, step, dtype=to_torch(DType(dtype))),
    sym_attrs=("start", "end"),
    aten=dict.fromkeys(("aten.arange.default", "aten.arange.start", "aten.arange.start_step"),
                       _arange_convert),
))


def _full_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    value = args[1]
    default = DType.bool if isinstance(value, bool) else (
        DType.i64 if isinstance(value, int) else DType.f32)
    return [], {"shape": list(args[0]), "value": value, "dtype": _dtype_attr(kwargs, default)}


register(OpDef(
    name="full", category="creation", summary="a tensor of one value",
    inputs=(), attrs={"shape": [], "value": 0, "dtype": "f32"},
    infer=lambda types, attrs: [TensorType(DType(attrs["dtype"]), tuple(attrs["shape"]))],
    reference=lambda shape, value, dtype: torch.full(shape, value, dtype=to_torch(DType(dtype))),
    sym_attrs=("shape",),
    aten={"aten.full.default": _full_convert},
))


def _tri_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    return [args[0]], {"diagonal": int(args[1]) if len(args) > 1 else 0}


register(OpDef(
    name="triu", category="indexing", summary="upper triangle of the last two dims",
    inputs=("x",), attrs={"diagonal": 0}, infer=same,
    reference=lambda x, diagonal: torch.triu(x, diagonal),
    aten={"aten.triu.default": _tri_convert},
))
register(OpDef(
    name="tril", category="indexing", summary="lower triangle of the last two dims",
    inputs=("x",), attrs={"diagonal": 0}, infer=same,
    reference=lambda x, diagonal: torch.tril(x, diagonal),
    aten={"aten.tril.default": _tri_convert},
))
