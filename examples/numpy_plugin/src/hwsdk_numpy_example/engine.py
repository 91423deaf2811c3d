"""The engine: a region's nodes run one by one with NumPy, torch tensors shared, not copied."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from hwsdk.errors import CompileError
from hwsdk.plugin import CompiledRegion, DType, Region

NUMPY = {DType.f32: np.float32, DType.i64: np.int64, DType.i32: np.int32, DType.bool: np.bool_}


def _binary(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda a, b=None, scalar=None, scalar_first=False: (
        fn(a, b) if b is not None else fn(scalar, a) if scalar_first else fn(a, scalar))


KERNELS: dict[str, Callable[..., Any]] = {  # kernel(*inputs, **attrs); absent inputs are None
    "neg": np.negative, "abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "rsqrt": lambda x: 1 / np.sqrt(x),
    "reciprocal": lambda x: 1 / x, "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, x.dtype.type(0)), "matmul": np.matmul,
    "linear": lambda x, w, b=None: x @ w.T if b is None else x @ w.T + b,
    **{op: _binary(fn) for op, fn in {
        "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
        "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal, "ne": np.not_equal,
        "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}.items()}}


class NumpyRegion(CompiledRegion):
    """A region checked at compile time and run node by node on each call."""

    def __init__(self, region: Region) -> None:
        super().__init__({"engine": "NumPy", "numpy": np.__version__})
        for node in region.nodes:
            dtypes = {region.type_of(name).dtype for name in [*node.inputs, *node.outputs] if name}
            if node.op not in KERNELS or not dtypes <= NUMPY.keys():
                raise CompileError(f"node {node.id}: NumPy has no {node.op} kernel or cannot "
                                   f"represent {', '.join(sorted(dtypes - NUMPY.keys()))}")
        self.region = region
        self.params = {p: region.param(p).detach().numpy() for p in region.params}

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        values = dict(self.params)
        values.update(zip(self.region.inputs, (t.detach().numpy() for t in inputs), strict=True))
        with np.errstate(all="ignore"):  # inf and NaN follow IEEE, as in PyTorch
            for node in self.region.nodes:  # every kernel returns a new array: no aliasing
                args = [values[name] if name else None for name in node.inputs]
                dtype = NUMPY[self.region.type_of(node.outputs[0]).dtype]
                values[node.outputs[0]] = np.asarray(KERNELS[node.op](*args, **node.attrs), dtype)
        return [torch.from_numpy(np.require(values[n], requirements="W"))
                for n in self.region.outputs]
