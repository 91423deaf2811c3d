"""The eager interpreter: run IR nodes with their PyTorch references; decode ``torch_op``
calls (constant folding, the torch target, FX lowering and Triton view steps use it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from hwsdk.errors import IRError
from hwsdk.ir.dtypes import DType, to_torch
from hwsdk.ir.graph import Node
from hwsdk.ir.opdef import TORCH_OP, OpDef, get_op
from hwsdk.ir.symbolic import evaluate_dim, evaluate_expr

__all__ = ["run_node", "resolve_attrs", "aten_callable", "decode_args", "has_symbolic_attrs"]


@lru_cache(maxsize=1024)
def aten_callable(target: str) -> Any:
    """``"aten.index.Tensor"`` → ``torch.ops.aten.index.Tensor``."""
    import torch

    try:
        namespace, packet, overload = target.split(".")
        return getattr(getattr(getattr(torch.ops, namespace), packet), overload)
    except (ValueError, AttributeError) as exc:
        raise IRError(f"torch_op target {target!r} is not an operator torch knows: {exc}") from exc


def _resolve(value: Any, env: Mapping[str, int]) -> Any:
    if isinstance(value, str):
        return evaluate_dim(value, env)
    if isinstance(value, list):
        return [_resolve(v, env) for v in value]
    return value


def has_symbolic_attrs(opdef: OpDef, attrs: Mapping[str, Any]) -> bool:
    """True when one of the op's symbolic-capable attrs holds a symbol this time."""
    for key in opdef.sym_attrs:
        value = attrs.get(key)
        if isinstance(value, str) or (isinstance(value, list) and any(isinstance(v, str)
                                                                       for v in value)):
            return True
    return False


def resolve_attrs(opdef: OpDef, attrs: Mapping[str, Any], env: Mapping[str, int]) -> dict[str, Any]:
    """Attrs with symbolic dims evaluated against ``env``."""
    out = dict(attrs)
    for key in opdef.sym_attrs:
        if key in out:
            out[key] = _resolve(out[key], env)
    return out


def decode_args(encoded: Any, inputs: Sequence[Any], env: Mapping[str, int]) -> Any:
    """Inverse of capture's encoding of a torch_op's arguments."""
    import torch

    if isinstance(encoded, list):
        return [decode_args(v, inputs, env) for v in encoded]
    if isinstance(encoded, dict):
        if "$in" in encoded:
            return inputs[encoded["$in"]]
        if "$bind" in encoded:
            env = _bind(encoded["$bind"], inputs, env)
        if "$sym" in encoded:
            return evaluate_dim(encoded["$sym"], env)
        if "$symf" in encoded:
            return float(evaluate_expr(encoded["$symf"], env))
        if "$dtype" in encoded:
            return to_torch(DType(encoded["$dtype"]))
        if "$device" in encoded:
            return torch.device(encoded["$device"])
        if "$torch" in encoded:
            return getattr(torch, encoded["$torch"])
        return {k: decode_args(v, inputs, env) for k, v in encoded.items()}
    return encoded


def _bind(binds: Mapping[str, Any], inputs: Sequence[Any], env: Mapping[str, int]
          ) -> dict[str, Any]:
    """``env`` plus the data-dependent symbols, read from this call's input tensors."""
    out = dict(env)
    for symbol, (index, dim) in binds.items():
        tensor = inputs[index]
        out[symbol] = tensor.item() if dim is None else int(tensor.shape[dim])
    return out


def run_node(node: Node, inputs: Sequence[Any], env: Mapping[str, int]) -> list[Any]:
    """Run one node on PyTorch tensors; ``inputs`` align with ``node.inputs`` (None if absent)."""
    if node.op == TORCH_OP:
        fn = aten_callable(node.attrs["target"])
        args = decode_args(node.attrs["args"], inputs, env)
        kwargs = decode_args(node.attrs["kwargs"], inputs, env)
        result = fn(*args, **kwargs)
    else:
        opdef = get_op(node.op)
        attrs = resolve_attrs(opdef, node.attrs, env) if opdef.sym_attrs else node.attrs
        result = opdef.reference(*inputs, **attrs)
    if isinstance(result, (tuple, list)):
        return list(result)[: len(node.outputs)]
    return [result]
