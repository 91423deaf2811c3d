"""The benchmark models (random weights, no downloads), shared by the bench scripts.

Each factory returns ``(model, example_inputs)`` in eval mode. Transformer models return plain
tuples (``return_dict=False``) so every runner's output flattens the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SEQ = 128


def mlp() -> tuple[Any, tuple[Any, ...]]:
    """Linear 256→512, GELU, Linear 512→256, residual, LayerNorm; batch 32."""
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(256, 512)
            self.fc2 = nn.Linear(512, 256)
            self.norm = nn.LayerNorm(256)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.norm(x + self.fc2(nn.functional.gelu(self.fc1(x))))

    torch.manual_seed(0)
    return MLP().eval(), (torch.randn(32, 256),)


def resnet18() -> tuple[Any, tuple[Any, ...]]:
    """ResNet-18 in plain torch.nn (hwsdk.models.resnet, the torchvision layout), 1x3x224x224,
    1000 classes."""
    from hwsdk.models.resnet import resnet18 as build

    return build(batch=1, size=224, classes=1000)


class _Tuple:
    """Wraps a transformers model so that forward returns a tuple (no ModelOutput)."""

    @staticmethod
    def wrap(model: Any) -> Any:
        import torch

        class TupleOut(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.inner = model

            def forward(self, input_ids: torch.Tensor) -> Any:
                return self.inner(input_ids, return_dict=False)

        return TupleOut().eval()


def bert_base() -> tuple[Any, tuple[Any, ...]]:
    """transformers BertModel with BERT-base's config (12 layers, 768 wide), seq 128, batch 1."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    model = BertModel(BertConfig(attn_implementation="sdpa")).eval()
    return _Tuple.wrap(model), (torch.randint(0, 30000, (1, SEQ)),)


def gpt2_small() -> tuple[Any, tuple[Any, ...]]:
    """transformers GPT2LMHeadModel with GPT-2 small's config (12 layers, 768 wide), seq 128."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(use_cache=False, attn_implementation="sdpa")).eval()
    return _Tuple.wrap(model), (torch.randint(0, 50000, (1, SEQ)),)


def llama_small() -> tuple[Any, tuple[Any, ...]]:
    """transformers LlamaForCausalLM from a small config (4 layers, 512 wide, 8 heads of which 4
    key/value heads: RMSNorm, rotary embeddings, SiLU-gated MLP, grouped-query attention),
    seq 128."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=32000, hidden_size=512, intermediate_size=1376,
                         num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=4,
                         max_position_embeddings=512, use_cache=False,
                         attn_implementation="sdpa")
    return _Tuple.wrap(LlamaForCausalLM(config).eval()), (torch.randint(0, 32000, (1, SEQ)),)


MODELS: dict[str, Callable[[], tuple[Any, tuple[Any, ...]]]] = {
    "mlp": mlp, "resnet18": resnet18, "bert-base": bert_base, "gpt2-small": gpt2_small,
    "llama-small": llama_small,
}
