"""Real discovery: build the template plugin's wheel, pip-install it into a fresh virtual
environment, and find it there through its entry point: `hwsdk targets` lists it and a model
compiles with part of its graph on it. No registration shortcut, no sys.path tricks for the
plugin itself.

The fresh venv sees hwsdk, torch and numpy of the current environment through a ``.pth`` file
(so the test needs no network); the plugin exists only as the wheel pip installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "numpy_plugin"

HWSDK_CLI = "import sys; from hwsdk.cli import main; sys.exit(main())"

COMPILE = """
import json, warnings
import torch
import hwsdk
import hwsdk_numpy_example
from hwsdk.registry import get_registry

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.GELU(), torch.nn.Linear(5, 3)).eval()
x = torch.randn(4, 6)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    cm = hwsdk.compile(model, (x,), target="numpy")
record = get_registry().record_for("numpy")
print(json.dumps({
    "regions": [[r.target, r.status, len(r.node_ids)] for r in cm.plan.regions],
    "max_err": float((cm(x) - model(x)).abs().max()),
    "module": hwsdk_numpy_example.__file__,
    "distribution": [record.distribution, record.version, record.value],
}))
"""


def _run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False,
                          **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done  # type: ignore[no-any-return]


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                                    "__pycache__"))
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", str(wheels), str(source)])
    (wheel,) = wheels.glob("hwsdk_numpy_example-0.1.0-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                       "['purelib'])"]).stdout.strip()
    base = sysconfig.get_paths()["purelib"]
    # addsitedir (not a plain path line) so the base environment's own .pth files run too
    Path(purelib, "_hwsdk_test_base.pth").write_text(
        f"import site; site.addsitedir({base!r})\n")
    return python


def test_wheel_installed_in_fresh_venv_is_discovered_and_compiles(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    python = _fresh_venv(tmp_path)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "HWSDK_PLUGINS", "HWSDK_DISABLE_PLUGINS")}
    # The base environment may hold first-party plugins; they have their own tests and would
    # only slow this one down. The allowlist filters entry points after discovery.
    env["HWSDK_PLUGINS"] = "numpy,cpu"

    before = json.loads(_run([str(python), "-c", HWSDK_CLI, "targets", "--json"],
                             env=env, cwd=tmp_path).stdout)
    assert "numpy" not in {row["target"] for row in before["targets"]}

    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)], env=env)

    after = json.loads(_run([str(python), "-c", HWSDK_CLI, "targets", "--json"],
                            env=env, cwd=tmp_path).stdout)
    rows = {row["target"]: row for row in after["targets"]}
    assert "numpy" in rows, after
    assert rows["numpy"]["available"] is True
    assert rows["numpy"]["distribution"] == "hwsdk-numpy-example"

    result = json.loads(_run([str(python), "-c", COMPILE], env=env, cwd=tmp_path).stdout
                        .strip().splitlines()[-1])
    assert Path(result["module"]).is_relative_to(tmp_path / "venv")  # the installed wheel
    assert result["distribution"] == ["hwsdk-numpy-example", "0.1.0", "hwsdk_numpy_example"]
    targets = {target for target, _, _ in result["regions"]}
    assert targets == {"numpy", "torch"}  # linear on numpy, gelu falls back
    assert all(status in ("compiled", "fallback") for _, status, _ in result["regions"])
    assert result["max_err"] < 1e-5
