"""Every touch of the AWS Neuron SDK, in one place a test double can replace.

Nothing here imports torch or torch_neuronx at module import. The checks use
``hwsdk.plugin.module_present`` and ``shutil.which`` so probing a machine without Neuron is fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import subprocess
from typing import Any

from hwsdk.errors import TargetUnavailableError
from hwsdk.plugin import module_present, package_versions

__all__ = ["SDK", "sdk_present", "load_sdk", "neuron_ls_devices", "versions", "trace",
           "unavailable"]

SDK = "torch_neuronx"
"""The PyTorch Neuron package whose ``trace`` compiles a graph with neuronx-cc."""
_DISTRIBUTIONS = ("torch-neuronx", "neuronx-cc", "libneuronxla")


def sdk_present() -> bool:
    """True when ``torch_neuronx`` can be imported (without importing it)."""
    return module_present(SDK)


def unavailable(target: str, missing: str) -> TargetUnavailableError:
    """The error for a compile that needs the Neuron SDK this machine lacks."""
    return TargetUnavailableError(
        f"{target} cannot compile here: {missing}. Install the AWS Neuron SDK (torch-neuronx, "
        "neuronx-cc) on an Inf2/Trn1/Trn2 instance to compile; hwsdk.explain(model, inputs, "
        f"target={target!r}) works offline and lists what would run on Neuron and why.")


def load_sdk(target: str) -> Any:
    """Import ``torch_neuronx``.

    :raises TargetUnavailableError: when it is not installed or fails to import.
    """
    if not sdk_present():
        raise unavailable(target, f"{SDK} (PyTorch Neuron) is not installed")
    try:
        return importlib.import_module(SDK)
    except Exception as exc:
        raise unavailable(target, f"importing {SDK} failed ({type(exc).__name__}: {exc})") \
            from exc


def neuron_ls_devices(timeout: float = 10.0) -> list[str]:
    """NeuronDevices as ``neuron-ls --json-output`` lists them, or [] without neuron-ls."""
    exe = shutil.which("neuron-ls")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--json-output"], capture_output=True, text=True,
                             timeout=timeout, check=True)
        devices = json.loads(out.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
    if not isinstance(devices, list):
        return []
    return [f"neuron{d.get('neuron_device', i)}" if isinstance(d, dict) else f"neuron{i}"
            for i, d in enumerate(devices)]


def versions() -> dict[str, str]:
    """Installed versions of the Neuron Python distributions that are present."""
    return package_versions(_DISTRIBUTIONS)


def trace(sdk: Any, module: Any, example_inputs: tuple[Any, ...],
          options: dict[str, Any]) -> Any:
    """``torch_neuronx.trace(module, example_inputs, **options)``."""
    return sdk.trace(module, example_inputs, **options)
