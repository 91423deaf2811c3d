"""scripts/setup.sh: a line per step, a re-run that installs nothing, the browser opt-in.

Runs the script in a copy of the repository's layout whose ``.venv/bin/python`` is a shim that
records what it is asked to do (nothing is installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON_SHIM = """#!{python}
import sys
with open({log!r}, "a") as fh:
    fh.write("python " + " ".join(sys.argv[1:]) + "\\n")
torch = {log!r} + ".torch"
if sys.argv[1:2] == ["--version"]:
    print("Python 3.11.0")
elif sys.argv[1:2] == ["-c"]:  # the installed torch's version: pip's CPU build says +cpu
    sys.exit(print("2.13.0+cpu") if __import__("os").path.exists(torch) else 1)
elif "torch==2.13.0" in sys.argv:
    open(torch, "w").close()
"""
LOGGING_SHIM = """#!/bin/sh
echo "$(basename "$0") $*" >> {log}
"""


def _tree(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    repo, log, bin_dir = tmp_path / "repo", tmp_path / "calls.txt", tmp_path / "bin"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", repo / "scripts" / "setup.sh")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    for plugin in ("intel", "nvidia"):
        (repo / "plugins" / plugin).mkdir(parents=True)
        shutil.copy(ROOT / "plugins" / plugin / "pyproject.toml", repo / "plugins" / plugin)
    venv = repo / ".venv" / "bin"
    venv.mkdir(parents=True)
    bin_dir.mkdir()
    shims = {venv / "python": PYTHON_SHIM.format(python=sys.executable, log=str(log)),
             venv / "hwsdk": LOGGING_SHIM.format(log=log),
             bin_dir / "apt-get": LOGGING_SHIM.format(log=log)}
    for path, text in shims.items():
        path.write_text(text)
        path.chmod(0o755)
    # No browser on PATH, only the tools the script itself uses.
    for tool in ("sha256sum", "cut", "cat", "rm", "dirname", "id", "basename"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    env = {k: v for k, v in os.environ.items() if k != "HWSDK_INSTALL_BROWSER"}
    env["PATH"] = str(bin_dir)
    return repo, log, env


def _setup(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shutil.which("bash") or "bash", str(repo / "scripts" / "setup.sh"),
                           *args], env=env, capture_output=True, text=True, timeout=60,
                          check=False)


def test_second_run_installs_nothing_and_every_step_is_shown(tmp_path: Path) -> None:
    repo, log, env = _tree(tmp_path)
    first = _setup(repo, env)
    assert first.returncode == 0, first.stderr
    steps = [line for line in first.stdout.splitlines() if line.startswith("setup: ")]
    assert len(steps) >= 6 and steps[-1].startswith("setup: done in")
    calls = log.read_text()
    assert "pip --disable-pip-version-check install -q -e .[dev,onnx]" in calls
    assert "install -q torch==2.13.0" in calls and "3 editable packages" in first.stdout
    assert "apt-get" not in calls, "the browser is opt-in"
    assert "browser test will skip (--with-browser installs one)" in first.stdout
    log.unlink()
    second = _setup(repo, env)
    assert second.returncode == 0, second.stderr
    assert "pip" not in log.read_text() and "no pyproject changed" in second.stdout
    (repo / "plugins" / "nvidia" / "pyproject.toml").write_text("# changed\n")
    log.unlink()
    assert _setup(repo, env).returncode == 0
    assert "install -q -e .[dev,onnx]" in log.read_text()


def test_browser_install_is_explicit(tmp_path: Path) -> None:
    repo, log, env = _tree(tmp_path)
    done = _setup(repo, {**env, "HWSDK_INSTALL_BROWSER": "1"})
    assert done.returncode == 0, done.stderr
    if os.geteuid() == 0:
        assert "apt-get install -y -qq chromium" in log.read_text()
    else:
        assert "needs root" in done.stderr
    assert _setup(repo, env, "--nonsense").returncode == 2
