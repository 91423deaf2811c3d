"""Generated cases: every one builds a valid one-node graph the PyTorch reference runs."""

from __future__ import annotations

from typing import Any

import pytest

from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import all_ops
from hwsdk.testing.cases import PATTERNS, cases_for, has_generator, make_inputs
from hwsdk.testing.graphs import one_node_graph, reference_outputs, sandwich_graph

_OPS = [op.name for op in all_ops() if has_generator(op.name)]


def test_every_core_op_has_a_generator() -> None:
    missing = [op.name for op in all_ops() if not has_generator(op.name)]
    assert not missing, f"add generators to hwsdk/testing/cases*.py for {missing}"
    assert not has_generator("not_an_op")  # unknown ops are skipped, never silently passed


@pytest.mark.parametrize("op", _OPS)
def test_every_case_runs_on_the_reference(op: str) -> None:
    dtype = DType.bool if op in ("logical_not", "logical_and", "logical_or") else DType.f32
    cases = cases_for(op, dtype)
    assert cases
    if op not in ("arange", "full"):
        assert any(c.pattern == "zeros" for c in cases)
    for seed, case in enumerate(cases):
        assert case.pattern in PATTERNS
        built = one_node_graph(case, make_inputs(case, dtype, seed))
        outs = reference_outputs(built.graph, built.inputs)
        assert len(outs) == len(built.graph.outputs)


def test_extremes_and_zeros_are_generated() -> None:
    import torch

    cases = {c.pattern: c for c in cases_for("add", DType.f16)}
    large = make_inputs(cases["large"], DType.f16)[0]
    small = make_inputs(cases["small"], DType.f16)[0]
    assert large.abs().min() >= 8 and torch.isfinite(large * large).all()
    assert small.abs().max() < 5e-3 and small.dtype == torch.float16
    assert not make_inputs(cases["zeros"], DType.f16)[0].any()


def test_sandwich_puts_opaque_ops_around_the_node() -> None:
    case = cases_for("relu", DType.f32)[1]
    built = sandwich_graph(one_node_graph(case, make_inputs(case, DType.f32)))
    assert [n.op for n in built.graph.nodes] == ["torch_op", "relu", "torch_op"]
    (out,) = reference_outputs(built.graph, built.inputs)
    assert out.shape == built.inputs[0].shape


def _one_op_per_generator() -> list[str]:
    from hwsdk.testing.cases import _GENERATORS

    picked: dict[object, str] = {}
    for op, gen in _GENERATORS.items():
        picked.setdefault(getattr(gen, "__code__", gen), op)
    return sorted(picked.values())


@pytest.mark.parametrize("dtype", list(DType), ids=str)
def test_inputs_are_drawn_in_every_dtype_a_table_may_claim(dtype: DType) -> None:
    """Complex, sub-byte, bit-container, float4 and quantized included, in every case and
    input class, so a claim in any dtype is checked rather than skipped."""
    from hwsdk.ir.dtypes import to_torch
    from hwsdk.testing.inputs import class_cases

    for op in _one_op_per_generator():
        cases = cases_for(op, dtype)
        for case in cases + class_cases(cases, dtype):
            tensors = make_inputs(case, dtype)
            for spec, tensor in zip(case.inputs, tensors, strict=True):
                if spec is not None and spec.role == "data":
                    assert tensor.dtype == to_torch(dtype), (op, case.label, case.input_class)
                    assert tuple(tensor.shape) == spec.shape, (op, case.label)


def _numbers(tensor: Any, dtype: DType) -> Any:
    """The values of a drawn tensor as float64 (quantized: dequantized; byte-viewed dtypes:
    their storage integers; complex: real and imaginary parts side by side)."""
    import torch

    from hwsdk.testing.values import BYTE_VIEWED, QUANTIZED, is_unsigned, storage_dtype

    if dtype in QUANTIZED:
        return tensor.dequantize().double()
    if dtype.is_complex:
        return torch.view_as_real(tensor.to(torch.complex128))
    if dtype in BYTE_VIEWED:
        store = storage_dtype(tensor.dtype)
        if dtype.value[0] == "i":
            store = torch.int8
        return tensor.view(store).to(torch.int64).double()
    return tensor.to(torch.float64) if not is_unsigned(dtype) else tensor.to(torch.int64).double()


@pytest.mark.parametrize("dtype", [DType.c64, DType.u4, DType.i3, DType.bits16, DType.qint8,
                                   DType.quint4x2, DType.f4e2m1fnx2, DType.u32], ids=str)
def test_drawn_values_are_in_range_and_patterned(dtype: DType) -> None:
    from hwsdk.testing.values import is_unsigned

    cases = {c.pattern: c for c in cases_for("add", dtype)}
    normal, zeros, large = (_numbers(make_inputs(cases[p], dtype)[0], dtype)
                            for p in ("normal", "zeros", "large"))
    assert normal.ne(0).any() and not zeros.ne(0).any()
    if dtype is DType.i3:
        assert normal.min() >= -4 and large.max() <= 3
    if dtype is DType.u4:
        assert large.max() <= 15
    if is_unsigned(dtype):  # never a negative draw wrapped around to a huge one
        assert normal.min() >= 0 and normal.max() < 16
