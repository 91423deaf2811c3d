"""The compiled step graph run on the KV cache it owns: prefill, then one token per call.

A decode step's own work outside the engine is most of what separates a compiled LM from a
C++ generation loop: 1.4 ms of an 11.8 ms step on the bench model, where a step's torch ops
run with cold caches (the engine has just streamed 160 MB of weights through them). So
:class:`StepRunner` keeps every decode input as a preallocated tensor updated in place
(positions, the attention mask over the slots, the slot written) and writes the new keys and
values into the cache only when the engine has not (:meth:`CompiledModel.cache_inputs_written
<hwsdk.runtime.compiled.CompiledModel.cache_inputs_written>`).
"""

from __future__ import annotations

from typing import Any

from hwsdk.llm.loop import cache_mask_of, positions_of
from hwsdk.llm.step import MaskForm, attention_mask_for

__all__ = ["SLOT_BUCKET", "StepRunner", "attended_slots"]

SLOT_BUCKET = 32
"""Attention spans the slots in use rounded up to a multiple of this (the extra slots are
masked). Engines that specialise on shapes (OpenVINO's CPU plugin prepares each node anew
for each new shape) then see a new key length every 32 tokens instead of every token, for at
most 31 masked slots of extra attention."""


def attended_slots(in_use: int, max_cache_len: int) -> int:
    """The cache slots a step attends over: ``in_use`` rounded up to :data:`SLOT_BUCKET`,
    at most ``max_cache_len``."""
    return min(max_cache_len, -(-in_use // SLOT_BUCKET) * SLOT_BUCKET)


class StepRunner:
    """``compiled`` (the step graph of one batch size) over ``cache`` (its
    :class:`~hwsdk.llm.compiled.KVCache`).

    Call it with any step (``runner(input_ids, positions, cache_position, cache_mask)``), or
    :meth:`prefill` a prompt and then :meth:`decode` one token per sequence at a time.
    """

    def __init__(self, compiled: Any, cache: Any, form: MaskForm, dtype: Any,
                 max_cache_len: int) -> None:
        import torch

        self.compiled, self.cache, self.form, self.dtype = compiled, cache, form, dtype
        self.max_cache_len = max_cache_len
        written = compiled.cache_inputs_written()
        # the engine writes every cache tensor itself (the inputs after the first four)
        self._engine_writes = written >= set(range(4, 4 + len(cache.tensors)))
        self._slots = torch.arange(max_cache_len)
        self._positions: Any = None  # [batch, 1] int32, the next token's position
        self._mask: Any = None  # the step's mask over every slot, as the graph takes it
        self._slot = 0  # the slot the next token is written to

    def __call__(self, input_ids: Any, positions: Any, cache_position: Any,
                 cache_mask: Any) -> Any:
        """``[batch, vocab]`` logits of the last position; the new keys and values are in the
        cache afterwards.

        :param cache_mask: ``[batch, ≥ slots in use]`` 1 where a slot holds a real token.
        """
        import torch

        last = int(cache_position[-1])
        span = attended_slots(last + 1, self.max_cache_len)
        attention = attention_mask_for(self.form, cache_mask[:, :span], cache_position,
                                       self.dtype)
        return self._run(input_ids, positions.to(torch.int32), cache_position, attention, last)

    def _run(self, input_ids: Any, positions: Any, cache_position: Any, attention: Any,
             last: int) -> Any:
        cache = self.cache
        # flat, as torch.export flattened the example: (ids, positions, cache_position,
        # mask, *cache) in, (logits, *new keys and values) out, no pytree per step
        out = self.compiled.run_flat([input_ids, positions, cache_position, attention,
                                      *cache.tensors])
        if self._engine_writes:
            cache.mark_used(last + 1)
        else:
            cache.write(cache_position, out[1:])
        return out[0]

    def prefill(self, input_ids: Any, attention_mask: Any) -> Any:
        """Run the prompt (``[batch, prompt]``, left-padded, ``attention_mask`` 0/1 int64)
        and ready :meth:`decode`; returns the last position's logits."""
        import torch

        batch, prompt = input_ids.shape
        cache_mask = cache_mask_of(attention_mask, self.max_cache_len)
        positions = positions_of(attention_mask)
        logits = self(input_ids, positions, self._slots[:prompt], cache_mask)
        self._positions = (positions[:, -1:] + 1).to(torch.int32)
        # the mask of a one-token step at slot s: the real tokens up to s. Slots after s are
        # 0 in cache_mask (never written yet), so the causal part adds nothing to it, and
        # each step only sets its own slot
        if not self.form.full:
            self._mask = cache_mask
        elif self.form.additive:
            self._mask = torch.zeros(batch, 1, 1, self.max_cache_len, dtype=self.dtype)
            self._mask.masked_fill_(cache_mask[:, None, None, :] == 0,
                                    torch.finfo(self.dtype).min)
        else:
            self._mask = cache_mask[:, None, None, :].bool()
        self._slot = prompt
        return logits

    def decode(self, tokens: Any) -> Any:
        """Run one new token per sequence (``[batch]`` int64) after :meth:`prefill`; returns
        its logits.

        :raises InvalidArgumentError: when the cache is full.
        """
        from hwsdk.errors import InvalidArgumentError

        slot = self._slot
        if slot >= self.max_cache_len:
            raise InvalidArgumentError(
                f"the KV cache is full (max_cache_len={self.max_cache_len}); compile with a "
                "larger max_cache_len or generate fewer tokens")
        mask = self._mask
        if not self.form.full:
            mask[:, slot] = 1
        else:
            mask[..., slot] = 0 if self.form.additive else True
        span = attended_slots(slot + 1, self.max_cache_len)
        logits = self._run(tokens[:, None], self._positions, self._slots[slot:slot + 1],
                           mask[..., :span], slot)
        self._positions.add_(1)
        self._slot = slot + 1
        return logits
