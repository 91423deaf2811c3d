"""A region compiled to Triton kernels: run on the GPU, or in Triton's interpreter on CPU.

Its inputs arrive and its outputs stay on :attr:`TritonRegion.device` (the GPU, or ``cpu`` when
emulated): the runtime moves values only between regions of different devices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hwsdk.errors import TargetUnavailableError
from hwsdk.ir.eager import run_node
from hwsdk.lower.triton.emulate import interpreted_stdlib
from hwsdk.lower.triton.launch import allocate_outputs, launch_kernel
from hwsdk.lower.triton.loader import load_module, write_source
from hwsdk.lower.triton.program import Program, build_program
from hwsdk.plugin import CompiledRegion, Region

__all__ = ["TritonRegion", "compile_region", "device_available"]


def device_available(backend: str) -> bool:
    """True when torch sees a GPU of ``backend`` (``"cuda"`` or ``"hip"``)."""
    try:
        import torch
    except ImportError:
        return False
    if not torch.cuda.is_available():
        return False
    return (getattr(torch.version, "hip", None) is not None) == (backend == "hip")


class TritonRegion(CompiledRegion):
    """Runs a :class:`Program`'s steps: torch views and Triton kernel launches."""

    def __init__(self, region: Region, program: Program, emulate: bool, target: str,
                 artifact: Any = None) -> None:
        path = write_source(program.source)
        super().__init__({"engine": "Triton", "target": target, "arch": program.arch,
                          "emulated": emulate, "source_file": str(path),
                          **program.summary()})
        if emulate:
            self.details["note"] = ("emulated: kernels ran in Triton's CPU interpreter, "
                                    "not on a GPU")
        self.region = region
        self.program = program
        self.emulate = emulate
        self.artifact = artifact
        if artifact is not None:
            self.details["aot"] = True
            self.details["shared_bytes"] = {
                name: ck.metadata.shared for name, ck in artifact.compiled[region.id].items()}
        self.module = load_module(program.source, emulate)
        self.device = "cpu" if emulate else _gpu_device()
        self._params: dict[str, Any] | None = None

    def _param_values(self) -> dict[str, Any]:
        if self._params is None:
            self._params = {p: self.region.param(p).to(self.device).contiguous()
                            if hasattr(self.region.param(p), "to") else self.region.param(p)
                            for p in self.region.params}
        return self._params

    def save(self, directory: Path) -> list[str]:
        """Write this region's AOT artifact (``hwsdk compile --out``); returns the file names.

        The directory is a complete artifact for :func:`~hwsdk.lower.triton.aot_load.
        load_artifact` (manifest with sha256 of every file, source, binaries, launch rules).
        :raises TargetUnavailableError: when the region was not compiled with ``aot=True``.
        """
        if self.artifact is None:
            raise TargetUnavailableError(
                f"region {self.region.id} was compiled for running, not ahead of time; "
                "compile with aot=True to save device binaries")
        manifest = self.artifact.save(directory)
        import json

        return ["manifest.json", *json.loads(manifest.read_text())["files"]]

    def _require_device(self) -> None:
        if not self.emulate and not device_available(_backend(self.program.arch)):
            raise TargetUnavailableError(
                f"region {self.region.id} was compiled ahead of time for "
                f"{self.details['target']}, but no such GPU is visible here; save it with "
                "`hwsdk compile --out DIR` and run it where the GPU is, or use emulate=True")

    def from_torch(self, tensor: Any) -> Any:
        """``tensor`` on :attr:`device` (the runtime's move of a value into this region)."""
        self._require_device()
        return tensor.to(self.device)

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        self._require_device()
        values: dict[str, Any] = dict(self._param_values())
        values.update(zip(self.region.inputs, inputs, strict=True))  # already on self.device
        graph = self.region.graph
        for step in self.program.steps:
            if step["kind"] == "view":
                node = self.program.view_nodes[step["node"]["id"]]
                args = [values[v] if v else None for v in node.inputs]
                for name, result in zip(node.outputs, run_node(node, args, env), strict=False):
                    values[name] = result
                continue
            spec = self.program.kernels[step["index"]]
            allocate_outputs(spec, graph, values, env, self.device)
            if self.emulate:
                with interpreted_stdlib():
                    launch_kernel(getattr(self.module, spec.name), spec, values, env)
            else:
                launch_kernel(getattr(self.module, spec.name), spec, values, env)
        return [values[v] for v in self.region.outputs]  # left on self.device


def _gpu_device() -> str:
    """The GPU kernels launch on: torch's current device (ROCm's is also ``cuda``), or
    ``cuda:0`` for an ahead-of-time build where no GPU is visible."""
    import torch

    if not torch.cuda.is_available():
        return "cuda:0"
    return f"cuda:{torch.cuda.current_device()}"


def _backend(arch: str) -> str:
    return "cuda" if arch.startswith("sm_") else "hip"


def compile_region(region: Region, arch: str, backend: str, emulate: bool,
                   target: str, aot: bool = False) -> TritonRegion:
    """Lower ``region`` to Triton kernels for ``arch``.

    :param arch: ``"sm_90"``, ``"gfx942"`` …: chooses tiles and warps.
    :param backend: ``"cuda"`` or ``"hip"``.
    :param emulate: run the kernels in Triton's interpreter on CPU (a testing aid).
    :param target: the target reference, for messages and details.
    :param aot: also compile every kernel to a device binary now (no GPU needed), so the
        region can be saved (:meth:`TritonRegion.save`); it runs only where the GPU is.
    :raises TargetUnavailableError: without ``emulate`` or ``aot`` when no such GPU is present.
    """
    if aot and not emulate:
        from hwsdk.lower.triton.aot import Artifact, add_region

        program = build_program(region.graph, region.nodes, region.inputs, region.outputs,
                                arch)
        artifact = Artifact(target, arch, None)
        add_region(artifact, region.id, program, region.graph, region.params)
        return TritonRegion(region, program, False, target, artifact)
    if not emulate and not device_available(backend):
        raise TargetUnavailableError(
            f"{target}: no {'ROCm' if backend == 'hip' else 'CUDA'} GPU device is visible to "
            "torch here, so generated kernels cannot run. Pass emulate=True to run them in "
            "Triton's CPU interpreter (for testing), or build an ahead-of-time artifact "
            "(aot=True; `hwsdk compile MODEL --target ... --out DIR`; hwsdk.lower.triton.aot) "
            "to run on a machine with the GPU."
        )
    program = build_program(region.graph, region.nodes, region.inputs, region.outputs, arch)
    return TritonRegion(region, program, emulate, target)
