"""Inputs of every memory layout, in every input position, through compiled intel regions.

The runtime hands OpenVINO raw pointers (``shared_memory=True``); a non-contiguous input is
copied first, and that copy must live until the request has run. These tests compare with
eager for transposed, strided, expanded, zero-stride and offset inputs, alone and from several
threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

import hwsdk

SHAPE = (8, 16)

LAYOUTS: dict[str, Callable[[], torch.Tensor]] = {
    "contiguous": lambda: torch.randn(SHAPE),
    "transposed": lambda: torch.randn(SHAPE[::-1]).t(),
    "strided": lambda: torch.randn(SHAPE[0], 2 * SHAPE[1])[:, ::2],
    "expanded": lambda: torch.randn(1, SHAPE[1]).expand(SHAPE),
    "zero_stride": lambda: torch.randn(SHAPE[0], 1).expand(SHAPE),
    "offset_rows": lambda: torch.randn(SHAPE[0] + 3, SHAPE[1])[3:],
    "offset_cols": lambda: torch.randn(SHAPE[0], SHAPE[1] + 5)[:, 2:2 + SHAPE[1]],
}
CASES = [(name, pos) for name in LAYOUTS if name != "contiguous" for pos in range(3)]


class Mix(nn.Module):
    """Distinct weights per input, so a wrong or stale buffer in any position shows; the
    first input is also returned as is (a passthrough output)."""

    def forward(self, x: torch.Tensor, y: torch.Tensor,
                z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x * 2 + y * 3 - z, x


@pytest.fixture(scope="module")
def compiled() -> Any:
    example = tuple(torch.randn(SHAPE) for _ in range(3))
    result = hwsdk.compile(Mix(), example, target="intel")
    assert {region.target for region in result.plan.regions} == {"intel:cpu"}
    return result


def _inputs(layout: str, position: int) -> list[torch.Tensor]:
    inputs = [torch.randn(SHAPE) for _ in range(3)]
    inputs[position] = LAYOUTS[layout]()
    assert layout == "offset_rows" or not inputs[position].is_contiguous()
    return inputs


def _check(compiled: Any, inputs: list[torch.Tensor]) -> None:
    got, want = compiled(*inputs), Mix()(*inputs)
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(("layout", "position"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_layout_in_every_position_matches_eager(compiled: Any, layout: str,
                                                position: int) -> None:
    for _ in range(3):  # freed memory is reused on later calls; one call can look fine
        _check(compiled, _inputs(layout, position))


def test_all_inputs_non_contiguous_at_once(compiled: Any) -> None:
    _check(compiled, [LAYOUTS["transposed"](), LAYOUTS["strided"](), LAYOUTS["expanded"]()])


def test_layouts_from_several_threads_at_once(compiled: Any) -> None:
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(5):
                for layout, position in CASES:
                    _check(compiled, _inputs(layout, position))
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[0]


def test_dynamic_batch_with_non_contiguous_inputs() -> None:
    batch = torch.export.Dim("batch", min=2, max=64)
    example = tuple(torch.randn(SHAPE) for _ in range(3))
    result = hwsdk.compile(Mix(), example, target="intel",
                           dynamic_shapes=({0: batch}, {0: batch}, {0: batch}))
    assert {region.target for region in result.plan.regions} == {"intel:cpu"}
    for rows in (3, 8, 21):
        inputs = [torch.randn(SHAPE[1], rows).t(), torch.randn(rows, 2 * SHAPE[1])[:, ::2],
                  torch.randn(1, SHAPE[1]).expand(rows, SHAPE[1])]
        _check(result, inputs)
