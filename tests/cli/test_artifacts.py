"""``hwsdk compile --out DIR``: a used directory is refused unless it is an older artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hwsdk.cli import main
from hwsdk.cli.artifacts import prepare_out_dir
from hwsdk.errors import InvalidArgumentError


def _triton_artifact(out: Path, *extra: str) -> None:
    (out / "regions" / "r0").mkdir(parents=True)
    files = ["plan.json", "regions/r0/kernels.py", "regions/r0/program.json"]
    for rel in [*files, *extra]:
        (out / rel).write_text("x")
    (out / "manifest.json").write_text(json.dumps(
        {"format": "hwsdk-triton-aot", "format_version": 1,
         "files": {rel: "0" * 64 for rel in files}}))


def test_absent_or_empty_directories_are_used_as_they_are(tmp_path: Path) -> None:
    assert prepare_out_dir(tmp_path / "new") is None and not (tmp_path / "new").exists()
    assert prepare_out_dir(tmp_path) is None


def test_other_files_are_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgumentError, match=r"not an hwsdk artifact \(it holds "
                                                   r"notes.txt\)"):
        prepare_out_dir(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(InvalidArgumentError, match="is a file"):
        prepare_out_dir(tmp_path / "notes.txt")


def test_an_older_triton_artifact_is_replaced(tmp_path: Path) -> None:
    _triton_artifact(tmp_path)
    assert prepare_out_dir(tmp_path, remove=False) is None
    assert (tmp_path / "regions" / "r0" / "kernels.py").is_file()
    assert prepare_out_dir(tmp_path) == f"replaced the older hwsdk artifact in {tmp_path} " \
                                        "(4 files)"
    assert list(tmp_path.iterdir()) == []


def test_an_artifact_with_added_files_is_refused_whole(tmp_path: Path) -> None:
    _triton_artifact(tmp_path, "regions/r0/mine.txt")
    with pytest.raises(InvalidArgumentError, match=r"regions/r0/mine.txt"):
        prepare_out_dir(tmp_path)
    assert (tmp_path / "manifest.json").is_file() and (tmp_path / "plan.json").is_file()


def test_save_artifacts_replaces_an_older_artifact_and_refuses_other_files(
        tmp_path: Path) -> None:
    import torch

    import hwsdk
    from hwsdk.cli.artifacts import save_artifacts

    model = torch.nn.Sequential(torch.nn.Linear(4, 4)).eval()
    compiled = hwsdk.compile(model, (torch.randn(2, 4),), target="cpu")
    _triton_artifact(tmp_path)
    lines = save_artifacts(compiled, tmp_path)
    assert lines[0].startswith("replaced the older hwsdk artifact")
    assert not (tmp_path / "regions").exists()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgumentError, match=r"notes\.txt"):
        save_artifacts(compiled, tmp_path)


def test_compile_out_twice_replaces_the_first_artifact(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["compile", "mlp", "-t", "cpu", "--out", str(out)]) == 0
    first = json.loads((out / "manifest.json").read_text())
    assert main(["compile", "mlp", "-t", "cpu", "--out", str(out)]) == 0
    assert "replaced the older hwsdk artifact" in capsys.readouterr().out
    assert json.loads((out / "manifest.json").read_text()) == first
    (out / "notes.txt").write_text("mine")
    assert main(["compile", "mlp", "-t", "cpu", "--out", str(out)]) == 1
    assert "not an hwsdk artifact (it holds notes.txt)" in capsys.readouterr().err
