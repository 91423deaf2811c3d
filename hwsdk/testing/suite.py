"""The conformance tests pytest collects for ``--hwsdk-target NAME`` (see
:mod:`hwsdk.testing.pytest_plugin`). One test per hook contract, one per claimed op x dtype,
one round trip per claimed dtype."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def _settle(request: pytest.FixtureRequest, kind: str, ref: str, outcome: Outcome,
            op: str = "", dtype: str = "") -> None:
    request.node.user_properties.append((PROPERTY, {
        "kind": kind, "target": ref, "op": op, "dtype": dtype, "status": outcome.status,
        "detail": outcome.detail, "cases": outcome.cases, "refused": outcome.refused}))
    if outcome.status == "skipped":
        pytest.skip(outcome.detail)
    if outcome.status == "failed":
        pytest.fail(outcome.detail, pytrace=False)


def test_targets(request: pytest.FixtureRequest, ref: str) -> None:
    """hwsdk_targets: the plugin loaded and declares the target."""
    try:
        outcome = checks.check_targets(_registry(), ref)
    except Exception as exc:
        outcome = Outcome("failed", f"{type(exc).__name__}: {exc}")
    _settle(request, "targets", ref, outcome)


def test_probe(request: pytest.FixtureRequest, ref: str) -> None:
    """hwsdk_probe: never raises; an unavailable target says why."""
    _settle(request, "probe", ref, checks.check_probe(_registry(), ref))


def test_capability_table(request: pytest.FixtureRequest, ref: str) -> None:
    """hwsdk_capabilities: validates, has provenance, names core ops only."""
    _settle(request, "capabilities", ref, checks.check_table(_registry(), ref))


def test_import_is_cheap(request: pytest.FixtureRequest, ref: str) -> None:
    """Importing the plugin module imports no torch, openvino, onnxruntime or triton."""
    module = _registry().record_for(ref).value.partition(":")[0]
    code = (f"import importlib, json, sys; importlib.import_module({module!r}); "
            f"print(json.dumps([m for m in {list(_HEAVY)!r} if m in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    if done.returncode:
        outcome = Outcome("failed", f"importing {module} failed: {done.stderr.strip()[-800:]}")
    else:
        heavy = json.loads(done.stdout.strip().splitlines()[-1])
        outcome = Outcome("failed", f"importing {module} imports {', '.join(heavy)}; import "
                                    "them inside the hooks that need them") if heavy else \
            Outcome("passed", f"import {module} stays light")
    _settle(request, "import", ref, outcome)


def test_op(request: pytest.FixtureRequest, ref: str, op: str, dtype: DType) -> None:
    """A claimed op x dtype matches the PyTorch reference on generated inputs."""
    _settle(request, "op", ref, checks.check_op(_registry(), ref, op, dtype), op, dtype.value)


def test_round_trip(request: pytest.FixtureRequest, ref: str, dtype: DType) -> None:
    """A target region between two PyTorch regions round-trips its boundary tensors."""
    claims = [op for op, d in _claims(ref) if d == dtype]
    outcome = Outcome("skipped", f"no op claimed in {dtype}")
    for op in claims:
        outcome = checks.check_round_trip(_registry(), ref, op, dtype)
        if outcome.status != "skipped" or "not available" in outcome.detail:
            break
    _settle(request, "round_trip", ref, outcome, dtype=dtype.value)


def test_unclaimed_region(request: pytest.FixtureRequest, ref: str) -> None:
    """hwsdk_compile on an op it never claimed raises an hwsdk error with a message."""
    _settle(request, "errors", ref, checks.check_unclaimed_region(_registry(), ref))


def test_unavailable_compile(request: pytest.FixtureRequest, ref: str) -> None:
    """Without its device, hwsdk_compile raises TargetUnavailableError."""
    _settle(request, "unavailable", ref, checks.check_unavailable_compile(_registry(), ref))
