"""The bench scripts, each imported from bench/ as a module for its tests."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_module(name: str) -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def harness() -> Iterator[ModuleType]:
    """bench/harness.py."""
    yield from _bench_module("harness")


@pytest.fixture(scope="module")
def llm() -> Iterator[ModuleType]:
    """bench/llm.py."""
    yield from _bench_module("llm")


@pytest.fixture(scope="module")
def quant() -> Iterator[ModuleType]:
    """bench/quant.py."""
    yield from _bench_module("quant")


@pytest.fixture(scope="module")
def run_all() -> Iterator[ModuleType]:
    """bench/run_all.py."""
    yield from _bench_module("run_all")
