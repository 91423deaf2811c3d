"""hwsdk targets, caps and doctor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hwsdk.cli import main
from tests.support.fake_dist import installed, write_distribution

QUERIES = """
import sys
from hwsdk.cli import main
import hwsdk.models
codes = [main(args) for args in (["targets"], ["targets", "--json"], ["caps"],
         ["caps", "--op", "linear"], ["caps", "--target", "torch", "--dtype", "f16"])]
heavy = [m for m in ("torch", "triton", "openvino", "onnxruntime", "pydantic")
         if m in sys.modules]
print("RESULT", codes, heavy)
"""

FIRST_PARTY = "cpu,intel,nvidia,rocm,gaudi,inferentia"


def _queries(env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", QUERIES], capture_output=True, text=True,
                            timeout=120, env=env)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT")), "")
    assert line.startswith("RESULT [0, 0, 0, 0, 0]"), (line, result.stderr[-2000:])
    return line


def test_targets_and_caps_never_import_torch_or_sdks(tmp_path: Path) -> None:
    # hwsdk's own plugins only: a third-party probe that imports torch (to count CUDA
    # devices, say) is that plugin's bug, tested with that plugin.
    env = {**os.environ, "HWSDK_PLUGINS": FIRST_PARTY, "HWSDK_CACHE_DIR": str(tmp_path)}
    env.pop("HWSDK_NO_CACHE", None)
    cold = _queries(env)
    assert cold.endswith("['pydantic']")  # building the tables once validates them
    # the capability views now come from the cache: not even pydantic is imported
    assert _queries(env).endswith("[]")


def test_targets_lists_every_target(subset_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(subset_target + " "))
    assert "hwsdk-test-subset 0.1" in row and " yes " in row and "cpu" in row
    assert any(line.startswith("torch ") for line in out.splitlines())
    assert main(["targets", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    entry = next(t for t in data["targets"] if t["target"] == subset_target)
    assert entry["available"] is True and entry["distribution"] == "hwsdk-test-subset"


def test_caps_views(subset_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["caps", "--target", subset_target]) == 0
    out = capsys.readouterr().out
    assert "source: test" in out
    linear = next(line for line in out.splitlines() if line.startswith("linear "))
    assert linear.split()[1:] == ["yes", "yes", "yes", "-"]  # f32, i64, bool, constraints
    assert main(["caps", "--op", "permute"]) == 0
    matrix = capsys.readouterr().out
    assert matrix.startswith("permute across targets:")
    assert "no kernel" in next(ln for ln in matrix.splitlines() if ln.startswith(subset_target))
    assert main(["caps", "--op", "linear", "--dtype", "f32", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[subset_target]["ops"] == {"linear": {"dtypes": {"f32": "yes"},
                                                     "constraints": [], "note": "",
                                                     "source": ""}}


@pytest.mark.parametrize(("args", "code", "message"), [
    (["caps", "--op", "lineer"], 2, "did you mean linear"),
    (["caps", "--dtype", "f99"], 2, "is not a dtype"),
    (["caps", "--target", "subsett"], 1, "hwsdk: error: unknown target 'subsett'"),
    (["frobnicate"], 2, "No such command"),
])
def test_caps_bad_input(subset_target: str, capsys: pytest.CaptureFixture[str],
                        args: list[str], code: int, message: str) -> None:
    assert main(args) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    if code == 1:
        assert err.count("\n") == 2 and "hint: `hwsdk targets`" in err


def test_doctor_shows_pass_fail_and_root_cause(subset_target: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    write_distribution(tmp_path / "broken", "hwsdk-test-broken", "9.9",
                       {"hwsdk_test_broken": "raise ImportError('libvendor.so.3: cannot open "
                                             "shared object file')\n"},
                       {"broken": "hwsdk_test_broken"})
    with installed(tmp_path / "broken"):
        assert main(["doctor"]) == 0
        out = capsys.readouterr().out
        assert main(["doctor", "--strict"]) == 1
    lines = out.splitlines()
    assert any(ln.split()[:3] == ["PASS", subset_target, "hwsdk-test-subset"] for ln in lines)
    fail = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["FAIL", "broken"])
    assert "hwsdk-test-broken 9.9" in lines[fail]
    assert "libvendor.so.3" in "\n".join(lines[fail + 1:fail + 3])
    assert "packages: torch " in out and "onnxruntime " in out
    assert any(ln.strip().startswith(f"{subset_target} ") and "available" in ln for ln in lines)


BAD_TABLE = '''
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import TargetInfo, hookimpl
HWSDK_PLUGIN_API = ">=1,<2"

@hookimpl
def hwsdk_targets():
    return [TargetInfo(name="badtable", vendor="test")]

@hookimpl
def hwsdk_probe(target):
    from hwsdk.plugin import Availability
    return Availability(available=True, devices=["cpu"])

@hookimpl
def hwsdk_capabilities(target):
    return {"target": "badtable", "version": "1", "opset_version": OPSET_VERSION,
            "provenance": [{"source": "test"}], "ops": {"add": {"dtypes": {"f33": "yes"}}}}
'''


@pytest.fixture
def bad_table(subset_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HWSDK_NO_CACHE", "1")
    root = tmp_path / "badtable"
    write_distribution(root, "hwsdk-test-badtable", "0.2", {"hwsdk_test_badtable": BAD_TABLE},
                       {"badtable": "hwsdk_test_badtable"})
    return root


def test_one_bad_table_leaves_every_other_target_answering(
        bad_table: Path, subset_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    with installed(bad_table):
        assert main(["caps"]) == 0
        out = capsys.readouterr().out
        assert any(ln.startswith(f"{subset_target} ") for ln in out.splitlines())
        assert "plugin badtable (hwsdk-test-badtable 0.2) failed" in out
        assert "ops.add.dtypes key 'f33'" in out
        assert main(["caps", "--op", "linear"]) == 0
        matrix = capsys.readouterr().out
        assert any(ln.startswith(f"{subset_target} ") for ln in matrix.splitlines())
        assert main(["caps", "--json"]) == 0
        captured = capsys.readouterr()
        assert subset_target in json.loads(captured.out) and "badtable" in captured.err
        assert main(["targets"]) == 0
        capsys.readouterr()
        # asked for by name, the broken table is the answer: exit 1 naming the field
        assert main(["caps", "--target", "badtable"]) == 1
        err = capsys.readouterr().err
        assert "ops.add.dtypes key 'f33'" in err and "hwsdk-test-badtable 0.2" in err


def test_doctor_names_the_wrong_field_not_pydantics_url(
        bad_table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with installed(bad_table):
        assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    fail = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["FAIL", "badtable"])
    root = next(ln for ln in lines[fail:] if "root cause:" in ln)
    assert "capability table for badtable is malformed" in root
    assert "ops.add.dtypes key 'f33': Input should be" in root and "(got 'f33')" in root
    assert "pydantic.dev" not in out
    assert any(ln.split()[:2] == ["PASS", "torch"] for ln in lines)


@pytest.mark.parametrize(("op", "meant"), [
    ("sdpa", "scaled_dot_product_attention"), ("bmm", "matmul"), ("view", "reshape"),
    ("aten.conv2d.default", "conv")])
def test_caps_op_accepts_aten_names_and_initials(subset_target: str, op: str, meant: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["caps", "--op", op]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{meant} across targets:")
    assert f"--op {op} means the core op {meant}" in captured.err


def test_caps_op_suggests_ops_containing_the_word(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["caps", "--op", "attention"]) == 2
    assert "did you mean scaled_dot_product_attention" in capsys.readouterr().err


def test_caps_survives_an_unusable_cache_dir(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_dir = tmp_path / "cachefile"
    not_a_dir.write_text("")
    monkeypatch.delenv("HWSDK_NO_CACHE", raising=False)
    monkeypatch.setenv("HWSDK_CACHE_DIR", str(not_a_dir))
    assert main(["caps", "--target", "torch"]) == 0
    captured = capsys.readouterr()
    assert "scaled_dot_product_attention" in captured.out
    assert "hwsdk: warning: cannot use the cache directory" in captured.err
    assert "HWSDK_CACHE_DIR" in captured.err


def test_auto_leaves_out_a_target_whose_table_is_broken(bad_table: Path,
                                                        subset_target: str) -> None:
    from hwsdk.partition.planner import resolve_targets
    from hwsdk.registry import get_registry

    with installed(bad_table):
        _, prefs, availability = resolve_targets("auto", get_registry())
    assert subset_target in prefs and "badtable" not in prefs
    assert not availability["badtable"]["available"]
    assert "ops.add.dtypes key 'f33'" in availability["badtable"]["reason"]
