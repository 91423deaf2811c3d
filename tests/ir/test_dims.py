"""hwsdk.ir.dims: one parsed tree per dim, its evaluation, the visitor, and the work bounds."""

from __future__ import annotations

import pytest

from hwsdk.errors import IRError
from hwsdk.ir.dims import (
    MAX_DEPTH,
    Bin,
    Call,
    Const,
    DimExpr,
    DimVisitor,
    Neg,
    Sym,
    UnsupportedDim,
    evaluate,
    parse,
    symbols,
    unsupported,
)


def test_parse_builds_the_tree_once() -> None:
    tree = parse("2*s0 + Max(1, -s1)")
    assert tree == Bin("+", Bin("*", Const(2), Sym("s0")), Call("Max", (Const(1), Neg(Sym("s1")))))
    assert parse("2*s0 + Max(1, -s1)") is tree  # cached by string
    assert symbols(tree) == {"s0", "s1"}


@pytest.mark.parametrize(("dim", "value"), [
    ("s0", 5), ("(s0//2)", 2), ("2*s0 - 3", 7), ("s0 % 3", 2), ("s0**2", 25), ("-s0", -5),
    ("Max(1, s0 - 9)", 1), ("FloorDiv(s0, 2) + CeilToInt(IntTrueDiv(s0, 2))", 5),
])
def test_evaluate_matches_python(dim: str, value: int) -> None:
    assert evaluate(dim, {"s0": 5}) == value
    assert evaluate(parse(dim), {"s0": 5}) == value
    assert evaluate(7, {}) == 7


@pytest.mark.parametrize(("dim", "message"), [
    ("s0 + nope", "unbound symbol"), ("__import__('os')", "not allowed"),
    ("s0.real", "not allowed"), ("s0 // 0", "cannot be evaluated"), ("s0 +", "cannot parse"),
    ("9**9**9**9", "exceeds 1024 bits"), ("(" * (MAX_DEPTH + 2) + "s0" + ")" * (MAX_DEPTH + 2)
                                          + " + " + "-" * (MAX_DEPTH + 2) + "1",
                                          "nested too deeply"),
    ("Max(" + ",".join(["1"] * 600) + ")", "more than 512 terms"),
])
def test_bad_or_costly_dims_raise_ir_error(dim: str, message: str) -> None:
    with pytest.raises(IRError, match=message):
        evaluate(dim, {"s0": 5})


class _SumsOnly(DimVisitor[int]):
    """A backend that writes + of symbols and constants only (counts the leaves)."""

    def const(self, value: int | float) -> int:
        return 1

    def symbol(self, name: str) -> int:
        return 1

    def binary(self, op: str, left: DimExpr, right: DimExpr) -> int:
        if op != "+":
            raise UnsupportedDim(f"the operator {op}")
        return self.visit(left) + self.visit(right)


def test_a_visitor_writes_what_it_can_and_names_what_it_cannot() -> None:
    assert _SumsOnly().visit(parse("s0 + 1 + s1")) == 3
    assert unsupported("s0 + 1", _SumsOnly()) is None
    assert unsupported(4, _SumsOnly()) is None
    reason = unsupported("Max(s0, 1)", _SumsOnly())
    assert reason is not None and "the function Max" in reason
    reason = unsupported("s0 * 2", _SumsOnly())
    assert reason is not None and "the operator *" in reason
