"""Meta-tests that keep the plugin API honest: every hookspec is documented pytest-style and
exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from hwsdk import hookspecs
from hwsdk.registry import HOOK_NAMES

TESTS = Path(__file__).resolve().parents[1]


def _spec_opts(name: str) -> dict[str, object]:
    fn = getattr(hookspecs, name)
    return dict(getattr(fn, "hwsdk_spec", {}))


def test_plugin_api_2_has_one_hook_and_the_shim_keeps_api_1s_five() -> None:
    from hwsdk.plugin_v1 import V1_HOOK_NAMES

    assert HOOK_NAMES == ("hwsdk_targets",)
    assert V1_HOOK_NAMES == ("hwsdk_capabilities", "hwsdk_check", "hwsdk_compile",
                             "hwsdk_probe", "hwsdk_targets")
    assert not any(getattr(hookspecs, n).hwsdk_spec.get("firstresult") for n in HOOK_NAMES)


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hookspec_is_documented(name: str) -> None:
    fn = getattr(hookspecs, name)
    doc = inspect.getdoc(fn) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.endswith(".") and summary[0].isupper(), f"{name}: no summary line"
    for arg in inspect.signature(fn).parameters:
        assert f":param {arg}:" in doc, f"{name}: :param {arg}: missing"
    assert ":returns:" in doc and "None" in doc, f"{name}: must say what None means"
    firstresult = bool(_spec_opts(name).get("firstresult"))
    assert ("Stops at first non-None result." in doc) == firstresult, name


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hookspec_is_exercised_by_a_test(name: str) -> None:
    texts = [p.read_text() for p in TESTS.rglob("*.py")]
    assert any(f"def {name}(" in text for text in texts), f"no test plugin implements {name}"
