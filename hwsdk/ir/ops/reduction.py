"""Reductions over dims: sum, mean, amax, amin, argmax, and the cumulative sum."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk._lazy import torch
from hwsdk.ir.dtypes import DType, from_torch, to_torch
from hwsdk.ir.graph import TensorType
from hwsdk.ir.opdef import Converted, OpDef, is_tensor, register
from hwsdk.ir.ops._infer import norm_dim, reduce_shape


def _dims_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``op(x, dim=None, keepdim=False, *, dtype=None)`` with dim an int or a list."""
    if not is_tensor(args[0]):
        return None
    dims = kwargs.get("dim", args[1] if len(args) > 1 else None)
    keepdim = bool(kwargs.get("keepdim", args[2] if len(args) > 2 else False))
    dtype = kwargs.get("dtype")
    if isinstance(dims, int):
        dims = [dims]
    rank = args[0].type.rank
    attrs: dict[str, Any] = {
        "dims": sorted(norm_dim(d, rank) for d in dims) if dims else list(range(rank)),
        "keepdim": keepdim,
    }
    if dtype is not None:
        attrs["dtype"] = from_torch(dtype).value
    return [args[0]], attrs


def _no_dim_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    """``op(x, *, dtype=None)``: reduce over every dim."""
    if len(args) != 1:
        return None
    return _dims_convert((args[0], None, False), kwargs)


def _reduce_infer(keep_dtype: bool) -> Any:
    def infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
        t = types[0]
        dtype = t.dtype
        if attrs.get("dtype"):
            dtype = DType(attrs["dtype"])
        elif not keep_dtype and not dtype.is_float:
            dtype = DType.i64 if dtype in (DType.bool, DType.u8, DType.i8, DType.i16, DType.i32,
                                           DType.i64) else dtype
        return [TensorType(dtype, reduce_shape(t.shape, attrs["dims"], attrs["keepdim"]))]

    return infer


def _torch_dtype(dtype: str | None) -> Any:
    return to_torch(DType(dtype)) if dtype else None


register(OpDef(
    name="sum", category="reduction", summary="sum over dims",
    inputs=("x",), attrs={"dims": [], "keepdim": False, "dtype": None},
    infer=_reduce_infer(keep_dtype=False),
    reference=lambda x, dims, keepdim=False, dtype=None: torch.sum(
        x, dim=dims, keepdim=keepdim, dtype=_torch_dtype(dtype)),
    aten={"aten.sum.dim_IntList": _dims_convert, "aten.sum.default": _no_dim_convert},
))
register(OpDef(
    name="mean", category="reduction", summary="arithmetic mean over dims",
    inputs=("x",), attrs={"dims": [], "keepdim": False, "dtype": None},
    infer=_reduce_infer(keep_dtype=True),
    reference=lambda x, dims, keepdim=False, dtype=None: torch.mean(
        x, dim=dims, keepdim=keepdim, dtype=_torch_dtype(dtype)),
    aten={"aten.mean.dim": _dims_convert, "aten.mean.default": _no_dim_convert},
))
register(OpDef(
    name="amax", category="reduction", summary="maximum over dims",
    inputs=("x",), attrs={"dims": [], "keepdim": False},
    infer=_reduce_infer(keep_dtype=True),
    reference=lambda x, dims, keepdim=False: torch.amax(x, dim=dims, keepdim=keepdim),
    aten={"aten.amax.default": _dims_convert},
))
register(OpDef(
    name="amin", category="reduction", summary="minimum over dims",
    inputs=("x",), attrs={"dims": [], "keepdim": False},
    infer=_reduce_infer(keep_dtype=True),
    reference=lambda x, dims, keepdim=False: torch.amin(x, dim=dims, keepdim=keepdim),
    aten={"aten.amin.default": _dims_convert},
))


def _argmax_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    dim = kwargs.get("dim", args[1] if len(args) > 1 else None)
    keepdim = bool(kwargs.get("keepdim", args[2] if len(args) > 2 else False))
    if dim is None:
        return None
    return [args[0]], {"dim": norm_dim(dim, args[0].type.rank), "keepdim": keepdim}


register(OpDef(
    name="argmax", category="reduction", summary="index of the maximum along one dim",
    inputs=("x",), attrs={"dim": 0, "keepdim": False},
    infer=lambda types, attrs: [TensorType(
        DType.i64, reduce_shape(types[0].shape, [attrs["dim"]], attrs["keepdim"]))],
    reference=lambda x, dim, keepdim=False: torch.argmax(x, dim=dim, keepdim=keepdim),
    aten={"aten.argmax.default": _argmax_convert},
))


def _cumsum_convert(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Converted | None:
    dtype = kwargs.get("dtype")
    attrs: dict[str, Any] = {"dim": norm_dim(args[1], args[0].type.rank)}
    if dtype is not None:
        attrs["dtype"] = from_torch(dtype).value
    return [args[0]], attrs


def _cumsum_infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    dtype = DType(attrs["dtype"]) if attrs.get("dtype") else (
        t.dtype if t.dtype.is_float else DType.i64)
    return [TensorType(dtype, t.shape)]


register(OpDef(
    name="cumsum", category="reduction", summary="cumulative sum along one dim",
    inputs=("x",), attrs={"dim": 0, "dtype": None}, infer=_cumsum_infer,
    reference=lambda x, dim, dtype=None: torch.cumsum(x, dim=dim, dtype=_torch_dtype(dtype)),
    aten={"aten.cumsum.default": _cumsum_convert},
))
