"""scripts/test.sh runs every stage, summarises them, and exits non-zero if any failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAKE = """#!{python}
import sys
args = " ".join(sys.argv[1:])
with open({calls!r}, "a") as fh:
    fh.write(args + "\\n")
if "--hwsdk-target" not in args:
    print("..F" if {main_fails} else "...")
    print("1 failed, 2 passed in 0.10s" if {main_fails} else "3 passed in 0.10s")
    sys.exit(1 if {main_fails} else 0)
sys.exit(1 if "intel:cpu" in args else 0)
"""


def _run(tmp_path: Path, main_fails: bool) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "python"
    fake.write_text(FAKE.format(python=sys.executable, calls=str(calls), main_fails=main_fails))
    fake.chmod(0o755)
    env = {**os.environ, "HWSDK_TEST_PYTHON": str(fake)}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "test.sh"), "-k", "x"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    return done, calls.read_text().splitlines()


def test_a_failing_kit_does_not_stop_the_rest(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, main_fails=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(calls) == 7, calls  # the main suite and six kits all ran
    assert calls[0].endswith("-k x") and "rocm:gfx942" in calls[-1]
    summary = done.stdout.split("== summary")[1]
    assert "conformance kit: intel" in summary and "failed (exit 1)" in summary
    assert sum(line.endswith(" passed") for line in summary.splitlines()) == 6
    assert done.stdout.rstrip().splitlines()[-1] == "3 passed in 0.10s"


def test_a_failing_main_suite_still_runs_the_kits(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, main_fails=True)
    assert done.returncode == 1 and len(calls) == 7
    assert done.stdout.rstrip().splitlines()[-1] == "1 failed, 2 passed in 0.10s"
    assert "main suite                         failed (exit 1)" in done.stdout
