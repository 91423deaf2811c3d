"""The shared test models through ``target="intel"``: equal to eager in f32, every core op
on OpenVINO, and dynamic batch for the MLP and GPT-2."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.utils._pytree import tree_leaves

import hwsdk
from tests import models

ATOL = 1e-4  # f32 end to end; measured errors are ~1e-6 (OpenVINO fuses differently)


def _max_error(out: Any, ref: Any) -> float:
    return max(float((a.float() - b.float()).abs().max())
               for a, b in zip(tree_leaves(out), tree_leaves(ref), strict=True)
               if isinstance(a, torch.Tensor))


@pytest.mark.parametrize("name", ["mlp", "resnet", "bert", "gpt2", "llama"])
def test_model_matches_eager(name: str) -> None:
    model, inputs = models.ALL[name]()
    compiled = hwsdk.compile(model, inputs, target="intel")
    with torch.no_grad():
        assert _max_error(compiled(*inputs), model(*inputs)) < ATOL
    plan = compiled.plan
    types = plan.graph.types
    nodes = plan.graph.node_by_id()
    for node_id, info in plan.nodes.items():  # only opaque ops and i64 arithmetic stay behind
        if info.target == "torch":
            i64 = any(types[v].dtype.value == "i64" for v in [*nodes[node_id].inputs,
                                                               *nodes[node_id].outputs] if v)
            assert info.code.value == "OPAQUE_OP" or (info.code.value == "DTYPE" and i64), info
    assert all(r.status == "compiled" for r in plan.regions if r.target == "intel:cpu")
    assert all(r.details["precision"] == "f32" for r in plan.regions if r.target == "intel:cpu")


@pytest.mark.parametrize("name", ["mlp", "gpt2"])
def test_dynamic_batch(name: str) -> None:
    from torch.export import Dim

    model, inputs = models.ALL[name]()
    batch = Dim("batch", min=1, max=16)
    shapes: Any = ({0: batch},) if name == "mlp" else {"input_ids": {0: batch}}
    compiled = hwsdk.compile(model, inputs, target="intel", dynamic_shapes=shapes)
    assert any(r.details.get("dynamic") for r in compiled.plan.regions)
    for size in (1, 5):
        shape = (size, *inputs[0].shape[1:])
        x = torch.randn(shape) if name == "mlp" else torch.randint(0, models.VOCAB, shape)
        with torch.no_grad():
            assert _max_error(compiled(x), model(x)) < ATOL
