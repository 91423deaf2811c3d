"""Symbolic dims: evaluating torch's printed expressions, and naming symbols after user Dims."""

from __future__ import annotations

import pytest

from hwsdk.errors import IRError
from hwsdk.ir.symbolic import evaluate_dim, evaluate_expr, symbols_in
from hwsdk.ir.symbols import SymbolNamer, SymExpr, SymFloatExpr, contains_sym, dim_names


@pytest.mark.parametrize(("expr", "value"), [
    ("batch", 3), ("batch*seq", 21), ("2*seq + 1", 15), ("(seq//2)", 3),
    ("PythonMod(seq, 4)", 3), ("Mod(seq, 4)", 3), ("Max(1, seq - 9)", 1), ("Min(batch, seq)", 3),
    ("CeilToInt(IntTrueDiv(seq, 2))", 4), ("FloorDiv(seq, 2)", 3), ("seq**2", 49),
])
def test_evaluate_torch_expressions(expr: str, value: int) -> None:
    assert evaluate_dim(expr, {"batch": 3, "seq": 7}) == value


def test_float_expressions_and_symbols() -> None:
    assert evaluate_expr("FloatPow(ToFloat(2*half), 0.5)", {"half": 8}) == 4.0
    assert symbols_in("Max(1, batch*seq)") == {"batch", "seq"}
    assert symbols_in(4) == frozenset()


@pytest.mark.parametrize(("expr", "message"), [
    ("batch + nope", "unbound symbol"), ("__import__('os')", "not allowed"),
    ("batch +", "cannot parse"), ("batch // 0", "cannot be evaluated"),
])
def test_bad_expressions_raise_ir_error(expr: str, message: str) -> None:
    with pytest.raises(IRError, match=message):
        evaluate_dim(expr, {"batch": 2})


@pytest.mark.parametrize(("expr", "message"), [
    ("9**9**9**9", "exceeds 1024 bits"), ("PowByNatural(9, 99999999)", "exceeds 1024 bits"),
    ("batch**(10**9)", "exceeds 1024 bits"), ("2**" + "9" * 400, "only numbers of at most"),
    ("'x' * 10**8", "constant 'x'"), ("batch" + "+batch" * 400, "longer than the 2000"),
    ("-" * 1900 + "1", "nested too deeply|cannot parse"),
])
def test_unbounded_work_is_refused(expr: str, message: str) -> None:
    """A dim string can come from a saved IR file: its evaluation must stay cheap."""
    with pytest.raises(IRError, match=message):
        evaluate_dim(expr, {"batch": 2})
    assert evaluate_dim("2**1000 // 2**999", {}) == 2 and evaluate_dim("(-1)**99999", {}) == -1


def test_namer_renames_symbols_in_expressions() -> None:
    import sympy
    import torch
    from torch.fx.experimental.symbolic_shapes import ShapeEnv

    s0 = sympy.Symbol("s0", integer=True, positive=True)
    s1 = sympy.Symbol("s1", integer=True, positive=True)
    namer = SymbolNamer({"s0": "batch", "s1": "seq"})
    assert namer.text(s0 * s1 + 1) in ("batch*seq + 1", "seq*batch + 1")
    assert namer.dim(5) == 5
    env = ShapeEnv()
    sym = env.create_unbacked_symint()
    assert isinstance(namer.scalar(sym), SymExpr)
    assert isinstance(namer.scalar(torch.sym_float(sym)), SymFloatExpr)
    assert namer.scalar(3) == 3


def test_contains_sym() -> None:
    assert contains_sym([1, {"a": SymExpr("seq")}])
    assert not contains_sym([1, "tanh", {"a": 2}])


def test_dim_names_follow_dynamic_shapes() -> None:
    import torch
    from torch.export import Dim

    class M(torch.nn.Module):
        def forward(self, x: torch.Tensor, pair: tuple[torch.Tensor, torch.Tensor]) -> None:
            return None

    batch, half = Dim("batch"), Dim("half")
    args = (torch.zeros(2, 4), (torch.zeros(2), torch.zeros(3)))
    assert dim_names(M(), args, {"x": {0: batch, 1: 2 * half},
                                 "pair": ({0: batch}, None)}) == [{0: "batch", 1: "half"},
                                                                 {0: "batch"}, {}]
    assert dim_names(M(), args, ((None, Dim.AUTO), None)) == [{}, {}, {}]
    assert dim_names(M(), args, None) == []
