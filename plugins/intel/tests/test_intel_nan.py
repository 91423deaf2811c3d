"""NaN, +inf and -inf through the ops where OpenVINO's own semantics differ from PyTorch's
(ReLU/Clamp/Maximum/Minimum/ReduceMax/ReduceMin drop NaN, Exp maps it to inf, Softmax keeps the
finite entries of a row holding NaN or +inf): the lowering must match eager, NaN for NaN."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hwsdk_intel.capabilities import CLAIMS
from torch import nn

import hwsdk
from hwsdk.ir.dtypes import DType

NAN, INF = float("nan"), float("inf")
X = torch.tensor([[NAN, INF, -INF, 0.0, -1.0, 1.0, 3.0, -3.0],
                  [1.0, NAN, 2.0, -INF, INF, NAN, -0.5, 0.5],
                  [-INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF],
                  [0.25, -2.0, 1.5, -INF, 3.0, 0.0, -1.0, 2.0]])
Y = torch.tensor([[0.0, NAN, 1.0, NAN, INF, -INF, NAN, 2.0],
                  [NAN, 0.0, NAN, 1.0, -2.0, 3.0, -INF, INF],
                  [INF, NAN, -INF, 0.0, 1.0, -1.0, 2.0, NAN],
                  [1.0, 1.0, NAN, -INF, 4.0, 0.0, -1.0, -3.0]])

Fn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
OPS: dict[str, tuple[str, Fn]] = {  # label → (core op, model body)
    "relu": ("relu", lambda x, y: torch.relu(x)),
    "clamp": ("clamp", lambda x, y: torch.clamp(x, -2.0, 2.0)),
    "clamp_min": ("clamp", lambda x, y: torch.clamp(x, min=0.5)),
    "clamp_max": ("clamp", lambda x, y: torch.clamp(x, max=0.5)),
    "maximum": ("maximum", torch.maximum),
    "minimum": ("minimum", torch.minimum),
    "amax": ("amax", lambda x, y: x.amax(1)),
    "amax_all": ("amax", lambda x, y: x.amax()),
    "amin": ("amin", lambda x, y: y.amin(0, keepdim=True)),
    "amin_all_inf_row": ("amin", lambda x, y: (-x).amin(1)),  # row 2: +inf, not max finite
    "exp": ("exp", lambda x, y: torch.exp(x)),
    "softmax_rows": ("softmax", lambda x, y: torch.softmax(x, 1)),
    "softmax_cols": ("softmax", lambda x, y: torch.softmax(y, 0)),
    "log_softmax": ("log_softmax", lambda x, y: torch.log_softmax(x, 1)),
    "max_pool2d": ("max_pool2d", lambda x, y: torch.nn.functional.max_pool2d(
        x.reshape(1, 2, 4, 4), 2)),
    "max_pool2d_padded": ("max_pool2d", lambda x, y: torch.nn.functional.max_pool2d(
        y.reshape(1, 1, 4, 8), 3, 2, 1, ceil_mode=True)),
    "argmax": ("argmax", lambda x, y: torch.argmax(y, 1)),
}
CASES = [(label, dt) for label, (op, _) in OPS.items()
         for dt, claimed in ((torch.float32, DType.f32), (torch.float16, DType.f16))
         if claimed in CLAIMS[op]]


class Body(nn.Module):
    def __init__(self, fn: Fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.fn(x, y)


@pytest.mark.parametrize(("label", "dtype"), CASES, ids=[f"{o}-{d}" for o, d in CASES])
def test_nan_and_inf_match_eager(label: str, dtype: torch.dtype) -> None:
    _, fn = OPS[label]
    x, y = X.to(dtype), Y.to(dtype)
    compiled = hwsdk.compile(Body(fn), (x, y), target="intel")
    assert {region.target for region in compiled.plan.regions} == {"intel:cpu"}
    got, want = compiled(x, y), fn(x, y)
    assert torch.isnan(want).any() or label == "argmax"  # the case does exercise NaN
    if label == "argmax":  # the first NaN's index in each row, not the first +inf
        assert want.tolist() == [1, 0, 1, 2]
    tolerance = {"atol": 1e-2, "rtol": 1e-2} if dtype == torch.float16 else {}
    torch.testing.assert_close(got, want, equal_nan=True, **tolerance)


def test_integer_maximum_and_relu_are_unchanged() -> None:
    x = torch.tensor([[-3, 0, 5], [7, -1, 2]], dtype=torch.int32)
    y = torch.tensor([1, 1, 1], dtype=torch.int32)
    body = Body(lambda a, b: torch.maximum(torch.relu(a), b).amax(0))
    compiled = hwsdk.compile(body, (x, y), target="intel")
    assert torch.equal(compiled(x, y), body(x, y))
