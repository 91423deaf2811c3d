"""Ahead-of-time artifacts: compile a model's Triton kernels to cubin/hsaco with no GPU here.

Python API (the CLI's ``hwsdk compile MODEL --target rocm:gfx942 --out DIR`` calls it with
the plan it made; a backend builds from a plan and never plans itself)::

    from hwsdk.lower.triton.aot import build_artifact, load_artifact
    plan = plan_graph(capture(model, example_inputs), "rocm:gfx942")  # hwsdk.partition.planner
    artifact = build_artifact(plan)
    manifest_path = artifact.save("out/")            # or compile_artifact(plan, out_dir)
    loaded = load_artifact("out/", device_arch="gfx942")  # verifies, then loads kernels

Layout of an artifact directory::

    manifest.json              target, arch, versions, sha256 of every other file and of
                               its own fields
    plan.json                  the partition plan (what runs where, and why)
    regions/<rid>/kernels.py   the generated Triton source of the region
    regions/<rid>/program.json steps (torch views and kernels) and each kernel's launch
                               metadata: argument rules, grid rule, num_warps, num_stages,
                               shared memory, signature, constexprs
    regions/<rid>/<kernel>.<cubin|hsaco>, .json (Triton's metadata), .ptx / .amdgcn

Weights are not copied: the loader runs a region's kernels on tensors the caller provides.

The hashes check integrity (nothing changed or was added since the build), not authenticity:
anyone can write a consistent artifact, and an artifact is code (``kernels.py`` is imported).
Load only artifacts you trust.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from hwsdk.errors import InvalidArgumentError
from hwsdk.ir.dtypes import DType
from hwsdk.lower.triton.kernels import KernelSpec
from hwsdk.lower.triton.program import Program, build_program


def manifest_digest(manifest: dict[str, Any]) -> str:
    """See :func:`hwsdk.lower.triton.aot_schema.manifest_digest` (pydantic loads only there)."""
    from hwsdk.lower.triton.aot_schema import manifest_digest as digest

    return digest(manifest)

__all__ = ["FORMAT", "FORMAT_VERSION", "gpu_target", "kernel_signature", "Artifact",
           "build_artifact", "compile_artifact", "add_region", "version_info"]

FORMAT = "hwsdk-triton-aot"
FORMAT_VERSION = 2
"""2: the manifest hashes its own fields (``manifest_sha256``); 1 did not."""

_PTR = {DType.f32: "*fp32", DType.f16: "*fp16", DType.bf16: "*bf16", DType.f8e4m3fn: "*fp8e4nv",
        DType.f8e5m2: "*fp8e5", DType.f8e4m3fnuz: "*fp8e4b8", DType.f8e5m2fnuz: "*fp8e5b16",
        DType.i64: "*i64", DType.i32: "*i32", DType.i16: "*i16", DType.i8: "*i8",
        DType.u8: "*u8", DType.bool: "*i1"}


def gpu_target(arch: str) -> tuple[str, str | int, int]:
    """Triton's (backend, arch, warp size) for ``"sm_90"`` or ``"gfx942"``."""
    if arch.startswith("sm_"):
        return "cuda", int(arch[3:]), 32
    if arch.startswith("gfx"):
        return "hip", arch, 32 if arch.startswith("gfx1") else 64
    raise ValueError(f"unknown GPU arch {arch!r}: expected sm_NN (NVIDIA) or gfxNNN (AMD)")


def kernel_signature(spec: KernelSpec, types: dict[str, Any]) -> dict[str, str]:
    """Triton signature of a kernel: pointer element types, i32 ints, constexprs."""
    sig: dict[str, str] = {}
    for name, arg in zip(spec.params, spec.args, strict=True):
        sig[name] = _PTR[types[arg["value"]].dtype] if arg["kind"] == "ptr" else "i32"
    for name in spec.constexprs:
        sig[name] = "constexpr"
    return sig


def version_info() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("hwsdk", "triton", "torch"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Artifact:
    """Compiled kernels of every region placed on one GPU target, ready to :meth:`save`."""

    target: str
    arch: str
    plan_json: str | None
    programs: dict[str, Program] = field(default_factory=dict)
    compiled: dict[str, dict[str, Any]] = field(default_factory=dict)
    signatures: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    out_types: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    boundary: dict[str, dict[str, Any]] = field(default_factory=dict)

    def save(self, out_dir: str | Path) -> Path:
        """Write the artifact into ``out_dir``, which must be absent or empty (leftover files
        would make the artifact unloadable); returns the manifest's path.

        :raises InvalidArgumentError: when ``out_dir`` is a file or a non-empty directory.
        """
        out = Path(out_dir)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InvalidArgumentError(
                f"cannot save an artifact into {out}: it is "
                f"{'a non-empty directory' if out.is_dir() else 'not a directory'}; choose a "
                "new or empty directory (`hwsdk compile --out` replaces an older artifact)")
        out.mkdir(parents=True, exist_ok=True)
        backend, _, warp = gpu_target(self.arch)
        files: list[Path] = []
        if self.plan_json is not None:
            files.append(out / "plan.json")
            (out / "plan.json").write_text(self.plan_json)
        regions = []
        for rid, program in self.programs.items():
            rdir = out / "regions" / rid
            rdir.mkdir(parents=True, exist_ok=True)
            (rdir / "kernels.py").write_text(program.source)
            files.append(rdir / "kernels.py")
            kernels = []
            for spec in program.kernels:
                ck = self.compiled[rid][spec.name]
                for ext in ("cubin", "hsaco", "ptx", "amdgcn"):
                    if ext in ck.asm:
                        data = ck.asm[ext]
                        path = rdir / f"{spec.name}.{ext}"
                        path.write_bytes(data if isinstance(data, bytes) else data.encode())
                        files.append(path)
                meta_src = next(Path(p) for n, p in ck.metadata_group.items()
                                if n.endswith(".json"))
                (rdir / f"{spec.name}.json").write_text(meta_src.read_text())
                files.append(rdir / f"{spec.name}.json")
                launch = {k: v for k, v in spec.to_json().items() if k != "source"}
                launch.update(signature=self.signatures[rid][spec.name],
                              out_types=self.out_types[rid][spec.name],
                              triton_name=ck.metadata.name, shared=ck.metadata.shared,
                              binary=f"{spec.name}.{'hsaco' if backend == 'hip' else 'cubin'}")
                kernels.append(launch)
            body = {"inputs": program.inputs, "outputs": program.outputs,
                    **self.boundary[rid], "steps": program.steps, "kernels": kernels}
            (rdir / "program.json").write_text(json.dumps(body, indent=1))
            files.append(rdir / "program.json")
            regions.append({"id": rid, "kernels": [k["name"] for k in kernels]})
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "target": self.target,
            "arch": self.arch, "backend": backend, "warp_size": warp,
            "versions": version_info(), "regions": regions,
            "files": {p.relative_to(out).as_posix(): _sha256(p) for p in sorted(files)},
        }
        manifest["manifest_sha256"] = manifest_digest(manifest)
        path = out / "manifest.json"
        path.write_text(json.dumps(manifest, indent=1))
        return path


def _compile_kernel(spec: KernelSpec, module: Any, signature: dict[str, str], arch: str) -> Any:
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    backend, arch_value, warp = gpu_target(arch)
    src = ASTSource(getattr(module, spec.name), signature, dict(spec.constexprs))
    # FP fusion (fma) stated, not left to Triton's default, which changes in Triton 3.10 and
    # warns on every compile until chosen.
    return triton.compile(src, target=GPUTarget(backend, arch_value, warp),
                          options={"num_warps": spec.num_warps, "num_stages": spec.num_stages,
                                   "enable_fp_fusion": True})


def build_artifact(plan: Any) -> Artifact:
    """Compile every kernel of the regions ``plan`` (a
    :class:`~hwsdk.partition.plan.PartitionPlan` for one GPU target, ``"rocm:gfx942"``) places
    on its first target to a device binary. Needs Triton, not a GPU.

    :raises ValueError: when the plan's target has no GPU arch variant.
    """
    canonical = plan.targets[0]
    arch = canonical.partition(":")[2]
    gpu_target(arch)
    graph = plan.graph
    nodes = graph.node_by_id()
    artifact = Artifact(canonical, arch, plan.to_json())
    for info in plan.regions:
        if info.target == canonical:
            program = build_program(graph, [nodes[i] for i in info.node_ids], info.inputs,
                                    info.outputs, arch)
            add_region(artifact, info.id, program, graph, info.params)
    return artifact


def add_region(artifact: Artifact, rid: str, program: Program, graph: Any,
               params: Sequence[str]) -> None:
    """Compile every kernel of ``program`` (region ``rid``) into ``artifact``."""
    from hwsdk.lower.triton.loader import load_module

    module = load_module(program.source, emulate=False)
    artifact.programs[rid] = program
    artifact.compiled[rid] = {}
    artifact.signatures[rid] = {}
    artifact.out_types[rid] = {}
    artifact.boundary[rid] = {
        "params": list(params),
        "types": {v: graph.types[v].to_json() for v in [*program.inputs, *params]}}
    for spec in program.kernels:
        artifact.out_types[rid][spec.name] = {v: graph.types[v].to_json() for v in spec.outputs}
        sig = kernel_signature(spec, graph.types)
        artifact.signatures[rid][spec.name] = sig
        artifact.compiled[rid][spec.name] = _compile_kernel(spec, module, sig, artifact.arch)


def compile_artifact(plan: Any, out_dir: str | Path) -> Path:
    """:func:`build_artifact` then :meth:`Artifact.save`; returns the manifest path."""
    return build_artifact(plan).save(out_dir)
