"""The quantization settings ``hwsdk.compile`` takes, checked before anything is captured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from hwsdk.errors import InvalidArgumentError

__all__ = ["QuantConfig", "SCHEMES", "DEFAULT_EXCLUDE", "quant_config", "QUANTIZE_FALLBACKS",
           "quantize_fallback"]

SCHEMES = {"int8_weight_only": 8, "int4_weight_only": 4}
"""Scheme name → bits: int8 per output channel, symmetric; int4 per group, asymmetric."""

DEFAULT_EXCLUDE = {"int8_weight_only": (), "int4_weight_only": ("lm_head",)}
"""Modules kept in float when ``quantize_exclude`` is not given: 4 bits cost an LLM's output
projection the most accuracy (the logits), and it is one layer of many."""


QUANTIZE_FALLBACKS = {
    "torch": "a quantized linear no requested target runs stays in PyTorch with its dequantize "
             "(reason DTYPE, or UNKNOWN where the vendor is silent); the weight stays small",
    "dequantize": "its weight is dequantized to float up front, so the target runs the linear "
                  "on a float weight (the plan names each such weight and why; its bytes are "
                  "the float size)",
}
"""``quantize_fallback`` → what it does (the first is the default)."""


def quantize_fallback(value: object) -> str:
    """Check ``hwsdk.compile``'s ``quantize_fallback``.

    :raises InvalidArgumentError: for anything but one of :data:`QUANTIZE_FALLBACKS`.
    """
    if not isinstance(value, str) or value not in QUANTIZE_FALLBACKS:
        choices = " or ".join(repr(c) for c in QUANTIZE_FALLBACKS)
        raise InvalidArgumentError(
            f"quantize_fallback={value!r} is not one of {list(QUANTIZE_FALLBACKS)}; pass "
            f"{choices} ('torch', the default, keeps quantized linears a target cannot run in "
            "PyTorch; 'dequantize' gives them float weights the target runs)")
    return value


@dataclass(frozen=True)
class QuantConfig:
    """What to quantize and how.

    :param scheme: one of :data:`SCHEMES`.
    :param group_size: input channels sharing one scale (int4); int8 is per channel.
    :param exclude: module paths (``fnmatch`` patterns, matched against the full path and
        its last component) whose weights stay in float.
    """

    scheme: str
    group_size: int
    exclude: tuple[str, ...]

    @property
    def bits(self) -> int:
        return SCHEMES[self.scheme]

    def excludes(self, module_path: str) -> bool:
        """True when ``module_path`` (``"model.layers.0.mlp.up_proj"``) stays in float."""
        last = module_path.rsplit(".", 1)[-1]
        return any(fnmatchcase(module_path, p) or fnmatchcase(last, p) for p in self.exclude)


def quant_config(quantize: str | None, group_size: int = 128,
                 exclude: Sequence[str] | None = None) -> QuantConfig | None:
    """Check ``hwsdk.compile``'s quantization arguments; None when ``quantize`` is None.

    :raises InvalidArgumentError: for an unknown scheme, a group size that is not a positive
        even int, or an ``exclude`` that is not a list of strings.
    """
    if quantize is None:
        if exclude:
            raise InvalidArgumentError(
                "quantize_exclude is given but quantize is not; pass quantize="
                "'int8_weight_only' or 'int4_weight_only', or drop quantize_exclude")
        return None
    if quantize not in SCHEMES:
        raise InvalidArgumentError(
            f"quantize={quantize!r} is not one of {sorted(SCHEMES)}; pass one of those, or "
            "None for float weights")
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 2 \
            or group_size % 2:
        raise InvalidArgumentError(
            f"group_size must be a positive even int (32, 64, 128 …), got {group_size!r}")
    if exclude is None:
        patterns = DEFAULT_EXCLUDE[quantize]
    elif isinstance(exclude, str) or not all(isinstance(p, str) for p in exclude):
        raise InvalidArgumentError(
            f"quantize_exclude must be a list of module names or patterns, got {exclude!r}; "
            "e.g. quantize_exclude=['lm_head']")
    else:
        patterns = tuple(exclude)
    return QuantConfig(quantize, group_size, tuple(patterns))
