"""amax, amin and argmax on cpu return what PyTorch does for a NaN anywhere in a row.

ONNX Runtime's ReduceMax/ReduceMin/ArgMax keep a NaN only when it comes first in the reduced
group, so a NaN further along was silently dropped.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

import hwsdk  # noqa: E402

OPS = {
    "amax": lambda x: x.amax(-1),
    "amin": lambda x: x.amin(0, keepdim=True),
    "argmax": lambda x: x.argmax(-1),
    "argmax_keep": lambda x: x.argmax(0, keepdim=True),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_a_nan_past_the_first_element_propagates(name: str) -> None:
    fn = OPS[name]

    class Reduce(torch.nn.Module):
        def forward(self, x):
            return fn(x)

    cm = hwsdk.compile(Reduce(), (torch.randn(4, 6),), target="cpu")
    assert [r.target for r in cm.plan.regions] == ["cpu"]
    x = torch.randn(4, 6)
    x[1, 4] = float("nan")
    x[2, 1] = float("nan")
    x[2, 5] = float("nan")
    torch.testing.assert_close(cm(x), Reduce()(x), equal_nan=True)
