"""Every op x dtype the intel:cpu table claims: lowered, compiled for the OpenVINO CPU device,
and compared with the op's PyTorch reference.

Compiling is the slow part, so the cases of one op (all its dtypes) share one compiled
region, built on the op's first test; each op x dtype still passes or fails on its own.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hwsdk_intel import IntelTarget
from hwsdk_intel.capabilities import CLAIMS, table
from intel_cases import Case, cases, input_tensors, region_for

from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import get_op

CPU = IntelTarget().for_variant("cpu")
"""The intel:cpu target, called directly (the registry adds its own rules on top)."""

CLAIMED = [(op, dt) for op, dtypes in sorted(CLAIMS.items()) for dt in dtypes]

_RESULTS: dict[str, dict[DType, list[tuple[Case, list[Any]]]]] = {}


def _run_op(op: str) -> dict[DType, list[tuple[Case, list[Any]]]]:
    """Lower, compile and run every case of ``op`` once; outputs grouped by dtype."""
    if op not in _RESULTS:
        torch.manual_seed(0)
        keyed = [(dt, case) for dt in CLAIMS[op] for case in cases(op, dt)]
        batch = [case for _, case in keyed]
        region = region_for(op, batch)
        compiled = CPU.compile(region, {})
        assert compiled is not None
        flat = list(compiled.run(input_tensors(batch), {}))
        grouped: dict[DType, list[tuple[Case, list[Any]]]] = {}
        for (dt, case), node in zip(keyed, region.nodes, strict=True):
            outs, flat = flat[:len(node.outputs)], flat[len(node.outputs):]
            grouped.setdefault(dt, []).append((case, outs))
        _RESULTS[op] = grouped
    return _RESULTS[op]


def _tolerance(dtype: torch.dtype) -> dict[str, float]:
    if dtype == torch.float16:
        return {"atol": 1e-2, "rtol": 1e-2}
    return {"atol": 2e-5, "rtol": 1e-5}


def _compare(op: str, case: Case, outputs: list[Any]) -> None:
    attrs = get_op(op).check_attrs(case.attrs)
    expected = get_op(op).reference(*case.tensors, **attrs)
    want_all = list(expected) if isinstance(expected, (tuple, list)) else [expected]
    assert len(outputs) == len(want_all)
    label = f"{op} {case.label or 'default'}"
    for got, want in zip(outputs, want_all, strict=True):
        assert got.dtype == want.dtype, f"{label}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{label}: shape {tuple(got.shape)} != {tuple(want.shape)}"
        if want.dtype.is_floating_point:
            torch.testing.assert_close(got, want, **_tolerance(want.dtype), msg=label)
        else:
            assert torch.equal(got, want), f"{label}: {got} != {want}"


@pytest.mark.parametrize(("op", "dtype"), CLAIMED, ids=[f"{o}-{d}" for o, d in CLAIMED])
def test_claimed_op_matches_reference(op: str, dtype: DType) -> None:
    for case, outputs in _run_op(op)[dtype]:
        _compare(op, case, outputs)


def test_every_yes_in_every_table_is_a_claim() -> None:
    for variant in ("cpu", "gpu", "npu"):
        for op, support in table(variant).ops.items():
            for dtype, value in support.dtypes.items():
                if value == "yes":
                    assert dtype in CLAIMS[op], f"intel:{variant} {op} {dtype} is untested"
