"""A compiled model returns the Python numbers eager returns (``.item()``, sizes, constants)
and leaves the inputs it updates in place as eager leaves them (training-mode batch norm)."""

from __future__ import annotations

from typing import Any

import pytest

import hwsdk
from hwsdk.errors import CaptureError

TARGETS = ["cpu", "torch"]


@pytest.mark.parametrize("target", TARGETS)
def test_item_sizes_and_constants_come_back_as_eager_returns_them(target: str) -> None:
    import torch

    class Numbers(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> Any:
            total = (x * 2).sum().item()  # a float read from a computed tensor
            count = (x > 0).sum().item()  # an int
            shape = torch.broadcast_shapes((1, x.shape[0]), (3, 1))
            return x.abs(), total + x.shape[0], count, shape, x.shape[0] * 2, 7

    dim = torch.export.Dim("n", min=2)
    cm = hwsdk.compile(Numbers(), (torch.randn(4),), target=target,
                       dynamic_shapes=({0: dim},))
    for x in (torch.randn(4), torch.randn(9)):  # the numbers follow the call, not the capture
        out, ref = cm(x), Numbers()(x)
        torch.testing.assert_close(out[0], ref[0])
        assert out[1] == pytest.approx(ref[1], rel=1e-6)
        assert [type(v) for v in out[1:]] == [type(v) for v in ref[1:]] == [
            float, int, torch.Size, int, int]
        assert out[2:] == ref[2:]


@pytest.mark.parametrize("target", TARGETS)
def test_a_lone_item_output(target: str) -> None:
    import torch

    class Item(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> Any:
            return x.item()

    cm = hwsdk.compile(Item(), (torch.tensor(1.5),), target=target)
    assert cm(torch.tensor(-2.25)) == -2.25
    assert cm.captured.output_plan is not None


@pytest.mark.parametrize("target", TARGETS)
def test_training_batch_norm_updates_the_callers_running_stats(target: str) -> None:
    import torch

    class Norm(torch.nn.Module):
        def forward(self, x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> Any:
            return torch.nn.functional.batch_norm(x, mean, var, training=True, momentum=0.3)

    x = torch.randn(6, 3)
    cm = hwsdk.compile(Norm(), (x, torch.zeros(3), torch.ones(3)), target=target)
    ours, theirs = (torch.zeros(3), torch.ones(3)), (torch.zeros(3), torch.ones(3))
    for _ in range(2):  # the second call starts from the first call's update
        x = torch.randn(6, 3)
        torch.testing.assert_close(cm(x, *ours), Norm()(x, *theirs))
        for a, b in zip(ours, theirs, strict=True):
            torch.testing.assert_close(a, b)
    assert not torch.equal(ours[0], torch.zeros(3))


def test_an_in_place_update_of_an_input_is_written_back() -> None:
    import torch

    class Bump(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            y.add_(x)
            return x * 2

    x, y = torch.randn(3), torch.randn(3)
    cm = hwsdk.compile(Bump(), (x, y.clone()), target="cpu")
    mine = y.clone()
    torch.testing.assert_close(cm(x, mine), x * 2)
    torch.testing.assert_close(mine, y + x)


def test_an_in_place_update_of_a_buffer_is_refused_saying_what_to_do() -> None:
    import torch

    norm = torch.nn.BatchNorm1d(3).train()
    with pytest.raises(CaptureError, match=r"mutates \S*running_mean in place "
                       r"\(BUFFER_MUTATION\).*pass that buffer as an input"):
        hwsdk.compile(norm, (torch.randn(4, 3),), target="cpu")


def test_tensor_only_models_keep_the_plain_output_path() -> None:
    import torch

    cm = hwsdk.compile(torch.nn.ReLU(), (torch.randn(3),), target="cpu")
    assert cm.captured.output_plan is None
