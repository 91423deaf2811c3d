"""Bad input: each mistake raises a specific HwsdkError subclass whose message says what to do;
no bare KeyError or AttributeError reaches the user."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hwsdk
from hwsdk.errors import (
    CaptureError,
    HwsdkError,
    InputMismatchError,
    InvalidArgumentError,
    PluginLoadError,
    UnknownTargetError,
    UnsupportedDtypeError,
)
from tests import models
from tests.support.fake_dist import installed, write_distribution


class DataDependent:
    """A model whose forward branches on a tensor value (torch.export cannot capture it)."""

    @staticmethod
    def make() -> Any:
        import torch

        class Branchy(torch.nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                if x.sum() > 0:
                    return x * 2
                return x - 1

        return Branchy()


@pytest.fixture(scope="module")
def compiled_mlp() -> Any:
    model, example = models.mlp(batch=4)
    return hwsdk.compile(model, example, target="torch")


def test_unexportable_model_raises_capture_error_with_hint_and_cause() -> None:
    import torch

    with pytest.raises(CaptureError) as info:
        hwsdk.compile(DataDependent.make(), (torch.randn(3),), target="torch")
    message = str(info.value)
    assert "Branchy" in message
    assert "torch.where" in message and "torch.cond" in message
    assert info.value.__cause__ is not None
    assert isinstance(info.value, HwsdkError)


def test_not_a_module_is_invalid_argument() -> None:
    import torch

    with pytest.raises(InvalidArgumentError, match=r"nn\.Module"):
        hwsdk.compile(lambda x: x, (torch.randn(2),), target="torch")


def test_example_inputs_not_a_tuple() -> None:
    model, _ = models.mlp()
    with pytest.raises(InvalidArgumentError, match=r"wrap a single tensor as \(x,\)"):
        hwsdk.compile(model, 3, target="torch")


def _linear_model() -> Any:
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = torch.nn.Linear(8, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.proj(x)

    return Net().eval()


def test_float64_weights_with_float32_inputs_fail_at_compile_time() -> None:
    import torch

    with pytest.raises(UnsupportedDtypeError, match=r"float64 weights \('proj.weight'\) but "
                       r"example input #0 is float32.*call model.float\(\) or pass float64"):
        hwsdk.compile(_linear_model().double(), (torch.randn(2, 8),), target="cpu")


def test_meta_inputs_and_weights_say_what_to_pass() -> None:
    import torch

    with pytest.raises(InvalidArgumentError, match=r"input #0 is on the meta device.*"
                       r"torch.zeros\(\(2, 8\), dtype=torch.float32\)"):
        hwsdk.compile(_linear_model(), (torch.randn(2, 8, device="meta"),), target="cpu")
    with pytest.raises(InvalidArgumentError, match=r"'proj.weight'.* meta device.*load_state"):
        hwsdk.compile(_linear_model().to("meta"), (torch.randn(2, 8),), target="cpu")


def test_a_python_bool_output_names_its_line_and_the_fix() -> None:
    import torch

    class Positive(torch.nn.Module):  # ints and floats: tests/runtime/test_outputs.py
        def forward(self, x: torch.Tensor) -> Any:
            return x * 2, (x > 0).any().item()

    with pytest.raises(CaptureError, match=r"returns a Python bool \(computed at "
                       r".*test_bad_input.py:\d+\).*drop .item\(\)"):
        hwsdk.compile(Positive(), (torch.randn(3),), target="cpu")


def test_example_input_of_the_wrong_shape_names_module_expected_and_got() -> None:
    import torch

    with pytest.raises(CaptureError) as info:
        hwsdk.compile(_linear_model(), (torch.randn(2, 7),), target="cpu")
    message = str(info.value)
    assert "in proj (Linear, expects in_features=8), which got float32[2, 7]" in message
    assert "#0 float32[2, 7]" in message and ".." not in message
    assert "traceable" not in message


def test_inputs_that_require_grad_warn_naming_targets_that_cannot_differentiate() -> None:
    import torch

    x = torch.randn(2, 8, requires_grad=True)
    with pytest.warns(UserWarning, match=r"input #0 requires grad, but cpu cannot "
                      r"differentiate.*target='torch'"):
        hwsdk.compile(_linear_model(), (x,), target="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch differentiates: no warning
        compiled = hwsdk.compile(_linear_model(), (x,), target="torch")
    compiled(x).sum().backward()
    assert x.grad is not None


@pytest.mark.parametrize(("make", "pattern"), [
    (lambda t: (t.randn(5, 32),),
     r"input 0 \(x: f32\[4, 32\]\) expected size 4 at dim 0, got shape \[5, 32\].*dynamic_shapes"),
    (lambda t: (t.randn(4, 32).half(),),
     r"input 0 \(x: f32\[4, 32\]\) expected dtype f32, got float16.*\.to\(torch\.float32\)"),
    (lambda t: (t.randn(4, 32, 1),),
     r"input 0 \(x: f32\[4, 32\]\) expected rank 2, got shape \[4, 32, 1\]"),
    (lambda t: (t.randn(4, 32), t.randn(4, 32)),
     r"expected 1 input\(s\) \(x: f32\[4, 32\]\).*got 2 argument\(s\).*float32\[4, 32\]"),
    (lambda t: (),
     r"expected 1 input\(s\) \(x: f32\[4, 32\]\).*got 0 argument\(s\)"),
    (lambda t: ([1.0, 2.0],),
     r"x: f32\[4, 32\]"),
])
def test_wrong_call_inputs_name_input_expected_and_passed(compiled_mlp: Any, make: Any,
                                                          pattern: str) -> None:
    import torch

    with pytest.raises(InputMismatchError, match=pattern):
        compiled_mlp(*make(torch))


def test_unknown_target_suggests_close_names() -> None:
    model, example = models.mlp()
    with pytest.raises(UnknownTargetError) as info:
        hwsdk.compile(model, example, target="trch")
    assert "did you mean torch" in str(info.value)
    assert "hwsdk targets" in str(info.value)
    with pytest.raises(UnknownTargetError, match="did you mean torch"):
        hwsdk.compile(model, target="toch")  # lazy compile checks the target up front


def test_unknown_compile_option_is_invalid_argument() -> None:
    model, example = models.mlp()
    with pytest.raises(InvalidArgumentError, match=r"\['speed'\] are not understood"):
        hwsdk.compile(model, example, target="torch", speed="max")
    with pytest.raises(InvalidArgumentError, match="speed"):
        hwsdk.compile(model, target="torch", options={"speed": 1})
    with pytest.raises(InvalidArgumentError, match="min_block_size"):
        hwsdk.compile(model, example, target="torch", min_block_size=0)
    with pytest.raises(InvalidArgumentError, match="target must be"):
        hwsdk.compile(model, example, target=3)


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Iterator[str]:
    source = '''
HWSDK_PLUGIN_API = ">=1,<2"
import hwsdk_missing_vendor_sdk  # the vendor SDK is not installed
'''
    write_distribution(tmp_path / "dist", "hwsdk-brokenvendor", "0.3",
                       {"hwsdk_brokenvendor": source}, {"brokenvendor": "hwsdk_brokenvendor"})
    with installed(tmp_path / "dist"):
        yield "brokenvendor"


def test_target_of_a_plugin_that_failed_to_load(broken_plugin: str) -> None:
    model, example = models.mlp()
    with pytest.raises(PluginLoadError) as info:
        hwsdk.compile(model, example, target=broken_plugin)
    message = str(info.value)
    assert "hwsdk_missing_vendor_sdk" in message and "hwsdk doctor" in message
    cause = info.value.__cause__
    assert isinstance(cause, ModuleNotFoundError)
    with pytest.raises(PluginLoadError):
        hwsdk.explain(model, example, target=broken_plugin)


def test_graph_level_errors_are_hwsdk_errors() -> None:
    from hwsdk.ir.graph import Graph
    from hwsdk.ir.opdef import get_op

    with pytest.raises(HwsdkError, match="not an op of core op set"):
        get_op("no_such_op")
    with pytest.raises(HwsdkError, match="malformed graph JSON"):
        Graph.from_dict({"schema_version": 1, "inputs": []})
    with pytest.raises(HwsdkError, match="schema_version"):
        Graph.from_dict({"inputs": []})
    assert not issubclass(UnknownTargetError, AttributeError)


def test_unknown_fallback_op_suggests_names() -> None:
    model, example = models.mlp()
    with pytest.raises(InvalidArgumentError, match="did you mean layer_norm"):
        hwsdk.compile(model, example, target="torch", fallback_ops=["layernorm"])
    with pytest.raises(InvalidArgumentError, match="list of op names"):
        hwsdk.compile(model, example, target="torch", fallback_ops=[3])


def test_call_with_wrong_pytree_structure() -> None:
    import torch

    class Pair(torch.nn.Module):
        def forward(self, d: dict[str, torch.Tensor]) -> torch.Tensor:
            return d["a"] + d["b"]

    example = ({"a": torch.randn(2), "b": torch.randn(2)},)
    compiled = hwsdk.compile(Pair(), example, target="torch")
    with pytest.raises(InputMismatchError, match=r"expected 2 input\(s\) \(d_a: f32\[2\]"):
        compiled({"a": torch.randn(2)})
