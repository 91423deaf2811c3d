"""Quantized weights in the ONNX lowering: MatMulNBits' packed layout against the IR's
reference dequantize (decoded here from ORT's contrib-op spec, not from the packer), the
``linear`` it replaces, and the standard-ONNX float form without it."""

from __future__ import annotations

from typing import Any

import pytest

onnx = pytest.importorskip("onnx")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from hwsdk.ir.dtypes import DType, from_torch  # noqa: E402
from hwsdk.ir.graph import Graph, Node, TensorType  # noqa: E402
from hwsdk.ir.ops.quant import dequantize_reference, pack_int4  # noqa: E402
from hwsdk.lower.onnx import lower  # noqa: E402
from hwsdk.lower.onnx.builder import MS_DOMAIN  # noqa: E402
from hwsdk.lower.onnx.nbits import channel_block, pack, valid_block  # noqa: E402


def _decode(b: Any, scales: Any, zero: Any, bits: int, block: int, n: int, k: int) -> Any:
    """MatMulNBits' weight ``[N, K]`` as docs/ContribOperators.md defines it: B
    ``[N, K/block, block*bits/8]`` (4-bit: element 2j in the low nibble), scales
    ``[N * K/block]``, zero points packed like B (default 2^(bits-1))."""
    blocks = b.shape[1]
    assert b.shape == (n, -(-k // block), block * bits // 8)
    q = b.astype(np.int32)
    if bits == 4:
        q = np.stack((q & 15, q >> 4), axis=-1).reshape(n, blocks, block)
    if zero is None:
        z = np.full((n, blocks), 1 << (bits - 1))
    elif bits == 4:
        zb = zero.reshape(n, -1).astype(np.int32)
        z = np.stack((zb & 15, zb >> 4), axis=-1).reshape(n, -1)[:, :blocks]
    else:
        z = zero.reshape(n, blocks).astype(np.int32)
    w = (q - z[..., None]) * scales.reshape(n, blocks, 1)
    return w.reshape(n, blocks * block)[:, :k]


def _quantized(bits: int, group: int, n: int, k: int, zero: bool) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(n * k + bits)
    groups = k // group if group else 1
    shape = (n, groups) if group else (n,)
    if bits == 8:
        data = torch.randint(-127, 128, (n, k), generator=gen, dtype=torch.int8)
        zp = torch.randint(-20, 20, shape, generator=gen, dtype=torch.int8) if zero else None
    else:
        data = pack_int4(torch.randint(0, 16, (n, k), generator=gen, dtype=torch.uint8))
        zp = torch.randint(0, 16, shape, generator=gen, dtype=torch.uint8) if zero else None
    scale = torch.rand(shape, generator=gen) + 0.01
    return {"data": data, "scale": scale, "zero": zp}


CASES = [(8, 0, 37, 100, False), (8, 0, 16, 256, False), (8, 0, 5, 7, True),
         (8, 32, 9, 96, True), (4, 32, 11, 96, True), (4, 16, 3, 48, False),
         (4, 0, 6, 200, True), (4, 128, 4, 384, True)]
"""(bits, group_size, N, K, zero point): per channel with K padded to whole blocks, odd
numbers of blocks (zero points packed with a pad nibble), symmetric and asymmetric."""


@pytest.mark.parametrize(("bits", "group", "n", "k", "zero"), CASES)
def test_packed_weight_decodes_to_the_reference_dequantize(bits: int, group: int, n: int,
                                                           k: int, zero: bool) -> None:
    q = _quantized(bits, group, n, k, zero)
    arrays = [None if t is None else t.numpy() for t in q.values()]
    packed = pack(*arrays, bits=bits, group_size=group, n=n, k=k)
    assert valid_block(packed.block) and packed.block == (group or channel_block(k, bits))
    got = _decode(*packed.arrays, bits=bits, block=packed.block, n=n, k=k)
    want = dequantize_reference(q["data"], q["scale"], q["zero"], bits, group, (n, k))
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6, atol=1e-6)


def test_4bit_data_and_scales_are_passed_without_a_copy() -> None:
    q = _quantized(4, 32, 8, 64, True)
    packed = pack(q["data"].numpy(), q["scale"].numpy(), q["zero"].numpy(), bits=4,
                  group_size=32, n=8, k=64)
    assert np.shares_memory(packed.arrays[0], q["data"].numpy())
    assert np.shares_memory(packed.arrays[1], q["scale"].numpy())


def _graph(bits: int, group: int, n: int, k: int) -> Graph:
    q = _quantized(bits, group, n, k, bits == 4)
    names = {"data": "w.qdata", "scale": "w.qscale", "zero": "w.qzero"}
    params = {names[key]: t for key, t in q.items() if t is not None}
    types = {name: TensorType(from_torch(t.dtype), tuple(t.shape)) for name, t in params.items()}
    types.update({"x": TensorType(DType.f32, (2, "s0", k)), "w": TensorType(DType.f32, (n, k)),
                  "b": TensorType(DType.f32, (n,)), "y": TensorType(DType.f32, (2, "s0", n))})
    nodes = [Node("dq", "dequantize", list(params), {"bits": bits, "group_size": group,
                                                      "shape": [n, k]}, ["w"]),
             Node("fc", "linear", ["x", "w", "b"], {}, ["y"])]
    graph = Graph(inputs=["x"], outputs=["y"], nodes=nodes, types=types,
                  params=[*params, "b"], param_data={**params, "b": torch.randn(n)})
    graph.validate()
    return graph


def _run(model: Any, x: Any) -> Any:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), so,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x.numpy()})[0]


def _close(got: Any, want: Any) -> None:
    """Within 1e-6 of the largest reference value (the issue's measure, max |diff| / max |ref|:
    float32 sums in another order)."""
    assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()


def _reference(graph: Graph, x: Any) -> Any:
    from hwsdk.ir.opdef import get_op

    dq, _ = graph.nodes
    w = get_op("dequantize").reference(*(graph.param_data[v] for v in dq.inputs), **dq.attrs)
    return torch.nn.functional.linear(x, w, graph.param_data["b"])


@pytest.mark.parametrize(("bits", "group", "n", "k"), [(8, 0, 37, 100), (4, 32, 19, 96)])
def test_linear_of_a_dequantized_weight_becomes_one_matmul_nbits(bits: int, group: int,
                                                                 n: int, k: int) -> None:
    pytest.importorskip("onnxruntime")
    graph = _graph(bits, group, n, k)
    lowered = lower(graph, graph.nodes, ["x"], ["y"], matmul_nbits=1)
    ops = [node.op_type for node in lowered.model.graph.node]
    assert ops == ["MatMulNBits", "Add"]  # the float form, unread, is dropped
    (fused,) = [node for node in lowered.model.graph.node if node.domain == MS_DOMAIN]
    attrs = {a.name: a.i for a in fused.attribute}
    assert attrs["bits"] == bits and attrs["accuracy_level"] == 1
    assert {(o.domain, o.version) for o in lowered.model.opset_import} >= {(MS_DOMAIN, 1)}
    x = torch.randn(2, 5, k)
    _close(_run(lowered.model, x), _reference(graph, x).numpy())


@pytest.mark.parametrize(("bits", "group"), [(8, 0), (4, 32)])
def test_without_matmul_nbits_the_weight_is_dequantized_in_standard_onnx(bits: int,
                                                                          group: int) -> None:
    pytest.importorskip("onnxruntime")
    graph = _graph(bits, group, 12, 64)
    lowered = lower(graph, graph.nodes, ["x"], ["y"])
    onnx.checker.check_model(lowered.model, full_check=True)
    assert "MatMulNBits" not in {node.op_type for node in lowered.model.graph.node}
    x = torch.randn(2, 3, 64)
    _close(_run(lowered.model, x), _reference(graph, x).numpy())
