"""AMD architectures this plugin targets and their dtype facts, with sources.

From ROCm's precision-support.rst (../shared/vendor-data/rocm/): float16 and bfloat16 are
supported on MI200 (gfx90a) and MI300 (gfx942); float8 E4M3 and E5M2 only on MI300's matrix
cores, as the HIP types ``__hip_fp8_e4m3_fnuz`` / ``__hip_fp8_e5m2_fnuz`` — i.e. the *fnuz*
variants (f8e4m3fnuz, f8e5m2fnuz), not the OCP ones. gpu-arch-specs.rst maps products to
LLVM targets (MI300X → gfx942, MI210/MI250 → gfx90a, Radeon RX 7900 → gfx1100). The Radeon
gfx1100 is not in the precision tables: its bf16 and fp8 stay "unknown".

Quantized weights (:func:`quant_facts`): int8 is ✅ for MI200 and MI300 on both the compute
units and the matrix cores (the "Integral types" tabs, :data:`INT8_ROWS`), so int8 weight-only
is ``yes`` there. The page has no 4-bit type at all, so int4 weight-only is ``unknown`` on
every arch (the kernel exists and is compiled for gfx942; the vendor is silent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwsdk.plugin import DType

if TYPE_CHECKING:
    from hwsdk.plugin import Support

__all__ = ["ARCHS", "DEFAULT_ARCH", "dtype_facts", "quant_facts", "PROVENANCE",
           "PRECISION_SOURCE", "INT8_ROWS", "warp_size"]

ARCHS = ["gfx90a", "gfx942", "gfx950", "gfx1100", "gfx1200"]
DEFAULT_ARCH = "gfx942"

_COMMIT = "e396b4898f459db094bfd60b876f419f77eb9f09"
PROVENANCE: list[dict[str, str]] = [
    dict(source="ROCm precision support (vendor-data/rocm/precision-support.rst)",
         version="ROCm docs 6.3.3",
         url_or_repo_path=f"ROCm/ROCm:docs/reference/precision-support.rst@{_COMMIT}",
         retrieved="see ../shared/vendor-data/SOURCES.md"),
    dict(source="ROCm GPU architecture specs (vendor-data/rocm/gpu-arch-specs.rst)",
         version="ROCm docs 6.3.3",
         url_or_repo_path=f"ROCm/ROCm:docs/reference/gpu-arch-specs.rst@{_COMMIT}",
         retrieved="see ../shared/vendor-data/SOURCES.md"),
    dict(source="hwsdk.lower.triton kernel tests (Triton interpreter) and AOT compiles",
         url_or_repo_path="tests/lower/triton, plugins/rocm/tests"),
]

_INSTINCT = {"gfx90a": "MI200", "gfx942": "MI300"}

PRECISION_SOURCE = "ROCm precision-support.rst (vendor-data/rocm)"
INT8_ROWS: dict[str, tuple[int, int]] = {"MI200": (199, 280), "MI300": (205, 286)}
"""Series → lines of its row in the Integral types tab of "Compute units support" and of
"Matrix core support"; the next line of each (the int8 column) is ✅ (checked by a test)."""


def warp_size(arch: str) -> int:
    """Wavefront size Triton compiles for: 64 on CDNA (gfx9*), 32 on RDNA (gfx1*)."""
    return 32 if arch.startswith("gfx1") else 64


def dtype_facts(arch: str) -> dict[DType, Support]:
    """Float dtypes the arch runs, per precision-support.rst (unknown where it is silent)."""
    facts: dict[DType, Support] = {DType.f32: "yes", DType.f16: "yes"}
    if arch in _INSTINCT:
        facts[DType.bf16] = "yes"
        fp8: Support = "yes" if arch == "gfx942" else "no"
        facts.update({DType.f8e4m3fnuz: fp8, DType.f8e5m2fnuz: fp8,
                      DType.f8e4m3fn: "no", DType.f8e5m2: "no"})
    else:
        facts[DType.bf16] = "unknown"
        facts.update(dict.fromkeys((DType.f8e4m3fnuz, DType.f8e5m2fnuz, DType.f8e4m3fn,
                                    DType.f8e5m2), "unknown"))
    return facts


def quant_facts(arch: str) -> dict[str, tuple[Support, str]]:
    """int8 and int4 weight-only on the arch, each with the lines it rests on."""
    series = _INSTINCT.get(arch)
    if series is None:
        return {}  # not in the precision tables: both unknown
    cu, mc = INT8_ROWS[series]
    int8 = (f"{PRECISION_SOURCE}:{cu + 1},{mc + 1}: {series} series int8 ✅ on compute units "
            "and matrix cores")
    return {"int8": ("yes", int8), "int4": ("unknown", "")}
