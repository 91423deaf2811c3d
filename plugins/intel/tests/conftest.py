"""Fixtures for the intel plugin's tests; skip them all when openvino is absent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[2]
for path in (_HERE, _ROOT):  # intel_cases.py, and the shared tests.models
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

openvino = pytest.importorskip("openvino", reason="openvino is not installed")
