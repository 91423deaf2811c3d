"""A small GPT-style decoder and a small BERT-style encoder in plain torch.nn (random weights).

They are written the way such models usually are (fused QKV projection, head split by view and
transpose, causal or padding masks), so their op mix resembles GPT-2 and BERT without the
download.
"""

from __future__ import annotations

from typing import Any

VOCAB = 256


def _blocks(causal: bool, dim: int, heads: int) -> Any:
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = nn.Linear(dim, 3 * dim)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
            b, t, _ = x.shape
            q, k, v = self.qkv(x).split(dim, dim=-1)
            q, k, v = (y.view(b, t, heads, dim // heads).transpose(1, 2) for y in (q, k, v))
            if causal:
                y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                scores = q @ k.transpose(-2, -1) / (dim // heads) ** 0.5
                scores = scores.masked_fill(mask == 0, float("-inf"))
                y = torch.softmax(scores, dim=-1) @ v
            return self.proj(y.transpose(1, 2).reshape(b, t, dim))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1 = nn.LayerNorm(dim)
            self.attn = Attention()
            self.ln2 = nn.LayerNorm(dim)
            self.fc = nn.Linear(dim, 4 * dim)
            self.out = nn.Linear(4 * dim, dim)

        def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
            if causal:  # pre-norm, GPT-2 style
                x = x + self.attn(self.ln1(x), mask)
                return x + self.out(nn.functional.gelu(self.fc(self.ln2(x)), approximate="tanh"))
            x = self.ln1(x + self.attn(x, mask))  # post-norm, BERT style
            return self.ln2(x + self.out(nn.functional.gelu(self.fc(x))))

    return Block


def gpt(batch: int = 1, seq: int = 32, dim: int = 64, layers: int = 2,
        heads: int = 4) -> tuple[Any, tuple[Any, ...]]:
    """A GPT-2-style decoder: token + position embeddings, pre-norm blocks, causal attention,
    a final LayerNorm and an LM head tied to the token embedding. It returns the logits and,
    as a sampler would, the top-5 next-token candidates (``topk`` is outside the core op set,
    so it shows a PyTorch fallback region after the accelerated body)."""
    import torch
    from torch import nn

    block = _blocks(True, dim, heads)

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(VOCAB, dim)
            self.wpe = nn.Embedding(128, dim)
            self.h = nn.ModuleList(block() for _ in range(layers))
            self.ln_f = nn.LayerNorm(dim)

        def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            pos = torch.arange(ids.shape[1], device=ids.device)
            x = self.wte(ids) + self.wpe(pos)
            for layer in self.h:
                x = layer(x)
            logits = self.ln_f(x) @ self.wte.weight.t()
            return logits, torch.topk(logits[:, -1], 5).indices

    with torch.random.fork_rng():  # fixed weights, the caller's RNG untouched
        torch.manual_seed(0)
        return GPT().eval(), (torch.randint(0, VOCAB, (batch, seq)),)


def bert(batch: int = 2, seq: int = 16, dim: int = 64, layers: int = 2,
         heads: int = 4) -> tuple[Any, tuple[Any, ...]]:
    """A BERT-style encoder: word, position and token-type embeddings, post-norm blocks with a
    padding mask, and a tanh pooler over the first token."""
    import torch
    from torch import nn

    block = _blocks(False, dim, heads)

    class BERT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(VOCAB, dim)
            self.position = nn.Embedding(128, dim)
            self.token_type = nn.Embedding(2, dim)
            self.ln = nn.LayerNorm(dim)
            self.layers = nn.ModuleList(block() for _ in range(layers))
            self.pooler = nn.Linear(dim, dim)

        def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[Any, Any]:
            pos = torch.arange(ids.shape[1], device=ids.device)
            x = self.ln(self.word(ids) + self.position(pos) + self.token_type(
                torch.zeros_like(ids)))
            mask = attention_mask[:, None, None, :]
            for layer in self.layers:
                x = layer(x, mask)
            return x, torch.tanh(self.pooler(x[:, 0]))

    with torch.random.fork_rng():  # fixed weights, the caller's RNG untouched
        torch.manual_seed(0)
        model = BERT().eval()
        ids = torch.randint(0, VOCAB, (batch, seq))
    mask = torch.ones(batch, seq, dtype=torch.int64)
    mask[-1, seq // 2:] = 0
    return model, (ids, mask)
