"""The ``cpu`` target: regions lowered to ONNX and run by ONNX Runtime's CPU execution provider.

Registered through the ``hwsdk.plugins`` entry-point group like any plugin. The capability table
lists, per core op, the dtypes the ONNX lowering (:mod:`hwsdk.lower.onnx`) handles *and* that
``tests/builtin/test_cpu_target.py`` runs against the op's PyTorch reference, after checking that
ONNX Runtime registers a CPU kernel for every ONNX op the lowering emits. Anything else is left
out of the table, so it reads ``unknown`` and stays in PyTorch.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any

from hwsdk.errors import CompileError
from hwsdk.plugin import (
    OPSET_VERSION,
    Availability,
    CompiledRegion,
    DType,
    Graph,
    Node,
    Region,
    Target,
    TargetInfo,
    hookimpl,
)

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable, Verdict

HWSDK_PLUGIN_API = ">=2,<3"

TARGET = "cpu"
ENGINES = ("onnxruntime",)

_F = ("f32",)
_NUM = ("f32", "i64", "i32")
_ANY = ("f32", "i64", "i32", "bool")
_CLAIMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh", "erf",
                     "sigmoid", "silu", "gelu", "relu", "softmax", "log_softmax", "layer_norm",
                     "rms_norm", "batch_norm", "linear", "addmm", "matmul", "conv",
                     "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "embedding", "div",
                     "pow", "mean"), _F),
    "scaled_dot_product_attention": ("f32", "bool"),
    **dict.fromkeys(("neg", "abs", "add", "sub", "mul", "maximum", "minimum", "lt", "le", "gt",
                     "ge", "sum", "amax", "amin", "argmax", "clamp", "index_select", "index_copy",
                     "gather", "where"), _NUM),
    **dict.fromkeys(("eq", "ne", "cast", "reshape", "permute", "expand", "slice",
                     "select", "squeeze", "unsqueeze", "copy", "cat", "split", "full", "triu",
                     "tril"), _ANY),
    **dict.fromkeys(("logical_and", "logical_or", "logical_not"), ("bool",)),
    "arange": ("i64", "f32"),
    "cumsum": ("f32", "i64", "i32", "bool"),
    # int8 per channel (i8 data) and 4-bit per group (u8: two per byte), float32 scales
    "dequantize": ("i8", "u8", "f32"),
}
"""Core op → dtypes claimed ``yes``; every pair is run by tests/builtin/test_cpu_target.py."""

_UNHANDLED: dict[str, tuple[tuple[str, ...], str]] = {
    "max_pool2d": (("nan_inf",), "ONNX Runtime's MaxPool skips NaN where PyTorch propagates it"),
    "scaled_dot_product_attention": (
        ("nan_inf",), "rows holding NaN or inf: PyTorch's CPU attention kernel and ONNX "
                      "Runtime's Softmax give different results"),
}
"""Op → (input classes the conformance kit found differing from PyTorch, why)."""

_REFUSED: dict[str, tuple[tuple[str, ...], str]] = {}
"""Op → (dtypes stated ``no``, why): kept in PyTorch with reason DTYPE."""

OPTIONS: dict[str, str] = {}


def _options() -> dict[str, str]:
    if not OPTIONS:
        from hwsdk.engines.ort_info import OPTIONS as ENGINE_OPTIONS

        OPTIONS.update(ENGINE_OPTIONS)
        OPTIONS["engine"] = f"engine running the regions; one of {', '.join(ENGINES)}"
    return OPTIONS


def _ort_version() -> str:
    try:
        return metadata.version("onnxruntime")
    except metadata.PackageNotFoundError:
        return "unknown"


class CpuTarget(Target):
    """ONNX Runtime's CPU execution provider, through the IR → ONNX lowering."""

    info = TargetInfo(
        name=TARGET, vendor="any", priority=10, engine="ONNX Runtime (CPU execution provider)",
        description="any CPU, through the IR → ONNX lowering and ONNX Runtime",
        options=_options())

    def probe(self, deep: bool) -> Availability:
        from hwsdk.engines.ort_info import probe

        found = probe(deep=deep)
        versions = dict(found["versions"])
        if found["providers"]:
            versions["providers"] = ", ".join(found["providers"])
        return Availability(available=found["available"], reason=found["reason"],
                            devices=["cpu"] if found["available"] else [], versions=versions,
                            can_compile_offline=True)

    def capabilities(self) -> CapabilityTable:
        from hwsdk.plugin import CapabilityTable, OpSupport, Provenance, UnhandledInputs

        unhandled = {op: [UnhandledInputs(classes=list(classes), why=why)]  # type: ignore[arg-type]
                     for op, (classes, why) in _UNHANDLED.items()}
        ops = {op: OpSupport(dtypes={**{DType(d): "no" for d in _REFUSED.get(op, ((), ""))[0]},
                                     **{DType(d): "yes" for d in dtypes}},
                             constraints=unhandled.get(op, []),  # type: ignore[arg-type]
                             note="lowered by hwsdk.lower.onnx" + (
                                 f"; no: {_REFUSED[op][1]}" if op in _REFUSED else ""))
               for op, dtypes in sorted(_CLAIMS.items())}
        version = _ort_version()
        return CapabilityTable(
            target=TARGET, version=version, opset_version=OPSET_VERSION,
            provenance=[
                Provenance(source="hwsdk ONNX lowering, each op x dtype run against the op's "
                                  "PyTorch reference", version=version,
                           url_or_repo_path="tests/builtin/test_cpu_target.py"),
                Provenance(source="onnxruntime CPU kernel registry "
                                  "(onnxruntime.capi._pybind_state.get_all_opkernel_def), "
                                  "checked for every ONNX op each claim emits", version=version,
                           url_or_repo_path="tests/builtin/test_cpu_target.py"),
                Provenance(source="ONNX Runtime OperatorKernels.md, CPU execution provider: "
                                  "DequantizeLinear T1 int8 (ai.onnx), MatMulNBits B uint8 "
                                  "(com.microsoft), the kernel each dequantize → linear pair "
                                  "is lowered to, bits 8 and 4 (the file is of 1.25.0 dev; "
                                  "tests/engines/test_ort_quant.py runs both in this "
                                  "version)", version=version,
                           url_or_repo_path="microsoft/onnxruntime:docs/OperatorKernels.md"
                                            "@735e69a396afe7e1bdfbc6b38c1d43eeb68b8484",
                           retrieved="2026 (see /work/shared/vendor-data/SOURCES.md)"),
            ],
            ops=ops,
            note="Dtypes not listed are unknown and stay in PyTorch. Some op forms have extra "
                 "checks (adaptive pooling with uneven windows, symbolic layer-norm shapes …).")

    def check(self, node: Node, graph: Graph) -> Verdict | None:
        from hwsdk.lower.onnx import unsupported_reason
        from hwsdk.plugin import ReasonCode, Verdict

        reason = unsupported_reason(node, graph)
        if reason is None:
            return None
        return Verdict(target=TARGET, node_id=node.id, ok=False, code=ReasonCode.CONSTRAINT,
                       reason=f"cpu (ONNX): {reason}")

    def compile(self, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        from hwsdk.engines.ort import compile_region

        engine = options.get("engine", "onnxruntime")
        if engine not in ENGINES:
            raise CompileError(f"the cpu target runs on {', '.join(ENGINES)}, not {engine!r}")
        return compile_region(region, options=options)


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [CpuTarget()]
