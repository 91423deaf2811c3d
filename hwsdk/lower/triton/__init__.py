"""IR → Triton: the vendor-neutral kernel generator the nvidia and rocm plugins share.

Public API (importing this package does not import torch or triton):

- :func:`unsupported_reason` / :data:`SUPPORTED_OPS`: which nodes the generator takes.
- :func:`build_program`: a region's kernels and their module source (deterministic).
- :func:`compile_region`: a :class:`~hwsdk.plugin.CompiledRegion` running those kernels on
  the GPU, or in Triton's interpreter with ``emulate=True``.
- :mod:`hwsdk.lower.triton.aot`: ahead-of-time artifacts (cubin/hsaco) and their loader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hwsdk.lower.triton.ops import SUPPORTED_OPS, unsupported_reason
    from hwsdk.lower.triton.program import Program, build_program
    from hwsdk.lower.triton.region import TritonRegion, compile_region, device_available

__all__ = ["SUPPORTED_OPS", "unsupported_reason", "Program", "build_program", "TritonRegion",
           "compile_region", "device_available"]

_HOME = {"SUPPORTED_OPS": "ops", "unsupported_reason": "ops", "Program": "program",
         "build_program": "program", "TritonRegion": "region", "compile_region": "region",
         "device_available": "region"}


def __getattr__(name: str) -> Any:
    """Load the generator's modules on first use, so plugins that import
    :mod:`hwsdk.lower.triton.plugin` at start-up stay cheap."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
