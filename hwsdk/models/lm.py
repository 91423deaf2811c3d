"""Small transformers causal LMs with seeded random weights, for ``hwsdk run --lm``.

Each is built from a config in code (no download, no tokenizer): ids are random token ids.
They need the ``transformers`` package, imported when a model is built.
"""

from __future__ import annotations

from typing import Any

__all__ = ["tiny_llama", "tiny_gpt2", "SEED"]

SEED = 0
"""Every bundled LM is built under this seed: the same weights on every call."""


def _seeded(build: Any) -> Any:
    import torch

    with torch.random.fork_rng():  # fixed weights, the caller's RNG untouched
        torch.manual_seed(SEED)
        return build().eval()


def tiny_llama() -> Any:
    """A 2-layer Llama (hidden 64, 4 query heads sharing 2 KV heads, RoPE, SwiGLU, RMSNorm,
    vocabulary 256)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=2048)
    return _seeded(lambda: LlamaForCausalLM(config))


def tiny_gpt2() -> Any:
    """A 2-layer GPT-2 (hidden 64, 4 heads, learned positions up to 1024, vocabulary 256)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(vocab_size=256, n_embd=64, n_layer=2, n_head=4, n_positions=1024,
                        bos_token_id=0, eos_token_id=0)
    return _seeded(lambda: GPT2LMHeadModel(config))
