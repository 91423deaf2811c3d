"""Tolerances of the conformance kit: what counts as a match."""

from __future__ import annotations

import torch

from hwsdk.testing.compare import mismatch


def test_floats_within_tolerance_match() -> None:
    ref = torch.tensor([1.0, -2.0, 3.0])
    assert mismatch(ref + 1e-6, ref) is None
    assert "outside rtol" in (mismatch(ref + 1e-3, ref) or "")


def test_scale_admits_reordered_sums() -> None:
    ref = torch.tensor([1.0])
    assert mismatch(ref + 1e-3, ref) is not None
    assert mismatch(ref + 1e-3, ref, scale=1e4) is None


def test_nan_and_inf_must_line_up() -> None:
    ref = torch.tensor([float("nan"), float("inf"), 1.0])
    assert mismatch(ref.clone(), ref) is None
    assert "NaN" in (mismatch(torch.tensor([0.0, float("inf"), 1.0]), ref) or "")
    assert "infinity" in (mismatch(torch.tensor([float("nan"), -float("inf"), 1.0]), ref) or "")


def test_ints_are_exact_and_dtype_shape_device_checked() -> None:
    ref = torch.tensor([1, 2, 3])
    assert "not equal" in (mismatch(torch.tensor([1, 2, 4]), ref) or "")
    assert "dtype" in (mismatch(ref.int(), ref) or "")
    assert "shape" in (mismatch(ref[:2], ref) or "")
    assert "torch.Tensor" in (mismatch(ref.numpy(), ref) or "")


def test_f16_tolerance_is_looser_than_f32() -> None:
    ref = torch.tensor([1.0], dtype=torch.float16)
    assert mismatch(torch.tensor([1.0009765625], dtype=torch.float16), ref) is None
