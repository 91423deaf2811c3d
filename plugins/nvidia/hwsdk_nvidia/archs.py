"""NVIDIA architectures this plugin targets and their dtype facts, with sources.

bf16 from sm_80 and fp8 (e4m3 / e5m2) from sm_89: the "Precision" list of TensorRT-LLM's
support matrix (Ampere SM80/SM86: FP32, FP16, BF16; Ada SM89 and Hopper SM90: + FP8;
Blackwell SM100/SM103/SM120: + FP8, FP4), copied in ../shared/vendor-data/nvidia/support-matrix.md.
Which sm_* Triton can compile for was checked against the installed Triton (tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwsdk.plugin import DType

if TYPE_CHECKING:
    from hwsdk.plugin import Support

__all__ = ["ARCHS", "DEFAULT_ARCH", "compute_capability", "dtype_facts", "PROVENANCE"]

ARCHS = ["sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_120"]
DEFAULT_ARCH = "sm_80"

PROVENANCE: list[dict[str, str]] = [
    dict(
        source="TensorRT-LLM support matrix, Precision per GPU arch (vendor-data/nvidia/"
               "support-matrix.md)",
        version="TensorRT-LLM docs, NGC 26.04 / TensorRT 10.16",
        url_or_repo_path="NVIDIA/TensorRT-LLM:docs/source/legacy/reference/support-matrix.md"
                         "@17552a447517c3110b3fe07cffd73204fb22b615",
        retrieved="see ../shared/vendor-data/SOURCES.md"),
    dict(source="hwsdk.lower.triton kernel tests (Triton interpreter) and AOT compiles",
         url_or_repo_path="tests/lower/triton, plugins/nvidia/tests"),
]


def compute_capability(arch: str) -> int:
    """``"sm_90"`` → 90."""
    return int(arch.removeprefix("sm_"))


def dtype_facts(arch: str) -> dict[DType, Support]:
    """Float dtypes the arch runs (support-matrix.md, "Precision")."""
    cc = compute_capability(arch)
    facts: dict[DType, Support] = {DType.f32: "yes", DType.f16: "yes",
                                   DType.bf16: "yes" if cc >= 80 else "no"}
    fp8: Support = "yes" if cc >= 89 else "no"
    facts.update({DType.f8e4m3fn: fp8, DType.f8e5m2: fp8, DType.f8e4m3fnuz: "no",
                  DType.f8e5m2fnuz: "no"})
    return facts
