"""hwsdk plugin for NVIDIA GPUs: regions become Triton kernels (hwsdk.lower.triton).

Targets ``nvidia`` and ``nvidia:sm_80|sm_86|sm_89|sm_90|sm_100|sm_120``. On a machine with a
CUDA GPU the kernels run through Triton's CUDA launcher; ``emulate=True`` runs them in Triton's
interpreter on CPU (a testing aid, reported as such); :mod:`hwsdk_nvidia.aot` builds cubin
artifacts with no GPU present. Importing this module imports neither torch nor triton.
"""

from __future__ import annotations

from hwsdk.plugin import Target, TritonTarget, hookimpl
from hwsdk_nvidia.archs import (
    ARCHS,
    DEFAULT_ARCH,
    PRECISION_SOURCE,
    PROVENANCE,
    dtype_facts,
    quant_facts,
)
from hwsdk_nvidia.probe import DISTS, nvml_devices, torch_devices

HWSDK_PLUGIN_API = ">=2,<3"

TARGET = TritonTarget(name="nvidia", vendor="NVIDIA", backend="cuda", binary="cubin",
                      archs=ARCHS, default_arch=DEFAULT_ARCH, provenance=PROVENANCE,
                      dtype_facts=dtype_facts, torch_devices=torch_devices,
                      smi_devices=nvml_devices, smi_name="NVML",
                      device_nodes="/dev/nvidia[0-9]*", dists=DISTS,
                      quant_facts=quant_facts, quant_source=PRECISION_SOURCE)
NAME = TARGET.name
OPTIONS = TARGET.options()


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [TARGET]
