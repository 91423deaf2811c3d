"""Probe OpenVINO: its version, the devices it sees and their full names."""

from __future__ import annotations

from functools import lru_cache

from hwsdk.plugin import Availability
from hwsdk_intel.capabilities import DEVICES

__all__ = ["probe", "device_present"]


def device_present(device: str, available: list[str]) -> bool:
    """True when ``device`` (``"GPU"``) or one of its instances (``"GPU.1"``) is available."""
    return any(d == device or d.startswith(device + ".") for d in available)


@lru_cache(maxsize=8)
def probe(variant: str) -> Availability:
    """Availability of ``intel:<variant>`` on this machine (imports openvino, not torch)."""
    device = DEVICES[variant]
    try:
        import openvino as ov
    except ImportError as exc:
        return Availability(available=False, can_compile_offline=False,
                            reason=f"openvino is not installed ({exc}); "
                                   "`pip install hwsdk-intel` pulls it in")
    from hwsdk_intel.runtime import core

    version = ov.get_version()
    try:
        available = list(core().available_devices)
        names = [f"{d}: {core().get_property(d, 'FULL_DEVICE_NAME')}" for d in available]
    except Exception as exc:  # a broken driver must not break planning
        return Availability(available=False, versions={"openvino": version},
                            reason=f"OpenVINO {version} could not list devices: {exc}")
    if not device_present(device, available):
        return Availability(
            available=False, devices=names, versions={"openvino": version},
            reason=f"OpenVINO {version} sees no {device} device here (it sees "
                   f"{', '.join(available) or 'none'}); install the {device} driver or "
                   f"use target='intel:cpu'")
    return Availability(available=True, devices=names, versions={"openvino": version})
