"""hwsdk explain, compile and run, and their errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hwsdk.cli import main
from tests.support.fake_dist import installed, subset_plugin_source, write_distribution


def _explain(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_explain_writes_every_report(subset_target: str, factory_file: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    model = f"{factory_file}:factory"
    files = {kind: tmp_path / f"plan.{kind}" for kind in ("html", "json", "dot")}
    args = ["explain", model, "--target", subset_target,
            *[arg for kind, path in files.items() for arg in (f"--{kind}", str(path))]]
    code, out, err = _explain(args, capsys)
    assert code == 0, err
    assert "hwsdk partition report for Small" in out and "recommendations:" in out
    assert "aten.flip.default [OPAQUE_OP]" in out
    assert all(path.stat().st_size > 0 for path in files.values())
    first = files["json"].read_text()
    plan = json.loads(first)
    assert plan["schema"] == "hwsdk.partition-plan" and plan["targets"] == [subset_target,
                                                                           "torch"]
    assert main(args) == 0  # a second run writes the same JSON
    assert files["json"].read_text() == first
    assert 'data-status="loading"' in files["html"].read_text()


def test_explain_all_prints_the_coverage_matrix(subset_target: str, factory_file: Path,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "all.json"
    code, out, err = _explain(["explain", f"{factory_file}:factory", "-t", "all", "--brief",
                               "--json", str(out_json)], capsys)
    assert code == 0, err
    header, *rows = out.split("\n\n")[0].splitlines()[1:]
    assert header.split()[:3] == ["target", "supported", "coverage"]
    assert any(row.startswith(subset_target + " ") for row in rows)
    assert not any(row.startswith("torch ") for row in rows)
    assert f"=== {subset_target} ===" in out
    data = json.loads(out_json.read_text())
    assert data["schema"] == "hwsdk.coverage-matrix"
    assert data["plans"][subset_target]["schema"] == "hwsdk.partition-plan"


@pytest.mark.parametrize(("model", "target", "message"), [
    ("{file}:factory", "nosuchtarget", "unknown target 'nosuchtarget'"),
    ("nosuchmodel", "torch", "not a bundled model name"),
    ("{dir}/missing.py:factory", "torch", "no file"),
    ("{file}:nope", "torch", "has no callable 'nope'"),
    ("{file}:broken", "torch", "raised RuntimeError: the checkpoint is missing"),
    ("{file}:not_a_tuple", "torch", "it must return (model, example_inputs)"),
    ("{file}:unexportable", "torch", "torch.export could not capture Branchy"),
    ("no_such_package.models:factory", "torch", "cannot import module"),
    ("{dir}/missing.pt2", "torch", "no such file"),
])
def test_bad_input_is_one_line_and_a_hint(factory_file: Path, capsys: pytest.CaptureFixture[str],
                                          model: str, target: str, message: str) -> None:
    spec = model.format(file=factory_file, dir=factory_file.parent)
    code, out, err = _explain(["explain", spec, "--target", target], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("hwsdk: error: "), err
    assert message in lines[0]
    assert lines[1].startswith("hint: ") and "Traceback" not in err + out


def test_run_compares_with_eager(subset_target: str, factory_file: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(["run", f"{factory_file}:with_dynamic", "-t", subset_target,
                               "--repeat", "3"], capsys)
    assert code == 0, err
    assert "max abs error vs eager: " in out and " OK" in out
    assert "ratio hwsdk/eager" in out and "over 3 interleaved rounds" in out
    assert f"{subset_target}" in out and "compiled" in out


def test_run_without_model_runs_the_bundled_default(subset_target: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(["run", "-t", subset_target, "--repeat", "1"], capsys)
    assert code == 0, err
    assert "partition plan for GPT" in out and "aten.topk.default" in out
    assert "integer outputs: " in out


def test_saved_program_is_a_model(subset_target: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    from hwsdk.models import build

    model, inputs = build("mlp")
    path = tmp_path / "mlp.pt2"
    torch.export.save(torch.export.export(model, inputs), str(path))
    code, out, err = _explain(["run", str(path), "-t", subset_target, "--repeat", "1"], capsys)
    assert code == 0, err
    assert "partition plan for mlp: 5 nodes" in out and " OK" in out


def test_saved_program_keeps_its_dynamic_dims(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    from hwsdk.models import build

    model, inputs = build("mlp")
    batch = torch.export.Dim("batch", min=1, max=128)
    path = tmp_path / "mlp_dynamic.pt2"
    torch.export.save(torch.export.export(model, inputs, dynamic_shapes=({0: batch},)),
                      str(path))
    code, out, err = _explain(["explain", str(path), "-t", "torch"], capsys)
    assert code == 0, err
    assert "[x_dim0, " in out and "dynamic" in out


def test_compile_out_without_aot(subset_target: str, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    code, out, err = _explain(["compile", "hwsdk.models.mlp:mlp", "-t", subset_target, "--out",
                               str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert f"target {subset_target} has no ahead-of-time output" in out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["schema"] == "hwsdk.aot-manifest"
    assert [r["aot"] for r in manifest["regions"]] == [False]
    assert (tmp_path / "out" / "plan.json").exists()


SAVING = '''
    def save(self, directory):
        (directory / "kernel.bin").write_bytes(b"\\x00" * 4)
        return ["kernel.bin"]

'''


def test_compile_out_calls_the_region_writer(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    source = subset_plugin_source("aot").replace("    def run(self, inputs, env):",
                                                 SAVING + "    def run(self, inputs, env):")
    write_distribution(tmp_path / "dist", "hwsdk-test-aot", "0.1", {"hwsdk_test_aot": source},
                       {"aot": "hwsdk_test_aot"})
    out_dir = tmp_path / "out"
    with installed(tmp_path / "dist"):
        code, out, err = _explain(["compile", "mlp", "-t", "aot", "--out", str(out_dir)],
                                  capsys)
    assert code == 0, err
    assert "saved ahead-of-time artifacts of 1 of 1 compiled regions" in out
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["regions"][0]["files"] == ["kernel.bin"]
    assert (out_dir / manifest["regions"][0]["dir"] / "kernel.bin").read_bytes() == b"\0" * 4


def test_preference_list(subset_target: str, factory_file: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(["explain", f"{factory_file}:factory", "-t",
                               f"{subset_target},torch", "--brief"], capsys)
    assert code == 0, err
    assert f"targets {subset_target} > torch" in out
    code, out, err = _explain(["explain", f"{factory_file}:factory", "-t",
                               f"{subset_target},nosuch"], capsys)
    assert code == 1 and "unknown target 'nosuch'" in err


WHOLE_MODEL = '''

class aot:  # stands in for a plugin's ``aot`` submodule
    @staticmethod
    def compile_artifact(plan, out_dir):
        import json, pathlib
        out = pathlib.Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.json").write_text(json.dumps({"target": plan.targets[0],
                                                       "model": plan.model_name}))
        return out / "manifest.json"
'''


def test_compile_out_prefers_the_whole_model_writer(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = subset_plugin_source("whole") + WHOLE_MODEL
    write_distribution(tmp_path / "dist", "hwsdk-test-whole", "0.1",
                       {"hwsdk_test_whole": source}, {"whole": "hwsdk_test_whole"})
    out_dir = tmp_path / "out"
    with installed(tmp_path / "dist"):
        code, out, err = _explain(["compile", "mlp", "-t", "whole", "--out", str(out_dir)],
                                  capsys)
    assert code == 0, err
    assert "ahead-of-time artifact for whole written to" in out
    assert json.loads((out_dir / "manifest.json").read_text()) == {"target": "whole",
                                                                   "model": "MLP"}


@pytest.mark.parametrize("command", ["run", "compile"])
def test_unavailable_target_is_refused_before_loading_the_model(
        command: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk.engines import ort_info
    from hwsdk.registry import reset_registry

    real = ort_info._version
    monkeypatch.setattr(ort_info, "_version", lambda d: None if d == "onnx" else real(d))
    monkeypatch.setattr("hwsdk.cli.model_cmds.prepare",
                        lambda *a: pytest.fail("the model was loaded"))
    reset_registry()
    try:
        code, _, err = _explain([command, "mlp", "-t", "cpu"], capsys)
    finally:
        monkeypatch.undo()
        reset_registry()
    assert code == 1
    assert "hwsdk: error: target cpu is unavailable here: onnx not installed" in err
