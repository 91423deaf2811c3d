"""Attention rows the mask allows nothing for give zeros, as PyTorch's attention does.

A left-padded batch makes such rows: the padding positions may attend to no key. ONNX's
Softmax over a row of -inf is NaN, which then poisons every later token through the cache.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

import hwsdk  # noqa: E402


class Attend(torch.nn.Module):
    def forward(self, q, k, v, mask):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _inputs(float_mask: bool):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 4, 8) for _ in range(3))
    allowed = torch.ones(2, 1, 4, 4, dtype=torch.bool).tril()
    allowed[0, :, :2] = False  # rows 0 and 1 of batch 0 may attend to nothing
    if float_mask:
        return q, k, v, torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))
    return q, k, v, allowed


@pytest.mark.parametrize("float_mask", [False, True], ids=["bool", "float"])
def test_fully_masked_rows_are_zero_on_cpu(float_mask: bool) -> None:
    inputs = _inputs(float_mask)
    cm = hwsdk.compile(Attend(), inputs, target="cpu")
    assert cm.plan.regions[0].target == "cpu"
    expected = Attend()(*inputs)
    assert torch.all(expected[0, :, :2] == 0)
    torch.testing.assert_close(cm(*inputs), expected, rtol=1e-5, atol=1e-6)


def test_nan_query_still_propagates_on_cpu() -> None:
    q, k, v, mask = _inputs(False)
    cm = hwsdk.compile(Attend(), (q, k, v, mask), target="cpu")
    q = q.clone()
    q[1, 0, 3, 0] = float("nan")
    torch.testing.assert_close(cm(q, k, v, mask), Attend()(q, k, v, mask), equal_nan=True,
                               rtol=1e-5, atol=1e-6)
