"""Fixtures for the CLI tests: the subset test plugin and small model factory files."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_dist import subset_plugin

FACTORIES = '''
import torch


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)
        self.norm = torch.nn.LayerNorm(8)

    def forward(self, x):
        return self.norm(torch.relu(self.fc(x)).flip(-1) + x)


class Branchy(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:  # data-dependent Python control flow: torch.export refuses it
            return x * 2
        return x


def factory():
    torch.manual_seed(0)
    return Small().eval(), (torch.randn(2, 8),)


def with_dynamic():
    model, inputs = factory()
    return model, inputs, {"x": {0: torch.export.Dim("batch", min=1, max=64)}}


def broken():
    raise RuntimeError("the checkpoint is missing")


def not_a_tuple():
    return 3


def unexportable():
    return Branchy(), (torch.randn(2, 8),)
'''


@pytest.fixture(scope="package")
def subset_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The subset plugin installed (as a real distribution) for the CLI tests."""
    with subset_plugin(tmp_path_factory.mktemp("cli_subset")) as name:
        yield name


@pytest.fixture(scope="package")
def factory_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user model file with good and bad factories (see FACTORIES)."""
    path = tmp_path_factory.mktemp("models") / "user_models.py"
    path.write_text(textwrap.dedent(FACTORIES))
    return path
