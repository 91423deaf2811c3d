"""Which tuning mode a compile uses, and the refusals of bad values."""

from __future__ import annotations

import pytest

from hwsdk.errors import InvalidArgumentError
from hwsdk.tune.mode import resolve_mode


def test_auto_defaults_to_cached_and_a_named_target_to_off(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    assert resolve_mode(None, "auto") == "cached"
    assert resolve_mode(None, ["intel", "auto"]) == "cached"
    assert resolve_mode(None, "cpu") == "off"
    assert resolve_mode("measure", "cpu") == "measure"


def test_the_environment_overrides_the_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWSDK_TUNE", "off")
    assert resolve_mode("measure", "auto") == "off"


def test_bad_values_are_refused_with_what_to_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    with pytest.raises(InvalidArgumentError, match=r"tune='fast'.*'measure'"):
        resolve_mode("fast", "auto")
    monkeypatch.setenv("HWSDK_TUNE", "always")
    with pytest.raises(InvalidArgumentError, match=r"HWSDK_TUNE='always'.*unset it"):
        resolve_mode(None, "auto")


def test_compile_refuses_a_bad_tune_before_capturing(monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk

    monkeypatch.delenv("HWSDK_TUNE", raising=False)
    with pytest.raises(InvalidArgumentError, match="tune="):
        hwsdk.compile(object(), (), tune="fast")


def test_importing_tune_and_resolving_a_mode_imports_no_engine() -> None:
    import subprocess
    import sys

    code = ("import sys, hwsdk.tune, hwsdk.api; hwsdk.tune.resolve_mode(None, 'auto'); "
            "heavy = [m for m in ('torch', 'openvino', 'onnxruntime', 'triton') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
