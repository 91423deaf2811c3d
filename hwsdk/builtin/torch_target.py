"""The ``torch`` target: PyTorch eager through the torch.fx lowering. The fallback itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import OPSET_VERSION, all_ops
from hwsdk.plugin import Availability, CompiledRegion, Region, TargetInfo, hookimpl

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable

HWSDK_PLUGIN_API = ">=1,<2"

_DTYPES = [d for d in DType if d is not DType.f64]


class FxRegion(CompiledRegion):
    """A region run by its torch.fx lowering."""

    def __init__(self, region: Region) -> None:
        super().__init__({"engine": "torch.fx"})
        self.lowering = region.to_fx()

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        return self.lowering(inputs, env)


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    return [TargetInfo(name="torch", vendor="PyTorch", priority=0, engine="PyTorch eager",
                       description="PyTorch itself: runs every op; the fallback of every target")]


@hookimpl
def hwsdk_probe(target: str) -> Availability | None:
    if target != "torch":
        return None
    from importlib import metadata

    try:
        version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        return Availability(available=False, reason="torch is not installed")
    return Availability(available=True, devices=["cpu"], versions={"torch": version})


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    if target != "torch":
        return None
    from hwsdk.plugin import CapabilityTable, OpSupport, Provenance

    ops = {op.name: OpSupport(dtypes=dict.fromkeys(_DTYPES, "yes")) for op in all_ops()}
    return CapabilityTable(
        target="torch", version=str(OPSET_VERSION), opset_version=OPSET_VERSION,
        provenance=[Provenance(source="hwsdk core op set PyTorch references",
                               url_or_repo_path="hwsdk/ir/ops")],
        ops=ops, note="Runs every core op through its PyTorch reference, and every torch_op.")


@hookimpl
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    if target != "torch":
        return None
    return FxRegion(region)
