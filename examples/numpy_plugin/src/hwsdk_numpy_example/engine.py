"""The engine: runs a region's nodes one by one with NumPy kernels.

Compile time does everything that does not depend on input values: look up a kernel per node,
resolve NumPy dtypes, and convert params once. Run time converts the torch CPU inputs to NumPy
without copying, runs the kernels, and hands the results back with ``torch.from_numpy`` (again
without copying).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.errors import CompileError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Node
from hwsdk.ir.opdef import get_op
from hwsdk.lower.eager import resolve_attrs
from hwsdk.plugin import CompiledRegion, Region
from hwsdk_numpy_example.kernels import KERNELS, Kernel

__all__ = ["NumpyRegion", "NUMPY_DTYPES"]

NUMPY_DTYPES = {
    DType.f32: "float32", DType.f16: "float16", DType.i64: "int64", DType.i32: "int32",
    DType.i16: "int16", DType.i8: "int8", DType.u8: "uint8", DType.bool: "bool",
}
"""IR dtype → NumPy dtype name. NumPy has no bfloat16 or float8, so those are refused."""


@dataclass(frozen=True)
class _Step:
    node: Node
    kernel: Kernel
    out_dtype: str
    symbolic: bool


class NumpyRegion(CompiledRegion):
    """A region compiled for the NumPy engine.

    :param region: the region to run.
    :param f16_compute: ``"f32"`` widens float16 math to float32 (what PyTorch does on CPU);
        ``"f16"`` computes in float16.
    """

    def __init__(self, region: Region, f16_compute: str = "f32") -> None:
        import numpy as np

        self.np = np
        self.f16_compute = f16_compute
        self.inputs = list(region.inputs)
        self.outputs = list(region.outputs)
        self.steps = [self._plan(node, region) for node in region.nodes]
        # Params (weights) are converted once; .numpy() shares memory with the tensor.
        self.params = {name: region.param(name).detach().numpy() for name in region.params}
        super().__init__({"engine": "NumPy", "numpy": np.__version__, "kernels": len(self.steps),
                          "f16_compute": f16_compute})

    def _plan(self, node: Node, region: Region) -> _Step:
        kernel = KERNELS.get(node.op)
        if kernel is None:
            raise CompileError(f"the NumPy engine has no kernel for {node.op} (node {node.id}); "
                               "its capability table should not have claimed it")
        for name in [*node.inputs, *node.outputs]:
            if name and region.type_of(name).dtype not in NUMPY_DTYPES:
                raise CompileError(f"{name} of node {node.id} is {region.type_of(name).dtype}, "
                                   "which NumPy cannot represent")
        out = NUMPY_DTYPES[region.type_of(node.outputs[0]).dtype]
        symbolic = bool(get_op(node.op).sym_attrs)
        return _Step(node, kernel, out, symbolic)

    def _widen(self, array: Any) -> Any:
        if array is not None and array.dtype == self.np.float16 and self.f16_compute == "f32":
            return array.astype(self.np.float32)
        return array

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        import torch

        np = self.np
        values: dict[str, Any] = dict(self.params)
        for name, tensor in zip(self.inputs, inputs, strict=True):
            values[name] = tensor.detach().numpy()  # zero-copy for CPU tensors
        with np.errstate(all="ignore"):  # inf/nan follow IEEE, as in PyTorch
            for step in self.steps:
                args = [self._widen(values[n]) if n else None for n in step.node.inputs]
                attrs = step.node.attrs
                if step.symbolic:
                    attrs = resolve_attrs(get_op(step.node.op), attrs, env)
                result = np.asarray(step.kernel(np, *args, **attrs))
                if any(result is a for a in args):  # never hand back an alias of an input
                    result = result.copy()
                values[step.node.outputs[0]] = result.astype(step.out_dtype, copy=False)
        return [torch.from_numpy(_torch_ready(np, values[name])) for name in self.outputs]


def _torch_ready(np: Any, array: Any) -> Any:
    """An array ``torch.from_numpy`` accepts without a warning: writable, no negative strides."""
    if not array.flags.writeable or any(s < 0 for s in array.strides):
        return np.array(array)
    return array
