"""ResNet-18 in plain torch.nn (the torchvision architecture, written out; random weights)."""

from __future__ import annotations

from typing import Any


def resnet18(batch: int = 1, size: int = 64, classes: int = 10) -> tuple[Any, tuple[Any, ...]]:
    """ResNet-18: a 7x7 stem, four stages of two basic blocks, average pool, linear head."""
    import torch
    from torch import nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.downsample: nn.Module | None = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            skip = x if self.downsample is None else self.downsample(x)
            return self.relu(y + skip)

    class ResNet18(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU()
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
            self.layer1, self.layer2, self.layer3, self.layer4 = (
                nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))
                for cin, cout, stride in widths)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    with torch.random.fork_rng():  # fixed weights, the caller's RNG untouched
        torch.manual_seed(0)
        model = ResNet18().eval()
        return model, (torch.randn(batch, 3, size, size),)
