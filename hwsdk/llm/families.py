"""Small random-weight configs of the causal-LM families compile_lm is tested on.

Each builds a transformers model from a tiny config (no download), so tests and
bench/llm_families.py check generation on architectures hwsdk's op set was not written for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FAMILIES", "build_family"]

_COMMON: dict[str, Any] = dict(vocab_size=128, hidden_size=64, num_hidden_layers=2,
                               num_attention_heads=4, max_position_embeddings=256)


def _llama() -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(**_COMMON, intermediate_size=128, num_key_value_heads=2))


def _mistral() -> Any:
    from transformers import MistralConfig, MistralForCausalLM

    return MistralForCausalLM(MistralConfig(**_COMMON, intermediate_size=128,
                                            num_key_value_heads=2, sliding_window=None))


def _qwen2() -> Any:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    return Qwen2ForCausalLM(Qwen2Config(**_COMMON, intermediate_size=128, num_key_value_heads=2,
                                        use_sliding_window=False))


def _phi3() -> Any:
    from transformers import Phi3Config, Phi3ForCausalLM

    return Phi3ForCausalLM(Phi3Config(**_COMMON, intermediate_size=128, num_key_value_heads=2,
                                      pad_token_id=0, sliding_window=None))


def _gemma() -> Any:
    from transformers import GemmaConfig, GemmaForCausalLM

    return GemmaForCausalLM(GemmaConfig(**_COMMON, intermediate_size=128, num_key_value_heads=2,
                                        head_dim=16))


def _gpt2() -> Any:
    from transformers import GPT2Config, GPT2LMHeadModel

    return GPT2LMHeadModel(GPT2Config(vocab_size=128, n_embd=64, n_layer=2, n_head=4,
                                      n_positions=256))


def _gpt_neox() -> Any:
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

    return GPTNeoXForCausalLM(GPTNeoXConfig(**_COMMON, intermediate_size=128))


def _falcon() -> Any:
    from transformers import FalconConfig, FalconForCausalLM

    return FalconForCausalLM(FalconConfig(vocab_size=128, hidden_size=64, num_hidden_layers=2,
                                          num_attention_heads=4, new_decoder_architecture=True,
                                          num_kv_heads=2, max_position_embeddings=256))


def _opt() -> Any:
    from transformers import OPTConfig, OPTForCausalLM

    return OPTForCausalLM(OPTConfig(vocab_size=128, hidden_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, ffn_dim=128, word_embed_proj_dim=64,
                                    max_position_embeddings=256))


def _bloom() -> Any:
    from transformers import BloomConfig, BloomForCausalLM

    return BloomForCausalLM(BloomConfig(vocab_size=128, hidden_size=64, n_layer=2, n_head=4))


FAMILIES: dict[str, Callable[[], Any]] = {
    "llama": _llama, "mistral": _mistral, "qwen2": _qwen2, "phi3": _phi3, "gemma": _gemma,
    "gpt2": _gpt2, "gpt_neox": _gpt_neox, "falcon": _falcon, "opt": _opt, "bloom": _bloom,
}
"""Family name → a builder of a small random-weight ``*ForCausalLM`` (eval mode)."""


def build_family(name: str, seed: int = 0) -> Any:
    """A small model of family ``name`` with seeded random weights, in eval mode."""
    import torch

    torch.manual_seed(seed)
    return FAMILIES[name]().eval()
