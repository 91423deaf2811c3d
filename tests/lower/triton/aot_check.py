"""Compile a built graph's kernels to device binaries, no GPU needed (for the kernel tests)."""

from __future__ import annotations

from typing import Any

ARCHS = ["sm_90", "gfx942"]
"""The two archs every kernel family is compiled for: GPUTarget("cuda", 90, 32) and
GPUTarget("hip", "gfx942", 64)."""


def compile_all(graph: Any, arch: str) -> list[Any]:
    """Every kernel of ``graph`` lowered as one region for ``arch``, compiled by Triton (the
    backend's binary: cubin or hsaco); returns Triton's compiled kernels."""
    from hwsdk.lower.triton import build_program
    from hwsdk.lower.triton.aot import _compile_kernel, gpu_target, kernel_signature
    from hwsdk.lower.triton.loader import load_module

    program = build_program(graph, graph.nodes, graph.inputs, graph.outputs, arch)
    module = load_module(program.source, emulate=False)
    binary = "hsaco" if gpu_target(arch)[0] == "hip" else "cubin"
    out = []
    for spec in program.kernels:
        ck = _compile_kernel(spec, module, kernel_signature(spec, graph.types), arch)
        assert ck.metadata.name == spec.name and ck.asm[binary], spec.name
        out.append(ck)
    return out
