"""Is an NVIDIA GPU here? torch.cuda when torch is installed, NVML when nvidia-ml-py is."""

from __future__ import annotations

import importlib.util

from hwsdk.plugin import Availability, package_versions

__all__ = ["probe", "DISTS"]

DISTS = ("torch", "triton", "nvidia-ml-py")


def _nvml_devices() -> tuple[list[str], str]:
    if importlib.util.find_spec("pynvml") is None:
        return [], "nvidia-ml-py is not installed (no NVML probe)"
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            count = pynvml.nvmlDeviceGetCount()
            names = []
            for i in range(count):
                handle = pynvml.nvmlDeviceGetHandleByIndex(i)
                major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(handle)
                name = pynvml.nvmlDeviceGetName(handle)
                names.append(f"{name if isinstance(name, str) else name.decode()} "
                             f"(sm_{major}{minor})")
            return names, ""
        finally:
            pynvml.nvmlShutdown()
    except Exception as exc:  # NVML present but no driver: a reason, not an error
        return [], f"NVML: {type(exc).__name__}: {exc}"


def _torch_devices() -> tuple[list[str], str]:
    if importlib.util.find_spec("torch") is None:
        return [], "torch is not installed"
    import torch

    if getattr(torch.version, "hip", None):
        return [], "this torch is a ROCm build"
    if not torch.cuda.is_available():
        return [], f"torch {torch.__version__} sees no CUDA device"
    out = []
    for i in range(torch.cuda.device_count()):
        major, minor = torch.cuda.get_device_capability(i)
        out.append(f"cuda:{i} {torch.cuda.get_device_name(i)} (sm_{major}{minor})")
    return out, ""


def probe(target: str) -> Availability:
    """Devices, versions, and whether ahead-of-time compilation works without a device."""
    versions = package_versions(DISTS)
    devices, why = _torch_devices()
    nvml, nvml_why = _nvml_devices()
    if not devices and nvml:
        why = f"{why}; NVML lists {', '.join(nvml)} but torch cannot use it"
    offline = "triton" in versions
    if devices:
        return Availability(available=True, devices=devices, versions=versions,
                            can_compile_offline=offline)
    reasons = [why, nvml_why]
    if offline:
        reasons.append("ahead-of-time cubin builds and emulate=True still work")
    return Availability(available=False, reason="; ".join(r for r in reasons if r),
                        versions=versions, can_compile_offline=offline)
