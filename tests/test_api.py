"""The public API: lazy compile, partition controls (require_full, fallback_ops,
min_block_size), plans, and that ``import hwsdk`` does not import torch.

Tolerances: rtol=1e-4, atol=1e-5 (float32, see tests/runtime/helpers.py).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import hwsdk
import hwsdk.api
from hwsdk.capability import ReasonCode
from hwsdk.errors import CompileError, UnsupportedOpsError
from tests import models
from tests.runtime.helpers import SUBSET_OPS, assert_same_output
from tests.support.fake_dist import subset_plugin


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with subset_plugin(tmp_path_factory.mktemp("subset_api"), ops=SUBSET_OPS) as name:
        yield name


def test_import_hwsdk_does_not_import_torch() -> None:
    code = ("import sys, hwsdk, hwsdk.api, hwsdk.ir.capture, hwsdk.runtime, hwsdk.lower.fx; "
            "hwsdk.targets(); "
            "heavy = [m for m in ('torch', 'openvino', 'onnxruntime', 'triton') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_compile_without_example_inputs_captures_on_first_call_and_again_on_new_shape(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(hwsdk.api, "MAX_CAPTURES", 2)
    model, _ = models.mlp()
    lazy = hwsdk.compile(model, target="torch")
    assert lazy.plan is None  # nothing captured yet
    x4 = torch.randn(4, 32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the first capture does not warn
        assert_same_output(lazy(x4), model(x4))
    assert len(lazy.compiled) == 1
    x4b = torch.randn(4, 32)
    assert_same_output(lazy(x4b), model(x4b))  # same spec: no new capture
    assert len(lazy.compiled) == 1
    x2 = torch.randn(2, 32)
    with pytest.warns(UserWarning, match=r"capturing again because input 'x' changed from "
                                         r"f32\[4, 32\] to float32\[2, 32\]"):
        out = lazy(x2)
    assert_same_output(out, model(x2))
    assert len(lazy.compiled) == 2
    assert_same_output(lazy(x4), model(x4))  # both specs stay covered
    with pytest.raises(CompileError, match=r"more than 2 times .*dynamic_shapes"):
        lazy(torch.randn(3, 32))


def test_require_full_lists_every_unsupported_node(subset: str) -> None:
    model, example = models.mlp()
    with pytest.raises(UnsupportedOpsError) as info:
        hwsdk.compile(model, example, target=subset, require_full=True)
    message = str(info.value)
    plan = hwsdk.explain(model, example, target=subset)
    fallback = [nid for nid, n in plan.nodes.items() if n.target == "torch"]
    assert fallback
    for nid in fallback:
        assert f"{nid} " in message
    assert "[NO_KERNEL]" in message and "gelu" in message
    assert "Drop require_full" in message


def test_fallback_ops_forces_ops_to_pytorch(subset: str) -> None:
    import torch

    model, example = models.mlp()
    compiled = hwsdk.compile(model, example, target=subset, fallback_ops=["layer_norm"])
    nodes = compiled.plan.graph.node_by_id()
    forced = [nid for nid, n in compiled.plan.nodes.items() if nodes[nid].op == "layer_norm"]
    assert forced
    for nid in forced:
        info = compiled.plan.nodes[nid]
        assert info.target == "torch" and info.code == ReasonCode.USER_FALLBACK
    x = torch.randn(4, 32)
    assert_same_output(compiled(x), model(x))


def test_min_block_size_folds_small_regions(subset: str) -> None:
    import torch

    model, example = models.mlp()
    plan = hwsdk.explain(model, example, target=subset, min_block_size=3)
    small = [r for r in plan.regions if r.target == "torch"]
    codes = {plan.nodes[nid].code for r in small for nid in r.node_ids}
    assert ReasonCode.BLOCK_TOO_SMALL in codes
    # the first linear alone (1 node) is folded; the tail linear+add+layer_norm (3) stays
    assert [len(r.node_ids) for r in plan.regions if r.target == subset] == [3]
    compiled = hwsdk.compile(model, example, target=subset, min_block_size=3)
    x = torch.randn(4, 32)
    assert_same_output(compiled(x), model(x))


def test_plan_json_and_summary_name_targets(subset: str) -> None:
    import json

    model, example = models.mlp()
    plan = hwsdk.explain(model, example, target=subset)
    data = json.loads(plan.to_json())
    assert data["summary"]["boundary_crossings"] == plan.boundary_crossings() >= 2
    assert subset in plan.summary()


def test_compiled_model_output_keeps_dict_and_tuple_structure() -> None:
    import torch

    class Multi(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, object]:
            return {"sum": x + y, "pair": (x * 2, torch.relu(y))}

    model = Multi()
    x, y = torch.randn(3, 4), torch.randn(3, 4)
    compiled = hwsdk.compile(model, (x, y), target="torch")
    out = compiled(x, y)
    assert_same_output(out, model(x, y))
    assert isinstance(out["pair"], tuple)


def test_inputs_may_be_passed_by_keyword() -> None:
    import torch

    model, example = models.mlp()
    compiled = hwsdk.compile(model, example, target="torch")
    x = torch.randn(4, 32)
    assert_same_output(compiled(x=x), model(x))
    lazy = hwsdk.compile(model, target="torch")
    assert_same_output(lazy(x=x), model(x))


def test_fallback_ops_accepts_one_name_or_aten_overloads(subset: str) -> None:
    model, example = models.mlp()
    for ops in ("layer_norm", ["aten.layer_norm.default"]):
        plan = hwsdk.explain(model, example, target=subset, fallback_ops=ops)
        codes = [plan.nodes[n.id].code for n in plan.graph.nodes if n.op == "layer_norm"]
        assert codes == [ReasonCode.USER_FALLBACK]


@pytest.fixture
def no_onnx(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The cpu target's probe finds onnx missing (its probe reads package metadata)."""
    from hwsdk.engines import ort_info
    from hwsdk.registry import reset_registry

    real = ort_info._version
    monkeypatch.setattr(ort_info, "_version", lambda d: None if d == "onnx" else real(d))
    monkeypatch.setenv("HWSDK_PLUGINS", "cpu")
    reset_registry()
    yield
    monkeypatch.undo()
    reset_registry()


def test_explicit_unavailable_target_is_refused_before_capture(
        no_onnx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk.errors import TargetUnavailableError

    model, inputs = models.mlp()
    captures: list[object] = []
    monkeypatch.setattr("hwsdk.ir.capture.capture", lambda *a, **k: captures.append(a))
    with pytest.raises(TargetUnavailableError,
                       match=r"target cpu is unavailable here: onnx not installed"):
        hwsdk.compile(model, inputs, target="cpu")
    with pytest.raises(TargetUnavailableError, match="onnx not installed"):
        hwsdk.compile(model, None, target=["cpu"])  # lazy: refused now, not on first call
    assert captures == []


def test_auto_skips_an_unavailable_target_and_explain_still_plans_it(no_onnx: None) -> None:
    model, inputs = models.mlp()
    compiled = hwsdk.compile(model, inputs, target="auto")
    assert {r.target for r in compiled.plan.regions} == {"torch"}
    plan = hwsdk.explain(model, inputs, target="cpu")
    assert plan.coverage().get("cpu", 0) > 0


EMULATED = '''
    return [TargetInfo(name="emu", vendor="test", priority=50,
                       options={"emulate": "run in an emulator", "flag": "a test option"})]


@hookimpl
def hwsdk_probe(target):
    return Availability(available=False, reason="no EMU device: /dev/emu0 missing")
'''


def test_an_offline_option_lets_an_unavailable_target_compile(tmp_path: Path) -> None:
    from hwsdk.errors import TargetUnavailableError
    from tests.support.fake_dist import installed, subset_plugin_source, write_distribution

    source = subset_plugin_source("emu", SUBSET_OPS)
    head, _, rest = source.partition("def hwsdk_targets():\n")
    _, _, tail = rest.partition("@hookimpl\ndef hwsdk_capabilities")
    source = head + "def hwsdk_targets():" + EMULATED + "\n\n@hookimpl\ndef hwsdk_capabilities" \
        + tail
    write_distribution(tmp_path, "hwsdk-test-emu", "0.1", {"hwsdk_test_emu": source},
                       {"emu": "hwsdk_test_emu"})
    model, inputs = models.mlp()
    with installed(tmp_path):
        with pytest.raises(TargetUnavailableError,
                           match=r"/dev/emu0 missing.*emulate=True \(emulated\)"):
            hwsdk.compile(model, inputs, target="emu")
        compiled = hwsdk.compile(model, inputs, target="emu", emulate=True)
        assert "emu" in {r.target for r in compiled.plan.regions}
        assert_same_output(compiled(*inputs), model(*inputs))
