"""Sample inputs for every op x dtype the intel capability table claims.

``cases(op, dtype)`` returns one or more :class:`Case` s: tensors (graph inputs or params) and
attrs. ``single_node_region`` wraps a case as a one-node region with types from the op's own
inference, ready for the plugin's ``hwsdk_compile``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from hwsdk.ir.dtypes import DType, from_torch, to_torch
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import get_op
from hwsdk.plugin import Region

INT64_MAX = 2**63 - 1


@dataclass
class Case:
    """Tensors in the op's input order (None = absent optional) and attrs."""

    tensors: list[Any]
    attrs: dict[str, Any]
    params: set[int] = field(default_factory=set)  # tensor positions that are weights
    label: str = ""


def rand(shape: tuple[int, ...], dtype: DType, low: float = -3.0, high: float = 3.0) -> Any:
    if dtype is DType.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_float:
        return (torch.rand(shape) * (high - low) + low).to(to_torch(dtype))
    ints = torch.randint(int(low), int(high) + 1, shape, dtype=to_torch(dtype))
    if dtype is DType.i64:  # beyond i32, where OpenVINO CPU's internal i32 would show
        ints = ints * 2**33 + torch.randint(0, 5, shape)
    return ints


def _scalar(dtype: DType, value: float) -> Any:
    return value if dtype.is_float else int(value)


def _unary(op: str, dt: DType) -> list[Case]:
    low = 0.1 if op in ("log", "sqrt", "rsqrt", "reciprocal") else -3.0
    return [Case([rand((3, 4, 5), dt, low)], {})]


def _binary(op: str, dt: DType) -> list[Case]:
    low = 0.5 if op in ("pow", "div") else -3.0
    high = 2.0 if op == "pow" else 3.0
    a, b = rand((3, 4), dt, low, high), rand((4,), dt, low, high)
    if dt is DType.bool or op in ("maximum", "minimum"):  # aten.maximum takes tensors only
        return [Case([a, b], {})]
    return [Case([a, b], {}, label="tensors"),
            Case([a], {"scalar": _scalar(dt, 2.0), "scalar_first": True}, label="scalar_first"),
            Case([a], {"scalar": _scalar(dt, 1.5), "scalar_first": False}, label="scalar")]


def _cast(dt: DType) -> list[Case]:
    if dt is DType.f32:
        return [Case([rand((3, 4), DType.i64)], {"dtype": "f32"})]
    x = rand((3, 4), DType.f32) * 2
    x[0, 0] = 0.0
    return [Case([x], {"dtype": dt.value})]


def _shape(op: str, dt: DType) -> list[Case]:
    x = rand((2, 3, 4), dt)
    table: dict[str, list[Case]] = {
        "reshape": [Case([x], {"shape": [6, -1]})],
        "permute": [Case([x], {"dims": [2, 0, 1]})],
        "expand": [Case([rand((3, 1), dt)], {"shape": [2, 3, 4]}),
                   Case([rand((3, 1), dt)], {"shape": [2, -1, 4]}, label="keep")],
        "slice": [Case([rand((5, 6), dt)], {"dim": 1, "start": 1, "end": 5, "step": 2}),
                  Case([rand((5, 6), dt)], {"dim": 0, "start": -3, "end": INT64_MAX, "step": 1},
                       label="negative")],
        "select": [Case([rand((3, 4), dt)], {"dim": 1, "index": 2}),
                   Case([rand((3, 4), dt)], {"dim": 0, "index": -1}, label="negative")],
        "squeeze": [Case([rand((3, 1, 4), dt)], {"dims": [1]})],
        "unsqueeze": [Case([rand((3, 4), dt)], {"dim": 1})],
        "copy": [Case([x], {})],
        "cat": [Case([rand((2, 3), dt), rand((2, 2), dt)], {"dim": 1})],
        "split": [Case([rand((5, 4), dt)], {"sizes": [2, 3], "dim": 0})],
    }
    return table[op]


def _dequantize(dt: DType) -> list[Case]:
    """int8 per channel and per group, and packed int4 per group with zero points (3 x 5
    of them: an odd count, so the u4 zero-point constant ends in a padding nibble); ``dt``
    i8 or u8 picks the data dtype, f32 (the scales') gives both."""
    int8 = [Case([torch.randint(-127, 128, (6, 8), dtype=torch.int8), torch.rand(6) + 0.5],
                 {"bits": 8, "group_size": 0, "shape": [6, 8]}, {0, 1}, "int8"),
            Case([torch.randint(-127, 128, (4, 8), dtype=torch.int8), torch.rand(4, 2) + 0.5],
                 {"bits": 8, "group_size": 4, "shape": [4, 8]}, {0, 1}, "int8_group4")]
    int4 = [Case([torch.randint(0, 256, (3, 10), dtype=torch.uint8), torch.rand(3, 5) + 0.5,
                  torch.randint(0, 16, (3, 5), dtype=torch.uint8)],
                 {"bits": 4, "group_size": 4, "shape": [3, 20]}, {0, 1, 2}, "int4_group4")]
    return {DType.i8: int8, DType.u8: int4}.get(dt, int8 + int4)


def _nn(op: str, dt: DType) -> list[Case]:
    f = dt
    if op == "dequantize":
        return _dequantize(dt)
    if op == "layer_norm":
        return [Case([rand((2, 3, 8), f), rand((8,), f), rand((8,), f)],
                     {"normalized_shape": [8], "eps": 1e-5}, {1, 2}),
                Case([rand((2, 3, 8), f), None, None], {"normalized_shape": [3, 8], "eps": 1e-5},
                     label="plain")]
    if op == "rms_norm":
        return [Case([rand((2, 3, 8), f), rand((8,), f)], {"normalized_shape": [8], "eps": 1e-6},
                     {1}),
                Case([rand((2, 3, 8), f), None], {"normalized_shape": [8], "eps": None},
                     label="eps_none")]
    if op == "batch_norm":
        return [Case([rand((2, 4, 5, 5), f), rand((4,), f), rand((4,), f), rand((4,), f),
                      rand((4,), f, 0.5, 1.5)], {"eps": 1e-5}, {1, 2, 3, 4})]
    if op == "linear":
        return [Case([rand((2, 3, 8), f), rand((6, 8), f), rand((6,), f)], {}, {1, 2}),
                Case([rand((3, 8), f), rand((6, 8), f), None], {}, {1}, label="nobias")]
    if op == "matmul":
        return [Case([rand((2, 3, 4), f), rand((2, 4, 5), f)], {}),
                Case([rand((2, 3, 4), f), rand((4, 5), f)], {}, {1}, label="weight")]
    if op == "addmm":
        return [Case([rand((5,), f), rand((3, 4), f), rand((4, 5), f)], {}, {0, 2})]
    conv = {"stride": [2, 2], "padding": [1, 1], "dilation": [1, 1], "groups": 1}
    if op == "conv":
        return [Case([rand((1, 4, 8, 8), f), rand((6, 4, 3, 3), f), rand((6,), f)], conv, {1, 2}),
                Case([rand((1, 4, 8, 8), f), rand((6, 2, 3, 3), f), None],
                     {**conv, "groups": 2}, {1}, label="groups"),
                Case([rand((1, 4, 10), f), rand((6, 4, 3), f), rand((6,), f)],
                     {"stride": [1], "padding": [1], "dilation": [2], "groups": 1}, {1, 2},
                     label="conv1d")]
    pool = {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}
    if op == "max_pool2d":
        return [Case([rand((1, 3, 9, 9), f)], {**pool, "dilation": [1, 1], "ceil_mode": False}),
                Case([rand((1, 3, 10, 10), f)], {**pool, "dilation": [1, 1], "ceil_mode": True},
                     label="ceil")]
    if op == "avg_pool2d":
        return [Case([rand((1, 3, 9, 9), f)], {**pool, "ceil_mode": False,
                                              "count_include_pad": True}),
                Case([rand((1, 3, 10, 10), f)], {**pool, "ceil_mode": True,
                                                "count_include_pad": False}, label="ceil"),
                # PyTorch divides edge windows by their overlap with the padded input
                Case([rand((1, 3, 9, 10), f)], {"kernel": [1, 6], "stride": [1, 3],
                                                "padding": [0, 2], "ceil_mode": True,
                                                "count_include_pad": True}, label="ceil-pad")]
    if op == "adaptive_avg_pool2d":
        return [Case([rand((1, 3, 8, 8), f)], {"output_size": [1, 1]}),
                Case([rand((1, 3, 8, 8), f)], {"output_size": [2, 2]}, label="2x2")]
    if op == "embedding":
        return [Case([rand((10, 4), f), torch.randint(0, 10, (2, 3))], {}, {0})]
    raise KeyError(op)


def _sdpa(dt: DType) -> list[Case]:
    base = {"is_causal": False, "scale": None, "enable_gqa": False}
    if dt is DType.bool:
        q, k, v = (rand((1, 2, 5, 4), DType.f32) for _ in range(3))
        mask = torch.rand(5, 5) > 0.3
        mask[:, 0] = True
        return [Case([q, k, v, mask], {**base, "scale": 0.5})]
    q, k, v = (rand((1, 2, 5, 4), dt) for _ in range(3))
    q4, k1, v1 = rand((2, 4, 5, 4), dt), rand((2, 1, 6, 4), dt), rand((2, 1, 6, 4), dt)
    return [Case([q, k, v, None], base, label="plain"),
            Case([q4, k1, v1, None], {**base, "enable_gqa": True}, label="gqa_4_to_1"),
            Case([q4, *(rand((2, 2, 5, 4), dt) for _ in range(2)), None],
                 {**base, "enable_gqa": True, "is_causal": True}, label="gqa_4_to_2_causal"),
            Case([q, k, v, None], {**base, "is_causal": True}, label="causal"),
            Case([q, k, v, rand((5, 5), dt)], {**base, "scale": 0.3}, label="float_mask")]


def _reduce(op: str, dt: DType) -> list[Case]:
    x = rand((2, 3, 4), dt)
    extra = {"dtype": None} if op in ("sum", "mean") else {}
    return [Case([x], {"dims": [1], "keepdim": False, **extra}),
            Case([x], {"dims": [0, 2], "keepdim": True, **extra}, label="keepdim")]


def cases(op: str, dt: DType) -> list[Case]:
    """The sample cases for ``op`` in ``dt``; KeyError when there are none."""
    if op in ("neg", "abs", "exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh",
              "erf", "sigmoid", "relu", "silu", "logical_not"):
        return _unary(op, dt)
    if op == "gelu":
        x = rand((3, 4, 5), dt)
        return [Case([x], {"approximate": "none"}),
                Case([x], {"approximate": "tanh"}, label="tanh")]
    if op == "clamp":
        x = rand((3, 4), dt)
        return [Case([x], {"min": _scalar(dt, -1.0), "max": _scalar(dt, 1.0)}),
                Case([x], {"min": _scalar(dt, 0.0), "max": None}, label="min")]
    if op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le",
              "gt", "ge", "logical_and", "logical_or"):
        return _binary(op, dt)
    if op == "where":
        cond = torch.rand(3, 4) > 0.5
        return [Case([cond, rand((3, 4), dt), rand((4,), dt)], {"other": None}),
                Case([cond, rand((3, 4), dt)], {"other": _scalar(dt, 0.0)}, label="scalar")]
    if op == "cast":
        return _cast(dt)
    if op in ("softmax", "log_softmax"):
        return [Case([rand((2, 3, 5), dt)], {"dim": 2}), Case([rand((2, 3, 5), dt)], {"dim": 0},
                                                              label="dim0")]
    if op in ("sum", "mean", "amax", "amin"):
        return _reduce(op, dt)
    if op == "argmax":
        return [Case([rand((3, 50), dt, -100, 100)], {"dim": 1, "keepdim": False}),
                Case([rand((3, 50), dt, -100, 100)], {"dim": 0, "keepdim": True}, label="keep")]
    if op == "cumsum":
        return [Case([rand((3, 4), dt)], {"dim": 1, "dtype": None})]
    if op in ("index_select", "gather"):
        index = torch.randint(0, 4, (3,) if op == "index_select" else (3, 2))
        return [Case([rand((3, 4) if op == "gather" else (5, 4), dt), index],
                     {"dim": 1 if op == "gather" else 0})]
    if op == "index_copy":  # a KV-cache write: distinct slots along the sequence dim
        return [Case([rand((1, 2, 6, 4), dt), torch.tensor([4, 1, 2]), rand((1, 2, 3, 4), dt)],
                     {"dim": 2})]
    if op == "arange":
        if dt.is_float:
            return [Case([], {"start": 0.5, "end": 3.0, "step": 0.5, "dtype": dt.value})]
        return [Case([], {"start": 1, "end": 9, "step": 2, "dtype": dt.value})]
    if op == "full":
        value = {DType.bool: True, DType.i64: 3, DType.i32: 3}.get(dt, 1.5)
        return [Case([], {"shape": [2, 3], "value": value, "dtype": dt.value})]
    if op == "scaled_dot_product_attention":
        return _sdpa(dt)
    if op in ("triu", "tril"):
        return [Case([rand((2, 4, 5), dt)], {"diagonal": 0}),
                Case([rand((4, 5), dt)], {"diagonal": -1}, label="below"),
                Case([rand((3, 3), dt)], {"diagonal": 2}, label="above")]
    if op in ("reshape", "permute", "expand", "slice", "select", "squeeze", "unsqueeze", "copy",
              "cat", "split"):
        return _shape(op, dt)
    return _nn(op, dt)


def region_for(op: str, batch: list[Case], target: str = "intel:cpu") -> Region:
    """One region with a node per case (values prefixed ``c<k>_``), so one compile covers
    every case of an op."""
    opdef = get_op(op)
    inputs: list[str] = []
    outputs: list[str] = []
    params: list[str] = []
    nodes: list[Node] = []
    types: dict[str, TensorType] = {}
    param_data: dict[str, Any] = {}
    for k, case in enumerate(batch):
        names = [f"c{k}_in{i}" if t is not None else "" for i, t in enumerate(case.tensors)]
        for i, (name, tensor) in enumerate(zip(names, case.tensors, strict=True)):
            if not name:
                continue
            types[name] = TensorType(from_torch(tensor.dtype), tuple(tensor.shape))
            if i in case.params:
                params.append(name)
                param_data[name] = tensor
            else:
                inputs.append(name)
        attrs = opdef.check_attrs(case.attrs)
        out_types = opdef.infer([types[n] for n in names if n], attrs)
        outs = [f"c{k}_out{i}" for i in range(len(out_types))]
        types.update(zip(outs, out_types, strict=True))
        nodes.append(Node(id=f"c{k}", op=op, inputs=names, attrs=attrs, outputs=outs))
        outputs.extend(outs)
    graph = Graph(inputs=inputs, outputs=outputs, nodes=nodes, types=types, params=params,
                  param_data=param_data)
    return Region("r0", target, graph, nodes, inputs, outputs, params)


def input_tensors(batch: list[Case]) -> list[Any]:
    """The non-param tensors of every case, in the order :func:`region_for` makes inputs."""
    return [t for case in batch for i, t in enumerate(case.tensors)
            if t is not None and i not in case.params]
