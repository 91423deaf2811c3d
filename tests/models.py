"""Small test models with random weights (no downloads), shared by the whole suite.

Each factory returns ``(model, example_inputs)`` with the model in eval mode. The transformer
models come from ``transformers`` configs, so their op sets were not written for hwsdk.
"""

from __future__ import annotations

from typing import Any

VOCAB = 128


def mlp(batch: int = 4) -> tuple[Any, tuple[Any, ...]]:
    """Linear → GELU → Linear with a residual and a LayerNorm."""
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(32, 64)
            self.fc2 = nn.Linear(64, 32)
            self.norm = nn.LayerNorm(32)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.norm(x + self.fc2(nn.functional.gelu(self.fc1(x))))

    return MLP().eval(), (torch.randn(batch, 32),)


def small_resnet(batch: int = 1) -> tuple[Any, tuple[Any, ...]]:
    """Two residual basic blocks with conv, eval-mode batch norm, max and adaptive pooling."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return torch.relu(y + (self.down(x) if self.down is not None else x))

    class ResNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8),
                                      nn.ReLU(), nn.MaxPool2d(3, 2, 1))
            self.layer1 = Block(8, 8, 1)
            self.layer2 = Block(8, 16, 2)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.layer2(self.layer1(self.stem(x)))
            return self.fc(torch.flatten(self.pool(x), 1))

    model = ResNet().eval()
    with torch.no_grad():  # non-trivial running statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    return model, (torch.randn(batch, 3, 32, 32),)


def _ids(batch: int, seq: int) -> Any:
    import torch

    return torch.randint(0, VOCAB, (batch, seq))


def bert(batch: int = 2, seq: int = 16) -> tuple[Any, tuple[Any, ...]]:
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
    return BertModel(config).eval(), (_ids(batch, seq),)


def gpt2(batch: int = 2, seq: int = 16) -> tuple[Any, tuple[Any, ...]]:
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                        use_cache=False, bos_token_id=0, eos_token_id=0)
    return GPT2LMHeadModel(config).eval(), (_ids(batch, seq),)


def llama(batch: int = 2, seq: int = 16) -> tuple[Any, tuple[Any, ...]]:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=64, use_cache=False)
    return LlamaForCausalLM(config).eval(), (_ids(batch, seq),)


def clip(batch: int = 2, seq: int = 12) -> tuple[Any, tuple[Any, ...]]:
    """A small CLIP (text and vision towers): patch conv, class-token cat, the pooled token's
    argmax; inputs ``(input_ids, pixel_values)``."""
    import torch
    from transformers import CLIPConfig, CLIPModel

    tower = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                 num_attention_heads=4)
    config = CLIPConfig(text_config=dict(vocab_size=VOCAB, max_position_embeddings=32, **tower),
                        vision_config=dict(image_size=32, patch_size=8, **tower),
                        projection_dim=16)
    return CLIPModel(config).eval(), (_ids(batch, seq), torch.randn(batch, 3, 32, 32))


ALL = {"mlp": mlp, "resnet": small_resnet, "bert": bert, "gpt2": gpt2, "llama": llama}
