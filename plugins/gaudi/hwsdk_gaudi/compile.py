"""A region compiled for Gaudi: its torch.fx lowering, on ``hpu``, through ``hpu_backend``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.plugin import CompiledRegion, Region
from hwsdk_gaudi import vendor

__all__ = ["GaudiRegion", "compile_region"]


class GaudiRegion(CompiledRegion):
    """Runs the compiled GraphModule on ``hpu`` and hands back CPU tensors."""

    def __init__(self, lowering: Any, compiled: Any, hpu: str, details: dict[str, Any]):
        super().__init__(details)
        self.lowering = lowering
        self.compiled = compiled
        self.hpu = hpu  # where it computes; its inputs and outputs stay on the CPU (device)

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        args = [x.to(self.hpu) for x in inputs]
        if self.lowering.needs_env:
            args.append(dict(env))
        return [y.to("cpu") for y in self.compiled(*args)]


def compile_region(target: str, region: Region, lowering: Any,
                   options: Mapping[str, Any]) -> GaudiRegion:
    """Compile ``region``'s torch.fx ``lowering`` with ``hpu_backend``.

    :raises hwsdk.errors.TargetUnavailableError: without the Intel Gaudi PyTorch bridge.
    """
    vendor.load_bridge(target)
    device = vendor.DEVICE
    module = lowering.module.to(device)
    compile_options = dict(options.get("hpu_compile_options") or {})
    compiled = vendor.compile_graph(module, compile_options)
    details = {"engine": f"torch.compile(backend={vendor.BACKEND!r})", "device": device,
               "nodes": len(region.nodes)}
    return GaudiRegion(lowering, compiled, device, details)
