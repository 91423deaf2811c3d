"""The intel target's variants and the OpenVINO devices they map to."""

from __future__ import annotations

__all__ = ["VARIANTS", "DEVICES"]

VARIANTS = ("cpu", "gpu", "npu")
DEVICES = {"cpu": "CPU", "gpu": "GPU", "npu": "NPU"}
"""Variant → OpenVINO device name."""
