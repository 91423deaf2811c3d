"""Every core op's ``infer`` agrees with the types torch.export recorded, over every node of
every captured test model (static captures, and a capture with dynamic batch and seq)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from hwsdk.ir.graph import Graph, TensorType
from hwsdk.ir.opdef import TORCH_OP, get_op
from hwsdk.ir.symbolic import evaluate_dim, symbols_in
from tests.runtime.captures import captured_dynamic, captured_model

# Symbol values at which two symbolic dims must agree (covers odd, even, 1-ish and larger).
PROBES = (1, 2, 3, 7, 16)


def same_dim(inferred: Any, recorded: Any) -> bool:
    """Equal ints; or expressions equal at every probe assignment of their symbols.

    ``"?"`` (a dim inference cannot name, e.g. reshape's -1 over symbolic dims) matches
    anything."""
    if inferred == recorded or inferred == "?":
        return True
    if isinstance(inferred, int) and isinstance(recorded, int):
        return False
    symbols = sorted(symbols_in(inferred) | symbols_in(recorded))
    for values in itertools.product(PROBES, repeat=len(symbols)):
        env = dict(zip(symbols, values, strict=True))
        if evaluate_dim(inferred, env) != evaluate_dim(recorded, env):
            return False
    return True


def same_type(inferred: TensorType, recorded: TensorType) -> bool:
    return inferred.dtype == recorded.dtype and inferred.rank == recorded.rank and all(
        same_dim(a, b) for a, b in zip(inferred.shape, recorded.shape, strict=True))


def mismatches(graph: Graph) -> list[str]:
    problems = []
    for node in graph.nodes:
        if node.op == TORCH_OP:
            continue
        opdef = get_op(node.op)
        inputs = [graph.types[i] for i in node.inputs if i]
        inferred = opdef.infer(inputs, node.attrs)
        recorded = [graph.types[o] for o in node.outputs]
        if len(inferred) < len(recorded) or not all(
                same_type(a, b) for a, b in zip(inferred, recorded, strict=False)):
            problems.append(f"{node.id} {node.op} {node.attrs}: inferred "
                            f"{[str(t) for t in inferred]}, torch.export recorded "
                            f"{[str(t) for t in recorded]}")
    return problems


@pytest.mark.parametrize("name", ["mlp", "resnet", "bert", "gpt2", "llama"])
def test_infer_matches_export_types(name: str) -> None:
    graph = captured_model(name)[2].graph
    assert mismatches(graph) == []


def test_infer_matches_export_types_with_dynamic_dims() -> None:
    graph = captured_dynamic("gpt2")[2].graph
    assert any(not t.is_static for t in graph.types.values())
    assert mismatches(graph) == []


def test_every_core_op_is_checked_somewhere() -> None:
    """Lists the core ops no captured test model uses: they rely on test_reference only."""
    from hwsdk.ir.opdef import all_ops

    used = {n.op for name in ("mlp", "resnet", "bert", "gpt2", "llama")
            for n in captured_model(name)[2].graph.nodes}
    assert {"linear", "conv", "batch_norm", "layer_norm", "embedding", "max_pool2d",
            "adaptive_avg_pool2d", "scaled_dot_product_attention", "reshape", "permute",
            "silu"} <= used, used
    assert used - {TORCH_OP} <= {op.name for op in all_ops()}
