"""hwsdk.compile's quantization arguments, checked before capture."""

from __future__ import annotations

import pytest

from hwsdk.errors import InvalidArgumentError
from hwsdk.ir.quant import quant_config


def test_defaults_exclude_lm_head_for_int4_only() -> None:
    assert quant_config("int8_weight_only").exclude == ()  # type: ignore[union-attr]
    int4 = quant_config("int4_weight_only")
    assert int4 is not None and int4.exclude == ("lm_head",) and int4.group_size == 128
    assert int4.excludes("lm_head") and not int4.excludes("model.layers.0.mlp.up_proj")
    assert quant_config("int4_weight_only", exclude=[]).exclude == ()  # type: ignore[union-attr]


def test_patterns_match_the_full_path_or_its_last_part() -> None:
    config = quant_config("int8_weight_only", exclude=["*.mlp.*", "q_proj"])
    assert config is not None
    assert config.excludes("model.layers.3.mlp.down_proj")
    assert config.excludes("model.layers.3.self_attn.q_proj")
    assert not config.excludes("model.layers.3.self_attn.k_proj")


def test_none_is_no_quantization() -> None:
    assert quant_config(None) is None


@pytest.mark.parametrize(("args", "message"), [
    (("int3_weight_only",), "is not one of"),
    (("int4_weight_only", 0), "group_size must be a positive even int"),
    (("int4_weight_only", 33), "group_size must be a positive even int"),
    (("int4_weight_only", True), "group_size must be a positive even int"),
    (("int8_weight_only", 128, "lm_head"), "must be a list of module names"),
    ((None, 128, ["lm_head"]), "quantize_exclude is given but quantize is not"),
])
def test_bad_arguments_say_what_to_pass(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        quant_config(*args)  # type: ignore[arg-type]


def test_quantize_fallback_takes_its_two_choices_and_names_them_otherwise() -> None:
    from hwsdk.ir.quant import QUANTIZE_FALLBACKS, quantize_fallback

    assert list(QUANTIZE_FALLBACKS) == ["torch", "dequantize"]
    assert quantize_fallback("dequantize") == "dequantize"
    for bad in ("float", None, "Dequantize", 1):
        with pytest.raises(InvalidArgumentError, match="'torch' or 'dequantize'"):
            quantize_fallback(bad)


def test_compile_and_explain_refuse_a_bad_quantize_fallback_before_capture() -> None:
    import hwsdk

    for entry in (hwsdk.compile, hwsdk.explain):
        with pytest.raises(InvalidArgumentError, match="quantize_fallback='float'"):
            entry(object(), (), target="torch", quantize_fallback="float")
