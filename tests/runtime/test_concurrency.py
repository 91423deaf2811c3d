"""Several threads calling one CompiledModel at once get the same results as eager.

Tolerances: rtol=1e-4, atol=1e-5 (float32, see tests/runtime/helpers.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.runtime.captures import captured_model, compile_captured
from tests.runtime.helpers import assert_same_output


def _hammer(compiled: Any, model: Any, inputs: list[tuple[Any, ...]]) -> None:
    import torch

    with torch.no_grad():
        expected = [model(*x) for x in inputs]

    def call(i: int) -> tuple[int, Any]:
        with torch.no_grad():
            return i, compiled(*inputs[i % len(inputs)])

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(call, range(24)))
    for i, out in results:
        assert_same_output(out, expected[i % len(inputs)])


def test_threads_share_one_compiled_model() -> None:
    import torch

    model, example, captured = captured_model("gpt2")
    compiled = compile_captured(captured, "torch")
    inputs = [(torch.randint(0, 128, tuple(example[0].shape)),) for _ in range(6)]
    _hammer(compiled, model, inputs)


def test_threads_share_a_lazily_compiled_model() -> None:
    import torch

    import hwsdk
    from tests import models

    model, _ = models.mlp()
    lazy = hwsdk.compile(model, target="torch")
    inputs = [(torch.randn(4, 32),) for _ in range(6)]
    _hammer(lazy, model, inputs)
    assert len(lazy.compiled) == 1  # concurrent first calls capture once


def test_threads_share_a_directly_run_model() -> None:
    import torch

    import hwsdk
    from tests import models

    model, example = models.mlp()
    compiled = hwsdk.compile(model, example, target="cpu")
    assert compiled._direct is not None  # one region, static inputs: the direct path
    inputs = [(torch.randn(*example[0].shape),) for _ in range(6)]
    _hammer(compiled, model, inputs)
