"""Attention rows the mask allows nothing for give zeros on every engine, as in PyTorch.

A left-padded batch makes such rows: the padding positions may attend to no key. ONNX's
Softmax and OpenVINO's fused attention gave NaN there, which then poisoned every later token
through the KV cache.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import hwsdk  # noqa: E402

TARGETS = ["cpu", "intel"]


class Attend(torch.nn.Module):
    def forward(self, q, k, v, mask):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _available(target: str) -> bool:
    from hwsdk.registry import get_registry

    return bool(get_registry().probe(target).available)


def _inputs(float_mask: bool):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 4, 8) for _ in range(3))
    allowed = torch.ones(2, 1, 4, 4, dtype=torch.bool).tril()
    allowed[0, :, :2] = False  # rows 0 and 1 of batch 0 may attend to nothing
    if float_mask:
        return q, k, v, torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))
    return q, k, v, allowed


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("float_mask", [False, True], ids=["bool", "float"])
def test_fully_masked_rows_are_zero(target: str, float_mask: bool) -> None:
    if not _available(target):
        pytest.skip(f"{target} is not available here")
    inputs = _inputs(float_mask)
    cm = hwsdk.compile(Attend(), inputs, target=target)
    assert cm.plan.regions[0].target.startswith(target)
    expected = Attend()(*inputs)
    assert torch.all(expected[0, :, :2] == 0)
    torch.testing.assert_close(cm(*inputs), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("target", TARGETS)
def test_nan_query_still_propagates(target: str) -> None:
    if not _available(target):
        pytest.skip(f"{target} is not available here")
    q, k, v, mask = _inputs(False)
    cm = hwsdk.compile(Attend(), (q, k, v, mask), target=target)
    q = q.clone()
    q[1, 0, 3, 0] = float("nan")
    torch.testing.assert_close(cm(q, k, v, mask), Attend()(q, k, v, mask), equal_nan=True,
                               rtol=1e-5, atol=1e-6)
