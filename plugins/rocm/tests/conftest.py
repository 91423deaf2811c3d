"""Fixtures for the rocm plugin's tests: the shared tests.models on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

pytest.importorskip("triton", reason="triton is not installed")
