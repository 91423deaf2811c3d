"""Ahead-of-time cubin artifacts for nvidia targets, built without a GPU.

A thin front to the shared :mod:`hwsdk.lower.triton.aot` that insists on a nvidia target::

    from hwsdk_nvidia.aot import compile_artifact, load_artifact
    compile_artifact(plan, "out/")   # plan: hwsdk.partition.planner.plan_graph(..., "nvidia:sm_90")
    loaded = load_artifact("out/")   # verifies hashes, Triton version and arch
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["compile_artifact", "load_artifact"]


def compile_artifact(plan: Any, out_dir: str | Path) -> Path:
    """Build and save an artifact of ``plan`` (a PartitionPlan for a ``"nvidia:..."`` target);
    returns the manifest path.

    :raises ValueError: for a target this plugin does not serve.
    """
    from hwsdk_nvidia import TARGET

    return TARGET.compile_artifact(plan, out_dir)


def load_artifact(root: str | Path, arch: str | None = None) -> Any:
    """Verify and load an artifact (see :func:`hwsdk.lower.triton.aot_load.load_artifact`)."""
    from hwsdk_nvidia import TARGET

    return TARGET.load_artifact(root, arch=arch)
