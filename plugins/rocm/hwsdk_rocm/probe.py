"""Is an AMD GPU here? torch.version.hip + gcnArchName when torch is installed; amdsmi too."""

from __future__ import annotations

from hwsdk.plugin import module_present

__all__ = ["torch_devices", "smi_devices", "DISTS"]

DISTS = ("torch", "triton", "amdsmi")


def smi_devices() -> tuple[list[str], str]:
    """GPUs amdsmi lists, or ([], why not); a missing driver is a reason, not an error."""
    if not module_present("amdsmi"):
        return [], "amdsmi is not installed (no SMI probe)"
    try:
        import amdsmi

        amdsmi.amdsmi_init()
        try:
            names = []
            for handle in amdsmi.amdsmi_get_processor_handles():
                info = amdsmi.amdsmi_get_gpu_asic_info(handle)
                names.append(str(info.get("market_name", "AMD GPU")))
            return names, ""
        finally:
            amdsmi.amdsmi_shut_down()
    except Exception as exc:  # library present, no driver: a reason, not an error
        return [], f"amdsmi: {type(exc).__name__}: {exc}"


def torch_devices() -> tuple[list[str], str]:
    """GPUs this torch build can run kernels on, or ([], why not). Imports torch."""
    if not module_present("torch"):
        return [], "torch is not installed"
    import torch

    if not getattr(torch.version, "hip", None):
        return [], f"torch {torch.__version__} is not a ROCm build (torch.version.hip is None)"
    if not torch.cuda.is_available():
        return [], f"torch {torch.__version__} (HIP {torch.version.hip}) sees no AMD GPU"
    out = []
    for i in range(torch.cuda.device_count()):
        arch = torch.cuda.get_device_properties(i).gcnArchName.split(":")[0]
        out.append(f"cuda:{i} {torch.cuda.get_device_name(i)} ({arch})")
    return out, ""
