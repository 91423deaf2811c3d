"""What the ONNX Runtime engine offers (compile options) and finds (probe), importable without
the engine and its lowering, so that `hwsdk targets` stays fast."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import Any

__all__ = ["OPTIONS", "available_providers", "probe"]

OPTIONS: dict[str, str] = {
    "num_threads": "ONNX Runtime intra-op threads (int; 0 = ONNX Runtime's default)",
    "inter_op_threads": "ONNX Runtime inter-op threads (int; used with parallel execution)",
    "graph_optimization_level": "ONNX Runtime graph optimizations: disable, basic, extended, all",
    "spinning": "whether ONNX Runtime's worker threads spin after a call (bool; default: on for "
                "a plan's only region, off when other regions run between its calls, where "
                "the spin takes the cores they need)",
    "providers": "execution providers in preference order (default: CPUExecutionProvider)",
    "provider_options": "one dict of options per provider, passed to InferenceSession",
    "io_binding": "run through an IOBinding with preallocated outputs (default False: numpy "
                  "views in, ONNX Runtime's buffers adopted out; both copy-free on CPU)",
    "validate": "run each static-shaped region once on zeros at compile time (default True), "
                "so run failures fall back at compile time",
    "dump_onnx": "directory to write each region's ONNX model into (<region id>.onnx)",
    "cache_attention": "attention over a KV cache input written at consecutive positions (an "
                       "LLM step graph) as ONNX Runtime's GroupQueryAttention: True (default), "
                       "'in_place' (it also writes the new keys and values into the cache "
                       "input; compile_lm's choice) or False (the op-by-op form, for any "
                       "positions and mask); each call is checked: positions consecutive, no "
                       "later slot allowed, several new tokens after cached ones at batch 1",
    "huge_pages": "ask Linux for 2 MiB pages for the memory the session allocates (its repacked "
                  "weights) and collapse it at compile (bool, default False: no consistent "
                  "gain measured for ONNX Runtime; hwsdk.engines.huge_pages); the plan "
                  "records what was collapsed",
    "quantized_matmul": "how int8/int4 weights run (hwsdk.engines.ort_quant.MODES): fused "
                        "(default; MatMulNBits, weights stay compressed, float32 compute), "
                        "int8_compute (MatMulNBits quantizing activations to int8 too: faster, "
                        "~1e-2 relative error, recorded in the plan) or decompress (float32 "
                        "weights from session start)",
}
"""Compile options this engine reads; targets using it declare them in ``TargetInfo.options``."""


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def available_providers() -> list[str]:
    """``onnxruntime.get_available_providers()``, or ``[]`` when onnxruntime is missing."""
    try:
        import onnxruntime
    except ImportError:
        return []
    return list(onnxruntime.get_available_providers())


def probe(required: Sequence[str] = ("CPUExecutionProvider",), deep: bool = True
          ) -> dict[str, Any]:
    """What this engine can do here: versions, providers, and why it is unusable if it is.

    :param required: providers that must be available for ``available`` to be True.
    :param deep: import onnxruntime to list its providers; False answers from package
        metadata alone (then the providers are not listed and ``required`` is not checked).
    :returns: ``{"available", "reason", "versions", "providers"}`` (feeds an ``Availability``).
    """
    versions = {d: v for d in ("onnx", "onnxruntime") if (v := _version(d))}
    missing = [d for d in ("onnx", "onnxruntime") if d not in versions]
    if missing:
        return {"available": False, "versions": versions, "providers": [],
                "reason": f"{' and '.join(missing)} not installed: pip install 'hwsdk[onnx]'"}
    if not deep:
        return {"available": True, "versions": versions, "providers": [],
                "reason": "installed; a deep probe (hwsdk doctor) lists the execution providers"}
    providers = available_providers()
    absent = [p for p in required if p not in providers]
    reason = f"onnxruntime here has {', '.join(providers)}; missing {', '.join(absent)}" \
        if absent else ""
    return {"available": not absent, "reason": reason, "versions": versions,
            "providers": providers}
