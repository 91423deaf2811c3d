"""One small single-node IR graph per core op x dtype, with inputs: the cases the ONNX lowering
tests and the ``cpu`` capability tests run against each op's PyTorch reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hwsdk.ir.dtypes import DType, to_torch
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import get_op
from hwsdk.plugin import Region

Maker = Callable[[DType], Any]


def rand(*shape: int, low: float = -3.0, high: float = 3.0) -> Maker:
    """Random values of the given dtype: floats uniform in [low, high), ints in [low, high]."""

    def make(dtype: DType) -> Any:
        import torch

        if dtype == DType.bool:
            return torch.rand(*shape) > 0.5
        if dtype.is_float:
            return (torch.rand(*shape) * (high - low) + low).to(to_torch(dtype))
        return torch.randint(int(low), int(high) + 1, shape, dtype=to_torch(dtype))

    return make


def fixed(dtype: DType, make: Maker) -> Maker:
    """An input whose dtype does not follow the case's dtype (indices, masks)."""
    return lambda _: make(dtype)


@dataclass
class Case:
    op: str
    inputs: list[Maker | None]
    attrs: dict[str, Any]
    params: tuple[int, ...] = ()  # which inputs are params (weights)


POS = {"low": 0.5, "high": 4.0}
_UNARY_POS = ("log", "sqrt", "rsqrt", "reciprocal")


def case(op: str, dtype: DType) -> Case:
    """The sample for ``op`` computed in ``dtype``."""
    x = rand(2, 3, 4, **(POS if op in _UNARY_POS else {}))
    i64 = DType.i64
    table: dict[str, Case] = {
        "gelu": Case("gelu", [x], {"approximate": "none"}),
        "clamp": Case("clamp", [x], {"min": -1, "max": 2}),
        "div": Case("div", [x, rand(3, 4, **POS)], {}),
        "pow": Case("pow", [rand(2, 3, 4, **POS), rand(3, 4, low=-2, high=2)], {}),
        "where": Case("where", [fixed(DType.bool, rand(2, 3, 4)), x, rand(3, 4)], {}),
        "cast": Case("cast", [x], {"dtype": "i64" if dtype == DType.f32 else "f32"}),
        "sum": Case("sum", [x], {"dims": [1], "keepdim": False}),
        "mean": Case("mean", [x], {"dims": [1, 2], "keepdim": True}),
        "amax": Case("amax", [x], {"dims": [2], "keepdim": False}),
        "amin": Case("amin", [x], {"dims": [0, 2], "keepdim": True}),
        "argmax": Case("argmax", [rand(2, 3, 4, low=-1000, high=1000)], {"dim": 1,
                                                                          "keepdim": False}),
        "cumsum": Case("cumsum", [x], {"dim": 1}),
        "softmax": Case("softmax", [x], {"dim": -1}),
        "log_softmax": Case("log_softmax", [x], {"dim": 1}),
        "layer_norm": Case("layer_norm", [rand(2, 5, 8), rand(8), rand(8)],
                           {"normalized_shape": [8], "eps": 1e-5}, params=(1, 2)),
        "rms_norm": Case("rms_norm", [rand(2, 5, 8), rand(8)],
                         {"normalized_shape": [8], "eps": None}, params=(1,)),
        "batch_norm": Case("batch_norm", [rand(2, 3, 4, 4), rand(3), rand(3), rand(3),
                                          rand(3, **POS)], {"eps": 1e-5}, params=(1, 2, 3, 4)),
        "linear": Case("linear", [rand(2, 5, 8), rand(6, 8), rand(6)], {}, params=(1, 2)),
        "matmul": Case("matmul", [rand(2, 3, 4), rand(2, 4, 5)], {}),
        "addmm": Case("addmm", [rand(5), rand(3, 4), rand(4, 5)], {}),
        "conv": Case("conv", [rand(1, 3, 8, 8), rand(4, 3, 3, 3), rand(4)],
                     {"stride": [2, 2], "padding": [1, 1], "dilation": [1, 1], "groups": 1},
                     params=(1, 2)),
        "max_pool2d": Case("max_pool2d", [rand(1, 2, 7, 7)],
                           {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1],
                            "dilation": [1, 1], "ceil_mode": False}),
        "avg_pool2d": Case("avg_pool2d", [rand(1, 2, 8, 8)],
                           {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1],
                            "ceil_mode": False, "count_include_pad": True}),
        "adaptive_avg_pool2d": Case("adaptive_avg_pool2d", [rand(1, 2, 8, 8)],
                                    {"output_size": [2, 2]}),
        "embedding": Case("embedding", [rand(10, 4), fixed(i64, rand(2, 3, low=0, high=9))],
                          {}, params=(0,)),
        "scaled_dot_product_attention": Case(
            "scaled_dot_product_attention", [rand(1, 2, 4, 8), rand(1, 2, 6, 8),
                                             rand(1, 2, 6, 8)],
            {"is_causal": False, "scale": None, "enable_gqa": False}),
        "reshape": Case("reshape", [x], {"shape": [4, -1]}),
        "permute": Case("permute", [x], {"dims": [2, 0, 1]}),
        "expand": Case("expand", [rand(3, 1)], {"shape": [2, -1, 4]}),
        "slice": Case("slice", [x], {"dim": 2, "start": 1, "end": 3, "step": 1}),
        "select": Case("select", [x], {"dim": 1, "index": -1}),
        "squeeze": Case("squeeze", [rand(2, 1, 3)], {"dims": [1]}),
        "unsqueeze": Case("unsqueeze", [x], {"dim": 1}),
        "cat": Case("cat", [rand(2, 3), rand(1, 3)], {"dim": 0}),
        "split": Case("split", [rand(4, 3)], {"sizes": [1, 3], "dim": 0}),
        "index_select": Case("index_select", [rand(4, 3), fixed(i64, lambda _: _index())],
                             {"dim": 0}),
        "index_copy": Case("index_copy", [rand(2, 5, 3), fixed(i64, lambda _: _slots()),
                                          rand(2, 2, 3)], {"dim": 1}),
        "gather": Case("gather", [rand(3, 4), fixed(i64, rand(3, 2, low=0, high=3))],
                       {"dim": 1}),
        "arange": Case("arange", [], {"start": 1, "end": 9, "step": 2, "dtype": dtype.value}),
        "full": Case("full", [], {"shape": [2, 3], "value": _fill(dtype),
                                  "dtype": dtype.value}),
        "dequantize": Case("dequantize", [fixed(DType.i8, rand(6, 8, low=-127, high=127)),
                                          fixed(DType.f32, rand(6, **POS))],
                           {"bits": 8, "group_size": 0, "shape": [6, 8]}, params=(0, 1)),
        "triu": Case("triu", [rand(3, 4)], {"diagonal": 1}),
        "tril": Case("tril", [rand(3, 4)], {"diagonal": -1}),
    }
    if op in table:
        return table[op]
    opdef = get_op(op)
    if len(opdef.inputs) == 2:  # binary: broadcasting tensor operands
        small = rand(3, 4, low=-2, high=2)
        return Case(op, [rand(2, 3, 4, low=-2, high=2), small], {})
    return Case(op, [x], {})


def _slots() -> Any:
    import torch

    return torch.tensor([3, 0])


def _index() -> Any:
    import torch

    return torch.tensor([2, 0, 3])


def _fill(dtype: DType) -> Any:
    return True if dtype == DType.bool else (1.5 if dtype.is_float else 7)


def build(c: Case, dtype: DType) -> tuple[Region, list[Any], list[Any]]:
    """The case as a one-node region: (region, region input tensors, every node input)."""
    opdef = get_op(c.op)
    values = [m(dtype) if m is not None else None for m in c.inputs]
    names = [("p" if i in c.params else "x") + str(i) for i in range(len(values))]
    types = {n: TensorType(_dtype_of(v), tuple(v.shape)) for n, v in zip(names, values,
                                                                        strict=True)}
    attrs = opdef.check_attrs(c.attrs)
    out_types = opdef.infer([types[n] for n in names], attrs)
    outputs = [f"y{i}" for i in range(len(out_types))]
    types.update(zip(outputs, out_types, strict=True))
    node = Node("n0", c.op, names, attrs, outputs)
    params = [n for i, n in enumerate(names) if i in c.params]
    inputs = [n for i, n in enumerate(names) if i not in c.params]
    graph = Graph(inputs=inputs, outputs=outputs, nodes=[node], types=types, params=params,
                  param_data={n: v for n, v in zip(names, values, strict=True) if n in params})
    graph.validate()
    region = Region("r0", "cpu", graph, [node], inputs, outputs, params)
    return region, [v for n, v in zip(names, values, strict=True) if n in inputs], values


def reference(c: Case, values: list[Any]) -> list[Any]:
    result = get_op(c.op).reference(*values, **get_op(c.op).check_attrs(c.attrs))
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _dtype_of(value: Any) -> DType:
    from hwsdk.ir.dtypes import from_torch

    return from_torch(value.dtype)
