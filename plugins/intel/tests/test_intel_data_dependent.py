"""Data-dependent sizes: a boolean-mask selection runs in PyTorch, and the intel regions after it
take a tensor whose size (``u0``) no call's env binds; the runtime reads it off that tensor."""

from __future__ import annotations

import torch
from torch import nn

import hwsdk

# positives in each input: none, one, some, all
INPUTS = [-torch.rand(16) - 0.1, torch.tensor([-1.0] * 15 + [2.0]), torch.randn(16),
          torch.rand(16) + 0.1]


class Selected(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[x > 0] * 2


class SelectedMore(nn.Module):
    """Softmax, a reduction and an expand with a kept (-1) dim over the selection."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        picked = x[x > 0]
        return (torch.softmax(picked, 0), picked.sum() + y.sum(),
                picked.unsqueeze(1).expand(-1, 3) + y)


def _intel_regions(compiled: object) -> int:
    regions = compiled.plan.regions  # type: ignore[attr-defined]
    return sum(region.target == "intel:cpu" and region.status == "compiled"
               for region in regions)


def test_mask_selection_then_intel_region_runs_for_each_count() -> None:
    compiled = hwsdk.compile(Selected(), (torch.randn(16),), target="intel")
    assert _intel_regions(compiled) == 2
    counts = []
    for x in INPUTS:
        got, want = compiled(x), Selected()(x)
        counts.append(want.numel())
        assert got.shape == want.shape and torch.equal(got, want)
    assert counts[:2] == [0, 1] and counts[3] == 16


def test_data_dependent_size_through_softmax_sum_and_expand() -> None:
    y = torch.randn(3)
    compiled = hwsdk.compile(SelectedMore(), (torch.randn(16), y), target="intel")
    assert _intel_regions(compiled) >= 1
    for x in INPUTS:
        for got, want in zip(compiled(x, y), SelectedMore()(x, y), strict=True):
            assert got.shape == want.shape
            torch.testing.assert_close(got, want)


def test_data_dependent_size_with_a_strided_input() -> None:
    compiled = hwsdk.compile(Selected(), (torch.randn(16),), target="intel")
    for x in INPUTS:
        strided = torch.stack([x, -x], 1)[:, 0]  # same values, stride 2
        assert not strided.is_contiguous()
        assert torch.equal(compiled(strided), Selected()(x))
