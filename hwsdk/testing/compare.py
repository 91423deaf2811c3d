"""Comparing a target's outputs with the PyTorch reference, with tolerances per dtype.

Floats pass when ``|out - ref| <= atol + rtol * |ref| + scale_tol * scale``; ``scale`` is the
magnitude the op accumulated (for sums and products: the reference run on ``|inputs|``), so
a different summation order is not a failure. NaN must meet NaN and infinities must match in
sign. Integers and booleans must be equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwsdk.ir.dtypes import DType

__all__ = ["Tolerance", "TOLERANCES", "ACCUMULATING_OPS", "mismatch"]


@dataclass(frozen=True)
class Tolerance:
    """Tolerance of one dtype; see the module docstring."""

    rtol: float
    atol: float
    scale_tol: float


TOLERANCES: dict[DType, Tolerance] = {
    DType.f64: Tolerance(1e-7, 1e-7, 1e-12),
    DType.f32: Tolerance(1.3e-5, 1e-5, 1e-6),
    DType.f16: Tolerance(2e-3, 1e-3, 2e-3),
    DType.bf16: Tolerance(1.6e-2, 1e-2, 1.6e-2),
    DType.f8e4m3fn: Tolerance(1.3e-1, 1e-1, 1.3e-1),
    DType.f8e4m3fnuz: Tolerance(1.3e-1, 1e-1, 1.3e-1),
    DType.f8e5m2: Tolerance(2.5e-1, 2e-1, 2.5e-1),
    DType.f8e5m2fnuz: Tolerance(2.5e-1, 2e-1, 2.5e-1),
}
"""Per-dtype tolerances: a few units in the last place of each format."""

ACCUMULATING_OPS = frozenset({"sum", "mean", "cumsum", "matmul", "linear", "addmm", "softmax",
                              "log_softmax", "layer_norm", "rms_norm", "batch_norm", "conv",
                              "scaled_dot_product_attention", "avg_pool2d",
                              "adaptive_avg_pool2d"})
"""Ops whose result sums many terms; their error scales with the terms' magnitude."""


def mismatch(out: Any, ref: Any, scale: float = 0.0) -> str | None:
    """Why ``out`` does not match ``ref``, or None when it does.

    :param out: the target's tensor.
    :param ref: the reference tensor, already in the dtype the graph declares.
    :param scale: magnitude of the accumulated terms (0 for elementwise ops).
    """
    import torch

    from hwsdk.ir.dtypes import from_torch

    if not isinstance(out, torch.Tensor):
        return f"expected a torch.Tensor, got {type(out).__name__}"
    if out.device.type != "cpu":
        return f"expected a CPU tensor, got one on {out.device}"
    if out.dtype != ref.dtype:
        return f"dtype {out.dtype} where the graph declares {ref.dtype}"
    if tuple(out.shape) != tuple(ref.shape):
        return f"shape {list(out.shape)} where the reference has {list(ref.shape)}"
    dtype = from_torch(ref.dtype)
    if not dtype.is_float:
        bad = out != ref
        if not bool(bad.any()):
            return None
        return _describe(out, ref, bad, "not equal")
    o, r = out.double(), ref.double()
    tol = TOLERANCES[dtype]
    o_nan, r_nan = torch.isnan(o), torch.isnan(r)
    if not torch.equal(o_nan, r_nan):
        return _describe(out, ref, o_nan != r_nan, "NaN where the reference is not, or back")
    o_inf, r_inf = torch.isinf(o), torch.isinf(r)
    inf_bad = (o_inf | r_inf) & ~(o_nan | r_nan) & (o != r)
    if bool(inf_bad.any()):
        return _describe(out, ref, inf_bad, "infinity mismatch")
    finite = ~(o_nan | o_inf | r_inf)
    allowed = tol.atol + tol.rtol * r.abs() + tol.scale_tol * scale
    bad = finite & ((o - r).abs() > allowed)
    if bool(bad.any()):
        return _describe(out, ref, bad, f"outside rtol={tol.rtol} atol={tol.atol} "
                                        f"(+{tol.scale_tol}*{scale:.3g})")
    return None


def _describe(out: Any, ref: Any, bad: Any, what: str) -> str:
    count = int(bad.sum())
    index = tuple(int(i) for i in bad.nonzero()[0]) if bad.dim() else ()
    got = out[index].item() if out.dim() else out.item()
    want = ref[index].item() if ref.dim() else ref.item()
    return (f"{count} of {bad.numel()} elements {what}; first at {list(index)}: got {got!r}, "
            f"reference {want!r}")
