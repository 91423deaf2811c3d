"""``python -m hwsdk`` and ``python -m hwsdk.cli`` run the same command line as ``hwsdk``."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["hwsdk", "hwsdk.cli"])
def test_python_dash_m_runs_the_cli(module: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hwsdk, version ")
    bad = subprocess.run([sys.executable, "-m", module, "frobnicate"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "No such command" in bad.stderr
