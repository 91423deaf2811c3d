"""Helpers for comparing a compiled model with eager PyTorch, and the subset plugin's ops."""

from __future__ import annotations

import sys
from typing import Any

from tests.support.fake_dist import DEFAULT_SUBSET

# GELU left out so that even the MLP has fallback boundaries inside it.
SUBSET_OPS = tuple(op for op in DEFAULT_SUBSET if op != "gelu")

# float32 on CPU: the references are the same PyTorch kernels eager uses, but the fallback
# splits composite modules differently (e.g. addmm vs linear), so allow rounding differences.
RTOL = 1e-4
ATOL = 1e-5


def assert_same_output(out: Any, ref: Any) -> None:
    """Same structure (tensor / tuple / ModelOutput / dict) and values within RTOL/ATOL."""
    import torch

    assert type(out) is type(ref), f"structure {type(out).__name__} != {type(ref).__name__}"
    if isinstance(ref, torch.Tensor):
        torch.testing.assert_close(out, ref, rtol=RTOL, atol=ATOL)
    elif isinstance(ref, dict):  # ModelOutput is an OrderedDict
        assert list(out.keys()) == list(ref.keys())
        for key in ref:
            assert_same_output(out[key], ref[key])
    elif isinstance(ref, (tuple, list)):
        assert len(out) == len(ref)
        for a, b in zip(out, ref, strict=True):
            assert_same_output(a, b)
    else:
        assert out == ref


def subset_calls(name: str = "subset") -> list[int]:
    """The CALLS list of the installed subset plugin module (one entry per region run)."""
    return sys.modules[f"hwsdk_test_{name}"].CALLS
