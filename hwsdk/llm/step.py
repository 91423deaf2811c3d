"""One forward step of a transformers causal LM as a pure function of its KV cache.

:class:`LMStep` wraps a ``*ForCausalLM``. Its forward takes the token ids of this step, their
positions, the cache slots they are written to, the padding mask over every cache slot and
the whole static KV cache (one key and one value tensor per layer, ``[batch, kv_heads,
max_cache_len, head_dim]``), and returns the logits of the last position and the keys and
values of the new tokens only (stacked into one tensor when keys and values have one head
size, :attr:`CacheLayout.stacked`). The cache is never mutated inside the graph: each layer
attends over ``cache[:, :, :kv].index_copy(2, cache_position, new)``, where ``kv`` (the
attention mask's last dim) is the number of slots in use after this step, so attention costs
O(tokens so far), not O(max_cache_len); the caller writes the new slices into its own buffers
after the step. So the captured graph has no buffer mutation,
one graph serves prefill (any prompt length up to ``max_cache_len``) and decode (one token),
and what crosses between the caller and the engine per step is O(new tokens): the cache is
read in place, never copied out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwsdk.errors import InvalidArgumentError

__all__ = ["LMStep", "CacheLayout", "cache_layout", "LMModelError", "MaskForm", "mask_form",
           "attention_mask_for"]


class LMModelError(InvalidArgumentError):
    """The model cannot be compiled for generation (no causal LM, no static cache)."""


@dataclass(frozen=True)
class MaskForm:
    """How the step graph takes its attention mask.

    ``full``: the 4-D mask transformers' attention reads (``[batch, 1, tokens, kv]``, ``kv``
    the slots in use after the step), built by the caller, so the graph holds no
    mask-building ops at all;
    ``additive`` says whether it is 0/-large floats (eager attention) or booleans (SDPA).
    ``padding``: the ``[batch, kv]`` 0/1 padding mask, for models that read more
    than attention from it (ALiBi positions: BLOOM, Falcon with alibi).
    """

    full: bool
    additive: bool = False


def mask_form(model: Any) -> MaskForm:
    """The mask form ``model``'s step graph takes (see :class:`MaskForm`)."""
    config = model.config
    if getattr(config, "model_type", "") == "bloom" or getattr(config, "alibi", False):
        return MaskForm(full=False)
    return MaskForm(full=True, additive=getattr(config, "_attn_implementation", "") == "eager")


def attention_mask_for(form: MaskForm, cache_mask: Any, cache_position: Any, dtype: Any) -> Any:
    """The step's attention mask from the padding mask over the cache slots.

    :param cache_mask: ``[batch, kv]`` 1 where a slot holds a real token (the step's own
        tokens included), over the ``kv`` slots in use after the step.
    :param cache_position: ``[tokens]`` the slots this step writes.
    """
    import torch

    if not form.full:
        return cache_mask
    slots = torch.arange(cache_mask.shape[1])
    causal = slots[None, :] <= cache_position[:, None]
    allowed = cache_mask.bool()[:, None, None, :] & causal[None, None]
    if not form.additive:
        return allowed
    return torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed,
                                                                torch.finfo(dtype).min)


@dataclass(frozen=True)
class CacheLayout:
    """The static KV cache of one model: per layer a key and a value tensor."""

    layers: int
    kv_heads: int
    key_dim: int
    value_dim: int
    max_cache_len: int

    @property
    def slots(self) -> int:
        """Cache slots per sequence: one more than ``max_cache_len`` ever holds, so the slice
        of the slots in use is never the whole tensor (torch.export would otherwise guard on
        that and specialise the in-use dim)."""
        return self.max_cache_len + 1

    @property
    def stacked(self) -> bool:
        """Whether the new keys and values come out as one tensor (``[2 * layers, batch,
        kv_heads, tokens, dim]``, keys and values alternating) and the cache is one tensor
        of that layout: when keys and values have one head size. One output and one write
        per step instead of two per layer: a decode step of an 8-layer model spent 0.3 ms
        fetching 16 outputs and writing them one by one."""
        return self.key_dim == self.value_dim

    def shapes(self, batch: int) -> list[tuple[int, ...]]:
        """Key and value shapes, layer by layer: ``[k0, v0, k1, v1, …]``."""
        key = (batch, self.kv_heads, self.slots, self.key_dim)
        value = (batch, self.kv_heads, self.slots, self.value_dim)
        return [shape for _ in range(self.layers) for shape in (key, value)]


def cache_layout(model: Any, max_cache_len: int) -> CacheLayout:
    """The KV cache shape ``model`` needs, or a :class:`LMModelError` saying why it has none.

    :raises LMModelError: for a model that is not a decoder-only causal LM with a KV cache, or
        whose layers need a cache kind a static cache cannot stand in for.
    """
    config = getattr(model, "config", None)
    if config is None or not hasattr(model, "generation_config"):
        raise LMModelError(
            f"compile_lm takes a transformers *ForCausalLM model, got {type(model).__name__}")
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    if getattr(text, "is_encoder_decoder", False) or getattr(config, "is_encoder_decoder", False):
        raise LMModelError(
            f"{type(model).__name__} is an encoder-decoder model; compile_lm generates with "
            "decoder-only causal LMs (compile the encoder with hwsdk.compile)")
    if getattr(text, "use_cache", True) is False:
        raise LMModelError(f"{type(model).__name__}'s config has use_cache=False; set "
                           "config.use_cache = True so it keeps a KV cache")
    layer_types = set(getattr(text, "layer_types", None) or [])
    odd = sorted(layer_types - {"full_attention"})
    if odd:
        raise LMModelError(
            f"{type(model).__name__} has {', '.join(odd)} layers; compile_lm keeps one static "
            "full-attention cache per layer and cannot stand in for sliding-window, linear or "
            "recurrent layer state yet")
    from transformers.integrations.executorch import get_head_shapes

    heads, head_dim = get_head_shapes(text)
    if not isinstance(heads, int) or not isinstance(head_dim, int):  # per-layer shapes
        raise LMModelError(
            f"{type(model).__name__} has a different KV head count or size per layer "
            f"({heads}, {head_dim}); compile_lm needs one cache shape for every layer")
    layers = int(getattr(text, "num_hidden_layers", 0) or 0)
    if layers < 1:
        raise LMModelError(f"{type(model).__name__}'s config has no num_hidden_layers")
    if not isinstance(max_cache_len, int) or max_cache_len < 2:
        raise InvalidArgumentError(f"max_cache_len must be an int >= 2, got {max_cache_len!r}")
    limit = getattr(text, "max_position_embeddings", None)
    if isinstance(limit, int) and max_cache_len > limit:
        raise InvalidArgumentError(
            f"max_cache_len={max_cache_len} exceeds the model's max_position_embeddings={limit}")
    return CacheLayout(layers, heads, head_dim, head_dim, max_cache_len)


def _layer_class() -> type:
    from transformers.cache_utils import StaticLayer

    class CallerOwnedLayer(StaticLayer):  # type: ignore[misc, valid-type]
        """A static cache layer whose tensors are the step's inputs and are never mutated."""

        def bind(self, keys: Any, values: Any, cache_position: Any, kv: Any) -> None:
            self.keys, self.values, self.cache_position = keys, values, cache_position
            self.kv = kv
            self.is_initialized = True
            self.new: tuple[Any, Any] | None = None

        def lazy_initialization(self, key_states: Any, value_states: Any) -> None:
            raise AssertionError("LMStep binds every layer before the model runs")

        def update(self, key_states: Any, value_states: Any, *args: Any,
                   **kwargs: Any) -> tuple[Any, Any]:
            self.new = (key_states, value_states)
            position, keys, values = self.cache_position, self.keys, self.values
            assert keys is not None and values is not None  # bound before the model runs
            kv = self.kv  # attend over the slots in use only, not the whole cache
            return (keys[:, :, :kv].index_copy(2, position, key_states),
                    values[:, :, :kv].index_copy(2, position, value_states))

        def get_mask_sizes(self, *args: Any, **kwargs: Any) -> tuple[Any, int]:
            return self.kv, 0  # the masks transformers builds itself (ALiBi models) span kv

        def get_seq_length(self) -> Any:
            return self.cache_position[0]

    return CallerOwnedLayer


def _torch_module() -> type:
    import torch

    return torch.nn.Module


class LMStep(_torch_module()):  # type: ignore[misc]
    """``forward(input_ids, position_ids, cache_position, attention_mask, cache)`` →
    ``(last_logits, stack([new_k0, new_v0, …]))`` (``(last_logits, new_k0, new_v0, …)`` when
    keys and values differ in head size); ``position_ids`` are int32 (they never exceed the
    cache length, and engines computing i64 as i32 then take the rotary cast too).

    :param model: a transformers ``*ForCausalLM`` in eval mode.
    :param layout: its cache layout (:func:`cache_layout`).
    """

    def __init__(self, model: Any, layout: CacheLayout) -> None:
        super().__init__()
        from transformers.cache_utils import Cache

        self.model = model
        self.layout = layout
        layer = _layer_class()
        self._layers = [layer(layout.max_cache_len) for _ in range(layout.layers)]
        self._cache = Cache(layers=self._layers)

    def forward(self, input_ids: Any, position_ids: Any, cache_position: Any,
                attention_mask: Any, cache: tuple[Any, ...]) -> tuple[Any, ...]:
        kv = attention_mask.shape[-1]
        for i, layer in enumerate(self._layers):
            layer.bind(cache[2 * i], cache[2 * i + 1], cache_position, kv)
        out = self.model(input_ids=input_ids, position_ids=position_ids,
                         attention_mask=attention_mask, past_key_values=self._cache,
                         cache_position=cache_position, use_cache=True, logits_to_keep=1)
        new: list[Any] = []
        for i, layer in enumerate(self._layers):
            if layer.new is None:
                raise LMModelError(
                    f"layer {i} of {type(self.model).__name__} did not write the KV cache; the "
                    "model does not use transformers' Cache API, so compile_lm cannot keep its "
                    "state")
            new.extend(layer.new)
        if self.layout.stacked:
            import torch

            return out.logits[:, -1, :], torch.stack(new)
        return (out.logits[:, -1, :], *new)
