"""TritonTarget's probes: the quick look (package metadata, device nodes) and the deep one
(torch's devices and the vendor management library's), with fake device queries."""

from __future__ import annotations

from pathlib import Path

from hwsdk.lower.triton.plugin import TritonTarget
from hwsdk.plugin import Target, TargetInfo


def _target(tmp_path: Path, torch_view: tuple[list[str], str],
            smi_view: tuple[list[str], str], dists: tuple[str, ...] = ("triton",)
            ) -> TritonTarget:
    return TritonTarget(
        name="acmegpu", vendor="Acme", backend="cuda", binary="cubin", archs=["sm_90"],
        default_arch="sm_90", provenance=[{"source": "test"}],
        dtype_facts=lambda arch: {}, torch_devices=lambda: torch_view,
        smi_devices=lambda: smi_view, smi_name="ACME-SMI",
        device_nodes=str(tmp_path / "acme[0-9]*"), dists=dists)


def test_deep_probe_with_a_device(tmp_path: Path) -> None:
    found = _target(tmp_path, (["cuda:0 Acme X1"], ""), ([], "")).deep_probe()
    assert found.available and found.devices == ["cuda:0 Acme X1"]
    assert found.can_compile_offline  # triton is installed here


def test_deep_probe_says_why_and_what_the_library_saw(tmp_path: Path) -> None:
    found = _target(tmp_path, ([], "torch sees no GPU"), (["Acme X1"], "")).deep_probe()
    assert not found.available
    assert found.reason == ("torch sees no GPU; ACME-SMI lists Acme X1 but torch cannot use it; "
                            "ahead-of-time cubin builds and emulate=True still work")


def test_deep_probe_without_triton_offers_no_offline_build(tmp_path: Path) -> None:
    found = _target(tmp_path, ([], "no torch"), ([], "no SMI"),
                    dists=("no-such-dist-xyz",)).deep_probe()
    assert found.reason == "no torch; no SMI" and not found.can_compile_offline


def test_quick_probe_looks_at_device_nodes(tmp_path: Path) -> None:
    target = _target(tmp_path, ([], ""), ([], ""))
    assert not target.quick_probe().available
    assert "no Acme device node" in target.quick_probe().reason
    (tmp_path / "acme0").touch()
    found = target.quick_probe()
    assert found.available and found.devices == [str(tmp_path / "acme0")]


def test_the_target_declares_itself_and_serves_its_bound_arch(tmp_path: Path) -> None:
    target = _target(tmp_path, ([], ""), ([], ""))
    assert isinstance(target, Target) and isinstance(target.info, TargetInfo)
    assert target.info.variants == ["sm_90"] and set(target.offline_options) == {"emulate", "aot"}
    bound = target.for_variant("sm_90")
    assert bound.ref == "acmegpu:sm_90" and bound.arch == "sm_90" and target.variant is None
    table = bound.capabilities()
    assert table.target == "acmegpu:sm_90" and table.provenance[0].source == "test"
    assert not bound.needs_device({"emulate": True}) and bound.needs_device({})


def test_unbound_target_means_the_default_arch(tmp_path: Path) -> None:
    assert _target(tmp_path, ([], ""), ([], "")).arch == "sm_90"
