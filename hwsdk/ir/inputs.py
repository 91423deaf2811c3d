"""Example inputs checked before and diagnosed after torch.export, with messages that say
what to change: wrong containers, meta tensors, weights in another dtype, shape mismatches,
outputs that are not tensors, and inputs that need gradients the targets do not compute."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from hwsdk.errors import CaptureError, InvalidArgumentError, UnsupportedDtypeError

__all__ = ["check_example_inputs", "check_weights", "diagnose_export_failure",
           "non_tensor_output", "warn_if_differentiated"]

_EXPECTS = ("in_features", "in_channels", "normalized_shape", "num_features", "embed_dim")
"""Module attributes that say what an input must look like, quoted in shape-mismatch errors."""


def check_example_inputs(example_inputs: Any) -> tuple[Any, ...]:
    """Validate example inputs: a tuple (or list) of tensors and pytrees of tensors, holding
    data (not on the ``meta`` device).

    :raises InvalidArgumentError: for a non-tuple, or a tensor on the meta device.
    """
    import torch
    from torch.utils._pytree import tree_leaves

    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    if not isinstance(example_inputs, (tuple, list)):
        raise InvalidArgumentError(
            f"example_inputs must be a tuple of tensors, got {type(example_inputs).__name__}; "
            "wrap a single tensor as (x,)"
        )
    for i, leaf in enumerate(tree_leaves(tuple(example_inputs))):
        if isinstance(leaf, torch.Tensor) and leaf.is_meta:
            raise InvalidArgumentError(
                f"example input #{i} is on the meta device (shape {list(leaf.shape)}, no data); "
                "hwsdk compiles and runs real tensors: pass a CPU tensor of that shape, e.g. "
                f"torch.zeros({tuple(leaf.shape)}, dtype={leaf.dtype})"
            )
    return tuple(example_inputs)


def check_weights(model: Any, example_inputs: tuple[Any, ...]) -> None:
    """Refuse weights PyTorch itself cannot run with these inputs: on the meta device, or
    float64 weights meeting float32 (or narrower) inputs.

    :raises InvalidArgumentError: for meta weights.
    :raises UnsupportedDtypeError: for float64 weights that fail on the example inputs.
    """
    import torch
    from torch.utils._pytree import tree_leaves

    tensors = [*model.named_parameters(), *model.named_buffers()]
    meta = [name for name, t in tensors if t.is_meta]
    if meta:
        raise InvalidArgumentError(
            f"{type(model).__name__}'s {meta[0]!r} (and {len(meta) - 1} more) is on the meta "
            "device, so it has no values to compile: load the weights first (e.g. "
            "model.to_empty(device='cpu') then load_state_dict, or load_state_dict(..., "
            "assign=True))")
    doubles = [name for name, t in tensors if t.dtype == torch.float64]
    leaves = [t for t in tree_leaves(example_inputs) if isinstance(t, torch.Tensor)]
    narrow = [i for i, t in enumerate(leaves) if t.is_floating_point() and t.dtype != torch.float64]
    if not doubles or not narrow or _runs_eagerly(model, example_inputs):
        return
    raise UnsupportedDtypeError(
        f"{type(model).__name__} has float64 weights ({doubles[0]!r}) but example input "
        f"#{narrow[0]} is {str(leaves[narrow[0]].dtype).removeprefix('torch.')}, and PyTorch "
        "cannot mix them: call model.float() or pass float64 inputs")


def _runs_eagerly(model: Any, example_inputs: tuple[Any, ...]) -> bool:
    import torch

    try:
        with torch.no_grad():
            model(*example_inputs)
    except Exception:  # any failure means the mismatch is real
        return False
    return True


def diagnose_export_failure(model: Any, example_inputs: tuple[Any, ...]) -> str | None:
    """When the model fails on its example inputs in eager PyTorch too, say where and why.

    Returns None when eager PyTorch runs them (the failure is torch.export's own), else a
    message naming the module that failed, what it expects, and the shapes it got.
    """
    import torch

    stack: list[tuple[str, Any, tuple[Any, ...]]] = []
    names = {id(m): name for name, m in model.named_modules()}

    def enter(module: Any, args: tuple[Any, ...]) -> None:
        stack.append((names.get(id(module), ""), module, args))

    def leave(module: Any, args: tuple[Any, ...], output: Any) -> None:
        stack.pop()

    handles = [m.register_forward_pre_hook(enter) for m in model.modules()]
    handles += [m.register_forward_hook(leave) for m in model.modules()]
    try:
        with torch.no_grad():
            model(*example_inputs)
    except Exception as exc:  # the eager error is the diagnosis
        return _eager_message(stack[-1] if stack else None, exc, example_inputs)
    else:
        return None
    finally:
        for handle in handles:
            handle.remove()


def _eager_message(frame: tuple[str, Any, tuple[Any, ...]] | None, exc: Exception,
                   example_inputs: tuple[Any, ...]) -> str:
    import torch

    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
    where = ""
    if frame is not None:
        path, module, args = frame
        expects = [f"{a}={getattr(module, a)}" for a in _EXPECTS if hasattr(module, a)]
        got = ", ".join(_describe(a) for a in args if isinstance(a, torch.Tensor))
        where = (f" in {path or 'the model'} ({type(module).__name__}"
                 f"{', expects ' + ', '.join(expects) if expects else ''}), which got {got}")
    given = ", ".join(f"#{i} {_describe(t)}" for i, t in enumerate(example_inputs)
                      if isinstance(t, torch.Tensor))
    return (f"the example inputs do not fit the model: eager PyTorch fails on them too"
            f"{where}: {type(exc).__name__}: {text}. Example inputs: {given}; pass inputs of "
            "the shapes and dtypes the model expects")


def _describe(tensor: Any) -> str:
    return f"{str(tensor.dtype).removeprefix('torch.')}{list(tensor.shape)}"


def non_tensor_output(kind: str, where: str) -> CaptureError:
    """The error for a model output that is a Python value hwsdk cannot recompute (a bool
    read from a tensor, or a number from something other than inputs, sizes and ``.item()``)."""
    return CaptureError(
        f"the model returns a Python {kind} (computed at {where}), not a tensor; hwsdk compiled "
        "models return tensors, ints and floats: return the tensor (drop .item() / bool() in "
        "forward) and call .item() on the compiled model's output")


def warn_if_differentiated(example_inputs: Sequence[Any], targets: Sequence[str]) -> None:
    """Warn when an input requires grad but ``targets`` (other than torch) compute without
    autograd: their outputs come back detached, and ``backward()`` would fail later."""
    import torch
    from torch.utils._pytree import tree_leaves

    graded = [i for i, t in enumerate(tree_leaves(tuple(example_inputs)))
              if isinstance(t, torch.Tensor) and t.requires_grad]
    if graded and targets:
        warnings.warn(
            f"hwsdk: example input #{graded[0]} requires grad, but {', '.join(sorted(targets))} "
            "cannot differentiate: outputs of their regions are detached and backward() will "
            "not reach the inputs; compile with target='torch' to train, or pass "
            "x.detach() for inference", stacklevel=4)

