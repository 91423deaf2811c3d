"""NVIDIA architectures this plugin targets and their dtype facts, with sources.

Every fact is read from one line of the "Precision" list of TensorRT-LLM's support matrix
(../shared/vendor-data/nvidia/support-matrix.md, :data:`PRECISION`, quoted verbatim): bf16
from sm_80, fp8 (e4m3 / e5m2) from sm_89, int8 and int4 weight-only on every listed arch
(Ampere SM80/SM86: FP32, FP16, BF16, INT8, INT4; Ada SM89 and Hopper SM90: + FP8; Blackwell
SM100/SM103/SM120: + FP8, FP4). Which sm_* Triton can compile for was checked against the
installed Triton (tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwsdk.plugin import DType

if TYPE_CHECKING:
    from hwsdk.plugin import Support

__all__ = ["ARCHS", "DEFAULT_ARCH", "compute_capability", "dtype_facts", "quant_facts",
           "PRECISION", "PRECISION_SOURCE", "PROVENANCE"]

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


PRECISION_SOURCE = "TensorRT-LLM support-matrix.md (vendor-data/nvidia), Precision"
_BLACKWELL = "Blackwell (SM100/SM103/SM120) - FP32, FP16, BF16, FP8, FP4, INT8, INT4"
_AMPERE = "Ampere (SM80, SM86) - FP32, FP16, BF16, INT8, INT4[^smgte89]"
PRECISION: dict[str, str] = {
    "sm_80": _AMPERE, "sm_86": _AMPERE,
    "sm_89": "Ada Lovelace (SM89) - FP32, FP16, BF16, FP8, INT8, INT4",
    "sm_90": "Hopper (SM90) - FP32, FP16, BF16, FP8, INT8, INT4",
    "sm_100": _BLACKWELL, "sm_120": _BLACKWELL,
}
"""Arch → its line of the Precision list, verbatim (the test reads it back from the file)."""


def compute_capability(arch: str) -> int:
    """``"sm_90"`` → 90."""
    return int(arch.removeprefix("sm_"))


def _listed(arch: str) -> list[str]:
    return [p.strip().split("[")[0] for p in PRECISION[arch].split(" - ", 1)[1].split(",")]


def dtype_facts(arch: str) -> dict[DType, Support]:
    """Float dtypes the arch runs (support-matrix.md, "Precision")."""
    listed = _listed(arch)
    facts: dict[DType, Support] = {DType.f32: "yes", DType.f16: "yes",
                                   DType.bf16: "yes" if "BF16" in listed else "no"}
    fp8: Support = "yes" if "FP8" in listed else "no"
    facts.update({DType.f8e4m3fn: fp8, DType.f8e5m2: fp8, DType.f8e4m3fnuz: "no",
                  DType.f8e5m2fnuz: "no"})
    return facts


def quant_facts(arch: str) -> dict[str, tuple[Support, str]]:
    """int8 and int4 weight-only on the arch, each with its Precision line."""
    listed, line = _listed(arch), f"{PRECISION_SOURCE}: {PRECISION[arch]!r}"
    return {fmt: ("yes" if fmt.upper() in listed else "no", line) for fmt in ("int8", "int4")}
