"""The intel plugin as hwsdk sees it: entry point, target info, probe, tables, options."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
from hwsdk_intel.capabilities import TESTED_OPENVINO
from hwsdk_intel.options import IntelOptions, parse_options
from hwsdk_intel.probe import probe

import hwsdk
from hwsdk.capability import StaticShape
from hwsdk.errors import InvalidArgumentError, TargetUnavailableError
from hwsdk.registry import get_registry


def test_import_pulls_in_neither_torch_nor_openvino() -> None:
    code = ("import sys, hwsdk_intel; (t,) = hwsdk_intel.hwsdk_targets(); "
            "t.for_variant('gpu').capabilities(); t.for_variant('cpu').probe(False); "
            "print(sorted(m for m in ('torch', 'openvino') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registered_through_the_entry_point_group() -> None:
    eps = [ep for ep in metadata.entry_points(group="hwsdk.plugins") if ep.name == "intel"]
    assert [ep.value for ep in eps] == ["hwsdk_intel"]
    assert eps[0].dist is not None and eps[0].dist.name == "hwsdk-intel"


def test_target_info_outranks_builtin_cpu() -> None:
    infos = {info.name: info for info in hwsdk.targets()}
    intel = infos["intel"]
    assert intel.variants == ["cpu", "gpu", "npu"] and intel.default_variant == "cpu"
    assert "cpu" in infos and intel.priority > infos["cpu"].priority
    assert set(intel.options) == {"precision", "performance_hint", "num_threads", "cache_dir",
                                  "huge_pages"}
    assert get_registry().canonical("intel") == "intel:cpu"


def test_tables_carry_provenance_and_variant_constraints() -> None:
    cpu = hwsdk.capabilities("intel")
    assert cpu.target == "intel:cpu"
    assert any(TESTED_OPENVINO in p.version for p in cpu.provenance)
    assert cpu.support("linear", "f32") == "yes" and cpu.support("linear", "f8e4m3fn") == "no"
    assert cpu.support("linear", "i8") == "unknown"
    npu = hwsdk.capabilities("intel:npu")
    assert any(isinstance(c, StaticShape) for c in npu.constraints)
    gpu = hwsdk.capabilities("intel:gpu")
    assert gpu.support("add", "i32") == "unknown" and gpu.support("add", "f32") == "yes"
    assert cpu.support("add", "i64") == "no" and gpu.support("add", "i64") == "no"
    assert type(cpu).model_validate_json(cpu.model_dump_json()) == cpu


def test_probe_reports_cpu_device_and_version() -> None:
    import openvino as ov

    found = probe("cpu")
    assert found.available
    assert found.versions["openvino"] == ov.get_version()
    assert any(d.startswith("CPU: ") for d in found.devices)


def test_absent_device_has_a_reason_and_refuses_to_compile() -> None:
    import openvino as ov

    if "GPU" in ov.Core().available_devices:
        pytest.skip("this machine has an OpenVINO GPU device")
    found = probe("gpu")
    assert not found.available
    assert "no GPU device" in found.reason and "intel:cpu" in found.reason
    from tests.models import mlp

    model, inputs = mlp()
    with pytest.raises(TargetUnavailableError, match="no GPU device"):
        hwsdk.compile(model, inputs, target="intel:gpu")


def test_npu_plan_explains_dynamic_shapes_offline() -> None:
    from torch.export import Dim

    from tests.models import mlp

    model, inputs = mlp()
    plan = hwsdk.explain(model, inputs, target="intel:npu",
                         dynamic_shapes=({0: Dim("batch", min=1, max=8)},))
    codes = {info.code.value for info in plan.nodes.values()}
    assert codes == {"DYNAMIC_SHAPE"}


def test_options_parse_and_validate() -> None:
    assert parse_options({}) == IntelOptions()
    assert IntelOptions().ov_config()["INFERENCE_PRECISION_HINT"] == "f32"
    opts = parse_options({"precision": "bf16", "performance_hint": "throughput",
                          "num_threads": 2, "cache_dir": "/tmp/x"})
    assert opts.ov_config() == {"INFERENCE_PRECISION_HINT": "bf16",
                                "PERFORMANCE_HINT": "THROUGHPUT", "INFERENCE_NUM_THREADS": 2,
                                "CACHE_DIR": "/tmp/x"}
    for bad in ({"precision": "fp8"}, {"performance_hint": "fast"}, {"num_threads": 0},
                {"huge_pages": 1}):
        with pytest.raises(InvalidArgumentError):
            parse_options(bad)


def test_undeclared_option_is_refused() -> None:
    from tests.models import mlp

    model, inputs = mlp()
    with pytest.raises(InvalidArgumentError, match="not understood"):
        hwsdk.compile(model, inputs, target="intel", bogus=1)


def test_frontend_cross_reference_matches_op_table() -> None:
    """FRONTEND_MISSING agrees with OpenVINO's op_table.cpp (skipped when it is not at hand)."""
    import os
    import re
    from pathlib import Path

    from hwsdk_intel.capabilities import CLAIMS, FRONTEND_MISSING

    from hwsdk.ir.opdef import get_op

    path = Path(os.environ.get("HWSDK_VENDOR_DATA", "/work/shared/vendor-data")) / "intel" / \
        "op_table.cpp"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    text = path.read_text()
    fx = text[text.index("get_supported_ops_fx"):]
    names = set(re.findall(r'\{"(aten\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+)"', fx))
    missing = {op for op in CLAIMS if not any(a in names for a in get_op(op).aten)}
    assert missing == FRONTEND_MISSING
