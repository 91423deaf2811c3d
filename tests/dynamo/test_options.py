"""The backend's options: hwsdk.compile's names and checks; the entry point; plans()."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from hwsdk.dynamo.options import parse_options
from hwsdk.errors import InvalidArgumentError, TargetUnavailableError


@pytest.mark.parametrize(("options", "match"), [
    ({"min_block_size": 0}, "min_block_size must be an int >= 1"),
    ({"fallback_ops": ["gleu"]}, "did you mean gelu"),
    ({"target": "cpu", "precison": "f16"}, r"compile option\(s\) \['precison'\]"),
    ({"target": "cpu", "require_full": "yes"}, "require_full must be True or False"),
    ({"target": 3}, "target must be a name or a list of names"),
    ("cpu", "must be a dict"),
])
def test_bad_options_are_refused_with_what_to_do(options: Any, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        parse_options(options)


def test_an_unavailable_target_is_refused_before_tracing() -> None:
    with pytest.raises(TargetUnavailableError, match="emulate=True"):
        parse_options({"target": "nvidia:sm_90"})


def test_settings_keep_hwsdk_compile_names() -> None:
    settings = parse_options({"target": ["intel", "cpu"], "min_block_size": 3,
                              "fallback_ops": ["gelu"], "require_full": True,
                              "num_threads": 2})
    assert settings.target == ("intel", "cpu")
    assert (settings.min_block_size, settings.fallback_ops, settings.require_full) == (
        3, ("gelu",), True)
    assert settings.options == {"num_threads": 2}


def test_a_torch_compile_mode_is_refused() -> None:
    from hwsdk.dynamo import backend

    with pytest.raises(InvalidArgumentError, match="options only"):
        backend(None, [], options={"target": "cpu"}, mode="max-autotune")


def test_the_backend_is_registered_without_importing_hwsdk() -> None:
    code = ("import sys, torch; from torch._dynamo import list_backends; "
            "assert 'hwsdk' in list_backends(), list_backends(); "
            "from torch._dynamo.backends.registry import lookup_backend; "
            "assert 'hwsdk' not in sys.modules; fn = lookup_backend('hwsdk'); "
            "import hwsdk.dynamo; assert fn is hwsdk.dynamo.backend")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_plans_refuses_what_torch_compile_did_not_return() -> None:
    import torch

    import hwsdk

    with pytest.raises(InvalidArgumentError, match="backend='hwsdk'"):
        hwsdk.plans(torch.nn.Linear(2, 2))
    eager = torch.compile(torch.nn.Linear(2, 2), backend="eager")
    with pytest.raises(InvalidArgumentError, match="backend='hwsdk'"):
        hwsdk.plans(eager)


def test_importing_the_backend_does_not_import_torch() -> None:
    code = ("import sys, hwsdk, hwsdk.dynamo, hwsdk.report.subgraphs, hwsdk.cli.dynamo_cmd; "
            "hwsdk.plans; "
            "heavy = [m for m in ('torch', 'openvino', 'onnxruntime', 'triton') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
