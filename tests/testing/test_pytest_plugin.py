"""The kit's pytest plugin is inert without --hwsdk-target: no torch import, no extra tests,
no summary; with it and explicit paths, the kit runs beside them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.testing.support import REPO, install_numpy_example, kit_plugin_args

PLAIN_TEST = '''
import sys
from collections.abc import Sequence

def test_plain():
    assert "torch" not in sys.modules
'''


def _pytest(cwd: Path, *args: str, paths: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(REPO)])}
    return subprocess.run([sys.executable, "-m", "pytest", *kit_plugin_args(), "-q",
                           "-p", "no:cacheprovider", "-p", "no:xdist", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_inert_without_the_option(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST)
    done = _pytest(tmp_path, "-W", "error")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "hwsdk conformance" not in done.stdout


def test_kit_runs_beside_explicit_paths(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST.replace("assert", "assert True or"))
    paths = install_numpy_example(tmp_path / "dist")
    done = _pytest(tmp_path, "test_plain.py", "--hwsdk-target=numpy", "-k",
                   "plain or capability_table", paths=paths)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout, done.stdout[-2000:]
    assert "hwsdk conformance for numpy: 1 passed" in done.stdout
