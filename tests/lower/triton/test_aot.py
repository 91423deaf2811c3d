"""Ahead-of-time artifacts built with no GPU, and the loader that refuses bad ones.

The default run builds a one-kernel model (linear + GELU + residual) for sm_80, sm_90, gfx90a
and gfx942 (a cold Triton compile takes seconds per kernel); ``HWSDK_AOT_FULL=1`` also builds
GPT-2 (row, matmul, attention and pointwise kernels) for all four.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from hwsdk.errors import TargetUnavailableError
from hwsdk.lower.triton.aot import compile_artifact
from hwsdk.lower.triton.aot_load import ArtifactError, load_artifact, verify_artifact
from hwsdk.partition.planner import plan_graph

ARCHS = ["nvidia:sm_80", "nvidia:sm_90", "rocm:gfx90a", "rocm:gfx942"]
pytest.importorskip("hwsdk_nvidia")
pytest.importorskip("hwsdk_rocm")


def tiny() -> tuple[Any, tuple[Any, ...]]:
    """Linear → GELU → residual add: one fused matmul kernel (Triton compiles take seconds)."""
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(24, 24)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.gelu(self.fc(x)) + x

    torch.manual_seed(0)
    return Tiny().eval(), (torch.randn(3, 5, 24),)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hwsdk.ir.capture import capture

    model, inputs = tiny()
    captured = capture(model, inputs)  # one capture, four targets
    root = tmp_path_factory.mktemp("aot")
    return {t: compile_artifact(plan_graph(captured, t), root / t.replace(":", "_")).parent
            for t in ARCHS}


@pytest.mark.parametrize("target", ARCHS)
def test_artifact_layout_and_manifest(artifacts: dict[str, Path], target: str) -> None:
    root = artifacts[target]
    manifest = verify_artifact(root)
    backend = "hip" if target.startswith("rocm") else "cuda"
    binary = "hsaco" if backend == "hip" else "cubin"
    assert manifest["target"] == target and manifest["backend"] == backend
    assert manifest["versions"]["triton"] and (root / "plan.json").is_file()
    names = [k for r in manifest["regions"] for k in r["kernels"]]
    assert len(names) == 1, "linear + gelu + add must be one fused kernel"
    for region in manifest["regions"]:
        program = json.loads((root / "regions" / region["id"] / "program.json").read_text())
        for launch in program["kernels"]:
            assert (root / "regions" / region["id"] / f"{launch['name']}.{binary}").stat().st_size
            assert launch["grid"] and launch["num_warps"] >= 1 and "shared" in launch
            assert f"def {launch['name']}(" in (
                root / "regions" / region["id"] / "kernels.py").read_text()
    assert all(len(h) == 64 for h in manifest["files"].values())


def _launches(root: Path, arch: str, device: str = "cpu"
              ) -> list[tuple[Any, tuple[int, ...], list[Any]]]:
    """The launches of every region on random CPU inputs, for regions loaded on ``device``
    (no GPU here: the launcher stops right before the launch)."""
    import torch

    from hwsdk.ir.dtypes import DType, to_torch

    loaded = load_artifact(root, arch=arch, device=device)
    model, _ = tiny()
    state = {f"p_{k.replace('.', '_')}": v for k, v in model.state_dict().items()}
    calls: list[tuple[Any, tuple[int, ...], list[Any]]] = []
    for rid in loaded.regions:
        program = json.loads((root / "regions" / rid / "program.json").read_text())
        values = {v: torch.randn(*t["shape"]).to(to_torch(DType(t["dtype"])))
                  for v, t in program["types"].items()}
        values.update({p: state[p] for p in program["params"] if p in state})
        outs = loaded.run_region(rid, values, launcher=lambda k, g, a: calls.append((k, g, a)))
        assert [tuple(o.shape) for o in outs] == [(3, 5, 24)]
        assert {str(o.device) for o in outs} == {device}
    return calls


def test_loaded_regions_declare_their_device(artifacts: dict[str, Path]) -> None:
    from hwsdk.lower.triton.region import _gpu_device

    loaded = load_artifact(artifacts["nvidia:sm_90"], arch="sm_90")
    assert {r.device for r in loaded.regions.values()} == {_gpu_device()}  # as TritonRegion
    # the declared device, not the first value's, is where inputs go and outputs are made:
    # CPU inputs reach the kernels on "meta", and the outputs come back there
    calls = _launches(artifacts["nvidia:sm_90"], "sm_90", device="meta")
    tensors = [a for _, _, args in calls for a in args if hasattr(a, "device")]
    assert tensors and {str(t.device) for t in tensors} == {"meta"}


def test_a_region_loaded_off_the_gpu_is_not_launched(artifacts: dict[str, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk.lower.triton.aot_load as aot_load

    monkeypatch.setattr(aot_load, "device_arch", lambda backend: "sm_90")  # as if a GPU were
    loaded = load_artifact(artifacts["nvidia:sm_90"], arch="sm_90", device="cpu")
    rid = next(iter(loaded.regions))
    with pytest.raises(TargetUnavailableError, match="launch on a GPU; load it with device="):
        loaded.run_region(rid, {})


@pytest.mark.parametrize("target", ["nvidia:sm_90", "rocm:gfx942"])
def test_loader_goes_up_to_the_launch(artifacts: dict[str, Path], target: str) -> None:
    root = artifacts[target]
    calls = _launches(root, target.partition(":")[2])
    assert calls
    for kernel, grid, args in calls:
        assert len(grid) in (1, 2, 3) and all(g >= 1 for g in grid)
        runtime = [n for n, t in kernel.signature.items() if t != "constexpr"]
        assert len(args) == len(runtime)  # exactly what Triton's launcher will receive
        assert kernel.compiled.metadata.num_warps == kernel.spec.num_warps
        arch = target.partition(":")[2].removeprefix("sm_")
        assert str(kernel.compiled.metadata.target.arch) == arch


def test_launch_without_gpu_is_refused_clearly(artifacts: dict[str, Path]) -> None:
    from hwsdk.lower.triton import device_available

    if device_available("hip"):
        pytest.skip("a ROCm GPU is present")
    loaded = load_artifact(artifacts["rocm:gfx942"], arch="gfx942")
    rid = next(iter(loaded.regions))
    with pytest.raises(TargetUnavailableError, match="verified and loaded"):
        loaded.run_region(rid, {})


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


def _reseal(root: Path, edit: Any) -> None:
    """Edit the manifest with ``edit(manifest)``, then rehash every listed file and the
    manifest itself: what a deliberate attacker (not an accident) would do."""
    import hashlib

    from hwsdk.lower.triton.aot import manifest_digest

    path = root / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    for rel in manifest["files"]:
        if (root / rel).is_file():
            manifest["files"][rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
    manifest["manifest_sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest))


def _outside_module(tmp_path: Path, root: Path) -> Path:
    """A kernels.py outside the artifact that leaves a marker file when imported."""
    marker = tmp_path / "imported"
    outside = tmp_path / "outside" / "r0"
    outside.mkdir(parents=True)
    shutil.copy(next(root.rglob("program.json")), outside / "program.json")
    (outside / "kernels.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    return marker


def test_region_id_leading_out_of_the_artifact_is_refused(artifacts: dict[str, Path],
                                                          tmp_path: Path) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path / "a" / "b")
    marker = _outside_module(tmp_path / "a", root)
    _reseal(root, lambda m: m["regions"][0].update(id="../../outside/r0"))
    with pytest.raises(ArtifactError, match=r"manifest.json is malformed: regions.0.id"):
        load_artifact(root, arch="sm_90")
    assert not marker.exists(), "code outside the artifact was executed"


def test_kernels_py_must_be_listed_and_hashed(artifacts: dict[str, Path],
                                              tmp_path: Path) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path)
    source = next(root.rglob("kernels.py"))
    rel = source.relative_to(root).as_posix()
    marker = tmp_path / "imported"
    source.write_text(f"open({str(marker)!r}, 'w').close()\n")
    source.rename(root / "stray.txt")

    def unlist(manifest: dict[str, Any]) -> None:
        del manifest["files"][rel]
    _reseal(root, unlist)
    (root / "stray.txt").unlink()
    with pytest.raises(ArtifactError, match=r"kernels.py is not listed"):
        load_artifact(root, arch="sm_90")
    assert not marker.exists()


@pytest.mark.parametrize("path", ["../outside.py", "/etc/hostname", "regions/../../x",
                                  "regions\\r0", ".hidden"])
def test_paths_outside_the_artifact_are_refused(artifacts: dict[str, Path], tmp_path: Path,
                                                path: str) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path / "a")
    (tmp_path / "outside.py").write_text("x = 1\n")
    _reseal(root, lambda m: m["files"].update({path: "0" * 64}))
    with pytest.raises(ArtifactError, match=r"manifest.json is malformed: files"):
        verify_artifact(root)


def test_links_out_of_the_artifact_are_refused(artifacts: dict[str, Path],
                                               tmp_path: Path) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path / "a")
    source = next(root.rglob("kernels.py"))
    outside = tmp_path / "kernels.py"
    shutil.move(source, outside)
    source.symlink_to(outside)
    with pytest.raises(ArtifactError, match=r"leads outside .* link"):
        verify_artifact(root)


def test_binary_path_in_program_json_is_checked(artifacts: dict[str, Path],
                                                tmp_path: Path) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path)
    program = next(root.rglob("program.json"))
    body = json.loads(program.read_text())
    body["kernels"][0]["binary"] = "../../../../etc/hostname"
    program.write_text(json.dumps(body))
    _reseal(root, lambda m: None)
    with pytest.raises(ArtifactError, match=r"program.json is malformed: kernels.0.binary"):
        load_artifact(root, arch="sm_90")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("backend", "hip", "do not agree"), ("target", "nvidia:sm_80", "do not agree"),
    ("warp_size", 64, "do not agree"), ("arch", "sm_80", "do not agree"),
])
def test_edited_manifest_fields_are_refused(artifacts: dict[str, Path], tmp_path: Path,
                                            field: str, value: Any, message: str) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path / "a")
    path = root / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, field: value}))
    with pytest.raises(ArtifactError, match=r"manifest.json was modified"):
        load_artifact(root, arch="sm_90")
    _reseal(root, lambda m: m.update({field: value}))  # consistent hash, inconsistent facts
    with pytest.raises(ArtifactError, match=message):
        load_artifact(root, arch="sm_90")


@pytest.mark.parametrize("text", ["{not json", "[]", '{"format": "hwsdk-triton-aot"}',
                                  "DROP", "REGIONS", "FILES", "EXTRA"])
def test_malformed_manifest_raises_artifact_error(artifacts: dict[str, Path], tmp_path: Path,
                                                  text: str) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    if text == "DROP":
        del manifest["regions"]
    elif text == "REGIONS":
        manifest["regions"] = [{"id": 3, "kernels": None}]
    elif text == "FILES":
        manifest["files"] = ["plan.json"]
    elif text == "EXTRA":
        manifest["run_me"] = "os.system"
    (root / "manifest.json").write_text(json.dumps(manifest) if text.isupper() else text)
    with pytest.raises(ArtifactError, match=r"rebuild|Rebuild"):
        load_artifact(root, arch="sm_90")


def test_malformed_program_json_raises_artifact_error(artifacts: dict[str, Path],
                                                      tmp_path: Path) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path)
    program = next(root.rglob("program.json"))
    body = json.loads(program.read_text())
    body["steps"] = [{"kind": "kernel", "index": 7}]
    program.write_text(json.dumps(body))
    _reseal(root, lambda m: None)
    with pytest.raises(ArtifactError, match=r"malformed step"):
        load_artifact(root, arch="sm_90")
    del body["kernels"][0]["shared"]
    program.write_text(json.dumps(body))
    _reseal(root, lambda m: None)
    with pytest.raises(ArtifactError, match=r"kernels.0.shared: Field required"):
        load_artifact(root, arch="sm_90")


def test_save_refuses_a_used_directory(tmp_path: Path) -> None:
    from hwsdk.errors import InvalidArgumentError
    from hwsdk.lower.triton.aot import Artifact

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgumentError, match="non-empty directory"):
        Artifact("nvidia:sm_90", "sm_90", None).save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_tampered_binary_is_refused(artifacts: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(artifacts["rocm:gfx942"], tmp_path)
    binary = next(root.rglob("*.hsaco"))
    data = bytearray(binary.read_bytes())
    data[len(data) // 2] ^= 0xFF
    binary.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"was modified: sha256"):
        load_artifact(root, arch="gfx942")


def test_tampered_source_and_added_files_are_refused(artifacts: dict[str, Path],
                                                     tmp_path: Path) -> None:
    root = _copy(artifacts["nvidia:sm_90"], tmp_path)
    source = next(root.rglob("kernels.py"))
    source.write_text(source.read_text() + "\n# edited\n")
    with pytest.raises(ArtifactError, match=r"kernels.py was modified"):
        verify_artifact(root)
    root2 = _copy(artifacts["nvidia:sm_90"], tmp_path / "b")
    (root2 / "regions" / "extra.cubin").write_bytes(b"\0")
    with pytest.raises(ArtifactError, match="not in the manifest"):
        verify_artifact(root2)


def test_other_arch_or_triton_is_refused(artifacts: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"built for rocm:gfx942 .* this device is gfx90a"):
        load_artifact(artifacts["rocm:gfx942"], arch="gfx90a")
    with pytest.raises(ArtifactError, match=r"this device is sm_80"):
        load_artifact(artifacts["nvidia:sm_90"], arch="sm_80")
    root = _copy(artifacts["nvidia:sm_90"], tmp_path)
    _reseal(root, lambda m: m["versions"].update(triton="0.0.1"))
    with pytest.raises(ArtifactError, match=r"built with Triton 0.0.1"):
        load_artifact(root, arch="sm_90")


@pytest.mark.skipif(not os.environ.get("HWSDK_AOT_FULL"), reason="set HWSDK_AOT_FULL=1 "
                    "to build GPT-2 (attention included) for all four archs (~2 min cold)")
@pytest.mark.parametrize("target", ARCHS)
def test_gpt2_artifacts_full(target: str, tmp_path: Path) -> None:
    from hwsdk.ir.capture import capture
    from tests.models import gpt2

    model, inputs = gpt2(batch=1, seq=8)
    root = compile_artifact(plan_graph(capture(model, inputs), target), tmp_path).parent
    manifest = verify_artifact(root)
    families = {k["family"] for p in root.rglob("program.json")
                for k in json.loads(p.read_text())["kernels"]}
    assert {"gather", "row", "matmul", "attention"} <= families  # embeddings too: one region
    assert manifest["arch"] == target.partition(":")[2]


def _every_variant() -> list[str]:
    from hwsdk_nvidia.archs import ARCHS as NV
    from hwsdk_rocm.archs import ARCHS as AMD

    return [*NV, *AMD]


@pytest.mark.parametrize("arch", _every_variant())
def test_installed_triton_compiles_every_declared_variant(arch: str) -> None:
    """The plugins declare only archs the installed Triton can compile for."""
    import torch

    from hwsdk.lower.triton import build_program
    from hwsdk.lower.triton.aot import _compile_kernel, gpu_target, kernel_signature
    from hwsdk.lower.triton.loader import load_module
    from tests.lower.triton.conftest import Build

    b = Build()
    x = b.input(torch.randn(4, 8))
    g = b.graph([b.op("relu", b.op("add", x, x))])
    program = build_program(g, g.nodes, g.inputs, g.outputs, arch)
    spec = program.kernels[0]
    ck = _compile_kernel(spec, load_module(program.source, emulate=False),
                         kernel_signature(spec, g.types), arch)
    backend = gpu_target(arch)[0]
    assert ("hsaco" if backend == "hip" else "cubin") in ck.asm


@pytest.mark.parametrize(("dtype", "arch"), [("f8e4m3fn", "sm_89"), ("f8e5m2", "sm_90"),
                                             ("f8e4m3fnuz", "gfx942"), ("f8e5m2fnuz", "gfx942")])
def test_fp8_casts_compile_where_the_table_says_yes(dtype: str, arch: str) -> None:
    """fp8 enters and leaves kernels through cast; the compilers accept it on these archs.
    (Its numerics are a GPU-run fact: Triton's interpreter rounds fp8 ties differently and does
    not saturate, so emulation cannot check them.)"""
    import torch

    from hwsdk.lower.triton import build_program
    from hwsdk.lower.triton.aot import _compile_kernel, kernel_signature
    from hwsdk.lower.triton.loader import load_module
    from tests.lower.triton.conftest import Build

    b = Build()
    x = b.input(torch.randn(4, 37))
    c = b.op("cast", x, dtype=dtype)
    g = b.graph([c, b.op("cast", c, dtype="f32")])
    program = build_program(g, g.nodes, g.inputs, g.outputs, arch)
    spec = program.kernels[0]
    ck = _compile_kernel(spec, load_module(program.source, emulate=False),
                         kernel_signature(spec, g.types), arch)
    assert ck.metadata.name == spec.name


def test_compile_option_aot_saves_through_the_cli_convention(tmp_path: Path) -> None:
    """``hwsdk.compile(..., aot=True)`` builds binaries without a GPU; each region's
    ``save(dir)`` (what ``hwsdk compile --out`` calls) writes a loadable artifact."""
    import hwsdk
    from hwsdk.cli.artifacts import save_artifacts
    from hwsdk.lower.triton import device_available

    model, inputs = tiny()
    compiled = hwsdk.compile(model, inputs, target="rocm:gfx942", aot=True)
    region = next(r for r in compiled.plan.regions if r.target == "rocm:gfx942")
    assert region.details["aot"] is True and region.details["num_kernels"] == 1
    lines = save_artifacts(compiled, tmp_path)
    assert "saved ahead-of-time artifacts of 1" in lines[0]
    loaded = load_artifact(tmp_path / region.id, arch="gfx942")
    assert list(loaded.regions) == [region.id]
    if not device_available("hip"):
        with pytest.raises(TargetUnavailableError, match="compiled ahead of time"):
            compiled(*inputs)
