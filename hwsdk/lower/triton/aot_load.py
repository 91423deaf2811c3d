"""Load an ahead-of-time artifact (see :mod:`hwsdk.lower.triton.aot`) and launch its kernels.

The loader trusts nothing it has not checked: the manifest's format, the sha256 of every file
(and no unlisted files), the Triton version the binaries were built with, and the GPU arch,
both against the device (or the arch the caller names) and against Triton's own metadata.
Any mismatch raises :class:`ArtifactError` saying which file or fact, and how to fix it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hwsdk.errors import HwsdkError, TargetUnavailableError
from hwsdk.ir.graph import Node
from hwsdk.lower.triton.aot import FORMAT, FORMAT_VERSION
from hwsdk.lower.triton.kernels import KernelSpec

__all__ = ["ArtifactError", "LoadedArtifact", "LoadedKernel", "verify_artifact",
           "load_artifact", "device_arch"]

Launcher = Callable[["LoadedKernel", tuple[int, ...], list[Any]], None]


class ArtifactError(HwsdkError):
    """An AOT artifact is tampered with, incomplete, or built for another arch or Triton."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_artifact(root: str | Path) -> dict[str, Any]:
    """Check format, file hashes and the Triton version; returns the manifest.

    :raises ArtifactError: naming the first problem.
    """
    root = Path(root)
    path = root / "manifest.json"
    if not path.is_file():
        raise ArtifactError(f"{root} is not an hwsdk AOT artifact: manifest.json is missing")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: format {manifest.get('format')!r} v{manifest.get('format_version')}; "
            f"this hwsdk reads {FORMAT} v{FORMAT_VERSION}; rebuild the artifact")
    listed = manifest.get("files", {})
    for rel, digest in sorted(listed.items()):
        file = root / rel
        if not file.is_file():
            raise ArtifactError(f"artifact file {rel} is missing from {root}")
        actual = _sha256(file)
        if actual != digest:
            raise ArtifactError(
                f"artifact file {rel} was modified: sha256 {actual[:16]}… does not match the "
                f"manifest's {digest[:16]}…; refusing to load it. Rebuild the artifact.")
    extra = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                   if p.is_file() and str(p.relative_to(root)) != "manifest.json"
                   and str(p.relative_to(root)) not in listed)
    if extra:
        raise ArtifactError(f"files not in the manifest were added to {root}: {extra}")
    from importlib import metadata

    built = manifest.get("versions", {}).get("triton")
    here = metadata.version("triton")
    if built != here:
        raise ArtifactError(
            f"artifact was built with Triton {built}, this machine has Triton {here}; kernel "
            "binaries and launchers must come from the same Triton. Rebuild the artifact here "
            f"or install triton=={built}.")
    return dict(manifest)


def device_arch(backend: str) -> str | None:
    """The arch of GPU 0 (``"sm_90"``, ``"gfx942"``), or None without such a device."""
    from hwsdk.lower.triton.region import device_available

    if not device_available(backend):
        return None
    import torch

    if backend == "hip":
        return str(torch.cuda.get_device_properties(0).gcnArchName).split(":")[0]
    major, minor = torch.cuda.get_device_capability(0)
    return f"sm_{major}{minor}"


@dataclass
class LoadedKernel:
    """A kernel binary with its launch rules; ``compiled`` is Triton's CompiledKernel."""

    spec: KernelSpec
    compiled: Any
    shared: int
    signature: dict[str, str]
    out_types: dict[str, dict[str, Any]]


@dataclass
class LoadedRegion:
    id: str
    inputs: list[str]
    outputs: list[str]
    steps: list[dict[str, Any]]
    kernels: dict[str, LoadedKernel] = field(default_factory=dict)


def _spec(data: Mapping[str, Any]) -> KernelSpec:
    names = {f.name for f in fields(KernelSpec)}
    return KernelSpec(**{k: v for k, v in data.items() if k in names and k != "source"},
                      source="")


def _compiled_kernel(rdir: Path, launch: Mapping[str, Any], module: Any, arch: str) -> Any:
    from triton.compiler import ASTSource
    from triton.compiler.compiler import CompiledKernel

    name = launch["name"]
    meta = rdir / f"{name}.json"
    built_for = json.loads(meta.read_text()).get("target", {}).get("arch")
    if str(built_for) != arch.removeprefix("sm_"):
        raise ArtifactError(f"{meta}: Triton metadata says arch {built_for}, the manifest {arch}")
    src = ASTSource(getattr(module, name), dict(launch["signature"]),
                    dict(launch["constexprs"]))
    binary = rdir / launch["binary"]
    group = {f"{launch['triton_name']}.json": str(meta),
             f"{launch['triton_name']}{binary.suffix}": str(binary)}
    return CompiledKernel(src, group, _sha256(binary))


def default_launcher(kernel: LoadedKernel, grid: tuple[int, ...], args: list[Any]) -> None:
    """Launch through Triton's driver (needs the GPU)."""
    kernel.compiled[grid](*args)


@dataclass
class LoadedArtifact:
    """A verified artifact with its kernels loaded (binaries are uploaded on first launch)."""

    root: Path
    manifest: dict[str, Any]
    regions: dict[str, LoadedRegion]

    @property
    def arch(self) -> str:
        return str(self.manifest["arch"])

    def run_region(self, rid: str, values: dict[str, Any], env: Mapping[str, int] | None = None,
                   launcher: Launcher | None = None) -> list[Any]:
        """Run region ``rid`` on ``values`` (its inputs and params, as device tensors).

        :param launcher: called as ``launcher(kernel, grid, args)`` instead of launching on
            the device (tests use it to stop right before the launch).
        :raises TargetUnavailableError: launching without a GPU of the artifact's backend.
        """
        from hwsdk.ir.dtypes import DType, to_torch
        from hwsdk.lower.eager import run_node
        from hwsdk.lower.triton.launch import dims, kernel_args, kernel_grid

        if launcher is None:
            if device_arch(self.manifest["backend"]) is None:
                raise TargetUnavailableError(
                    f"artifact {self.root} ({self.manifest['target']}) is verified and loaded, "
                    f"but launching needs a {self.manifest['backend']} GPU, and none is visible")
            launcher = default_launcher
        import torch

        env = dict(env or {})
        region = self.regions[rid]
        device = next((v.device for v in values.values() if hasattr(v, "device")), "cpu")
        for step in region.steps:
            if step["kind"] == "view":
                node = Node.from_json(step["node"])
                args = [values[v] if v else None for v in node.inputs]
                values.update(zip(node.outputs, run_node(node, args, env), strict=False))
                continue
            kernel = list(region.kernels.values())[step["index"]]
            for name, t in kernel.out_types.items():
                values[name] = torch.empty(dims(t["shape"], env), device=device,
                                           dtype=to_torch(DType(t["dtype"])))
            launcher(kernel, kernel_grid(kernel.spec, env), kernel_args(kernel.spec, values, env))
        return [values[v] for v in region.outputs]


def load_artifact(root: str | Path, *, arch: str | None = None) -> LoadedArtifact:
    """Verify an artifact and load its kernels for launching.

    :param arch: the arch to run on; default: GPU 0's arch, or no arch check without a GPU.
    :raises ArtifactError: tampered files, another Triton, or another arch.
    """
    from hwsdk.lower.triton.loader import load_module

    root = Path(root)
    manifest = verify_artifact(root)
    want = arch or device_arch(manifest["backend"])
    if want is not None and want != manifest["arch"]:
        raise ArtifactError(
            f"artifact {root} was built for {manifest['target']} ({manifest['arch']}); this "
            f"device is {want}. Build one with --target "
            f"{manifest['target'].partition(':')[0]}:{want}.")
    regions: dict[str, LoadedRegion] = {}
    for entry in manifest["regions"]:
        rdir = root / "regions" / entry["id"]
        program = json.loads((rdir / "program.json").read_text())
        module = load_module((rdir / "kernels.py").read_text(), emulate=False)
        region = LoadedRegion(entry["id"], program["inputs"], program["outputs"],
                              program["steps"])
        for launch in program["kernels"]:
            spec = _spec(launch)
            region.kernels[spec.name] = LoadedKernel(
                spec, _compiled_kernel(rdir, launch, module, manifest["arch"]),
                int(launch["shared"]), dict(launch["signature"]), dict(launch["out_types"]))
        regions[entry["id"]] = region
    return LoadedArtifact(root, manifest, regions)

