"""Generated test cases: one-node graphs per core op and dtype, with their input tensors.

A :class:`Case` describes one call of an op: the shapes of its tensor inputs (odd sizes,
broadcasting, rank 0), its attrs, and a value pattern (normal values, zeros, the dtype's large
or small magnitudes). :func:`cases_for` lists the cases of one op in one dtype;
:func:`make_inputs` draws the tensors (seeded, so every run sees the same numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.testing.case import Case, Input
from hwsdk.testing.case import d as _d
from hwsdk.testing.case import p as _p
from hwsdk.testing.cases_nn import NN_GENERATORS

__all__ = ["Case", "Input", "cases_for", "make_inputs", "PATTERNS", "has_generator"]

PATTERNS = ("normal", "zeros", "large", "small")
"""Value patterns: randn-like values, all zeros, large magnitudes (about sqrt(max)/16 of a
float dtype, sqrt(max)/4 of an integer one, so products and short sums stay finite and in
range), small magnitudes (a few times the smallest normal float; ±1..16 for integers)."""


_UNARY = ("neg", "abs", "exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh", "erf",
          "sigmoid", "relu", "silu", "gelu", "logical_not")
_BINARY = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt",
           "ge", "logical_and", "logical_or")
_REDUCE = ("sum", "mean", "amax", "amin")


def _unary_cases(op: str, dtype: DType) -> list[Case]:
    return [Case(op, "rank0", (_d(),)), Case(op, "odd[3,5]", (_d(3, 5),)),
            Case(op, "odd[7]", (_d(7),), pattern="zeros"),
            Case(op, "odd[2,3,5]", (_d(2, 3, 5),), pattern="large"),
            Case(op, "odd[3,5]", (_d(3, 5),), pattern="small")]


def _scalar(op: str, dtype: DType) -> Any:
    if dtype is DType.bool:
        return True
    if op == "pow":
        return 2
    return 2.5 if dtype.is_float else 3


# ATen has tensor-only overloads for these, so capture never gives them a scalar operand.
_TENSOR_ONLY = frozenset({"maximum", "minimum", "logical_and", "logical_or"})


def _binary_cases(op: str, dtype: DType) -> list[Case]:
    s = _scalar(op, dtype)
    cases = [Case(op, "same[3,5]", (_d(3, 5), _d(3, 5))),
             Case(op, "bcast[2,3,5]x[5]", (_d(2, 3, 5), _d(5))),
             Case(op, "bcast[3,1,5]x[4,5]", (_d(3, 1, 5), _d(4, 5))),
             Case(op, "same[7]", (_d(7), _d(7)), pattern="zeros")]
    if op not in _TENSOR_ONLY:
        cases += [Case(op, "scalar", (_d(3, 5),), {"scalar": s, "scalar_first": False}),
                  Case(op, "scalar_first", (_d(3, 5),), {"scalar": s, "scalar_first": True})]
    if dtype is not DType.bool:
        cases += [Case(op, "same[3,5]", (_d(3, 5), _d(3, 5)), pattern="large"),
                  Case(op, "same[3,5]", (_d(3, 5), _d(3, 5)), pattern="small")]
    return cases


def _reduce_cases(op: str, dtype: DType) -> list[Case]:
    return [Case(op, "dims[1]", (_d(3, 5),), {"dims": [1], "keepdim": False}),
            Case(op, "dims[0,2]keep", (_d(2, 3, 5),), {"dims": [0, 2], "keepdim": True}),
            Case(op, "all[7]", (_d(7),), {"dims": [0], "keepdim": False}, "zeros"),
            Case(op, "dims[1]", (_d(3, 5),), {"dims": [1], "keepdim": False}, "large"),
            Case(op, "dims[0]", (_d(3, 5),), {"dims": [0], "keepdim": False}, "small")]


def _dim_cases(op: str, dtype: DType, keep: bool) -> list[Case]:
    extra: dict[str, Any] = {"keepdim": True} if keep else {}
    return [Case(op, "dim1[3,5]", (_d(3, 5),), {"dim": 1}),
            Case(op, "dim0[7]", (_d(7),), {"dim": 0, **extra}, "zeros"),
            Case(op, "dim2[2,3,5]", (_d(2, 3, 5),), {"dim": 2}, "large"),
            Case(op, "dim0[3,5]", (_d(3, 5),), {"dim": 0}, "small")]


def _matmul_cases(op: str, dtype: DType) -> list[Case]:
    return [Case(op, "[3,5]@[5,4]", (_d(3, 5), _d(5, 4))),
            Case(op, "[2,3,5]@[5,4]", (_d(2, 3, 5), _d(5, 4))),
            Case(op, "[5]@[5,4]", (_d(5), _d(5, 4))),
            Case(op, "[2,1,3,5]@[3,5,2]", (_d(2, 1, 3, 5), _d(3, 5, 2))),
            Case(op, "[3,5]@[5,4]", (_d(3, 5), _d(5, 4)), pattern="large"),
            Case(op, "[3,5]@[5,4]", (_d(3, 5), _d(5, 4)), pattern="small")]


def _linear_cases(op: str, dtype: DType) -> list[Case]:
    return [Case(op, "[3,5]w[4,5]b", (_d(3, 5), _p(4, 5), _p(4))),
            Case(op, "[2,3,5]w[4,5]", (_d(2, 3, 5), _p(4, 5), None)),
            Case(op, "[3,5]w-input", (_d(3, 5), _d(4, 5), _d(4))),
            Case(op, "[3,5]w[4,5]b", (_d(3, 5), _p(4, 5), _p(4)), pattern="large")]


def _norm_cases(op: str, dtype: DType) -> list[Case]:
    eps = 1e-5 if op == "layer_norm" else None
    attrs = {"normalized_shape": [5], "eps": eps}
    with_bias = op == "layer_norm"
    full = (_d(2, 3, 5), _p(5), _p(5)) if with_bias else (_d(2, 3, 5), _p(5))
    bare = (_d(3, 5), None, None) if with_bias else (_d(3, 5), None)
    return [Case(op, "[2,3,5]affine", full, attrs), Case(op, "[3,5]", bare, attrs),
            Case(op, "[2,3,5]affine", full, attrs, "large")]


def _where_cases(op: str, dtype: DType) -> list[Case]:
    cond = Input((3, 5), "cond")
    return [Case(op, "same[3,5]", (cond, _d(3, 5), _d(3, 5))),
            Case(op, "bcast", (Input((3, 1), "cond"), _d(1, 5), _d(3, 5))),
            Case(op, "other", (cond, _d(3, 5)), {"other": _scalar(op, dtype)}),
            Case(op, "same[3,5]", (cond, _d(3, 5), _d(3, 5)), pattern="large")]


def _clamp_cases(op: str, dtype: DType) -> list[Case]:
    lo, hi = (-0.5, 0.5) if dtype.is_float else (-3, 3)
    return [Case(op, "min,max", (_d(3, 5),), {"min": lo, "max": hi}),
            Case(op, "min", (_d(7),), {"min": lo, "max": None}),
            Case(op, "max", (_d(2, 3, 5),), {"min": None, "max": hi}, "large")]


def _cumsum_cases(op: str, dtype: DType) -> list[Case]:
    return [Case(op, "dim1[3,5]", (_d(3, 5),), {"dim": 1}),
            Case(op, "dim0[7]", (_d(7),), {"dim": 0}, "zeros"),
            Case(op, "dim1[3,5]", (_d(3, 5),), {"dim": 1}, "large")]


def _addmm_cases(op: str, dtype: DType) -> list[Case]:
    return [Case(op, "[4]+[3,5]@[5,4]", (_p(4), _d(3, 5), _d(5, 4))),
            Case(op, "[3,4]+[3,5]@[5,4]", (_d(3, 4), _d(3, 5), _d(5, 4)), pattern="large")]


_Gen = Callable[[str, DType], list[Case]]
_GENERATORS: dict[str, _Gen] = {
    **dict.fromkeys(_UNARY, _unary_cases), **dict.fromkeys(_BINARY, _binary_cases),
    **dict.fromkeys(_REDUCE, _reduce_cases),
    "argmax": lambda op, dt: _dim_cases(op, dt, keep=True),
    "softmax": lambda op, dt: _dim_cases(op, dt, keep=False),
    "log_softmax": lambda op, dt: _dim_cases(op, dt, keep=False),
    "matmul": _matmul_cases, "linear": _linear_cases, "addmm": _addmm_cases,
    "layer_norm": _norm_cases, "rms_norm": _norm_cases, "where": _where_cases,
    "clamp": _clamp_cases, "cumsum": _cumsum_cases, **NN_GENERATORS,
}


def has_generator(op: str) -> bool:
    """Whether the kit can generate cases for ``op``."""
    return op in _GENERATORS


def cases_for(op: str, dtype: DType) -> list[Case]:
    """The generated cases of ``op`` computing in ``dtype`` (empty when the kit has none)."""
    gen = _GENERATORS.get(op)
    if gen is None:
        return []
    cases = gen(op, dtype)
    if cases and cases[0].inputs and all(c.pattern != "zeros" for c in cases):
        first = cases[0]
        cases.append(Case(first.op, first.label, first.inputs, first.attrs, "zeros"))
    if dtype is DType.bool:  # magnitudes mean nothing for booleans
        cases = [c for c in cases if c.pattern not in ("large", "small")]
    return cases


def _magnitudes(dtype: DType) -> tuple[float, float]:
    """(large, small) magnitudes of a dtype (see :func:`hwsdk.testing.values.magnitudes`)."""
    from hwsdk.testing.values import magnitudes

    return magnitudes(dtype)


_QUANT_RANGES = {"qint8": (-127, 128, "int8"), "quint4": (0, 256, "uint8"),
                 "zp4": (0, 16, "uint8")}
"""Quantized-weight roles → (low, exclusive high, torch dtype) of their values."""


def make_inputs(case: Case, dtype: DType, seed: int = 0) -> list[Any]:
    """Draw the tensors of ``case`` in ``dtype`` (None for absent optional inputs), in the
    layout or with the special values of its input class."""
    import torch

    from hwsdk.testing.inputs import apply_class
    from hwsdk.testing.values import encode

    gen = torch.Generator().manual_seed(seed)
    large, small = _magnitudes(dtype)
    out: list[Any] = []
    for spec in case.inputs:
        if spec is None:
            out.append(None)
            continue
        if spec.role == "cond":
            out.append(torch.rand(spec.shape, generator=gen) > 0.5)
        elif spec.role == "index":
            out.append(torch.randint(0, spec.high, spec.shape, generator=gen))
        elif spec.role == "slots":
            count = max(1, int(torch.tensor(spec.shape).prod()))
            picked = torch.randperm(spec.high, generator=gen)[:count]
            out.append(picked.reshape(spec.shape) if spec.shape else picked[0])
        elif spec.role in _QUANT_RANGES:
            low, high, dt = _QUANT_RANGES[spec.role]
            out.append(torch.randint(low, high, spec.shape, generator=gen).to(getattr(torch, dt)))
        elif spec.role == "qscale":  # scales: float32 when the dtype is the data's (i8, u8)
            scale_dt = DType.f32 if dtype in (DType.i8, DType.u8) else dtype
            out.append(encode((torch.rand(spec.shape, generator=gen) + 0.5).double(), scale_dt))
        elif spec.role == "variance":
            out.append(encode((torch.rand(spec.shape, generator=gen) + 0.5).double(), dtype))
        else:
            out.append(_values(spec.shape, dtype, case, gen, large, small))
    return apply_class(case, out)


def _values(shape: tuple[int, ...], dtype: DType, case: Case, gen: Any, large: float,
            small: float) -> Any:
    import torch

    from hwsdk.testing.values import QUANTIZED, encode

    if dtype.is_complex:  # real and imaginary parts drawn alike, in the parts' precision
        real = _real(shape, DType.f64, True, case, gen, large, small)
        imag = _real(shape, DType.f64, True, case, gen, large, small)
        return encode(torch.complex(real, imag), dtype)
    if dtype is DType.bool:
        if case.pattern == "zeros":
            return torch.zeros(shape, dtype=torch.bool)
        torch.rand(shape, generator=gen)  # the sign draw other dtypes make: same stream
        return torch.rand(shape, generator=gen) > 0.5
    floating = dtype.is_float or dtype in QUANTIZED
    if case.op == "pow" and not floating and case.pattern != "zeros":
        # integer powers need non-negative exponents, and small bases to stay in range
        torch.rand(shape, generator=gen)
        return encode(torch.randint(0, 4, shape, generator=gen).double(), dtype)
    return encode(_real(shape, dtype, floating, case, gen, large, small), dtype)


def _real(shape: tuple[int, ...], dtype: DType, floating: bool, case: Case, gen: Any,
          large: float, small: float) -> Any:
    """The float64 values of one tensor: of a float or quantized dtype when ``floating``, else
    integers (non-negative for unsigned dtypes)."""
    import torch

    from hwsdk.testing.values import is_unsigned

    if case.pattern == "zeros":
        return torch.zeros(shape, dtype=torch.float64)
    sign = torch.where(torch.rand(shape, generator=gen) > 0.5, 1.0, -1.0).double()
    if is_unsigned(dtype):
        sign = torch.ones(shape, dtype=torch.float64)
    if case.pattern == "large":
        mag = large * (0.5 + 0.5 * torch.rand(shape, generator=gen, dtype=torch.float64))
    elif case.pattern == "small":
        mag = small * (1 + 15 * torch.rand(shape, generator=gen, dtype=torch.float64))
    elif floating:
        return torch.randn(shape, generator=gen).double()
    else:
        mag = torch.randint(0, 10, shape, generator=gen).double()
    return sign * (mag if floating else mag.round())
