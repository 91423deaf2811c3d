"""The ``torch`` target: PyTorch eager through the torch.fx lowering. The fallback itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hwsdk.plugin import (
    FALLBACK,
    OPSET_VERSION,
    Availability,
    CompiledRegion,
    DType,
    Region,
    Target,
    TargetInfo,
    all_ops,
    hookimpl,
    package_versions,
    to_fx,
)

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable

HWSDK_PLUGIN_API = ">=2,<3"

_DTYPES = sorted(DType)
"""Every dtype is stated: "yes" where PyTorch's CPU kernel runs the op, "no" elsewhere (a node
in a "no" dtype still runs here, as every node can, and fails as it does in eager)."""

# What PyTorch's CPU kernels run, probed op by op (tests/builtin/test_torch_target.py runs
# every op's reference in every dtype and fails when a claim here is wrong either way).
_FLOAT8_OPS = frozenset({
    "abs", "addmm", "cast", "cat", "copy", "embedding", "eq", "expand", "full", "index_select",
    "linear", "ne", "permute", "reshape", "select", "slice", "split", "squeeze", "unsqueeze",
    "where"})
"""The ops with float8 kernels (data movement, mostly); no arithmetic runs in float8."""
_FLOAT_ONLY: dict[str, frozenset[DType]] = {
    name: frozenset() for name in (
        "adaptive_avg_pool2d", "batch_norm", "gelu", "layer_norm", "log_softmax", "mean",
        "rms_norm", "scaled_dot_product_attention", "silu", "softmax")}
_FLOAT_ONLY["avg_pool2d"] = frozenset({DType.i64})
"""Ops without integer kernels → the integer dtypes they run in all the same."""
_NO_BOOL = frozenset({
    "abs", "adaptive_avg_pool2d", "addmm", "argmax", "avg_pool2d", "batch_norm", "conv",
    "dequantize", "gelu", "layer_norm", "linear", "log_softmax", "matmul", "max_pool2d", "mean",
    "neg", "pow", "relu", "rms_norm", "scaled_dot_product_attention", "silu", "softmax", "sub"})

_WIDE_UINT_OPS = frozenset({
    "cast", "cat", "copy", "cos", "cumsum", "div", "embedding", "eq", "erf", "exp", "expand",
    "full", "index_select", "log", "mul", "ne", "permute", "reciprocal", "reshape", "rsqrt",
    "select", "sigmoid", "sin", "slice", "split", "sqrt", "squeeze", "sum", "tanh", "unsqueeze",
    "where"})
"""The ops with uint16/32/64 kernels (or that promote them to float): PyTorch gives these
"limited support" dtypes no add, sub, comparison other than eq/ne, matmul or reduction but
sum."""
_WIDE_UINT = frozenset({DType.u16, DType.u32, DType.u64})

_NO_COMPLEX = frozenset({
    "amax", "amin", "arange", "argmax", "clamp", "erf", "ge", "gt", "le", "lt", "max_pool2d",
    "maximum", "minimum", "relu", *(set(_FLOAT_ONLY) - {"mean", "rms_norm", "silu"})})
"""Ops without complex kernels (orderings, clamps, erf; most float-only ops)."""
_NO_COMPLEX32 = _NO_COMPLEX | frozenset({
    "addmm", "cos", "cumsum", "div", "exp", "gather", "linear", "log", "logical_and",
    "logical_not", "logical_or", "matmul", "mean", "pow", "reciprocal", "rms_norm", "rsqrt",
    "sigmoid", "silu", "sin", "sqrt", "sum", "tanh"})
"""complex32 (ComplexHalf) has fewer still: no matmul, division, reduction or math function."""
_VIEWS = frozenset({"embedding", "expand", "index_select", "permute", "reshape", "select",
                    "slice", "split", "squeeze", "unsqueeze"})
"""Ops that only view or index their input: they run in every dtype, sub-byte ones included."""
_QUANTIZED_OPS = _VIEWS | {
    "adaptive_avg_pool2d", "avg_pool2d", "cat", "clamp", "copy", "eq", "ge", "gelu", "gt", "le",
    "lt", "max_pool2d", "mean", "ne", "relu", "sigmoid", "tanh"}
_FEW_KERNELS: dict[DType, frozenset[str]] = {
    **{DType(f"{kind}{n}"): _VIEWS for kind in "iu" for n in range(1, 8)},
    **dict.fromkeys((DType.bits1x8, DType.bits2x4, DType.bits4x2, DType.bits8, DType.bits16),
                    _VIEWS | {"cat", "copy"}),
    DType.f4e2m1fnx2: _VIEWS | {"copy"},
    **dict.fromkeys((DType.qint8, DType.quint8, DType.qint32), _QUANTIZED_OPS),
    **dict.fromkeys((DType.quint4x2, DType.quint2x4),
                    _VIEWS | {"eq", "ge", "gt", "le", "lt", "ne"}),
}
"""The sub-byte, bit-container, float4 and quantized dtypes → the ops PyTorch runs in them."""


def _runs(op: str, dtype: DType) -> bool:
    """Whether PyTorch's CPU kernel for ``op`` runs in ``dtype`` (see the sets above)."""
    if dtype is DType.f8e8m0fnu:  # an unsigned exponent-only scale format
        return op in _FLOAT8_OPS - {"abs", "addmm", "linear"}
    if dtype.value.startswith("f8"):
        return op in _FLOAT8_OPS
    if dtype in _WIDE_UINT:
        return op in _WIDE_UINT_OPS
    if dtype in _FEW_KERNELS:
        return op in _FEW_KERNELS[dtype]
    if dtype.is_complex:
        return op not in (_NO_COMPLEX32 if dtype is DType.c32 else _NO_COMPLEX)
    if dtype is DType.bool:
        return op not in _NO_BOOL
    if not dtype.is_float and op in _FLOAT_ONLY:
        return dtype in _FLOAT_ONLY[op]
    return True


class FxRegion(CompiledRegion):
    """A region run by its torch.fx lowering."""

    def __init__(self, region: Region) -> None:
        super().__init__({"engine": "torch.fx"})
        self.lowering = to_fx(region)

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        return self.lowering(inputs, env)


class TorchTarget(Target):
    """PyTorch eager: every op, through its PyTorch reference."""

    info = TargetInfo(name=FALLBACK, vendor="PyTorch", priority=0, engine="PyTorch eager",
                      description="PyTorch itself: runs every op; the fallback of every target")

    def probe(self, deep: bool) -> Availability:
        versions = package_versions(["torch"])
        if not versions:
            return Availability(available=False, reason="torch is not installed")
        return Availability(available=True, devices=["cpu"], versions=versions)

    def capabilities(self) -> CapabilityTable:
        from hwsdk.plugin import CapabilityTable, OpSupport, Provenance

        ops = {op.name: OpSupport(dtypes={d: "yes" if _runs(op.name, d) else "no"
                                          for d in _DTYPES})
               for op in all_ops()}
        return CapabilityTable(
            target="torch", version=str(OPSET_VERSION), opset_version=OPSET_VERSION,
            provenance=[Provenance(source="hwsdk core op set PyTorch references",
                                   url_or_repo_path="hwsdk/ir/ops")],
            ops=ops, note="Runs every core op through its PyTorch reference (in the dtypes "
                          "PyTorch's CPU kernels run: 'no' marks the others), and every "
                          "torch_op.")

    def compile(self, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        return FxRegion(region)


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [TorchTarget()]
