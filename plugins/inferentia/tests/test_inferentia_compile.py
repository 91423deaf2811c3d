"""Compiling for Neuron up to the vendor API: a clear error without torch_neuronx, and with a
test double (a fake ``torch_neuronx`` module) that records what ``trace`` would be given."""

from __future__ import annotations

import os
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hwsdk_inferentia import vendor

import hwsdk
from hwsdk.errors import TargetUnavailableError
from hwsdk.registry import reset_registry

TARGET = "inferentia:inf2"


def tiny() -> tuple[Any, tuple[Any, ...]]:
    """mul and sum: torch-neuronx lists aten::mul and aten::sum."""
    import torch

    class Tiny(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return (x * y).sum(dim=-1)

    return Tiny().eval(), (torch.randn(2, 3, 8), torch.randn(2, 3, 8))


@pytest.fixture
def fresh_probes() -> Iterator[None]:
    """Probe results are cached per registry: a test that changes what the probe sees starts
    and ends with a fresh one, so neither an earlier probe nor its own leaks across tests."""
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def no_sdk(monkeypatch: pytest.MonkeyPatch, fresh_probes: None) -> None:
    monkeypatch.delitem(sys.modules, vendor.SDK, raising=False)
    monkeypatch.setattr(vendor, "sdk_present", lambda: False)


@pytest.fixture
def fake_sdk(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A fake torch_neuronx whose ``trace`` records its arguments and returns the module."""
    calls: list[dict[str, Any]] = []
    module = types.ModuleType(vendor.SDK)

    def trace(func: Any, example_inputs: Any, **kwargs: Any) -> Any:
        calls.append({"func": func, "example_inputs": example_inputs, "kwargs": kwargs})
        return func

    module.trace = trace  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, vendor.SDK, module)
    return calls


@pytest.fixture
def neuron_machine(fake_sdk: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
                   fresh_probes: None) -> list[dict[str, Any]]:
    """The fake SDK plus a NeuronDevice the probe finds (compile refuses a target whose probe
    says unavailable), on a registry that has not probed yet."""
    monkeypatch.setattr(vendor, "neuron_ls_devices", lambda timeout=10.0: ["neuron0"])
    return fake_sdk


def test_compile_without_torch_neuronx_names_what_is_missing_and_points_to_explain(
        no_sdk: None) -> None:
    model, inputs = tiny()
    with pytest.raises(TargetUnavailableError) as err:
        hwsdk.compile(model, inputs, target=TARGET)
    message = str(err.value)
    assert "torch_neuronx" in message and "hwsdk.explain" in message and TARGET in message


def test_compile_traces_the_fx_lowering_with_static_example_inputs(
        neuron_machine: list[dict[str, Any]]) -> None:
    import torch

    fake_sdk = neuron_machine

    model, inputs = tiny()
    compiled = hwsdk.compile(model, inputs, target=TARGET,
                             compiler_args=["--auto-cast", "none"])
    torch.testing.assert_close(compiled(*inputs), model(*inputs))
    (call,) = fake_sdk
    assert isinstance(call["func"], torch.fx.GraphModule)
    assert [(tuple(t.shape), t.dtype) for t in call["example_inputs"]] == \
        [((2, 3, 8), torch.float32)] * 2
    assert call["kwargs"] == {"compiler_args": ["--auto-cast", "none"]}
    (region,) = compiled.plan.regions
    assert region.status == "compiled" and region.details["engine"].startswith("torch_neuronx")


def test_probe_without_torch_neuronx_is_fast_and_says_why(no_sdk: None) -> None:
    from hwsdk.registry import get_registry

    start = time.perf_counter()
    availability = get_registry().probe(TARGET)
    assert time.perf_counter() - start < 1.0
    assert not availability.available and "torch_neuronx" in availability.reason


def test_probe_reports_neuron_ls_devices(fake_sdk: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk_inferentia

    tool = tmp_path / "neuron-ls"
    tool.write_text('#!/bin/sh\necho \'[{"neuron_device": 0, "nc_count": 2}]\'\n')
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    availability = hwsdk_inferentia.TARGET.for_variant("trn2").probe(deep=True)
    assert availability is not None and availability.available
    assert availability.devices == ["neuron0"]


def test_targets_and_variants() -> None:
    from hwsdk.registry import get_registry

    registry = get_registry()
    assert registry.canonical("inferentia") == "inferentia:inf2"
    assert registry.canonical("neuron") == "inferentia:inf2"
    for variant in ("inf2", "trn1", "trn2"):
        assert hwsdk.capabilities(f"inferentia:{variant}").target == f"inferentia:{variant}"
