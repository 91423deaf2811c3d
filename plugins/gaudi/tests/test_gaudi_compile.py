"""Compiling for Gaudi up to the vendor API: a clear error without the Intel Gaudi bridge, and
with a test double (fake ``habana_frameworks`` modules and ``hpu_backend``) that records what
would be passed."""

from __future__ import annotations

import os
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hwsdk_gaudi import vendor

import hwsdk
from hwsdk.errors import TargetUnavailableError
from hwsdk.registry import reset_registry

TARGET = "gaudi:gaudi2"


def tiny() -> tuple[Any, tuple[Any, ...]]:
    """mul and mean: both carry Gaudi2 dtype lists in hpu_op.yaml, so they go to Gaudi."""
    import torch

    class Tiny(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return (x * y).mean(dim=-1)

    return Tiny().eval(), (torch.randn(2, 3, 8), torch.randn(2, 3, 8))


@pytest.fixture
def fresh_probes() -> Iterator[None]:
    """Probe results are cached per registry: a test that changes what the probe sees starts
    and ends with a fresh one, so neither an earlier probe nor its own leaks across tests."""
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def no_bridge(monkeypatch: pytest.MonkeyPatch, fresh_probes: None) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] == "habana_frameworks"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(vendor, "bridge_present", lambda: False)


@pytest.fixture
def fake_bridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """Fake habana_frameworks.torch, an ``hpu_backend`` that records its graphs and runs them
    on CPU, and the CPU in place of the ``hpu`` device (which CPU torch cannot allocate)."""
    import torch
    from torch._dynamo.backends import registry

    calls: dict[str, list[Any]] = {"backend": [], "device": []}
    package = types.ModuleType("habana_frameworks")
    package.__path__ = []
    bridge = types.ModuleType("habana_frameworks.torch")
    package.torch = bridge  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "habana_frameworks", package)
    monkeypatch.setitem(sys.modules, "habana_frameworks.torch", bridge)

    def hpu_backend(gm: torch.fx.GraphModule, example_inputs: list[Any]) -> Any:
        calls["backend"].append((gm, [tuple(t.shape) for t in example_inputs]))
        return gm.forward

    calls["device"].append(vendor.DEVICE)
    monkeypatch.setattr(vendor, "DEVICE", "cpu")
    added = vendor.BACKEND not in registry._COMPILER_FNS
    if added:
        registry.register_backend(hpu_backend, name=vendor.BACKEND)
    else:
        monkeypatch.setitem(registry._COMPILER_FNS, vendor.BACKEND, hpu_backend)
    yield calls
    if added:
        registry._COMPILER_FNS.pop(vendor.BACKEND, None)
        registry._BACKENDS.pop(vendor.BACKEND, None)
    torch._dynamo.reset()


@pytest.fixture
def gaudi_machine(fake_bridge: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch,
                  fresh_probes: None) -> dict[str, list[Any]]:
    """The fake bridge plus a Gaudi device the probe finds (compile refuses a target whose
    probe says unavailable), on a registry that has not probed yet."""
    monkeypatch.setattr(vendor, "smi_devices", lambda timeout=10.0: ["HL-225 (fake)"])
    return fake_bridge


def test_compile_without_the_bridge_names_what_is_missing_and_points_to_explain(
        no_bridge: None) -> None:
    model, inputs = tiny()
    with pytest.raises(TargetUnavailableError) as err:
        hwsdk.compile(model, inputs, target=TARGET)
    message = str(err.value)
    assert "habana_frameworks.torch" in message and "hwsdk.explain" in message
    assert TARGET in message
    plan = hwsdk.explain(model, inputs, target=TARGET)  # offline analysis still works
    assert {info.target for info in plan.nodes.values()} == {TARGET}


def test_compile_passes_the_fx_lowering_to_hpu_backend(
        gaudi_machine: dict[str, list[Any]]) -> None:
    import torch

    fake_bridge = gaudi_machine
    model, inputs = tiny()
    compiled = hwsdk.compile(model, inputs, target=TARGET)
    got = compiled(*inputs)
    torch.testing.assert_close(got, model(*inputs))
    assert fake_bridge["device"] == ["hpu"]
    ((gm, shapes),) = fake_bridge["backend"]
    assert isinstance(gm, torch.fx.GraphModule)
    assert shapes == [(2, 3, 8), (2, 3, 8)]
    (region,) = compiled.plan.regions
    assert region.target == TARGET and region.status == "compiled"
    assert region.details["engine"] == "torch.compile(backend='hpu_backend')"


def test_probe_without_the_bridge_is_fast_and_says_why(no_bridge: None) -> None:
    from hwsdk.registry import get_registry

    start = time.perf_counter()
    availability = get_registry().probe(TARGET)
    assert time.perf_counter() - start < 1.0
    assert not availability.available
    assert "habana_frameworks.torch" in availability.reason


def test_probe_reports_hl_smi_devices(fake_bridge: Any, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk_gaudi

    smi = tmp_path / "hl-smi"
    smi.write_text("#!/bin/sh\necho 'HL-225, 0000:19:00.0'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    availability = hwsdk_gaudi.TARGET.for_variant("gaudi2").probe(deep=True)
    assert availability is not None and availability.available
    assert availability.devices == ["HL-225, 0000:19:00.0"]


def test_targets_and_variants() -> None:
    from hwsdk.registry import get_registry

    registry = get_registry()
    assert registry.canonical("gaudi") == "gaudi:gaudi2"
    assert registry.canonical("hpu") == "gaudi:gaudi2"
    for variant in ("gaudi", "gaudi2", "gaudi3"):
        assert hwsdk.capabilities(f"gaudi:{variant}").target == f"gaudi:{variant}"
