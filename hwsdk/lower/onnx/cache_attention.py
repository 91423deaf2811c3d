"""Attention over a KV cache as ONNX Runtime's ``com.microsoft.GroupQueryAttention``.

An LLM step graph (:class:`hwsdk.llm.step.LMStep`) writes each layer's new keys and values into
its cache input with ``index_copy`` at ``cache_position``, then attends over the slots in use::

    keys = index_copy(slice(cache_k, dim=2, 0, kv), 2, cache_position, k_new)
    out  = scaled_dot_product_attention(q, repeat_kv(keys), repeat_kv(values), mask)

Lowered op by op, that is a copy of the cache slice, a scatter, the repeated keys and values,
the scores, a masked softmax with its fully-masked-row guard and the weighted sum: about 15
ONNX nodes per layer. When ``cache_position`` holds consecutive slots that start where the
cached tokens end (as the generation loop writes them), the same attention is ONNX Runtime's
fused GroupQueryAttention kernel over the cached slots ``[0, first)`` and the new tokens:
``past_key`` is the cache slice before the first new slot, the mask its ``attention_bias``.
The two are the same attention when the positions are consecutive and the mask allows no
query a slot after its own (the loop's causal mask over the slots in use): the region records
its positions and mask inputs, and :class:`hwsdk.engines.ort.OrtRegion` checks each call with
:func:`check_cache_call` (:data:`CACHE_HINT` says what to do otherwise).

Only a boolean mask (the form the loop passes to SDPA attention) is lowered this way. Numerics:
float32 throughout, as PyTorch's attention; a query row the mask allows nothing for (a
left-padding position) gives zeros, as PyTorch's does. A row whose allowed keys all score
``-inf`` (infinite queries or keys) gives NaN here where PyTorch gives zeros; a step graph's
float values are the model's own activations, so that needs infinities inside the model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Node
from hwsdk.lower.onnx.builder import MS_DOMAIN, Builder

CACHE_HINT = (
    "its attention was lowered to ONNX Runtime's GroupQueryAttention, which attends over the "
    "cache slots before the first new position and the new tokens, causally; pass consecutive "
    "positions and a mask that allows no query a later slot (as hwsdk.compile_lm's loop "
    "does), or compile with options={'cache_attention': False} for the op-by-op form that "
    "takes any positions and mask")
"""What an :class:`~hwsdk.engines.ort.OrtRegion` error says when a call breaks that."""

_ONNX_INT32 = 6


def repeat_kv_source(b: Builder, ir_value: str) -> tuple[Node, int] | None:
    """``(unsqueeze, kv_heads)`` when ``ir_value`` is transformers' ``repeat_kv(x)``:
    ``reshape(expand(unsqueeze(x, 2)))`` from ``[b, kv_heads, s, d]`` to ``[b, kv_heads *
    groups, s, d]``, each head repeated in a row (an IR ``copy`` may sit before the reshape);
    ``x`` is ``unsqueeze.inputs[0]``. None when it is not that form."""
    producers = b.producers
    reshape = producers.get(ir_value)
    if reshape is None or reshape.op != "reshape":
        return None
    expand = producers.get(reshape.inputs[0])
    if expand is not None and expand.op == "copy":
        expand = producers.get(expand.inputs[0])
    if expand is None or expand.op != "expand":
        return None
    unsqueeze = producers.get(expand.inputs[0])
    if unsqueeze is None or unsqueeze.op != "unsqueeze" or unsqueeze.attrs["dim"] not in (2, -3):
        return None
    x, grown, out = (b.type_of(v).shape for v in
                     (unsqueeze.inputs[0], expand.outputs[0], reshape.outputs[0]))
    if len(x) != 4 or len(grown) != 5 or len(out) != 4:
        return None
    kv_heads, groups = x[1], grown[2]
    if not (isinstance(kv_heads, int) and isinstance(groups, int)) or \
            [*x[:2], *x[2:]] != [grown[0], grown[1], *grown[3:]] or \
            [out[0], *out[2:]] != [x[0], *x[2:]] or out[1] != kv_heads * groups:
        return None
    return unsqueeze, kv_heads


def _cache_write(b: Builder, ir_value: str, heads: int) -> tuple[Node, Node] | None:
    """``(index_copy, slice)`` when ``ir_value`` is the keys (or values) a step attends over:
    ``index_copy(slice(cache, 2, 0, kv), 2, positions, new)``, possibly repeated to ``heads``
    by transformers' ``repeat_kv``, with the cache and the positions region inputs."""
    producers = b.producers
    repeated = repeat_kv_source(b, ir_value)
    if repeated is not None:
        unsqueeze = repeated[0]
        if b.type_of(ir_value).shape[1] != heads:  # repeated to the queries' head count
            return None
        ir_value = unsqueeze.inputs[0]
    node = producers.get(ir_value)
    if node is None or node.op != "index_copy" or node.attrs.get("dim") not in (2, -2):
        return None
    cut = producers.get(node.inputs[0])
    if cut is None or cut.op != "slice" or cut.attrs.get("dim") not in (2, -2) or \
            cut.attrs.get("start") != 0 or cut.attrs.get("step") != 1:
        return None
    if cut.inputs[0] not in b.inputs or node.inputs[1] not in b.inputs:
        return None
    return node, cut


def _new_values(b: Builder, write: Node) -> str | None:
    """The ONNX value ``write`` (an index_copy) scatters: the new tokens' keys or values."""
    prefix = f"{write.id}/ScatterElements/"
    scatter = next((n for n in b.nodes if n.name.startswith(prefix)), None)
    return scatter.input[2] if scatter is not None else None


def _tokens_first(b: Builder, x: str, heads: int, size: int) -> str:
    """``[b, heads, t, size]`` as GroupQueryAttention's ``[b, t, heads * size]``."""
    return b.op1("Reshape", [b.op1("Transpose", [x], perm=[0, 2, 1, 3]),
                             b.ints([0, 0, heads * size])])


def lower_cache_attention(b: Builder, node: Node, ins: list[str]) -> Sequence[str] | None:
    """``node`` (scaled_dot_product_attention) as one GroupQueryAttention, or None when it is
    not attention over a cache written at a positions input (see the module docstring)."""
    if not b.cache_attention or len(node.inputs) < 4 or not node.inputs[3] or \
            node.attrs.get("is_causal") or node.attrs.get("enable_gqa"):
        return None
    q_type, v_type = b.type_of(node.inputs[0]), b.type_of(node.inputs[2])
    mask_type = b.type_of(node.inputs[3])
    if q_type.dtype != DType.f32 or q_type.rank != 4 or mask_type.rank != 4 or \
            mask_type.shape[1] != 1 or mask_type.dtype != DType.bool:
        return None
    heads, size = q_type.shape[1], q_type.shape[3]
    if not isinstance(heads, int) or not isinstance(size, int) or v_type.shape[-1] != size or \
            node.inputs[3] not in b.inputs:
        return None
    keys, values = _cache_write(b, node.inputs[1], heads), _cache_write(b, node.inputs[2], heads)
    if keys is None or values is None:
        return None
    positions = keys[0].inputs[1]
    if values[0].inputs[1] != positions or b.type_of(positions).rank != 1 or \
            b.type_of(positions).dtype != DType.i64:
        return None
    cache_type = b.type_of(keys[1].inputs[0])
    kv_heads = cache_type.shape[1]
    if not isinstance(kv_heads, int) or heads % kv_heads or \
            b.type_of(values[1].inputs[0]).shape[1] != kv_heads:
        return None
    k_new, v_new = _new_values(b, keys[0]), _new_values(b, values[0])
    if k_new is None or v_new is None:
        return None
    b.cache_calls.add((positions, node.inputs[3]))
    past_end, total, seqlens, bias, none_allowed = _shared_inputs(
        b, positions, ins[3], q_type.shape[0])
    caches = keys[1].inputs[0], values[1].inputs[0]
    readers = b.consumers
    # written where it lies only when nothing else reads that cache input (a later reader
    # would see the new tokens)
    in_place = b.cache_attention == "in_place" and all(
        len(readers.get(c, [])) == 1 for c in caches) and caches[0] != caches[1]
    if in_place:  # the whole cache, written where it lies
        past = list(caches)
    else:  # the cached slots only; the kernel returns them and the new tokens, a copy
        past = [b.op1("Slice", [c, b.ints([0]), past_end, b.ints([2])]) for c in caches]
    scale = node.attrs.get("scale")
    attention, *present = b.op(
        "GroupQueryAttention",
        [_tokens_first(b, ins[0], heads, size), _tokens_first(b, k_new, kv_heads, size),
         _tokens_first(b, v_new, kv_heads, size), *past, seqlens, total, "", "", "", bias],
        n_out=3, domain=MS_DOMAIN, num_heads=heads, kv_num_heads=kv_heads,
        scale=float(scale) if scale is not None else 1.0 / math.sqrt(size))
    if in_place:
        b.in_place.extend(zip(present, caches, strict=True))
    out = b.op1("Transpose", [b.op1("Reshape", [attention, b.ints([0, 0, heads, size])])],
                perm=[0, 2, 1, 3])
    return [b.op1("Where", [none_allowed, b.const(0.0, DType.f32), out])]


def _shared_inputs(b: Builder, positions: str, mask: str, batch: int | str
                   ) -> tuple[str, str, str, str, str]:
    """What every layer's GroupQueryAttention reads, built once per model: the end of the
    cached slots (``[1]``), the total length (0-d int32), ``seqlens_k`` (``[batch]`` int32),
    the float bias over the attended slots and the rows the mask allows nothing for."""
    key = ("cache_attention", positions, mask)
    if (*key, 0) in b.shared:
        return tuple(b.shared[(*key, k)] for k in range(5))  # type: ignore[return-value]
    last = b.op1("Gather", [positions, b.const(-1, DType.i64)], axis=0)  # 0-d
    past_end = b.op1("Gather", [positions, b.ints([0])], axis=0)  # [1]: the first new slot
    total = b.op1("Add", [last, b.const(1, DType.i64)])
    seqlens = b.op1("Cast", [b.op1("Expand", [b.op1("Unsqueeze", [last, b.ints([0])]),
                                              b.shape_tensor([batch])])], to=_ONNX_INT32)
    attended = b.op1("Slice", [mask, b.ints([0]), b.op1("Unsqueeze", [total, b.ints([0])]),
                               b.ints([3])])
    bias = b.op1("Where", [attended, b.const(0.0, DType.f32), b.const(-math.inf, DType.f32)])
    allowed = b.op1("ReduceMax", [b.cast(attended, DType.bool, DType.i32), b.ints([-1])],
                    keepdims=1)
    none_allowed = b.op1("Not", [b.cast(allowed, DType.i32, DType.bool)])
    values = (past_end, b.op1("Cast", [total], to=_ONNX_INT32), seqlens, bias, none_allowed)
    for k, value in enumerate(values):
        b.shared[(*key, k)] = value
    return values


def check_cache_call(positions: Any, mask: Any) -> str | None:
    """Why a call with ``positions`` (``[t]`` slots written) and ``mask`` (``[b, 1, t, kv]``
    bool) is not one GroupQueryAttention computes as the op-by-op attention
    would, or None when it is: the positions must be consecutive, no query may be allowed a
    slot after its own, and several new tokens after cached ones need batch size 1."""
    import torch

    tokens = int(positions.shape[0])
    if tokens == 0:
        return None
    if tokens == 1:  # a decode step: only the slots after its one position must be masked
        # through NumPy views: a decode step's torch ops run with cold caches, ~15 µs each
        first = int(positions.numpy()[0])
        if mask.numpy()[..., first + 1:].any():
            return "the mask allows a query a slot after its own"
        return None
    first = int(positions[0])
    if not torch.equal(positions, torch.arange(first, first + tokens, dtype=positions.dtype)):
        return f"positions {positions.tolist()} are not consecutive"
    if first > 0 and mask.shape[0] > 1:
        return (f"{tokens} new tokens per sequence after {first} cached ones at batch size "
                f"{mask.shape[0]} (ONNX Runtime's kernel takes several new tokens with a "
                "cache only for one sequence)")
    own = first + torch.arange(tokens)[:, None]  # each query row's own slot
    later = torch.arange(mask.shape[-1])[None, :] > own
    if bool((mask & later).any()):
        return "the mask allows a query a slot after its own"
    return None
