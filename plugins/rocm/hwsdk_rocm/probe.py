"""Is an AMD GPU here? torch.version.hip + gcnArchName when torch is installed; amdsmi too."""

from __future__ import annotations

import importlib.util

from hwsdk.plugin import Availability, package_versions

__all__ = ["probe", "DISTS"]

DISTS = ("torch", "triton", "amdsmi")


def _smi_devices() -> tuple[list[str], str]:
    if importlib.util.find_spec("amdsmi") is None:
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


def _torch_devices() -> tuple[list[str], str]:
    if importlib.util.find_spec("torch") is None:
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


def probe(target: str) -> Availability:
    """Devices, versions, and whether ahead-of-time compilation works without a device."""
    versions = package_versions(DISTS)
    devices, why = _torch_devices()
    smi, smi_why = _smi_devices()
    if not devices and smi:
        why = f"{why}; amdsmi lists {', '.join(smi)} but torch cannot use it"
    offline = "triton" in versions
    if devices:
        return Availability(available=True, devices=devices, versions=versions,
                            can_compile_offline=offline)
    reasons = [why, smi_why]
    if offline:
        reasons.append("ahead-of-time hsaco builds and emulate=True still work")
    return Availability(available=False, reason="; ".join(r for r in reasons if r),
                        versions=versions, can_compile_offline=offline)
