"""A region compiled to Triton kernels: run on the GPU, or in Triton's interpreter on CPU."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.errors import TargetUnavailableError
from hwsdk.lower.eager import run_node
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

    def __init__(self, region: Region, program: Program, emulate: bool, target: str) -> None:
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
        self.module = load_module(program.source, emulate)
        self.device = "cpu" if emulate else "cuda"
        self._params: dict[str, Any] | None = None

    def _param_values(self) -> dict[str, Any]:
        if self._params is None:
            self._params = {p: self.region.param(p).to(self.device).contiguous()
                            if hasattr(self.region.param(p), "to") else self.region.param(p)
                            for p in self.region.params}
        return self._params

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        values: dict[str, Any] = dict(self._param_values())
        for name, tensor in zip(self.region.inputs, inputs, strict=True):
            values[name] = tensor.to(self.device)
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
        results = [values[v] for v in self.region.outputs]
        return [r.cpu() for r in results] if self.device != "cpu" else results


def compile_region(region: Region, arch: str, backend: str, emulate: bool,
                   target: str) -> TritonRegion:
    """Lower ``region`` to Triton kernels for ``arch``.

    :param arch: ``"sm_90"``, ``"gfx942"`` …: chooses tiles and warps.
    :param backend: ``"cuda"`` or ``"hip"``.
    :param emulate: run the kernels in Triton's interpreter on CPU (a testing aid).
    :param target: the target reference, for messages and details.
    :raises TargetUnavailableError: without ``emulate`` when no such GPU is present.
    """
    if not emulate and not device_available(backend):
        raise TargetUnavailableError(
            f"{target}: no {'ROCm' if backend == 'hip' else 'CUDA'} GPU device is visible to "
            "torch here, so generated kernels cannot run. Pass emulate=True to run them in "
            "Triton's CPU interpreter (for testing), or build an ahead-of-time artifact with "
            "`hwsdk compile MODEL --target ... --out DIR` (hwsdk.lower.triton.aot) to run on "
            "a machine with the GPU."
        )
    program = build_program(region.graph, region.nodes, region.inputs, region.outputs, arch)
    return TritonRegion(region, program, emulate, target)
