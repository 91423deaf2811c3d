"""The torch target's table claims what PyTorch's CPU kernels actually run: every op's
reference is run in every dtype of the table, and each "yes" must run, each "no" must fail."""

from __future__ import annotations

import warnings

import pytest

from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import all_ops, get_op
from hwsdk.registry import get_registry
from hwsdk.testing.cases import cases_for, has_generator, make_inputs


def _runs(op: str, dtype: DType) -> str:
    """"" when every generated case of ``op`` runs in ``dtype`` on CPU, else the error."""
    definition = get_op(op)
    for case in cases_for(op, dtype):
        inputs = make_inputs(case, dtype)  # outside the try: the kit's failure is no claim's
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                definition.reference(*inputs, **definition.check_attrs(dict(case.attrs)))
        except (RuntimeError, NotImplementedError, TypeError) as exc:
            return f"{case.label}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return ""


@pytest.mark.parametrize("op", [o.name for o in all_ops()])
def test_torch_table_claims_match_the_cpu_kernels(op: str) -> None:
    assert has_generator(op), f"the conformance kit generates no cases for {op}"
    entry = get_registry().capabilities("torch").ops[op]
    wrong = []
    for dtype, support in entry.dtypes.items():
        error = _runs(op, dtype)
        if support == "yes" and error:
            wrong.append(f"{dtype}: claimed yes, but {error}")
        elif support == "no" and not error:
            wrong.append(f"{dtype}: claimed no, but it runs")
    assert not wrong, wrong


def test_sdpa_is_not_claimed_in_float8_or_integers() -> None:
    dtypes = get_registry().capabilities("torch").ops["scaled_dot_product_attention"].dtypes
    assert dtypes[DType.f32] == dtypes[DType.bf16] == "yes"
    assert dtypes[DType.i64] == dtypes[DType.f8e4m3fn] == dtypes[DType.bool] == "no"


def test_every_dtype_is_stated() -> None:
    """Silence would read as "no" for the dtypes beyond TABLE_DTYPES; the table states each."""
    for op, entry in get_registry().capabilities("torch").ops.items():
        assert set(entry.dtypes) == set(DType), op
