"""Probe OpenVINO: its version, the devices it sees and their full names."""

from __future__ import annotations

import glob
import importlib.util
import platform
from functools import lru_cache
from importlib import metadata

from hwsdk.plugin import Availability
from hwsdk_intel.devices import DEVICES

__all__ = ["probe", "quick_probe", "device_present"]


def device_present(device: str, available: list[str]) -> bool:
    """True when ``device`` (``"GPU"``) or one of its instances (``"GPU.1"``) is available."""
    return any(d == device or d.startswith(device + ".") for d in available)


# Device nodes the Intel GPU (i915/xe render nodes) and NPU (accel) drivers create.
_NODES = {"GPU": "/dev/dri/renderD*", "NPU": "/dev/accel/accel*"}


def quick_probe(variant: str) -> Availability:
    """A look that imports nothing: openvino's package version and, for GPU and NPU, the
    driver's device nodes. ``hwsdk targets --deep`` asks OpenVINO itself."""
    device = DEVICES[variant]
    if importlib.util.find_spec("openvino") is None:
        return Availability(available=False, can_compile_offline=False,
                            reason="openvino is not installed; `pip install hwsdk-intel` "
                                   "pulls it in")
    versions = {"openvino": metadata.version("openvino")}
    if device == "CPU":
        if platform.machine().lower() not in ("x86_64", "amd64", "arm64", "aarch64"):
            return Availability(available=False, versions=versions,
                                reason=f"OpenVINO's CPU plugin does not run on "
                                       f"{platform.machine()}")
        return Availability(available=True, devices=["CPU"], versions=versions,
                            reason="quick look: OpenVINO is installed and its CPU plugin runs "
                                   "on this architecture")
    nodes = sorted(glob.glob(_NODES[device]))
    if nodes:
        return Availability(available=True, devices=nodes, versions=versions,
                            reason=f"quick look: {device} device node present; "
                                   "`hwsdk targets --deep` asks OpenVINO")
    return Availability(available=False, versions=versions,
                        reason=f"no {device} device node ({_NODES[device]}) here; install the "
                               f"{device} driver or use target='intel:cpu'")


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
