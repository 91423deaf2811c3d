"""Running a compiled model: ordered steps over precomputed value slots."""

from hwsdk.runtime.compiled import CompiledModel, Step
from hwsdk.runtime.guards import InputGuard

__all__ = ["CompiledModel", "Step", "InputGuard"]
