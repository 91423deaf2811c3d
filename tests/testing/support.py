"""Helpers for the conformance kit's tests: the template plugin as an installed distribution,
and running pytest with the kit in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.support.fake_dist import write_distribution

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "numpy_plugin"
EXAMPLE_SRC = EXAMPLE / "src"


def install_numpy_example(root: Path) -> list[str]:
    """Write a dist-info for the template (entry point ``numpy``) under ``root``; return the
    paths to put on ``PYTHONPATH``."""
    write_distribution(root, "hwsdk-numpy-example", "0.1.0", {},
                       {"numpy": "hwsdk_numpy_example"})
    return [str(root), str(EXAMPLE_SRC)]


def kit_plugin_args() -> list[str]:
    """``-p hwsdk.testing.pytest_plugin`` unless the pytest11 entry point already loads it."""
    for ep in metadata.entry_points(group="pytest11"):
        if ep.value == "hwsdk.testing.pytest_plugin":
            return []
    return ["-p", "hwsdk.testing.pytest_plugin"]


def run_kit(cwd: Path, paths: list[str], targets: list[str], *extra: str,
            timeout: float = 240) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``pytest --hwsdk-target ...`` in ``cwd`` with ``paths`` on PYTHONPATH; return the
    process and the JSON summary."""
    report = cwd / "conformance.json"
    args = [sys.executable, "-m", "pytest", *kit_plugin_args(), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", *(f"--hwsdk-target={t}" for t in targets),
            f"--hwsdk-report={report}", *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(REPO)])}
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)
    summary = json.loads(report.read_text()) if report.exists() else {}
    return done, summary
