"""Load an ahead-of-time artifact (see :mod:`hwsdk.lower.triton.aot`) and launch its kernels.

The loader trusts nothing it has not checked, and checks everything before it imports or runs
anything: every manifest field (:mod:`~hwsdk.lower.triton.aot_schema`; the manifest's own
fields are hashed too), that every path stays inside the artifact, the sha256 of every file
(``kernels.py`` included; no unlisted files), each ``program.json``, the Triton version the
binaries were built with, and the GPU arch, both against the device (or the arch the caller
names) and against Triton's own metadata. Any problem raises :class:`ArtifactError` saying
which file or fact, and how to fix it.

The hashes check integrity (nothing changed since the build), not authenticity (who built
it): an artifact is code. Load only artifacts you trust.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hwsdk.errors import HwsdkError, TargetUnavailableError
from hwsdk.ir.graph import Node
from hwsdk.lower.triton.aot import FORMAT, FORMAT_VERSION
from hwsdk.lower.triton.kernels import KernelSpec

__all__ = ["ArtifactError", "LoadedArtifact", "LoadedKernel", "verify_artifact",
           "load_artifact", "device_arch"]

if TYPE_CHECKING:
    from pydantic import BaseModel

_M = TypeVar("_M", bound="BaseModel")
Launcher = Callable[["LoadedKernel", tuple[int, ...], list[Any]], None]


class ArtifactError(HwsdkError):
    """An AOT artifact is tampered with, incomplete, or built for another arch or Triton."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{where} is not valid JSON ({exc}); rebuild the artifact") from None


def _validated(model: type[_M], data: Any, where: str) -> _M:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}"
                             for e in exc.errors()[:5])
        raise ArtifactError(f"{where} is malformed: {problems}. Rebuild the artifact.") \
            from None


def _inside(root: Path, rel: str) -> Path:
    """``root / rel``, refusing anything that resolves outside ``root`` (``..``, absolute
    paths, symbolic links pointing out)."""
    path = root / rel
    base = root.resolve()
    if not path.resolve().is_relative_to(base) or path.is_symlink():
        raise ArtifactError(f"artifact path {rel!r} leads outside {root} (or is a link); "
                            "refusing the artifact")
    return path


def _read_listed(root: Path, manifest: Any, rel: str) -> bytes:
    """The bytes of ``rel``, which the manifest must list, checked against its sha256 as read
    (what is checked is exactly what is then parsed or imported)."""
    digest = manifest.files.get(rel)
    if digest is None:
        raise ArtifactError(f"artifact file {rel} is not listed in {root / 'manifest.json'}; "
                            "every file must be listed and hashed. Rebuild the artifact.")
    path = _inside(root, rel)
    if not path.is_file():
        raise ArtifactError(f"artifact file {rel} is missing from {root}")
    data = path.read_bytes()
    actual = _sha256(data)
    if actual != digest:
        raise ArtifactError(
            f"artifact file {rel} was modified: sha256 {actual[:16]}… does not match the "
            f"manifest's {digest[:16]}…; refusing to load it. Rebuild the artifact.")
    return data


def _check_manifest(root: Path, raw: Any) -> Any:
    from hwsdk.lower.triton.aot import gpu_target
    from hwsdk.lower.triton.aot_schema import Manifest, manifest_digest

    where = str(root / "manifest.json")
    if not isinstance(raw, dict):
        raise ArtifactError(f"{where} is not a JSON object; rebuild the artifact")
    if raw.get("format") != FORMAT or raw.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{where}: format {raw.get('format')!r} v{raw.get('format_version')}; "
            f"this hwsdk reads {FORMAT} v{FORMAT_VERSION}; rebuild the artifact")
    manifest = _validated(Manifest, raw, where)
    if manifest_digest(raw) != manifest.manifest_sha256:
        raise ArtifactError(f"{where} was modified (its fields no longer match its "
                            "manifest_sha256); refusing to load it. Rebuild the artifact.")
    backend, _, warp = gpu_target(manifest.arch)
    if (manifest.target.partition(":")[2] != manifest.arch or manifest.backend != backend
            or manifest.warp_size != warp):
        raise ArtifactError(
            f"{where}: target {manifest.target}, arch {manifest.arch}, backend "
            f"{manifest.backend} and warp size {manifest.warp_size} do not agree; rebuild it")
    ids = [r.id for r in manifest.regions]
    if len(set(ids)) != len(ids):
        raise ArtifactError(f"{where} lists a region twice: {ids}")
    return manifest


def verify_artifact(root: str | Path) -> dict[str, Any]:
    """Check the manifest (every field), every file's sha256 (and no unlisted files), that
    every path stays inside ``root``, and the Triton version; returns the manifest.

    The hashes check integrity, not authenticity: anyone can rebuild a consistent artifact,
    and an artifact is code. Load only artifacts you trust.

    :raises ArtifactError: naming the first problem.
    """
    root = Path(root)
    path = root / "manifest.json"
    if not path.is_file() or path.is_symlink():
        raise ArtifactError(f"{root} is not an hwsdk AOT artifact: manifest.json is missing")
    raw = _json(path.read_bytes(), str(path))
    manifest = _check_manifest(root, raw)
    for rel in sorted(manifest.files):
        _read_listed(root, manifest, rel)
    present = {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}
    extra = sorted(present - set(manifest.files) - {"manifest.json"})
    if extra:
        raise ArtifactError(f"files not in the manifest were added to {root}: {extra}")
    from importlib import metadata

    built = manifest.versions.get("triton")
    here = metadata.version("triton")
    if built != here:
        raise ArtifactError(
            f"artifact was built with Triton {built}, this machine has Triton {here}; kernel "
            "binaries and launchers must come from the same Triton. Rebuild the artifact here "
            f"or install triton=={built}.")
    return dict(raw)


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
    """One region of a loaded artifact. Its kernels read their inputs and write their outputs
    on :attr:`device`, as a compiled region declares it (:mod:`hwsdk.runtime.transfers`)."""

    id: str
    inputs: list[str]
    outputs: list[str]
    steps: list[dict[str, Any]]
    device: str
    """The torch device every value of the region lives on (``cuda:0``; ROCm's too)."""
    kernels: dict[str, LoadedKernel] = field(default_factory=dict)

    def from_torch(self, tensor: Any) -> Any:
        """``tensor`` on :attr:`device` (no copy when it is there already)."""
        return tensor.to(self.device) if hasattr(tensor, "to") else tensor


def _spec(data: Mapping[str, Any]) -> KernelSpec:
    names = {f.name for f in fields(KernelSpec)}
    return KernelSpec(**{k: v for k, v in data.items() if k in names and k != "source"},
                      source="")


def _compiled_kernel(root: Path, rdir: str, launch: Any, module: Any) -> Any:
    from triton.compiler import ASTSource
    from triton.compiler.compiler import CompiledKernel

    src = ASTSource(getattr(module, launch.name), dict(launch.signature),
                    dict(launch.constexprs))
    binary = root / rdir / launch.binary
    group = {f"{launch.triton_name}.json": str(root / rdir / f"{launch.name}.json"),
             f"{launch.triton_name}{binary.suffix}": str(binary)}
    return CompiledKernel(src, group, _sha256(binary.read_bytes()))


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
        """Run region ``rid`` on ``values`` (its inputs and params, by name). Values not on
        the region's :attr:`~LoadedRegion.device` are moved there first; its outputs are
        allocated there and returned there.

        :param launcher: called as ``launcher(kernel, grid, args)`` instead of launching on
            the device (tests use it to stop right before the launch).
        :raises TargetUnavailableError: launching without a GPU of the artifact's backend, or
            on a region loaded for a device that is not a GPU.
        """
        from hwsdk.ir.dtypes import DType, to_torch
        from hwsdk.ir.eager import run_node
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
        if launcher is default_launcher and not region.device.startswith("cuda"):
            raise TargetUnavailableError(
                f"artifact {self.root}: region {rid} was loaded for device {region.device!r}, "
                "but its kernels launch on a GPU; load it with device='cuda:N' (the default)")
        device = region.device
        values = {name: region.from_torch(v) for name, v in values.items()}
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


@dataclass
class _CheckedRegion:
    """A region whose every file was read, hashed and validated, before anything runs."""

    id: str
    dir: str
    source: str
    program: Any
    steps: list[dict[str, Any]]


def _check_steps(steps: list[dict[str, Any]], n_kernels: int, where: str) -> None:
    for step in steps:
        if step.get("kind") == "kernel" and set(step) == {"kind", "index"} and isinstance(
                step["index"], int) and 0 <= step["index"] < n_kernels:
            continue
        if step.get("kind") == "view" and set(step) == {"kind", "node"}:
            try:
                Node.from_json(step["node"])
                continue
            except (HwsdkError, KeyError, TypeError, ValueError) as exc:
                raise ArtifactError(f"{where}: a view step's node is malformed ({exc}); "
                                    "rebuild the artifact") from None
        raise ArtifactError(f"{where}: malformed step {str(step)[:80]}; rebuild the artifact")


def _check_region(root: Path, manifest: Any, entry: Any) -> _CheckedRegion:
    from hwsdk.lower.triton.aot_schema import ProgramFile

    rdir = f"regions/{entry.id}"
    source = _read_listed(root, manifest, f"{rdir}/kernels.py").decode("utf-8", "replace")
    where = f"{root}/{rdir}/program.json"
    program = _validated(ProgramFile, _json(_read_listed(root, manifest, f"{rdir}/program.json"),
                                            where), where)
    if [k.name for k in program.kernels] != list(entry.kernels):
        raise ArtifactError(f"{where} defines kernels {[k.name for k in program.kernels]}, the "
                            f"manifest lists {entry.kernels}; rebuild the artifact")
    ext = "hsaco" if manifest.backend == "hip" else "cubin"
    arch = manifest.arch.removeprefix("sm_")
    for launch in program.kernels:
        if launch.binary != f"{launch.name}.{ext}":
            raise ArtifactError(f"{where}: kernel {launch.name}'s binary must be "
                                f"{launch.name}.{ext}, not {launch.binary!r}")
        _read_listed(root, manifest, f"{rdir}/{launch.binary}")
        meta_rel = f"{rdir}/{launch.name}.json"
        meta = _json(_read_listed(root, manifest, meta_rel), meta_rel)
        built = meta.get("target") if isinstance(meta, dict) else None
        facts = ((built or {}).get("backend"), str((built or {}).get("arch")),
                 (built or {}).get("warp_size")) if isinstance(built, dict) else None
        if facts != (manifest.backend, arch, manifest.warp_size):
            raise ArtifactError(
                f"{meta_rel}: Triton metadata says (backend, arch, warp size) {facts}, the "
                f"manifest ({manifest.backend}, {arch}, {manifest.warp_size}); rebuild it")
    _check_steps(program.steps, len(program.kernels), where)
    return _CheckedRegion(entry.id, rdir, source, program, program.steps)


def load_artifact(root: str | Path, *, arch: str | None = None,
                  device: str | None = None) -> LoadedArtifact:
    """Verify an artifact and load its kernels for launching.

    Every file is read, hashed and validated (:func:`verify_artifact`, then each region's
    source, program and Triton metadata) before any generated source is imported. The hashes
    check integrity, not authenticity: an artifact is code; load only artifacts you trust.

    :param arch: the arch to run on; default: GPU 0's arch, or no arch check without a GPU.
    :param device: the torch device the regions declare and their values live on; default:
        the GPU the kernels launch on (torch's current ``cuda`` device; ``cuda:0`` when none
        is visible), as :class:`~hwsdk.lower.triton.region.TritonRegion` declares it.
    :raises ArtifactError: tampered, malformed or unlisted files, paths leading out of
        ``root``, another Triton, or another arch.
    """
    from hwsdk.lower.triton.loader import load_module
    from hwsdk.lower.triton.region import _gpu_device

    root = Path(root)
    raw = verify_artifact(root)
    manifest = _check_manifest(root, raw)
    want = arch or device_arch(manifest.backend)
    if want is not None and want != manifest.arch:
        raise ArtifactError(
            f"artifact {root} was built for {manifest.target} ({manifest.arch}); this "
            f"device is {want}. Build one with --target "
            f"{manifest.target.partition(':')[0]}:{want}.")
    checked = [_check_region(root, manifest, entry) for entry in manifest.regions]
    regions: dict[str, LoadedRegion] = {}
    for region in checked:
        module = load_module(region.source, emulate=False)
        loaded = LoadedRegion(region.id, list(region.program.inputs),
                              list(region.program.outputs), region.steps,
                              device or _gpu_device())
        for launch in region.program.kernels:
            spec = _spec(launch.model_dump())
            loaded.kernels[spec.name] = LoadedKernel(
                spec, _compiled_kernel(root, region.dir, launch, module), launch.shared,
                dict(launch.signature), dict(launch.out_types))
        regions[region.id] = loaded
    return LoadedArtifact(root, raw, regions)
