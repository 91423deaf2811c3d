"""Capturing a torch.export program (ExportedProgram, as torch.export.load returns it): its
dynamic dims stay dynamic, and compiled results match the program's own module."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import hwsdk
from hwsdk.ir.capture import capture
from hwsdk.ir.saved import is_exported_program, unpack_program


class Pair(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x)).sum(-1) + y


class Doubled(torch.nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x]) + y


def _saved(tmp_path: Path, model: torch.nn.Module, inputs: tuple[torch.Tensor, ...],
           dynamic_shapes: object) -> torch.export.ExportedProgram:
    path = tmp_path / "model.pt2"
    torch.export.save(torch.export.export(model, inputs, dynamic_shapes=dynamic_shapes),
                      str(path))
    return torch.export.load(str(path))


@pytest.fixture
def program(tmp_path: Path) -> torch.export.ExportedProgram:
    torch.manual_seed(0)
    batch = torch.export.Dim("batch", min=1, max=64)
    return _saved(tmp_path, Pair().eval(), (torch.randn(3, 8), torch.randn(3)),
                  {"x": {0: batch}, "y": {0: batch}})


def test_a_shared_symbol_becomes_one_named_dim(program: torch.export.ExportedProgram) -> None:
    assert is_exported_program(program) and not is_exported_program(Pair())
    saved = unpack_program(program)
    assert saved.dynamic_shapes is not None
    (x_dims, y_dims) = saved.dynamic_shapes
    assert x_dims[0] is y_dims[0] and x_dims[0].__name__ == "x_dim0"
    assert (x_dims[0].min, x_dims[0].max) == (1, 64)
    captured = capture(program, saved.example_inputs)
    assert [str(t) for t in captured.input_types] == ["f32[x_dim0, 8]", "f32[x_dim0]"]


@settings(max_examples=8, deadline=None)
@given(batch=st.integers(1, 64))
def test_compiled_program_matches_its_module_at_any_batch(batch: int) -> None:
    torch.manual_seed(1)
    dim = torch.export.Dim("batch", min=1, max=64)
    program = torch.export.export(Pair().eval(), (torch.randn(3, 8), torch.randn(3)),
                                  dynamic_shapes={"x": {0: dim}, "y": {0: dim}})
    compiled = _compiled(program)
    x, y = torch.randn(batch, 8), torch.randn(batch)
    torch.testing.assert_close(compiled(x, y), program.module()(x, y), rtol=1e-5, atol=1e-6)


_COMPILED: dict[int, object] = {}


def _compiled(program: torch.export.ExportedProgram) -> object:
    # one compile for all hypothesis examples: the program (and its dims) is the same
    if not _COMPILED:
        _COMPILED[0] = hwsdk.compile(program, target="cpu")  # saved example inputs
    return _COMPILED[0]


def test_static_program_has_no_dynamic_shapes(tmp_path: Path) -> None:
    program = _saved(tmp_path, Pair(), (torch.randn(3, 8), torch.randn(3)), None)
    assert unpack_program(program).dynamic_shapes is None
    captured = capture(program, (torch.randn(3, 8), torch.randn(3)))
    assert [str(t) for t in captured.input_types] == ["f32[3, 8]", "f32[3]"]


def test_derived_dims_are_derived_again(tmp_path: Path) -> None:
    half = torch.export.Dim("half", min=1, max=32)
    program = _saved(tmp_path, Doubled(), (torch.randn(3, 4), torch.randn(6, 4)),
                     {"x": {0: half}, "y": {0: 2 * half}})
    (x_dims, y_dims) = unpack_program(program).dynamic_shapes or ({}, {})
    assert x_dims[0].__name__ == "x_dim0" and list(y_dims) == [0]
    captured = capture(program, (torch.randn(3, 4), torch.randn(6, 4)))
    assert [str(t) for t in captured.input_types] == ["f32[x_dim0, 4]", "f32[2*x_dim0, 4]"]
    compiled = hwsdk.compile(program, target="cpu")
    x, y = torch.randn(5, 4), torch.randn(10, 4)
    torch.testing.assert_close(compiled(x, y), program.module()(x, y))


class Halves(torch.nn.Module):
    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return y.reshape(2, -1, 4).sum(0)


def test_a_dim_seen_only_derived_gets_a_base(tmp_path: Path) -> None:
    half = torch.export.Dim("half", min=1, max=32)
    program = _saved(tmp_path, Halves(), (torch.randn(6, 4),), {"y": {0: 2 * half}})
    ((y_dims,),) = [unpack_program(program).dynamic_shapes or ({},)]
    assert list(y_dims) == [0]
    captured = capture(program, (torch.randn(6, 4),))
    assert str(captured.input_types[0]) == "f32[2*y_dim0_base, 4]"
    compiled = hwsdk.compile(program, target="cpu")
    y = torch.randn(14, 4)
    torch.testing.assert_close(compiled(y), program.module()(y))
