"""NumPy kernels for core ops: ``kernel(np, *arrays, **attrs) -> ndarray``.

Each kernel receives NumPy arrays in the node's input order (None for an absent optional input)
and the node's attrs, and returns one array. Results are cast to the graph's output dtype by
the caller, so kernels may compute in a wider dtype. float16 inputs are widened to float32
before the call (like PyTorch on CPU), so kernels never see float16.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["KERNELS", "Kernel"]

Kernel = Callable[..., Any]


def _unary(name: str) -> Kernel:
    return lambda np, x: getattr(np, name)(x)


def _binary(name: str) -> Kernel:
    def kernel(np: Any, a: Any, b: Any = None, scalar: Any = None,
               scalar_first: bool = False) -> Any:
        fn = getattr(np, name)
        if b is None:
            return fn(scalar, a) if scalar_first else fn(a, scalar)
        return fn(a, b)

    return kernel


def _axes(dims: list[int], rank: int) -> tuple[int, ...] | None:
    # An empty dims list means "every dim" in the core op set, but "no dim" to NumPy.
    return tuple(dims) if dims else None if rank else ()


def _sum(np: Any, x: Any, dims: list[int], keepdim: bool = False, dtype: Any = None) -> Any:
    return np.sum(x, axis=_axes(dims, x.ndim), keepdims=keepdim)


def _mean(np: Any, x: Any, dims: list[int], keepdim: bool = False, dtype: Any = None) -> Any:
    return np.mean(x, axis=_axes(dims, x.ndim), keepdims=keepdim)


def _amax(np: Any, x: Any, dims: list[int], keepdim: bool = False) -> Any:
    return np.amax(x, axis=_axes(dims, x.ndim), keepdims=keepdim)


def _amin(np: Any, x: Any, dims: list[int], keepdim: bool = False) -> Any:
    return np.amin(x, axis=_axes(dims, x.ndim), keepdims=keepdim)


def _argmax(np: Any, x: Any, dim: int, keepdim: bool = False) -> Any:
    return np.argmax(x, axis=dim, keepdims=keepdim)


def _softmax(np: Any, x: Any, dim: int) -> Any:
    shifted = x - np.amax(x, axis=dim, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=dim, keepdims=True)


def _log_softmax(np: Any, x: Any, dim: int) -> Any:
    shifted = x - np.amax(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _linear(np: Any, x: Any, weight: Any, bias: Any = None) -> Any:
    out = np.matmul(x, weight.T)
    return out if bias is None else out + bias


def _clamp(np: Any, x: Any, min: Any = None, max: Any = None) -> Any:
    if min is not None:
        x = np.maximum(x, np.asarray(min, dtype=x.dtype))
    if max is not None:
        x = np.minimum(x, np.asarray(max, dtype=x.dtype))
    return x


def _where(np: Any, cond: Any, x: Any, y: Any = None, other: Any = None) -> Any:
    return np.where(cond, x, y if y is not None else other)


KERNELS: dict[str, Kernel] = {
    **{op: _unary(op) for op in ("negative", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh")},
    "neg": _unary("negative"),
    "rsqrt": lambda np, x: 1 / np.sqrt(x),
    "reciprocal": lambda np, x: 1 / x,
    "sigmoid": lambda np, x: 1 / (1 + np.exp(-x)),
    "relu": lambda np, x: np.maximum(x, np.zeros((), dtype=x.dtype)),
    "clamp": _clamp,
    **{op: _binary(op) for op in ("add", "multiply", "maximum", "minimum")},
    "mul": _binary("multiply"),
    "sub": _binary("subtract"),
    "div": _binary("true_divide"),
    "eq": _binary("equal"),
    "ne": _binary("not_equal"),
    "lt": _binary("less"),
    "le": _binary("less_equal"),
    "gt": _binary("greater"),
    "ge": _binary("greater_equal"),
    "where": _where,
    "sum": _sum,
    "mean": _mean,
    "amax": _amax,
    "amin": _amin,
    "argmax": _argmax,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "matmul": lambda np, a, b: np.matmul(a, b),
    "linear": _linear,
}
for _alias in ("negative", "multiply"):
    del KERNELS[_alias]
