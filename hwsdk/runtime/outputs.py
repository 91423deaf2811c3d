"""The model's flat outputs from the graph's: Python numbers, and inputs updated in place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.ir.outputs import NumberOutput, OutputPlan
from hwsdk.ir.symbolic import evaluate_expr

__all__ = ["finish_outputs", "has_size", "restore_sizes"]


def finish_outputs(plan: OutputPlan, outputs: Sequence[Any], flat: Sequence[Any],
                   env: Mapping[str, int]) -> list[Any]:
    """The model's flat outputs, after copying each updated input's new value into the
    caller's tensor (as the eager model leaves it).

    :param outputs: the graph's outputs for this call.
    :param flat: the call's flat input tensors (the caller's own).
    :param env: the call's dim symbol values.
    """
    result = [outputs[leaf] if isinstance(leaf, int) else _number(leaf, outputs, env)
              for leaf in plan.leaves]
    for index, target in plan.mutations:  # after the numbers: they may read an input's value
        flat[target].copy_(outputs[index])
    return result


def _number(number: NumberOutput, outputs: Sequence[Any], env: Mapping[str, int]) -> Any:
    if number.expr is None:
        return number.value
    values: dict[str, Any] = dict(env)
    for symbol, (index, dim) in number.reads.items():
        tensor = outputs[index]
        values[symbol] = tensor.item() if dim is None else int(tensor.shape[dim])
    return evaluate_expr(number.expr, values)


def has_size(spec: Any) -> bool:
    """True when an output spec holds a ``torch.Size`` (pytree rebuilds it as a tuple)."""
    import torch

    return spec.type is torch.Size or any(has_size(c) for c in spec.children())


def restore_sizes(value: Any, spec: Any) -> Any:
    """``value`` (from ``tree_unflatten``) with the tuples ``spec`` records as ``torch.Size``
    made sizes again, inside plain tuples, lists and dicts."""
    import torch

    if spec.type is torch.Size:
        return torch.Size(value)
    if type(value) in (tuple, list):
        return type(value)(restore_sizes(v, s)
                           for v, s in zip(value, spec.children(), strict=True))
    if type(value) is dict:
        return {k: restore_sizes(value[k], s)
                for k, s in zip(spec.context, spec.children(), strict=True)}
    return value
