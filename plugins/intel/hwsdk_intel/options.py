"""Compile options of the intel target, parsed once into a frozen, hashable value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hwsdk.errors import InvalidArgumentError

__all__ = ["IntelOptions", "OPTIONS", "PRECISIONS", "HINTS", "parse_options"]

PRECISIONS = {"f32": "f32", "bf16": "bf16", "f16": "f16"}
"""hwsdk precision name → OpenVINO INFERENCE_PRECISION_HINT value."""

HINTS = {"latency": "LATENCY", "throughput": "THROUGHPUT",
         "cumulative_throughput": "CUMULATIVE_THROUGHPUT"}

OPTIONS = {
    "precision": "inference precision: f32 (default, exact), bf16 or f16 (faster, ~1e-2 error); "
                 "OpenVINO's INFERENCE_PRECISION_HINT",
    "performance_hint": "latency (default) or throughput; OpenVINO's PERFORMANCE_HINT",
    "num_threads": "CPU threads for inference (default: OpenVINO's choice); "
                   "INFERENCE_NUM_THREADS",
    "cache_dir": "directory for OpenVINO's compiled-model cache (CACHE_DIR); off by default",
    "huge_pages": "ask Linux for 2 MiB pages for the memory OpenVINO allocates while it compiles "
                  "(its repacked weights) and collapse it then (bool, default True; "
                  "hwsdk.plugin.HugePages): fewer TLB misses when a step streams every weight",
}
"""Option name → description, as declared in TargetInfo.options."""


@dataclass(frozen=True)
class IntelOptions:
    """The intel target's compile options, validated."""

    precision: str = "f32"
    performance_hint: str = "latency"
    num_threads: int | None = None
    cache_dir: str | None = None
    huge_pages: bool = True

    def ov_config(self) -> dict[str, Any]:
        """The ``compile_model`` config: always an explicit precision hint, so OpenVINO never
        picks bf16 silently on CPUs that have it."""
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": PRECISIONS[self.precision],
            "PERFORMANCE_HINT": HINTS[self.performance_hint],
        }
        if self.num_threads is not None:
            config["INFERENCE_NUM_THREADS"] = self.num_threads
        if self.cache_dir is not None:
            config["CACHE_DIR"] = self.cache_dir
        return config

    def details(self) -> dict[str, Any]:
        return {"precision": self.precision, "performance_hint": self.performance_hint,
                "num_threads": self.num_threads, "cache_dir": self.cache_dir}


def parse_options(options: Mapping[str, Any]) -> IntelOptions:
    """Validate the options the intel target understands; others are ignored (they belong to
    other targets of the same compile).

    :raises InvalidArgumentError: naming the option and the accepted values.
    """
    precision = str(options.get("precision") or "f32").lower()
    precision = {"fp32": "f32", "float32": "f32", "fp16": "f16", "float16": "f16",
                 "bfloat16": "bf16"}.get(precision, precision)
    if precision not in PRECISIONS:
        raise InvalidArgumentError(
            f"precision={options.get('precision')!r} is not one of {sorted(PRECISIONS)}")
    hint = str(options.get("performance_hint") or "latency").lower()
    if hint not in HINTS:
        raise InvalidArgumentError(
            f"performance_hint={options.get('performance_hint')!r} is not one of {sorted(HINTS)}")
    threads = options.get("num_threads")
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)
                                or threads < 1):
        raise InvalidArgumentError(f"num_threads must be a positive int, got {threads!r}")
    cache_dir = options.get("cache_dir")
    huge_pages = options.get("huge_pages", True)
    if not isinstance(huge_pages, bool):
        raise InvalidArgumentError(f"huge_pages must be True or False, got {huge_pages!r}")
    return IntelOptions(precision, hint, threads, None if cache_dir is None else str(cache_dir),
                        huge_pages)
