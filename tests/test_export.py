"""hwsdk.export_onnx: whole models through the IR to one ONNX file."""

from __future__ import annotations

from typing import Any

import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import torch  # noqa: E402

import hwsdk  # noqa: E402
from hwsdk.errors import HwsdkError, UnsupportedOpsError  # noqa: E402
from tests import models  # noqa: E402


def _run(path: Any, *inputs: torch.Tensor) -> list[Any]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), inputs, strict=True)}
    return session.run(None, feeds)


def test_export_mlp_with_dynamic_batch(tmp_path: Any) -> None:
    model, (x,) = models.mlp()
    path = tmp_path / "mlp.onnx"
    batch = torch.export.Dim("batch", min=1, max=64)
    proto = hwsdk.export_onnx(model, (x,), path, dynamic_shapes=({0: batch},))
    onnx.checker.check_model(str(path), full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    for n in (1, 7):
        x = torch.randn(n, 32)
        (y,) = _run(path, x)
        torch.testing.assert_close(torch.from_numpy(y), model(x), atol=1e-5, rtol=1e-5)


def test_export_small_resnet(tmp_path: Any) -> None:
    model, (x,) = models.small_resnet()
    hwsdk.export_onnx(model, (x,), tmp_path / "resnet.onnx")
    (y,) = _run(tmp_path / "resnet.onnx", x)
    torch.testing.assert_close(torch.from_numpy(y), model(x), atol=1e-4, rtol=1e-4)


def test_export_lists_the_ops_that_do_not_lower(tmp_path: Any) -> None:
    class Odd(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.flip(torch.relu(x), dims=[0]) + torch.fft.fftshift(x)

    path = tmp_path / "odd.onnx"
    with pytest.raises(UnsupportedOpsError, match=r"aten\.flip\.default") as info:
        hwsdk.export_onnx(Odd(), (torch.randn(4, 3),), path)
    assert isinstance(info.value, HwsdkError) and "cannot be exported" in str(info.value)
    assert not path.exists()
