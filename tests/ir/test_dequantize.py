"""The ``dequantize`` op: type inference, its reference, and constant folding leaving it be."""

from __future__ import annotations

import pytest

from hwsdk.errors import IRError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.fold import fold_constants
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import get_op

torch = pytest.importorskip("torch")


def _graph(op: str = "dequantize") -> Graph:
    """x @ w.T where w = dequantize(q, s) and q, s are computed from no input: constants that
    folding evaluates (params are never folded through, so this is the case to guard)."""
    types = {"x": TensorType(DType.f32, (2, 8)), "q": TensorType(DType.i8, (4, 8)),
             "s": TensorType(DType.f32, (4,)), "w": TensorType(DType.f32, (4, 8)),
             "y": TensorType(DType.f32, (2, 4))}
    dq = (Node("dq", "dequantize", ["q", "s"], {"bits": 8, "group_size": 0, "shape": [4, 8]},
               ["w"]) if op == "dequantize" else Node("dq", "cast", ["q"], {"dtype": "f32"},
                                                      ["w"]))
    nodes = [Node("q", "full", [], {"shape": [4, 8], "value": 3, "dtype": "i8"}, ["q"]),
             Node("s", "full", [], {"shape": [4], "value": 0.5, "dtype": "f32"}, ["s"]),
             dq, Node("mm", "linear", ["x", "w", ""], {}, ["y"])]
    graph = Graph(inputs=["x"], outputs=["y"], nodes=nodes, types=types)
    graph.validate()
    return graph


def test_constant_folding_keeps_the_dequantize() -> None:
    graph = _graph()
    fold_constants(graph)
    assert [n.op for n in graph.nodes] == ["dequantize", "linear"]
    assert graph.param_data["q"].dtype == torch.int8 and "w" not in graph.params


def test_an_ordinary_op_on_constants_is_still_folded() -> None:
    graph = _graph("cast")
    fold_constants(graph)
    assert [n.op for n in graph.nodes] == ["linear"] and "w" in graph.params


def test_int4_round_trip_of_the_packing() -> None:
    from hwsdk.ir.ops.quant import pack_int4, unpack_int4

    values = torch.randint(0, 16, (3, 10), dtype=torch.uint8)
    packed = pack_int4(values)
    assert packed.shape == (3, 5)
    assert int(packed[0, 0]) == int(values[0, 0]) | int(values[0, 1]) << 4
    assert torch.equal(unpack_int4(packed), values)


@pytest.mark.parametrize(("types", "attrs", "message"), [
    ([TensorType(DType.i8, (4, 8)), TensorType(DType.f32, (4,))],
     {"bits": 8, "group_size": 0, "shape": [4, 6]}, "data of a 8-bit"),
    ([TensorType(DType.u8, (4, 4)), TensorType(DType.f32, (4, 3))],
     {"bits": 4, "group_size": 3, "shape": [4, 8]}, "not a multiple of group_size"),
    ([TensorType(DType.u8, (4, 4)), TensorType(DType.f32, (4,))],
     {"bits": 4, "group_size": 4, "shape": [4, 8]}, "scale must be [4, 2]"),
    ([TensorType(DType.i8, (4, 8)), TensorType(DType.f32, (4,))],
     {"bits": 3, "group_size": 0, "shape": [4, 8]}, "bits=3"),
])
def test_infer_refuses_inconsistent_layouts(types: list[TensorType], attrs: dict[str, object],
                                            message: str) -> None:
    with pytest.raises(IRError, match=message.replace("[", r"\[")):
        get_op("dequantize").infer(types, attrs)


def test_infer_gives_the_scale_dtype_and_logical_shape() -> None:
    out = get_op("dequantize").infer(
        [TensorType(DType.u8, (4, 4)), TensorType(DType.f16, (4, 2)),
         TensorType(DType.u8, (4, 2))], {"bits": 4, "group_size": 4, "shape": [4, 8]})
    assert out == [TensorType(DType.f16, (4, 8))]
