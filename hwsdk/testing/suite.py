"""The conformance tests pytest collects for ``--hwsdk-target NAME`` (see
:mod:`hwsdk.testing.pytest_plugin`). One test per hook contract, one per claimed op x dtype,
one round trip per claimed dtype."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from hwsdk.ir.dtypes import DType
from hwsdk.testing import checks
from hwsdk.testing.checks import Outcome

PROPERTY = "hwsdk_conformance"
"""Key of the user property each test records (read by the summary)."""

_HEAVY = ("torch", "openvino", "onnxruntime", "triton")


def _registry() -> Any:
    from hwsdk.registry import get_registry

    return get_registry()


def _settings(config: pytest.Config) -> checks.Settings:
    options: dict[str, Any] = {}
    for item in config.getoption("hwsdk_option", None) or []:
        name, _, raw = item.partition("=")
        try:
            options[name.strip()] = json.loads(raw)
        except ValueError:
            options[name.strip()] = raw
    return checks.Settings(options, bool(config.getoption("hwsdk_ignore_probe", False)))


def _refs(config: pytest.Config) -> list[str]:
    refs: list[str] = []
    for ref in config.getoption("hwsdk_target", None) or []:
        try:
            refs.append(_registry().canonical(ref))
        except Exception:
            refs.append(ref)  # test_targets reports why
    return refs


def _claims(ref: str) -> list[tuple[str, DType]]:
    try:
        return checks.claimed(_registry(), ref)
    except Exception:
        return []  # test_capability_table reports why


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    refs = _refs(metafunc.config)
    names = metafunc.fixturenames
    if "op" in names:
        params = [(ref, op, dt) for ref in refs for op, dt in _claims(ref)]
        metafunc.parametrize(("ref", "op", "dtype"), params,
                             ids=[f"{r}-{o}-{d}" for r, o, d in params])
    elif "dtype" in names:
        params2 = [(ref, dt) for ref in refs for dt in sorted({d for _, d in _claims(ref)})]
        metafunc.parametrize(("ref", "dtype"), params2, ids=[f"{r}-{d}" for r, d in params2])
    elif "ref" in names:
        metafunc.parametrize("ref", refs)


def _guarded(check: Callable[..., Outcome], *args: Any) -> Outcome:
    """Run a check; an unexpected exception is a failure with its message, not a crash."""
    try:
        return check(_registry(), *args)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Outcome("failed", f"{type(exc).__name__}: {exc} (at {where.filename}:"
                                 f"{where.lineno})")


def _settle(request: pytest.FixtureRequest, kind: str, ref: str, outcome: Outcome,
            op: str = "", dtype: str = "") -> None:
    request.node.user_properties.append((PROPERTY, {
        "kind": kind, "target": ref, "op": op, "dtype": dtype, "status": outcome.status,
        "detail": outcome.detail, "cases": outcome.cases, "refused": outcome.refused,
        "classes": dict(outcome.classes)}))
    if outcome.status == "skipped":
        pytest.skip(outcome.detail)
    if outcome.status == "failed":
        pytest.fail(outcome.detail, pytrace=False)


def test_targets(request: pytest.FixtureRequest, ref: str) -> None:
    """hwsdk_targets: the plugin loaded and declares the target."""
    _settle(request, "targets", ref, _guarded(checks.check_targets, ref))


def test_probe(request: pytest.FixtureRequest, ref: str) -> None:
    """Target.probe: never raises; an unavailable target says why."""
    _settle(request, "probe", ref, _guarded(checks.check_probe, ref))


def test_capability_table(request: pytest.FixtureRequest, ref: str) -> None:
    """Target.capabilities: validates, has provenance, names core ops only."""
    _settle(request, "capabilities", ref, _guarded(checks.check_table, ref))


def _check_import(registry: Any, ref: str) -> Outcome:
    return _import_outcome(registry.record_for(ref).value.partition(":")[0])


@functools.cache
def _import_outcome(module: str) -> Outcome:
    code = (f"import importlib, json, sys; importlib.import_module({module!r}); "
            f"print(json.dumps([m for m in {[*_HEAVY, 'pydantic']!r} "
            "if m in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    if done.returncode:
        return Outcome("failed", f"importing {module} failed: {done.stderr.strip()[-800:]}")
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    heavy = [m for m in imported if m in _HEAVY]
    if heavy:
        return Outcome("failed", f"importing {module} imports {', '.join(heavy)}; import them "
                                 "inside the hooks that need them")
    if "pydantic" in imported:
        return Outcome("passed", f"import {module} stays free of torch and SDKs, but imports "
                                 "pydantic (~0.1 s on every `hwsdk targets`): import the "
                                 "capability classes inside Target.capabilities")
    return Outcome("passed", f"import {module} stays light")


def test_import_is_cheap(request: pytest.FixtureRequest, ref: str) -> None:
    """Importing the plugin module imports no torch, openvino, onnxruntime or triton."""
    _settle(request, "import", ref, _guarded(_check_import, ref))


def test_op(request: pytest.FixtureRequest, ref: str, op: str, dtype: DType) -> None:
    """A claimed op x dtype matches the PyTorch reference on generated inputs."""
    settings = _settings(request.config)
    _settle(request, "op", ref, _guarded(checks.check_op, ref, op, dtype, settings), op,
            dtype.value)


def test_round_trip(request: pytest.FixtureRequest, ref: str, dtype: DType) -> None:
    """A target region between two PyTorch regions round-trips its boundary tensors."""
    claims = [op for op, d in _claims(ref) if d == dtype]
    outcome = Outcome("skipped", f"no op claimed in {dtype}")
    settings = _settings(request.config)
    for op in claims:
        outcome = _guarded(checks.check_round_trip, ref, op, dtype, settings)
        if outcome.status != "skipped" or outcome.detail.startswith(ref):
            break  # a result, or the target is unavailable (the probe's reason)
    _settle(request, "round_trip", ref, outcome, dtype=dtype.value)


def test_accumulation(request: pytest.FixtureRequest, ref: str) -> None:
    """Long float32 sums stay within the bound of the accumulation order the region declares."""
    from hwsdk.testing.numerics import check_accumulation

    settings = _settings(request.config)
    _settle(request, "accumulation", ref, _guarded(check_accumulation, ref, settings))


def test_unclaimed_region(request: pytest.FixtureRequest, ref: str) -> None:
    """Compile on an op it never claimed follows COMPILE_ERROR_RULE (an hwsdk error)."""
    _settle(request, "errors", ref, _guarded(checks.check_unclaimed_region, ref))


def test_unavailable_compile(request: pytest.FixtureRequest, ref: str) -> None:
    """Without its device, compiling raises TargetUnavailableError."""
    _settle(request, "unavailable", ref, _guarded(checks.check_unavailable_compile, ref))
