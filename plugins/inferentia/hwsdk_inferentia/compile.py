"""A region compiled for Neuron: its torch.fx lowering traced by ``torch_neuronx.trace``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.errors import CompileError
from hwsdk.plugin import CompiledRegion, Region, to_torch
from hwsdk_inferentia import vendor

__all__ = ["NeuronRegion", "compile_region", "example_inputs", "TRACE_OPTIONS"]

TRACE_OPTIONS = ("compiler_args", "compiler_workdir")
"""Compile options passed through to ``torch_neuronx.trace``."""


class NeuronRegion(CompiledRegion):
    """Runs the traced module (Neuron moves CPU tensors to the NeuronCore itself)."""

    def __init__(self, traced: Any, details: dict[str, Any]) -> None:
        super().__init__(details)
        self.traced = traced

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        result = self.traced(*inputs)
        return list(result) if isinstance(result, (tuple, list)) else [result]


def example_inputs(region: Region) -> tuple[Any, ...]:
    """Zero tensors of the region's input types; Neuron traces fixed shapes only.

    :raises CompileError: when an input has a symbolic dim (bucket the model instead).
    """
    import torch

    tensors = []
    for name in region.inputs:
        ty = region.type_of(name)
        if not ty.is_static:
            raise CompileError(
                f"region {region.id} input {name} has dynamic shape {ty}; Neuron compiles "
                "fixed shapes: compile one model per bucket of input sizes")
        tensors.append(torch.zeros(tuple(int(d) for d in ty.shape), dtype=to_torch(ty.dtype)))
    return tuple(tensors)


def compile_region(target: str, region: Region, lowering: Any,
                   options: Mapping[str, Any]) -> NeuronRegion:
    """Compile ``region``'s torch.fx ``lowering`` with ``torch_neuronx.trace``.

    :raises hwsdk.errors.TargetUnavailableError: without torch_neuronx.
    """
    sdk = vendor.load_sdk(target)
    if lowering.needs_env:
        raise CompileError(f"region {region.id} has symbolic attributes; Neuron traces fixed "
                           "shapes only")
    trace_options = {k: options[k] for k in TRACE_OPTIONS if options.get(k) is not None}
    traced = vendor.trace(sdk, lowering.module, example_inputs(region), trace_options)
    details = {"engine": "torch_neuronx.trace (neuronx-cc)", "nodes": len(region.nodes),
               **{k: v for k, v in trace_options.items() if k == "compiler_args"}}
    return NeuronRegion(traced, details)
