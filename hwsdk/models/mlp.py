"""The bundled MLP."""

from __future__ import annotations

from typing import Any


def mlp(batch: int = 4, features: int = 64) -> tuple[Any, tuple[Any, ...]]:
    """Linear → GELU → Linear, a residual add and a LayerNorm."""
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(features, 4 * features)
            self.fc2 = nn.Linear(4 * features, features)
            self.norm = nn.LayerNorm(features)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.norm(x + self.fc2(nn.functional.gelu(self.fc1(x))))

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = MLP().eval()
        return model, (torch.randn(batch, features),)
