"""Step 4 of tuning: remember a decision on disk, ``<cache>/tune/<key>.json``.

The key is a hash of everything the measurement depended on (:func:`decision_key`): the
graph's structure (ops, attributes, value types: input shapes and dtypes included; no
weights), the candidates and compile settings, the engines' versions (ONNX Runtime,
OpenVINO, torch, Triton, hwsdk), the thread settings, and the machine (CPU model, GPU name).
A change to any of them is another key, so a stale decision is never read.

Files hold JSON only, and a file is used only when every field has the type it should
(:func:`read_decision`); anything else is ignored with a warning and measured again. An
unusable cache directory means no cache (see :mod:`hwsdk.cache`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from hwsdk.cache import cache_dir, write_atomically
from hwsdk.contract import package_versions
from hwsdk.partition.plan import canonical_details

__all__ = ["Decision", "decision_key", "read_decision", "write_decision", "engine_versions",
           "thread_settings", "machine", "DECISION_FORMAT"]

DECISION_FORMAT = 2
ENGINES = ("hwsdk", "torch", "onnxruntime", "openvino", "triton")
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OV_NUM_THREADS")


@dataclass(frozen=True)
class Decision:
    """What a measurement decided: the winner, every candidate's median in seconds and the
    candidates dropped with their reason; with per-region measurement also the engine chosen
    per segment, each segment's medians per engine and the crossing costs per boundary
    (``"a>b"`` → seconds); and, where measured, each candidate's spread (the quartiles, in
    seconds) and the reason the winner won (:class:`hwsdk.tune.choose.Choice`)."""

    winner: str
    medians: Mapping[str, float]
    dropped: Mapping[str, str]
    engines: tuple[str, ...] = ()
    segments: tuple[Mapping[str, float], ...] = ()
    crossings: tuple[Mapping[str, float], ...] = ()
    spreads: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    reason: str = ""


def engine_versions() -> dict[str, str]:
    """The installed version of each engine distribution (``absent`` when not installed);
    read from metadata, so nothing is imported."""
    installed = package_versions(ENGINES)
    return {name: installed.get(name, "absent") for name in ENGINES}


def thread_settings() -> dict[str, Any]:
    """torch's intra-op thread count, the CPU count and the thread environment variables."""
    import torch

    return {"torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
            **{name: os.environ.get(name, "") for name in THREAD_ENV}}


def machine() -> dict[str, str]:
    """The CPU model (``/proc/cpuinfo``, else :func:`platform.processor`) and GPU name."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
    return {"cpu": cpu, "gpu": gpu, "arch": platform.machine()}


def decision_key(graph_json: str, candidates: Sequence[str],
                 settings: Mapping[str, Any]) -> str:
    """The hash naming a decision's file (see the module docstring for what goes in)."""
    parts = {"format": DECISION_FORMAT,
             "graph": hashlib.sha256(graph_json.encode()).hexdigest(),
             "candidates": list(candidates), "settings": canonical_details(settings),
             "engines": engine_versions(), "threads": thread_settings(),
             "machine": machine()}
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _path(key: str) -> Path | None:
    directory = cache_dir("tune")
    return None if directory is None else directory / f"{key}.json"


def _seconds(table: Any) -> TypeGuard[dict[str, float]]:
    return isinstance(table, dict) and all(
        isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
        for k, v in table.items())


def _tables(value: Any) -> bool:
    return isinstance(value, list) and all(_seconds(t) for t in value)


def _spreads(value: Any) -> dict[str, tuple[float, float]] | None:
    """The spreads of a decision file (absent from files written before they were kept)."""
    if not isinstance(value, dict):
        return None
    found = {}
    for name, pair in value.items():
        if not (isinstance(name, str) and isinstance(pair, list) and len(pair) == 2
                and _seconds({"low": pair[0], "high": pair[1]})):
            return None
        found[name] = (float(pair[0]), float(pair[1]))
    return found


def _valid(data: Any, candidates: Sequence[str]) -> Decision | None:
    if not isinstance(data, dict) or data.get("format") != DECISION_FORMAT:
        return None
    winner, medians, dropped = data.get("winner"), data.get("medians"), data.get("dropped")
    engines = data.get("engines", [])
    segments, crossings = data.get("segments", []), data.get("crossings", [])
    spreads, reason = _spreads(data.get("spreads", {})), data.get("reason", "")
    if not (isinstance(winner, str) and winner in candidates and _seconds(medians)
            and isinstance(dropped, dict) and winner in medians):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in dropped.items()):
        return None
    if not (isinstance(engines, list) and all(isinstance(e, str) for e in engines)
            and _tables(segments) and _tables(crossings)
            and len(segments) == len(engines) and len(crossings) == max(len(engines) - 1, 0)
            and spreads is not None and isinstance(reason, str)):
        return None
    return Decision(winner, {k: float(v) for k, v in medians.items()}, dict(dropped),
                    tuple(engines), tuple({k: float(v) for k, v in t.items()} for t in segments),
                    tuple({k: float(v) for k, v in t.items()} for t in crossings),
                    spreads, reason)


def read_decision(key: str, candidates: Sequence[str]) -> Decision | None:
    """The decision stored under ``key``, or None when there is none or it cannot be trusted
    (not a regular file, not JSON, a field of the wrong type, a winner that is no longer a
    candidate); the untrusted case warns."""
    path = _path(key)
    if path is None or not path.exists():
        return None
    why = ""
    if not path.is_file():
        why = "not a regular file"
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            why = f"unreadable: {type(exc).__name__}"
        else:
            decision = _valid(data, candidates)
            if decision is not None:
                return decision
            why = "fields missing or of the wrong type"
    warnings.warn(f"hwsdk: ignoring the tuning decision {path} ({why}); measuring again",
                  stacklevel=3)
    return None


def write_decision(key: str, decision: Decision) -> None:
    """Store ``decision`` under ``key`` (silently skipped when the cache is unusable)."""
    path = _path(key)
    if path is None:
        return
    text = json.dumps({"format": DECISION_FORMAT, "winner": decision.winner,
                       "medians": dict(decision.medians), "dropped": dict(decision.dropped),
                       "engines": list(decision.engines),
                       "segments": [dict(t) for t in decision.segments],
                       "crossings": [dict(t) for t in decision.crossings],
                       "spreads": {k: list(v) for k, v in decision.spreads.items()},
                       "reason": decision.reason}, sort_keys=True)
    with contextlib.suppress(OSError):  # the decision stands; the next compile measures
        write_atomically(path, text)
