"""``compile_lm`` / ``explain_lm``: a transformers causal LM compiled for generation.

One graph (:class:`~hwsdk.llm.step.LMStep`) is captured per batch size with a dynamic token
dimension (1 … ``max_cache_len``), so prefill at any prompt length and every decode step run
the same compiled regions: nothing is recompiled within the cache. The KV cache is a set of
caller-owned tensors (:class:`KVCache`): each step reads it in place and returns only the new
tokens' keys and values, which are written into it at their cache slots.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.llm.loop import check_prompt, generation_steps
from hwsdk.llm.runner import SLOT_BUCKET, StepRunner, attended_slots
from hwsdk.llm.sampling import settings_for
from hwsdk.llm.step import (
    CacheLayout,
    LMStep,
    MaskForm,
    attention_mask_for,
    cache_layout,
    mask_form,
)

__all__ = ["CompiledLM", "KVCache", "LMPlan", "compile_lm", "explain_lm", "SLOT_BUCKET",
           "attended_slots"]

_EXAMPLE_TOKENS = 2  # not 1: torch.export specialises a dim whose example is 1


class KVCache:
    """The static KV cache of one batch size: ``[k0, v0, k1, v1, …]`` tensors.

    With a stacked layout (:attr:`CacheLayout.stacked`) they are views of one tensor,
    ``[2 * layers, batch, kv_heads, slots, dim]``, so a step's stacked new keys and values are
    written with one ``index_copy_``. Every slot from :attr:`used` on holds zeros: stale slots
    inside an attended span are masked, and zeros keep them finite (a masked NaN would still
    poison softmax).
    """

    def __init__(self, layout: CacheLayout, batch: int, dtype: Any) -> None:
        import torch

        from hwsdk.engines.huge_pages import HugePages

        pages = HugePages()  # each step reads every layer's cache: fewer TLB misses
        shapes = layout.shapes(batch)
        self.storage = (torch.zeros((len(shapes), *shapes[0]), dtype=dtype) if layout.stacked
                        else None)
        self.tensors = (list(self.storage.unbind(0)) if self.storage is not None
                        else [torch.zeros(shape, dtype=dtype) for shape in shapes])
        self.huge_pages = pages.advise()
        """What :class:`~hwsdk.engines.huge_pages.HugePages` did for the cache's memory."""
        self.used = 0
        """One past the highest slot written since the last :meth:`reset`."""

    def write(self, cache_position: Any, new: Sequence[Any]) -> None:
        """Store the new tokens' keys and values at ``cache_position``, in place: ``new`` is
        the step's outputs after the logits (one stacked tensor, or one per cache tensor)."""
        if self.storage is not None:
            (stacked,) = new  # a stacked layout's step returns one tensor
            self.storage.index_copy_(3, cache_position, stacked)
        else:
            for tensor, update in zip(self.tensors, new, strict=True):
                tensor.index_copy_(2, cache_position, update)
        self.mark_used(int(cache_position.max()) + 1)

    def mark_used(self, end: int) -> None:
        """Note that slots before ``end`` hold entries (written here, or by an engine that
        writes the cache in place), so :meth:`reset` clears them."""
        self.used = max(self.used, end)

    def reset(self) -> None:
        """Zero the slots written since the last reset: O(tokens generated), not
        O(``max_cache_len``), so a new generation does not start by clearing the whole cache
        (16 MiB for an 8-layer model at the default 1024 slots)."""
        if self.storage is not None:
            self.storage[..., :self.used, :].zero_()
        else:
            for tensor in self.tensors:
                tensor[:, :, :self.used].zero_()
        self.used = 0


@dataclass(frozen=True)
class LMPlan:
    """What runs where when generating: one step graph serves prefill and decode."""

    plan: Any
    layout: CacheLayout
    batch: int
    kv_precision: str = "float32"
    """The KV cache's dtype: the model's (engines never hold their own lower-precision copy)."""
    notes: tuple[str, ...] = ()
    """How the target was chosen when ``auto`` was measured (:mod:`hwsdk.llm.tune`)."""

    def summary(self) -> str:
        """The step graph's plan, headed by how prefill and decode use it."""
        head = (f"generation: one graph serves prefill (1..{self.layout.max_cache_len} tokens) "
                f"and decode (1 token) at batch {self.batch}; KV cache "
                f"{self.layout.layers} layers x [batch, {self.layout.kv_heads}, "
                f"{self.layout.slots}, {self.layout.key_dim}] in "
                f"{self.kv_precision}, kept by hwsdk as torch tensors and read in place; "
                "attention spans the slots in use only; each step returns only the new "
                "tokens' keys and values"
                + (" (as one stacked tensor, written with one copy)" if self.layout.stacked
                   else ""))
        return "\n".join([head, *self.notes, self.plan.summary()])

    def to_json(self) -> str:
        """The step graph's plan as JSON (see docs/plan-schema.md)."""
        return str(self.plan.to_json())


def _example(layout: CacheLayout, form: MaskForm, batch: int, dtype: Any) -> tuple[Any, ...]:
    import torch

    # neither dim's example may be 1 (torch.export specialises it), nor may the two be equal
    # (it would take them for one dim): 2 tokens written at slots 1 and 2, so 3 slots in use
    tokens, kv = _EXAMPLE_TOKENS, _EXAMPLE_TOKENS + 1
    cache_position = torch.arange(kv - tokens, kv)
    mask = attention_mask_for(form, torch.ones(batch, kv, dtype=torch.int64), cache_position,
                              dtype)
    cache = tuple(torch.zeros(shape, dtype=dtype) for shape in layout.shapes(batch))
    # positions are i32 (they never exceed max_cache_len): engines that refuse i64 values
    # (OpenVINO computes i64 as i32) then take the rotary embedding's cast to float as well
    positions = cache_position.expand(batch, tokens).to(torch.int32)  # not a view of an input
    return (torch.zeros(batch, tokens, dtype=torch.int64), positions, cache_position, mask,
            cache)


def _dynamic_shapes(layout: CacheLayout, form: MaskForm) -> tuple[Any, ...]:
    import torch

    tokens = torch.export.Dim("tokens", min=1, max=layout.max_cache_len)
    kv = torch.export.Dim("kv", min=1, max=layout.max_cache_len)
    return ({1: tokens}, {1: tokens}, {0: tokens}, {2: tokens, 3: kv} if form.full else {1: kv},
            tuple(None for _ in layout.shapes(1)))


def _model_dtype(model: Any) -> Any:
    import torch

    dtype = getattr(model, "dtype", None)
    return dtype if isinstance(dtype, torch.dtype) else torch.float32


def _with_in_place_cache(target: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` with ``cache_attention="in_place"`` when a target ``target`` may plan on
    reads that option and the caller did not set it: the loop writes each step's new keys and
    values into the cache itself, so an engine may write them there first (the ONNX Runtime
    targets' GroupQueryAttention, :mod:`hwsdk.lower.onnx.cache_attention`)."""
    from hwsdk.errors import HwsdkError
    from hwsdk.partition.planner import resolve_targets
    from hwsdk.registry import get_registry

    settings = dict(settings)
    given = {**(settings.get("options") or {}), **settings}
    if "cache_attention" in given:
        return settings
    registry = get_registry()
    try:
        _, prefs, _ = resolve_targets(target, registry)
    except HwsdkError:  # a bad target: hwsdk.compile raises the specific error for it
        return settings
    if any("cache_attention" in registry.resolve(ref)[0].options for ref in prefs):
        settings["cache_attention"] = "in_place"
    return settings


def _dtype_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


class CompiledLM:
    """A causal LM compiled for generation; see :func:`compile_lm`.

    Safe to use from one thread at a time per instance (a lock serialises calls): the KV
    cache is state.
    """

    def __init__(self, model: Any, target: Any, max_cache_len: int,
                 compile_settings: Mapping[str, Any]) -> None:
        self.model = model
        self.layout = cache_layout(model, max_cache_len)
        self.max_cache_len = max_cache_len
        self.target = target
        self._settings = _with_in_place_cache(target, compile_settings)
        self._step_module = LMStep(model, self.layout).eval()
        self._dtype = _model_dtype(model)
        self.mask_form = mask_form(model)
        self._compiled: dict[int, Any] = {}
        self._caches: dict[int, KVCache] = {}
        self._runners: dict[int, StepRunner] = {}
        self._lock = threading.RLock()
        self._last_batch = 1
        self.tuning_notes: tuple[str, ...] = ()

    def compiled_step(self, batch: int) -> Any:
        """The compiled step graph for ``batch`` sequences (captured on first use)."""
        import hwsdk

        with self._lock:
            if batch not in self._compiled:
                self._compiled[batch] = hwsdk.compile(
                    self._step_module,
                    _example(self.layout, self.mask_form, batch, self._dtype),
                    target=self.target,
                    dynamic_shapes=_dynamic_shapes(self.layout, self.mask_form),
                    **self._settings)
            return self._compiled[batch]

    def cache(self, batch: int) -> KVCache:
        """The KV cache for ``batch`` sequences."""
        with self._lock:
            if batch not in self._caches:
                self._caches[batch] = KVCache(self.layout, batch, self._dtype)
            return self._caches[batch]

    @property
    def plan(self) -> LMPlan:
        """The plan of the step graph last used (compiled for batch 1 if none was)."""
        return LMPlan(self.compiled_step(self._last_batch).plan, self.layout, self._last_batch,
                      _dtype_name(self._dtype), self.tuning_notes)

    def reset(self) -> None:
        """Clear every KV cache (each ``generate`` starts from an empty cache anyway)."""
        with self._lock:
            for cache in self._caches.values():
                cache.reset()

    def hf_model(self) -> Any:
        """A stand-in for the original model in transformers' own ``generate`` (weights shared):
        logits processors, stopping criteria and streamers work unchanged, each forward runs
        the compiled step. See :mod:`hwsdk.llm.standin`."""
        from hwsdk.llm.standin import hf_standin

        return hf_standin(self)

    def _step_for(self, batch: int) -> StepRunner:
        """The runner of ``batch`` sequences' step graph, made once (the stand-in asks for it
        on every forward)."""
        with self._lock:
            if batch not in self._runners:
                self._runners[batch] = StepRunner(self.compiled_step(batch), self.cache(batch),
                                                  self.mask_form, self._dtype,
                                                  self.max_cache_len)
            return self._runners[batch]

    def stream(self, input_ids: Any, attention_mask: Any = None,
               **generate_kwargs: Any) -> Iterator[Any]:
        """Yield each step's new token ids (``[batch]`` LongTensor) as soon as it is chosen.

        Takes the same arguments as :meth:`generate`.
        """
        import torch

        settings = settings_for(getattr(self.model, "generation_config", None),
                                **generate_kwargs)
        input_ids, attention_mask = check_prompt(input_ids, attention_mask,
                                                 self.max_cache_len, settings)
        batch = int(input_ids.shape[0])
        with self._lock, torch.no_grad():
            self._last_batch = batch
            step = self._step_for(batch)
            self.cache(batch).reset()
            yield from generation_steps(step, input_ids, attention_mask, settings)

    def generate(self, input_ids: Any, attention_mask: Any = None,
                 **generate_kwargs: Any) -> Any:
        """Generate like transformers' ``model.generate``: ``[batch, prompt + new]`` ids.

        :param input_ids: ``[batch, prompt]`` token ids, left-padded for prompts of different
            lengths.
        :param attention_mask: ``[batch, prompt]`` 1 for real tokens, 0 for padding.
        :param generate_kwargs: ``max_new_tokens``, ``min_new_tokens``, ``do_sample``,
            ``temperature``, ``top_k``, ``top_p``, ``repetition_penalty``, ``eos_token_id``,
            ``pad_token_id``, ``generator`` (a ``torch.Generator`` for reproducible sampling);
            unset ones come from the model's ``generation_config``.
        :raises InvalidArgumentError: for bad arguments, or a prompt plus ``max_new_tokens``
            longer than ``max_cache_len``.
        """
        import torch

        new = list(self.stream(input_ids, attention_mask, **generate_kwargs))
        prompt = input_ids.to(torch.int64)
        return torch.cat([prompt, torch.stack(new, dim=1)], dim=1) if new else prompt


def compile_lm(model: Any, target: Any = "auto", *, max_cache_len: int = 1024,
               **compile_kwargs: Any) -> CompiledLM:
    """Compile a transformers ``*ForCausalLM`` for text generation on ``target``.

    >>> lm = hwsdk.compile_lm(model, target="intel", max_cache_len=256)  # doctest: +SKIP
    >>> ids = lm.generate(input_ids, max_new_tokens=32)                  # doctest: +SKIP

    :param model: a transformers causal LM (``.eval()`` is applied to a wrapper, not to it).
    :param target: anything :func:`hwsdk.compile` takes (``"auto"``, a name, a list).
    :param max_cache_len: the KV cache length: prompt plus new tokens must fit in it.
    :param compile_kwargs: passed to :func:`hwsdk.compile` (``min_block_size``,
        ``fallback_ops``, ``require_full``, ``quantize``, ``options`` and target options).
        ``tune`` works as in :func:`hwsdk.compile` (``"cached"`` for ``auto`` by default,
        ``HWSDK_TUNE`` overrides), but what is measured is a short generation on each
        candidate engine, not the step graph on its example (:mod:`hwsdk.llm.tune`); the
        winner serves every batch size.
    :raises LMModelError: for a model compile_lm cannot keep a static KV cache for.
    """
    from hwsdk.llm.tune import measured_lm
    from hwsdk.tune.mode import resolve_mode

    mode = resolve_mode(compile_kwargs.pop("tune", None), target)
    compile_kwargs["tune"] = "off"  # the step graph itself is compiled as chosen here
    if mode != "off":
        measured = measured_lm(model, target, max_cache_len, compile_kwargs, mode, _build)
        if measured is not None:
            lm, choice = measured
            lm.tuning_notes = (choice.note(),)
            return lm
    return _build(model, target, max_cache_len, compile_kwargs)


def _build(model: Any, target: Any, max_cache_len: int,
           settings: Mapping[str, Any]) -> CompiledLM:
    lm = CompiledLM(model, target, max_cache_len, settings)
    lm.compiled_step(1)  # compile now: errors surface here, not on the first generate
    return lm


def explain_lm(model: Any, target: Any = "auto", *, max_cache_len: int = 1024,
               batch_size: int = 1, **explain_kwargs: Any) -> LMPlan:
    """Plan the generation step graph of ``model`` for ``target`` without compiling.

    Works for every registered target, present or not (gaudi, inferentia, nvidia, rocm).
    """
    import hwsdk

    layout, form = cache_layout(model, max_cache_len), mask_form(model)
    step = LMStep(model, layout).eval()
    plan = hwsdk.explain(step, _example(layout, form, batch_size, _model_dtype(model)),
                         target=target, dynamic_shapes=_dynamic_shapes(layout, form),
                         **explain_kwargs)
    return LMPlan(plan, layout, batch_size, _dtype_name(_model_dtype(model)))
