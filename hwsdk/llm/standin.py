"""The compiled LM standing in for the original inside transformers' own ``generate``.

:func:`hf_standin` returns a shallow copy of the model (same modules, no second copy of the
weights) whose class overrides ``forward``: each call runs hwsdk's compiled step on the
tokens transformers passes and keeps the KV cache in hwsdk's buffers, so logits processors,
stopping criteria, streamers (``TextIteratorStreamer``) and every other part of transformers'
loop work unchanged. The cache object transformers creates is passed back
untouched; positions come from ``cache_position`` when given, else from the tokens cached
since that cache object appeared.
"""

from __future__ import annotations

import copy
from typing import Any

from hwsdk.errors import InvalidArgumentError
from hwsdk.llm.loop import cache_mask_of, positions_of

__all__ = ["hf_standin"]


def _forward(self: Any, input_ids: Any = None, attention_mask: Any = None,
             position_ids: Any = None, cache: Any = None, cache_position: Any = None,
             inputs_embeds: Any = None, past_key_values: Any = None, **kwargs: Any) -> Any:
    import torch
    from transformers.modeling_outputs import CausalLMOutputWithPast

    lm = self._hwsdk_lm
    if inputs_embeds is not None or input_ids is None:
        raise InvalidArgumentError("the hwsdk stand-in takes input_ids, not inputs_embeds")
    hf_cache = cache if cache is not None else past_key_values
    batch, tokens = input_ids.shape
    if cache_position is None:
        # transformers passes a fresh cache object to each generate call and no positions:
        # count the tokens this stand-in has cached since that object appeared
        if hf_cache is None or hf_cache is not self._hwsdk_owner:
            self._hwsdk_owner, self._hwsdk_cached = hf_cache, 0
        cache_position = torch.arange(self._hwsdk_cached, self._hwsdk_cached + tokens)
    start = int(cache_position[0])
    end = start + tokens
    if end > lm.max_cache_len:
        raise InvalidArgumentError(
            f"generation reached {end} tokens, beyond max_cache_len={lm.max_cache_len}; "
            "compile with a larger max_cache_len or set max_new_tokens lower")
    if attention_mask is None:
        attention_mask = torch.ones(batch, end, dtype=torch.int64)
    if position_ids is None:
        position_ids = positions_of(attention_mask)[:, start:end]
    mask = cache_mask_of(attention_mask, lm.max_cache_len)
    if start == 0:
        lm.cache(batch).reset()
    with torch.no_grad():
        logits = lm._step_for(batch)(input_ids.to(torch.int64), position_ids,
                                     cache_position.to(torch.int64), mask)
    self._hwsdk_cached = end
    # hand transformers' cache object back untouched: its loop passes it to the next step
    return CausalLMOutputWithPast(logits=logits[:, None, :], cache=hf_cache)


def hf_standin(lm: Any) -> Any:
    """A copy of ``lm.model`` whose forward runs the compiled step (weights shared).

    :param lm: a :class:`~hwsdk.llm.compiled.CompiledLM`.
    """
    model = lm.model
    cls = type(model)
    standin_cls = type(f"Hwsdk{cls.__name__}", (cls,), {"forward": _forward,
                                                        "__module__": __name__})
    standin = copy.copy(model)
    standin.__class__ = standin_cls
    standin._hwsdk_lm = lm
    standin._hwsdk_owner = None
    standin._hwsdk_cached = 0
    return standin
