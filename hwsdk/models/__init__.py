"""Bundled example models, addressable by a short name (``hwsdk run gpt``).

Every factory in :data:`MODELS` returns ``(model, example_inputs)`` with random weights (no
downloads) and the model in eval mode; every factory in :data:`LM_MODELS` (``hwsdk run --lm``)
returns a transformers causal LM built the same way. Importing this package does not import
torch; building a model does.

>>> from hwsdk.models import MODELS, build
>>> sorted(MODELS)
['bert', 'gpt', 'mlp', 'resnet18']
>>> model, inputs = build("mlp")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BundledModel", "MODELS", "LM_MODELS", "DEFAULT_MODEL", "build", "names"]


@dataclass(frozen=True)
class BundledModel:
    """A bundled model: where its factory lives and one line saying what it is."""

    name: str
    factory: str  # "module:function"
    description: str

    def load(self) -> Callable[[], Any]:
        """The factory function (its module is imported now)."""
        import importlib

        module, _, function = self.factory.partition(":")
        return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


MODELS: dict[str, BundledModel] = {
    model.name: model for model in (
        BundledModel("mlp", "hwsdk.models.mlp:mlp",
                     "2-layer MLP with GELU, residual and LayerNorm (batch 4, 64 features)"),
        BundledModel("resnet18", "hwsdk.models.resnet:resnet18",
                     "ResNet-18 in plain torch.nn (1x3x64x64 image, 10 classes)"),
        BundledModel("gpt", "hwsdk.models.transformer:gpt",
                     "GPT-style decoder: 2 layers, causal attention, tied LM head (1x32 tokens)"),
        BundledModel("bert", "hwsdk.models.transformer:bert",
                     "BERT-style encoder: 2 layers, padding mask, pooler (2x16 tokens)"),
    )
}

LM_MODELS: dict[str, BundledModel] = {
    model.name: model for model in (
        BundledModel("tiny-llama", "hwsdk.models.lm:tiny_llama",
                     "Llama causal LM: 2 layers, hidden 64, grouped KV heads, vocabulary 256"),
        BundledModel("tiny-gpt2", "hwsdk.models.lm:tiny_gpt2",
                     "GPT-2 causal LM: 2 layers, hidden 64, vocabulary 256"),
    )
}
"""Bundled transformers causal LMs for ``hwsdk run --lm`` / ``hwsdk explain --lm``."""

DEFAULT_MODEL = "gpt"
"""What ``hwsdk run`` runs when no MODEL is given."""


def names() -> list[str]:
    """The short names of the bundled models, sorted."""
    return sorted(MODELS)


def build(name: str) -> tuple[Any, ...]:
    """Build the bundled model ``name``: ``(model, example_inputs)``.

    :raises KeyError: for a name that is not bundled.
    """
    factory: Callable[[], tuple[Any, ...]] = MODELS[name].load()
    return factory()
