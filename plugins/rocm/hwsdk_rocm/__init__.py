"""hwsdk plugin for AMD GPUs (ROCm): regions become Triton kernels (hwsdk.lower.triton).

Targets ``rocm`` and ``rocm:gfx90a|gfx942|gfx950|gfx1100|gfx1200``. On a machine with a
ROCm GPU the kernels run through Triton's HIP launcher; ``emulate=True`` runs them in Triton's
interpreter on CPU (a testing aid, reported as such); :mod:`hwsdk_rocm.aot` builds hsaco
artifacts with no GPU present. Importing this module imports neither torch nor triton.
"""

from __future__ import annotations

from hwsdk.plugin import Target, TritonTarget, hookimpl
from hwsdk_rocm.archs import (
    ARCHS,
    DEFAULT_ARCH,
    PRECISION_SOURCE,
    PROVENANCE,
    dtype_facts,
    quant_facts,
)
from hwsdk_rocm.probe import DISTS, smi_devices, torch_devices

HWSDK_PLUGIN_API = ">=2,<3"

TARGET = TritonTarget(name="rocm", vendor="AMD", backend="hip", binary="hsaco",
                      archs=ARCHS, default_arch=DEFAULT_ARCH, provenance=PROVENANCE,
                      dtype_facts=dtype_facts, torch_devices=torch_devices,
                      smi_devices=smi_devices, smi_name="amdsmi", device_nodes="/dev/kfd",
                      dists=DISTS, quant_facts=quant_facts, quant_source=PRECISION_SOURCE)
NAME = TARGET.name
OPTIONS = TARGET.options()


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [TARGET]
