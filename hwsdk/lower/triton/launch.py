"""Host side: turn a :class:`KernelSpec`'s argument and grid rules into a launch."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from hwsdk.ir.dtypes import to_torch
from hwsdk.ir.graph import Graph
from hwsdk.ir.symbolic import Dim, evaluate_dim
from hwsdk.lower.triton.kernels import KernelSpec

__all__ = ["dims", "kernel_args", "kernel_grid", "launch_kernel", "allocate_outputs"]


def dims(values: list[Dim], env: Mapping[str, int]) -> list[int]:
    return [d if isinstance(d, int) else int(evaluate_dim(d, env)) for d in values]


def _prod(values: list[Dim], env: Mapping[str, int]) -> int:
    n = 1
    for d in dims(values, env):
        n *= d
    return n


def kernel_args(spec: KernelSpec, values: Mapping[str, Any], env: Mapping[str, int]) -> list[Any]:
    """The positional runtime arguments of ``spec`` from the tensors in ``values``."""
    out: list[Any] = []
    for arg in spec.args:
        kind = arg["kind"]
        if kind == "ptr":
            out.append(values[arg["value"]])
        elif kind == "int":
            out.append(_prod(arg["prod"], env))
        else:
            t = values[arg["value"]]
            if "perm" in arg:
                t = t.permute(arg["perm"])
            out.append(int(t.expand(dims(arg["shape"], env)).stride(arg["dim"])))
    return out


def kernel_grid(spec: KernelSpec, env: Mapping[str, int]) -> tuple[int, ...]:
    grid = []
    for axis in spec.grid:
        if "cdiv" in axis:
            size, block = axis["cdiv"]
            grid.append(-(-_prod(size, env) // block))
        else:
            grid.append(_prod(axis["prod"], env))
    return tuple(grid)


def allocate_outputs(spec: KernelSpec, graph: Graph, values: MutableMapping[str, Any],
                     env: Mapping[str, int], device: Any) -> None:
    import torch

    for v in spec.outputs:
        t = graph.types[v]
        values[v] = torch.empty(dims(list(t.shape), env), dtype=to_torch(t.dtype), device=device)


def launch_kernel(fn: Any, spec: KernelSpec, values: Mapping[str, Any],
                  env: Mapping[str, int]) -> None:
    """Launch a jitted (or interpreted) kernel through Triton's launcher."""
    grid = kernel_grid(spec, env)
    if 0 in grid:
        return
    fn[grid](*kernel_args(spec, values, env), **spec.constexprs, num_warps=spec.num_warps,
             num_stages=spec.num_stages)
