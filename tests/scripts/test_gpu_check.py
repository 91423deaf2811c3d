"""scripts/gpu_check.sh: "no GPU" and exit 0 here; on a GPU (a fake python that says it sees
one) every stage runs under its limit, without emulation, and the summary records each one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gpu_check.sh"
FAKE = """#!{python}
import sys, time
args = " ".join(sys.argv[1:])
if args == "-":  # the device query on stdin
    sys.stdin.read()
    print("gpu nvidia:sm_90 NVIDIA H200")
    sys.exit(0)
with open({calls!r}, "a") as fh:
    fh.write(args + "\\n")
if "--hwsdk-target" in args:
    print("1 failed, 9 passed in 1.00s")
    sys.exit(1)
if "run_all.py" in args:
    time.sleep(30)  # past its limit: interrupted
sys.exit(0)
"""


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)


def _fake_gpu(tmp_path: Path) -> tuple[dict[str, str], Path]:
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "python"
    fake.write_text(FAKE.format(python=sys.executable, calls=str(calls)))
    fake.chmod(0o755)
    return {"HWSDK_TEST_PYTHON": str(fake), "HWSDK_GPU_OUT": str(tmp_path / "out"),
            "HWSDK_GPU_BENCH_S": "2"}, calls


def test_without_a_gpu_it_says_so_and_exits_0() -> None:
    from hwsdk.lower.triton import device_available

    if device_available("cuda") or device_available("hip"):
        pytest.skip("a GPU is present: the script would run its stages")
    done = _run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("gpu_check: no GPU: "), done.stdout
    assert len(done.stdout.splitlines()) == 1


def test_every_stage_runs_after_a_failure_and_a_timeout(tmp_path: Path) -> None:
    env, calls = _fake_gpu(tmp_path)
    done = _run(env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    kit, models, bench = calls.read_text().splitlines()
    assert "--hwsdk-target nvidia:sm_90" in kit and "emulate" not in kit + models + bench
    assert "plugins/nvidia/tests/test_models.py" in models
    assert "bench/run_all.py --device cuda --gpu-target nvidia:sm_90" in bench
    summary = done.stdout.split("== summary")[1]
    assert "kit      failed (exit 1)" in summary
    assert "models   passed" in summary
    assert "bench    timed out after 2s (exit 124)" in summary
    written = (tmp_path / "out" / "gpu_check.md").read_text()
    assert "NVIDIA H200" in written and "| bench | timed out after 2s" in written
    assert (tmp_path / "out" / "gpu_check_logs" / "kit.log").read_text().startswith("1 failed")


def test_dry_run_and_target_override(tmp_path: Path) -> None:
    env, calls = _fake_gpu(tmp_path)
    done = _run("--dry-run", "--target", "rocm:gfx942", env=env)
    assert done.returncode == 0 and not calls.exists()
    assert "target rocm:gfx942 (detected nvidia:sm_90)" in done.stdout
    assert "HWSDK_GPU_TARGET=rocm:gfx942" in done.stdout
    assert "--gpu-target rocm:gfx942" in done.stdout


@pytest.mark.parametrize("args", [["--bogus"], ["--target"], ["--target", "sm_90"]])
def test_bad_arguments_exit_2_with_the_reason(args: list[str]) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert done.stderr.startswith("gpu_check: "), done.stderr
