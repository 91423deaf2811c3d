"""``hwsdk explain --quantize`` (hwsdk/cli/quantize.py): the plan hwsdk.explain gives with the
same arguments, and a click error for each bad combination."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hwsdk
from hwsdk.cli import main

torch = pytest.importorskip("torch")


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _python_plan(factory_file: Path, target: str, **settings: object) -> dict[str, object]:
    """What hwsdk.explain says for the factory's model with the same settings."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("user_models_quant", factory_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model, inputs = module.factory()
    plan = hwsdk.explain(model, inputs, target=target, **settings)  # type: ignore[arg-type]
    return json.loads(plan.to_json())  # type: ignore[no-any-return]


@pytest.mark.parametrize(("args", "settings", "note"), [
    (["--quantize", "int8_weight_only"], {"quantize": "int8_weight_only"},
     "int8_weight_only: 1 linear weight(s) quantized to 8 bits (per output channel"),
    (["--quantize", "int4_weight_only", "--group-size", "4"],
     {"quantize": "int4_weight_only", "group_size": 4},
     "int4_weight_only: 1 linear weight(s) quantized to 4 bits (per group of 4, asymmetric"),
    (["--quantize", "int8_weight_only", "--quantize-exclude", "f*"],
     {"quantize": "int8_weight_only", "quantize_exclude": ["f*"]},
     "kept in float: fc (excluded by quantize_exclude)"),
])
def test_explain_quantize_plans_what_hwsdk_explain_plans(
        factory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], settings: dict[str, object], note: str) -> None:
    out_json = tmp_path / "plan.json"
    code, out, err = _cli(["explain", f"{factory_file}:factory", "-t", "cpu", "--brief",
                           *args, "--json", str(out_json)], capsys)
    assert code == 0, err
    assert note in out
    got = json.loads(out_json.read_text())
    want = _python_plan(factory_file, "cpu", **settings)
    assert got["notes"] == want["notes"]
    assert [r["details"] for r in got["regions"]] == [r["details"] for r in want["regions"]]
    dequantize = [n for n in got["nodes"] if n["op"] == "dequantize"]
    assert len(dequantize) == (0 if "quantize_exclude" in settings else 1)
    assert all(n["target"] == "cpu" for n in dequantize)
    if dequantize:  # the region records the weight's format and bytes, as explain's does
        assert got["regions"][0]["details"]["weights"]["formats"]


def test_explain_quantize_fallback_dequantize_names_the_float_weights(
        factory_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if "gaudi" not in {t.name for t in hwsdk.targets()}:
        pytest.skip("the gaudi plugin (whose table refuses int8 weights) is not installed")
    model = f"{factory_file}:factory"
    base = ["explain", model, "--brief", "--quantize", "int8_weight_only"]
    code, out, err = _cli([*base, "-t", "gaudi:gaudi2"], capsys)
    assert code == 0, err
    assert "dequantized to float up front" not in out
    code, out, err = _cli([*base, "-t", "gaudi:gaudi2", "--quantize-fallback", "dequantize"],
                          capsys)
    assert code == 0, err
    assert "quantize_fallback='dequantize': 1 weight(s) dequantized to float up front" in out
    # --target all plans each target on its own copy: cpu still runs the weight quantized
    code, out, err = _cli([*base, "-t", "all", "--quantize-fallback", "dequantize"], capsys)
    assert code == 0, err
    cpu = out.split("=== cpu ===")[1].split("===")[0]
    assert "int8_weight_only: 1 linear weight(s)" in cpu and "up front" not in cpu
    gaudi = out.split("=== gaudi:gaudi2 ===")[1].split("===")[0]
    assert "1 weight(s) dequantized to float up front" in gaudi


@pytest.mark.parametrize(("args", "message"), [
    (["--group-size", "32"], "--group-size only applies with --quantize"),
    (["--quantize-exclude", "fc"], "--quantize-exclude only applies with --quantize"),
    (["--quantize-fallback", "dequantize"], "--quantize-fallback only applies with --quantize"),
    (["--quantize", "int4"], "'int4' is not one of 'int8_weight_only', 'int4_weight_only'"),
    (["--quantize", "int4_weight_only", "--group-size", "33"], "33 is odd"),
    (["--quantize", "int4_weight_only", "--group-size", "0"], "0 is not in the range x>=2"),
    (["--quantize", "int8_weight_only", "--group-size", "32"],
     "int8_weight_only has one scale per output channel"),
    (["--quantize", "int8_weight_only", "--quantize-fallback", "float"],
     "'float' is not one of 'torch', 'dequantize'"),
])
def test_bad_quantize_options_are_click_errors(factory_file: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               args: list[str], message: str) -> None:
    code, out, err = _cli(["explain", f"{factory_file}:factory", "-t", "cpu", *args], capsys)
    assert code == 2, out
    assert message in err and "Traceback" not in err


def test_explain_lm_passes_quantize_through(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("transformers")
    code, out, err = _cli(["explain", "--lm", "tiny-llama", "-t", "cpu", "--brief",
                           "--quantize", "int4_weight_only", "--group-size", "32"], capsys)
    assert code == 0, err
    assert "int4_weight_only: 14 linear weight(s) quantized to 4 bits (per group of 32" in out
    assert "kept in float: model.lm_head" in out
