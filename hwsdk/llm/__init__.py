"""Text generation with transformers causal LMs compiled by hwsdk (see docs/llm.md)."""

from __future__ import annotations

from hwsdk.llm.compiled import CompiledLM, KVCache, LMPlan, compile_lm, explain_lm
from hwsdk.llm.sampling import GenerationSettings
from hwsdk.llm.step import CacheLayout, LMModelError, LMStep

__all__ = ["CompiledLM", "KVCache", "LMPlan", "compile_lm", "explain_lm", "GenerationSettings",
           "CacheLayout", "LMModelError", "LMStep"]
