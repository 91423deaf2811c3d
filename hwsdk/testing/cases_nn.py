"""Generated cases for shape, indexing, creation, convolution, pooling, normalization and
attention ops. Values are normal and zeros only: these ops move or combine values, and the
magnitude patterns of :mod:`hwsdk.testing.cases` already cover their arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.testing.case import Case, Input, d, index, p, slots

__all__ = ["NN_GENERATORS"]

_Gen = Callable[[str, DType], list[Case]]


def _with_zeros(cases: list[Case]) -> list[Case]:
    """The cases, plus the first one again on zeros."""
    first = cases[0]
    return [*cases, Case(first.op, first.label, first.inputs, first.attrs, "zeros")]


def _cast(op: str, dt: DType) -> list[Case]:
    other = "f16" if dt is DType.f32 else "f32"
    return _with_zeros([Case(op, "same", (d(3, 5),), {"dtype": dt.value}),
                        Case(op, f"to_{other}", (d(2, 3, 5),), {"dtype": other})])


def _simple(op: str, shapes_attrs: list[tuple[tuple[int, ...], dict[str, Any]]]) -> list[Case]:
    return _with_zeros([Case(op, f"{list(shape)}{_short(attrs)}", (d(*shape),), attrs)
                        for shape, attrs in shapes_attrs])


def _short(attrs: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in attrs.items()).replace(" ", "")


def _variadic(op: str, dt: DType) -> list[Case]:
    return _with_zeros([Case(op, "dim0", (d(3, 5), d(2, 5)), {"dim": 0}),
                        Case(op, "dim1x3", (d(3, 2), d(3, 5), d(3, 1)), {"dim": 1})])


def _creation(op: str, dt: DType) -> list[Case]:
    if op == "arange":
        if dt is DType.bool:
            return []
        return [Case(op, "0..7", (), {"start": 0, "end": 7, "step": 1, "dtype": dt.value}),
                Case(op, "2..11step3", (), {"start": 2, "end": 11, "step": 3,
                                            "dtype": dt.value})]
    value: Any = True if dt is DType.bool else 2.5 if dt.is_float else 3
    return [Case(op, "[3,5]", (), {"shape": [3, 5], "value": value, "dtype": dt.value}),
            Case(op, "[7]", (), {"shape": [7], "value": value, "dtype": dt.value})]


def _indexing(op: str, dt: DType) -> list[Case]:
    if op == "gather":
        cases = [Case(op, "dim1", (d(3, 5), index(5, 3, 2)), {"dim": 1}),
                 Case(op, "dim0", (d(4, 3), index(4, 2, 3)), {"dim": 0})]
    elif op == "index_copy":
        cases = [Case(op, "dim1", (d(3, 5), slots(5, 2), d(3, 2)), {"dim": 1}),
                 Case(op, "kv[1,2,6,4]dim2", (d(1, 2, 6, 4), slots(6, 3), d(1, 2, 3, 4)),
                      {"dim": 2})]
    elif op == "index_select":
        cases = [Case(op, "dim1", (d(3, 5), index(5, 4)), {"dim": 1}),
                 Case(op, "dim0", (d(4, 3), index(4, 6)), {"dim": 0})]
    else:  # embedding
        cases = [Case(op, "w[10,4]i[3,5]", (p(10, 4), index(10, 3, 5))),
                 Case(op, "w[7,3]i[6]", (p(7, 3), index(7, 6)))]
    return _with_zeros(cases)


def _conv(op: str, dt: DType) -> list[Case]:
    base = {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 1}
    return _with_zeros([
        Case(op, "[1,2,5,7]w3x3pad1", (d(1, 2, 5, 7), p(3, 2, 3, 3), p(3)), base),
        Case(op, "groups2stride2,1", (d(2, 4, 6, 5), p(4, 2, 3, 3), None),
             {**base, "stride": [2, 1], "padding": [0, 0], "groups": 2}),
    ])


def _pool(op: str, dt: DType) -> list[Case]:
    x = (d(1, 2, 5, 7),)
    if op == "adaptive_avg_pool2d":
        cases = [Case(op, "to1x1", x, {"output_size": [1, 1]}),
                 Case(op, "to2x3", x, {"output_size": [2, 3]})]
    else:
        cases = [Case(op, "k2s2", x, {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]}),
                 Case(op, "k3s1p1", x, {"kernel": [3, 3], "stride": [1, 1], "padding": [1, 1]})]
    return _with_zeros(cases)


def _batch_norm(op: str, dt: DType) -> list[Case]:
    stats = (p(3), Input((3,), "variance"))
    return _with_zeros([Case(op, "[2,3,4,5]affine", (d(2, 3, 4, 5), p(3), p(3), *stats)),
                        Case(op, "[2,3,5]", (d(2, 3, 5), None, None, *stats))])


def _attention(op: str, dt: DType) -> list[Case]:
    return _with_zeros([
        Case(op, "q5k6", (d(1, 2, 5, 8), d(1, 2, 6, 8), d(1, 2, 6, 8))),
        Case(op, "causal", (d(1, 2, 5, 8), d(1, 2, 5, 8), d(1, 2, 5, 8)), {"is_causal": True}),
        Case(op, "mask", (d(2, 5, 4), d(2, 6, 4), d(2, 6, 4), Input((5, 6), "cond"))),
    ])


def _dequantize(op: str, dt: DType) -> list[Case]:
    """int8 per channel and int4 per group; an i8 or u8 ``dt`` (the data's) picks one."""
    int8 = Case(op, "int8[6,8]per_channel", (Input((6, 8), "qint8"), Input((6,), "qscale")),
                {"bits": 8, "group_size": 0, "shape": [6, 8]})
    int4 = Case(op, "int4[6,8]group4", (Input((6, 4), "quint4"), Input((6, 2), "qscale"),
                                        Input((6, 2), "zp4")),
                {"bits": 4, "group_size": 4, "shape": [6, 8]})
    return _with_zeros({DType.i8: [int8], DType.u8: [int4]}.get(dt, [int8, int4]))


NN_GENERATORS: dict[str, _Gen] = {
    "cast": _cast,
    "copy": lambda op, dt: _simple(op, [((3, 5), {}), ((2, 3, 5), {})]),
    "reshape": lambda op, dt: _simple(op, [((3, 5), {"shape": [5, 3]}),
                                           ((2, 3, 5), {"shape": [6, 5]})]),
    "permute": lambda op, dt: _simple(op, [((2, 3, 5), {"dims": [2, 0, 1]}),
                                           ((3, 5), {"dims": [1, 0]})]),
    "unsqueeze": lambda op, dt: _simple(op, [((3, 5), {"dim": 1}), ((7,), {"dim": 0})]),
    "squeeze": lambda op, dt: _simple(op, [((3, 1, 5), {"dims": [1]}), ((1, 7), {"dims": [0]})]),
    "expand": lambda op, dt: _simple(op, [((3, 1), {"shape": [3, 5]}),
                                          ((1, 5), {"shape": [4, 5]})]),
    "slice": lambda op, dt: _simple(op, [((7,), {"dim": 0, "start": 1, "end": 6, "step": 2}),
                                         ((3, 5), {"dim": 1, "start": 0, "end": 3, "step": 1})]),
    "select": lambda op, dt: _simple(op, [((3, 5), {"dim": 1, "index": 2}),
                                          ((2, 3, 5), {"dim": 0, "index": 1})]),
    "split": lambda op, dt: _simple(op, [((7,), {"sizes": [3, 4], "dim": 0}),
                                         ((3, 5), {"sizes": [2, 3], "dim": 1})]),
    "triu": lambda op, dt: _simple(op, [((3, 5), {"diagonal": 0}), ((4, 4), {"diagonal": 1})]),
    "tril": lambda op, dt: _simple(op, [((3, 5), {"diagonal": 0}),
                                        ((2, 3, 5), {"diagonal": -1})]),
    "cat": _variadic,
    "arange": _creation, "full": _creation,
    "gather": _indexing, "index_select": _indexing, "index_copy": _indexing, "embedding": _indexing,
    "conv": _conv,
    "max_pool2d": _pool, "avg_pool2d": _pool, "adaptive_avg_pool2d": _pool,
    "batch_norm": _batch_norm,
    "scaled_dot_product_attention": _attention,
    "dequantize": _dequantize,
}
