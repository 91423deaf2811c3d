"""Is an NVIDIA GPU here? torch.cuda when torch is installed, NVML when nvidia-ml-py is."""

from __future__ import annotations

from hwsdk.plugin import module_present

__all__ = ["torch_devices", "nvml_devices", "DISTS"]

DISTS = ("torch", "triton", "nvidia-ml-py")


def nvml_devices() -> tuple[list[str], str]:
    """GPUs NVML (nvidia-ml-py) lists, or ([], why not); no driver is a reason, not an error."""
    if not module_present("pynvml"):
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


def torch_devices() -> tuple[list[str], str]:
    """GPUs this torch build can run kernels on, or ([], why not). Imports torch."""
    if not module_present("torch"):
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
