"""The kit's input classes: layouts keep the values, special values and shapes are derived
where the op accepts them, and the kit catches an engine that reads a layout wrong, while a
declared class is reported as declared."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from hwsdk.capability import INPUT_CLASSES, UnhandledInputs
from hwsdk.ir.dtypes import DType
from hwsdk.testing.cases import cases_for, make_inputs
from hwsdk.testing.inputs import LAYOUTS, class_cases
from tests.support.fake_dist import write_distribution
from tests.testing.support import run_kit


def _case(op: str, cls: str, dtype: DType = DType.f32):  # type: ignore[no-untyped-def]
    return next(c for c in class_cases(cases_for(op, dtype), dtype) if c.input_class == cls)


def test_add_gets_every_class() -> None:
    found = {c.input_class for c in class_cases(cases_for("add", DType.f32), DType.f32)}
    assert found == set(INPUT_CLASSES) - {"contiguous"}
    ints = {c.input_class for c in class_cases(cases_for("add", DType.i32), DType.i32)}
    assert "nan_inf" not in ints  # no NaN in integers


@pytest.mark.parametrize("cls", LAYOUTS)
def test_layouts_are_not_contiguous(cls: str) -> None:
    case = _case("linear", cls)
    tensors = make_inputs(case, DType.f32)
    rank = 2 if cls == "transposed" else 1
    assert all(not t.is_contiguous() for t in tensors if t is not None and t.dim() >= rank)
    if cls in ("transposed", "strided"):  # same values as the contiguous draw
        plain = make_inputs(type(case)(case.op, case.label, case.inputs, case.attrs),
                            DType.f32)
        for a, b in zip(tensors, plain, strict=True):
            assert a is None or torch.equal(a, b)
    if cls == "zero_stride":
        assert all(set(t.stride()) == {0} for t in tensors if t is not None)


def test_strided_gaps_hold_nan() -> None:
    (x, _) = make_inputs(_case("add", "strided"), DType.f32)
    storage = torch.tensor(x.untyped_storage().tolist(), dtype=torch.uint8)
    wide = storage.view(torch.float32)
    assert torch.isnan(wide[1::2]).all() and not torch.isnan(wide[::2]).any()


def test_nan_inf_and_shapes() -> None:
    (x, y) = make_inputs(_case("add", "nan_inf"), DType.f32)
    for t in (x, y):
        assert t.isnan().any() and t.isposinf().any() and t.isneginf().any()
    assert not torch.equal(x.isnan(), y.isnan())  # specials meet finite values of the other
    zero = _case("add", "zero_size")
    assert [s.shape for s in zero.inputs if s] == [(0, 5), (0, 5)]
    rank0 = _case("sum", "rank0")
    assert [s.shape for s in rank0.inputs if s] == [()] and rank0.attrs["dims"] == []


def test_unhandled_inputs_is_declarative() -> None:
    c = UnhandledInputs(classes=["nan_inf"], why="MaxPool skips NaN")
    assert "nan_inf" in c.describe() and "MaxPool" in c.describe()
    with pytest.raises(ValueError):
        UnhandledInputs(classes=["sideways"], why="x")  # type: ignore[list-item]


STRIDEBUG = '''
from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import (Availability, CapabilityTable, CompiledRegion, OpSupport, Provenance,
                          TargetInfo, UnhandledInputs, hookimpl, to_fx)

HWSDK_PLUGIN_API = ">=1,<2"
NAMES = ("stridebug", "nanbug")


class Add(CompiledRegion):
    def __init__(self, target, region):
        super().__init__({"engine": target})
        self.target = target
        self.fx = to_fx(region)

    def run(self, inputs, env):
        import torch

        a = inputs[0]
        if self.target == "stridebug":  # reads the first input's memory as if contiguous
            a = torch.as_strided(a, a.shape, torch.empty(a.shape).stride(), a.storage_offset())
        else:
            a = torch.nan_to_num(a)
        return self.fx([a, *inputs[1:]], env)


@hookimpl
def hwsdk_targets():
    return [TargetInfo(name=n, vendor="test", description=f"broken on purpose: {n}")
            for n in NAMES]


@hookimpl
def hwsdk_probe(target):
    return Availability(available=True) if target in NAMES else None


@hookimpl
def hwsdk_capabilities(target):
    if target not in NAMES:
        return None
    declared = [UnhandledInputs(classes=["nan_inf"], why="NaN reads as 0")] \\
        if target == "nanbug" else []
    ops = {"add": OpSupport(dtypes={DType.f32: "yes"}, constraints=declared)}
    return CapabilityTable(target=target, version="1", opset_version=OPSET_VERSION,
                           provenance=[Provenance(source="unit test")], ops=ops)


@hookimpl
def hwsdk_compile(target, region, options):
    return Add(target, region) if target in NAMES else None
'''


def test_kit_fails_a_layout_bug_and_reports_a_declared_class(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    write_distribution(root, "hwsdk-stridebug", "0.1", {"hwsdk_stridebug": STRIDEBUG},
                       {"stridebug": "hwsdk_stridebug"})
    done, summary = run_kit(tmp_path, [str(root)], ["stridebug", "nanbug"], "-k", "test_op")
    records = {r["target"]: r for r in summary["records"] if r["kind"] == "op"}
    bug = records["stridebug"]
    assert bug["status"] == "failed", done.stdout[-3000:]
    assert "/transposed:" in bug["detail"] and bug["classes"]["transposed"] == "failed"
    assert bug["classes"]["contiguous"] == "ran"
    nan = records["nanbug"]
    assert nan["status"] == "passed", nan["detail"]
    assert nan["classes"]["nan_inf"] == "declared: NaN reads as 0"
