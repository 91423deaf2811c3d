"""InputGuard: the one-comparison path for all-static inputs accepts what the per-dim checks
accept and leaves every refusal, with its message, to them."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from hwsdk.errors import InputMismatchError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import TensorType
from hwsdk.runtime.guards import InputGuard


def _guard() -> InputGuard:
    return InputGuard(["x", "k"], [TensorType(DType.f32, (4, 7)), TensorType(DType.i64, ())])


def test_static_inputs_take_the_fast_path_and_bind_nothing() -> None:
    guard = _guard()
    assert guard._fixed is not None
    assert guard.check((torch.zeros(4, 7), torch.tensor(3))) == {}
    assert guard.check((torch.zeros(4, 7, requires_grad=True), torch.tensor(3))) == {}


@pytest.mark.parametrize(("inputs", "message"), [
    ((torch.zeros(4, 8), torch.tensor(3)), "expected size 7 at dim 1"),
    ((torch.zeros(4, 7, dtype=torch.float64), torch.tensor(3)), "expected dtype f32"),
    ((torch.zeros(4, 7), torch.tensor([3])), "expected rank 0"),
    ((torch.zeros(4, 7), 3), "expected a tensor, got int"),
    ((torch.zeros(4, 7),), r"expected 2 input tensor\(s\)"),
])
def test_a_mismatch_gets_the_specific_message(inputs: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InputMismatchError, match=message):
        _guard().check(inputs)


def test_symbolic_inputs_keep_binding() -> None:
    guard = InputGuard(["x"], [TensorType(DType.f32, ("s0", 7))], symbol_ranges={"s0": (2, 8)})
    assert guard._fixed is None
    assert guard.check((torch.zeros(5, 7),)) == {"s0": 5}
    with pytest.raises(InputMismatchError, match="outside the range"):
        guard.check((torch.zeros(9, 7),))
