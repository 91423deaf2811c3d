"""Every touch of the Intel Gaudi software stack, in one place a test double can replace.

Nothing here imports torch or habana_frameworks at module import. The checks use
``hwsdk.plugin.module_present`` and ``shutil.which`` so probing a machine without Gaudi is fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import subprocess
from typing import Any

from hwsdk.errors import TargetUnavailableError
from hwsdk.plugin import module_present, package_versions

__all__ = ["BRIDGE", "BACKEND", "DEVICE", "bridge_present", "load_bridge", "smi_devices",
           "versions", "compile_graph", "unavailable"]

BRIDGE = "habana_frameworks.torch"
"""The Intel Gaudi PyTorch bridge; importing it registers the ``hpu`` device and backend."""
BACKEND = "hpu_backend"
"""The torch.compile backend the bridge registers."""
DEVICE = "hpu"
"""The torch device of Gaudi tensors."""
_DISTRIBUTIONS = ("habana-torch-plugin", "habana-pyhlml", "torch")


def bridge_present() -> bool:
    """True when ``habana_frameworks`` can be imported (without importing it)."""
    return module_present(BRIDGE.partition(".")[0])


def unavailable(target: str, missing: str) -> TargetUnavailableError:
    """The error for a compile that needs the Gaudi stack this machine lacks."""
    return TargetUnavailableError(
        f"{target} cannot compile here: {missing}. Install the Intel Gaudi software stack "
        "(habana-torch-plugin) on a Gaudi machine to compile; hwsdk.explain(model, inputs, "
        f"target={target!r}) works offline and lists what would run on Gaudi and why.")


def load_bridge(target: str) -> Any:
    """Import the bridge (registers ``hpu`` and ``hpu_backend``).

    :raises TargetUnavailableError: when it is not installed or fails to import.
    """
    if not bridge_present():
        raise unavailable(target, f"{BRIDGE} (the Intel Gaudi PyTorch bridge) is not installed")
    try:
        return importlib.import_module(BRIDGE)
    except Exception as exc:
        raise unavailable(target, f"importing {BRIDGE} failed ({type(exc).__name__}: "
                                  f"{exc})") from exc


def smi_devices(timeout: float = 10.0) -> list[str]:
    """Gaudi devices as ``hl-smi`` names them, or [] without hl-smi (then pyhlml)."""
    exe = shutil.which("hl-smi")
    if exe is not None:
        try:
            out = subprocess.run([exe, "-Q", "name,bus_id", "-f", "csv,noheader"],
                                 capture_output=True, text=True, timeout=timeout, check=True)
            return [line.strip() for line in out.stdout.splitlines() if line.strip()]
        except (OSError, subprocess.SubprocessError):
            return []
    if module_present("pyhlml"):
        try:
            hlml = importlib.import_module("pyhlml")
            hlml.hlmlInit()
            try:
                count = int(hlml.hlmlDeviceGetCount())
                return [str(hlml.hlmlDeviceGetName(hlml.hlmlDeviceGetHandleByIndex(i)))
                        for i in range(count)]
            finally:
                hlml.hlmlShutdown()
        except Exception:
            return []
    return []


def versions() -> dict[str, str]:
    """Installed versions of the Gaudi Python distributions that are present."""
    return package_versions(_DISTRIBUTIONS)


def compile_graph(module: Any, options: dict[str, Any]) -> Any:
    """``torch.compile(module, backend="hpu_backend")`` (the bridge must be loaded)."""
    import torch

    return torch.compile(module, backend=BACKEND, options=options or None)
