"""Quantized weights in Triton kernels: ``dequantize -> linear`` as one matmul kernel whose
weight load dequantizes, and the ``dequantize`` kernel where the float weight has other
readers; checked against the eager reference in the interpreter and compiled for sm_90 and
gfx942."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from hwsdk.ir.quant.rtn import quantize_int4, quantize_int8
from tests.lower.triton.aot_check import ARCHS, compile_all
from tests.lower.triton.conftest import Build, check, families

DTYPES = [torch.float32, torch.float16, torch.bfloat16]
N, K, GROUP = 37, 72, 8
"""Not multiples of the tiles: N=37 masks the last output columns, K=72 spans two K blocks
of 64 with a tail, and 9 groups of 8."""


def _quantized_weight(b: Build, bits: int, dtype: torch.dtype, zero8: bool = False) -> str:
    w = (torch.randn(N, K) / 5).to(dtype)
    if bits == 8 and not zero8:
        data, scale = quantize_int8(w)
        return str(b.op("dequantize", b.input(data, param=True), b.input(scale, param=True),
                        bits=8, group_size=0, shape=[N, K]))
    if bits == 8:  # int8 per group with a zero point: the IR allows it, rtn does not emit it
        data = torch.randint(-128, 127, (N, K), dtype=torch.int8)
        scale = (torch.rand(N, K // GROUP) / 50).to(dtype)
        zero = torch.randint(-3, 3, (N, K // GROUP), dtype=torch.int8)
        return str(b.op("dequantize", b.input(data, param=True), b.input(scale, param=True),
                        b.input(zero, param=True), bits=8, group_size=GROUP, shape=[N, K]))
    data, scale, zero = quantize_int4(w, GROUP)
    return str(b.op("dequantize", b.input(data, param=True), b.input(scale, param=True),
                    b.input(zero, param=True), bits=4, group_size=GROUP, shape=[N, K]))


def _quantized_mlp(bits: int, dtype: torch.dtype, m: int = 9, zero8: bool = False
                   ) -> tuple[Build, str]:
    b = Build()
    x = b.input(torch.randn(2, m, K).to(dtype))
    bias = b.input(torch.randn(N).to(dtype), param=True)
    out = b.op("relu", b.op("linear", x, _quantized_weight(b, bits, dtype, zero8), bias))
    return b, out


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("dtype", DTYPES)
def test_dequantize_linear_is_one_matmul_kernel_loading_the_quantized_weight(
        bits: int, dtype: torch.dtype) -> None:
    b, out = _quantized_mlp(bits, dtype)
    compiled = check(b, [out])
    assert families(compiled) == ["matmul"]
    spec = compiled.program.kernels[0]
    assert spec.ops == ["dequantize", "linear", "relu"]
    dq = compiled.region.nodes[0]
    # the kernel reads the quantized params and writes only the result: no float weight
    assert set(dq.inputs) <= set(spec.inputs) and dq.outputs[0] not in spec.inputs
    assert spec.outputs == [out]


def test_several_m_tiles_and_a_per_group_int8_zero_point() -> None:
    b, out = _quantized_mlp(8, torch.float32, m=150, zero8=True)  # 300 rows: 3 tiles of 128
    assert families(check(b, [out])) == ["matmul"]


@pytest.mark.parametrize("bits", [8, 4])
def test_a_weight_with_other_readers_gets_a_dequantize_kernel(bits: int) -> None:
    b = Build()
    x = b.input(torch.randn(5, K))
    w = _quantized_weight(b, bits, torch.float32)
    y = b.op("linear", x, w, "")
    compiled = check(b, [y, w])  # the float weight is an output too: it must be written
    assert families(compiled) == ["dequantize", "matmul"]
    b2 = Build()
    w2 = _quantized_weight(b2, bits, torch.float16)
    assert families(check(b2, [b2.op("mul", w2, scalar=2.0)])) == ["dequantize", "pointwise"]


def _graphs() -> list[Any]:
    graphs = []
    for bits in (8, 4):
        b, out = _quantized_mlp(bits, torch.float16)
        graphs.append(b.graph([out]))
        b = Build()
        graphs.append(b.graph([_quantized_weight(b, bits, torch.bfloat16)]))
    return graphs


@pytest.mark.parametrize("arch", ARCHS)
def test_quantized_kernels_compile_ahead_of_time(arch: str) -> None:
    pytest.importorskip("triton")
    kinds = []
    for graph in _graphs():
        kinds += [ck.metadata.name for ck in compile_all(graph, arch)]
    assert kinds == ["k0_matmul", "k0_dequantize", "k0_matmul", "k0_dequantize"]
