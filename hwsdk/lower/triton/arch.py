"""Launch parameters per GPU architecture: matmul and attention tiles, warps, pipeline stages.

Values are starting points in the spirit of Triton's own tutorials (larger K tiles and more
warps on Hopper; two stages on AMD, whose LDS pipelining differs); they are clamped to the
problem so tiny shapes do not launch mostly-masked tiles. Only a GPU run can tune them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tiles", "matmul_tiles", "attention_tiles", "row_warps", "next_pow2", "clamp_tile"]


@dataclass(frozen=True)
class Tiles:
    """Block sizes and launch settings for one kernel family on one arch."""

    block_m: int
    block_n: int
    block_k: int
    num_warps: int
    num_stages: int


_MATMUL: dict[str, Tiles] = {
    "sm_80": Tiles(128, 128, 32, 4, 3), "sm_86": Tiles(128, 64, 32, 4, 3),
    "sm_89": Tiles(128, 64, 32, 4, 3), "sm_90": Tiles(128, 128, 64, 8, 3),
    "sm_100": Tiles(128, 128, 64, 8, 3), "sm_120": Tiles(128, 64, 64, 4, 3),
    "gfx90a": Tiles(128, 128, 32, 4, 2), "gfx942": Tiles(128, 128, 64, 8, 2),
    "gfx1100": Tiles(64, 64, 32, 4, 2),
}
_ATTENTION: dict[str, Tiles] = {
    "sm_80": Tiles(64, 64, 0, 4, 3), "sm_90": Tiles(128, 64, 0, 8, 3),
    "gfx942": Tiles(128, 64, 0, 8, 2), "gfx90a": Tiles(64, 64, 0, 4, 2),
}
_DEFAULT = Tiles(64, 64, 32, 4, 2)


def next_pow2(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


def clamp_tile(block: int, size: object) -> int:
    """The tile for a dim of ``size`` (an int or a symbol): at most ``block``, at least 16."""
    if isinstance(size, int):
        return max(16, min(block, next_pow2(size)))
    return block


def matmul_tiles(arch: str) -> Tiles:
    """Matmul tiles for ``arch`` (``"sm_90"``, ``"gfx942"``; unknown: a safe default)."""
    return _MATMUL.get(arch, _DEFAULT)


def attention_tiles(arch: str) -> Tiles:
    return _ATTENTION.get(arch, _DEFAULT)


def row_warps(block: int) -> int:
    """Warps for a row kernel whose row block holds ``block`` elements."""
    return 4 if block <= 2048 else 8 if block <= 8192 else 16
