"""Translation rules: a call a converter cannot express becomes a ``torch_op`` with the reason
(never an aborted capture), legacy empty tensors in ``cat``, effect tokens of linalg ops.

Each case compiles for the ``cpu`` and the ``torch`` targets and matches eager PyTorch.
Tolerances: tests/runtime/helpers.py (float32; linalg kernels may order sums differently).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import hwsdk
from hwsdk.ir.opdef import TORCH_OP, op_for_aten
from tests.runtime.helpers import assert_same_output


def _call_module(fn: Callable[..., Any]) -> Any:
    """A module whose forward calls ``fn`` on its inputs (the OpInfo-style cases below)."""
    import torch

    class Call(torch.nn.Module):
        def forward(self, *args: Any) -> Any:
            return fn(*args)

    return Call().eval()


def _spd(n: int = 3) -> Any:
    import torch

    a = torch.randn(n, n)
    return a @ a.T + n * torch.eye(n)


def _cases() -> dict[str, tuple[Callable[..., Any], Callable[[], tuple[Any, ...]]]]:
    import torch
    import torch.nn.functional as F

    return {
        "cat_legacy_empty": (lambda a, b: torch.cat([torch.empty(0), a, b], dim=-2),
                             lambda: (torch.randn(1, 2, 3, 4), torch.randn(1, 2, 5, 4))),
        "conv1d_unbatched": (F.conv1d, lambda: (torch.randn(3, 10), torch.randn(4, 3, 3))),
        "conv2d_unbatched": (F.conv2d, lambda: (torch.randn(3, 8, 8), torch.randn(4, 3, 3, 3))),
        "conv3d_unbatched": (F.conv3d,
                             lambda: (torch.randn(3, 5, 5, 5), torch.randn(4, 3, 3, 3, 3))),
        "linalg_inv": (torch.linalg.inv, lambda: (_spd(),)),
        "linalg_solve": (torch.linalg.solve, lambda: (_spd(), torch.randn(3, 2))),
        "linalg_cholesky": (torch.linalg.cholesky, lambda: (_spd(),)),
        "linalg_lu_factor": (torch.linalg.lu_factor, lambda: (_spd(),)),
        "linalg_ldl_factor": (lambda a: torch.linalg.ldl_factor(a)[0], lambda: (_spd(),)),
        "linalg_tensorinv": (lambda a: torch.linalg.tensorinv(a, ind=2),
                             lambda: (torch.randn(4, 6, 8, 3),)),
        "linalg_tensorsolve": (torch.linalg.tensorsolve,
                               lambda: (torch.randn(2, 3, 6), torch.randn(2, 3))),
    }


@pytest.mark.parametrize("target", ["cpu", "torch"])
@pytest.mark.parametrize("case", sorted(_cases()))
def test_opinfo_cases_compile_and_match_eager(case: str, target: str) -> None:
    fn, make = _cases()[case]
    model, example = _call_module(fn), make()
    compiled = hwsdk.compile(model, example, target=target)
    assert_same_output(compiled(*example), model(*example))


def test_cat_skips_legacy_empty_tensors_like_torch() -> None:
    import torch

    fn, make = _cases()["cat_legacy_empty"]
    graph = hwsdk.explain(_call_module(fn), make(), target="cpu").graph
    assert [(n.op, n.inputs, n.attrs) for n in graph.nodes] == [("cat", graph.inputs, {"dim": 2})]
    assert torch.cat([torch.empty(0), torch.ones(2, 1)], dim=-2).shape == (2, 1)


def test_a_call_the_converter_declines_stays_opaque_with_the_reason() -> None:
    fn, make = _cases()["conv2d_unbatched"]
    [node] = hwsdk.explain(_call_module(fn), make(), target="torch").graph.nodes
    assert node.op == TORCH_OP and node.attrs["target"] == "aten.conv2d.default"
    assert "conv does not express these arguments" in node.attrs["reason"]


def test_a_converter_that_raises_never_aborts_the_capture(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import torch

    def broken(args: Any, kwargs: Any) -> Any:
        raise KeyError(2)

    opdef = op_for_aten("aten.tanh.default")
    assert opdef is not None
    monkeypatch.setitem(opdef.aten, "aten.tanh.default", broken)  # type: ignore[index]
    model, x = _call_module(torch.tanh), torch.randn(4)
    compiled = hwsdk.compile(model, (x,), target="cpu")
    [node] = compiled.captured.graph.nodes
    assert node.op == TORCH_OP
    assert node.attrs["reason"] == "the tanh converter cannot express this call: KeyError: 2"
    assert_same_output(compiled(x), model(x))


def test_inferred_types_must_agree_with_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    opdef = op_for_aten("aten.argmax.default")
    assert opdef is not None
    monkeypatch.setitem(opdef.aten, "aten.argmax.default",  # type: ignore[index]
                        lambda args, kwargs: ([args[0]], {"dim": 0, "keepdim": True}))
    model = _call_module(lambda x: torch.argmax(x, dim=0))
    [node] = hwsdk.explain(model, (torch.randn(4, 3),), target="torch").graph.nodes
    assert node.op == TORCH_OP
    assert node.attrs["reason"] == "argmax would compute i64[1, 3], but PyTorch computes i64[3]"
