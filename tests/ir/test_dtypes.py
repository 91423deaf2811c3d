"""Every torch dtype has an IR dtype; nodes in dtypes no chosen target runs fall back to
PyTorch with reason DTYPE, and models using float64, complex or unsigned tensors (rotary
embeddings through view_as_complex / polar, stft front ends) compile and match eager.

Tolerances: tests/runtime/helpers.py (exact for the integer cases).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import hwsdk
from hwsdk.ir.dtypes import DType, from_torch, to_torch
from tests.runtime.helpers import assert_same_output


def test_every_torch_dtype_round_trips() -> None:
    import torch

    dtypes = {v for v in vars(torch).values() if isinstance(v, torch.dtype)}
    assert {to_torch(from_torch(d)) for d in dtypes} == dtypes
    assert len(DType) == len(dtypes)


def _module(fn: Callable[..., Any]) -> Any:
    import torch

    class Call(torch.nn.Module):
        def forward(self, *args: Any) -> Any:
            return fn(*args)

    return Call().eval()


def _rope(x: Any) -> Any:
    """Meta's Llama reference rotary embedding: polar frequencies times view_as_complex."""
    import torch

    half = torch.arange(0, x.shape[-1], 2).float() / x.shape[-1]
    freqs = torch.outer(torch.arange(x.shape[1]).float(), 1.0 / (10000 ** half))
    cis = torch.polar(torch.ones_like(freqs), freqs)
    xc = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
    return torch.view_as_real(xc * cis).flatten(2).type_as(x)


def _power_spectrum(x: Any) -> Any:
    import torch

    spec = torch.stft(x, n_fft=64, hop_length=16, window=torch.hann_window(64),
                      return_complex=True)
    return spec.abs() ** 2


def _cases() -> dict[str, tuple[Callable[..., Any], Callable[[], tuple[Any, ...]]]]:
    import torch

    return {
        "float64": (lambda x: torch.tanh(x) * 2 + 1, lambda: (torch.randn(3, 4).double(),)),
        "complex64": (lambda x: x * x + 1, lambda: (torch.randn(3, 4, dtype=torch.complex64),)),
        "complex128": (lambda x: (x * 2).abs(),
                       lambda: (torch.randn(3, 4, dtype=torch.complex128),)),
        "uint16": (lambda x: x.to(torch.int32) * 3, lambda: (torch.arange(12).to(torch.uint16),)),
        "uint32": (lambda x: x.to(torch.int64) + 1, lambda: (torch.arange(12).to(torch.uint32),)),
        "uint64": (lambda x: x * 2, lambda: (torch.arange(12).to(torch.uint64),)),
        "float8": (lambda x: x.float() * 2, lambda: (torch.randn(3, 4).to(torch.float8_e4m3fn),)),
        "rope": (_rope, lambda: (torch.randn(2, 8, 16),)),
        "stft": (_power_spectrum, lambda: (torch.randn(2, 512),)),
    }


@pytest.mark.parametrize("target", ["cpu", "torch"])
@pytest.mark.parametrize("case", sorted(_cases()))
def test_models_in_any_dtype_compile_and_match_eager(case: str, target: str) -> None:
    fn, make = _cases()[case]
    model, example = _module(fn), make()
    compiled = hwsdk.compile(model, example, target=target)
    assert_same_output(compiled(*example), model(*example))


def test_a_dtype_no_target_runs_falls_back_with_reason_dtype() -> None:
    fn, make = _cases()["float64"]
    plan = hwsdk.explain(_module(fn), make(), target="cpu")
    assert {info.code.value for info in plan.nodes.values()} == {"DTYPE"}
    assert all("not f64" in info.reason for info in plan.nodes.values())
    torch_table = hwsdk.capabilities("torch")
    assert torch_table.support("tanh", DType.f64) == "yes"
    assert torch_table.support("mul", DType.c64) == "yes"
