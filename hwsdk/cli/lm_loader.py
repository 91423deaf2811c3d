"""Resolve ``--lm MODEL`` into a transformers causal LM.

MODEL is one of:

- a bundled LM name (``tiny-llama``, ``tiny-gpt2``; see :data:`hwsdk.models.LM_MODELS`);
- a local directory holding a transformers config and weights (``save_pretrained``), read with
  ``from_pretrained(..., local_files_only=True)``: nothing is downloaded;
- ``path/to/file.py:factory`` or ``package.module:factory``, where ``factory()`` returns the
  causal LM itself.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwsdk.cli.loader import ModelSpecError, import_attr

__all__ = ["LMSpecError", "LoadedLM", "load_lm"]


class LMSpecError(ModelSpecError):
    """``--lm MODEL`` names nothing that is a transformers causal LM."""

    hint = ("--lm takes a bundled LM (tiny-llama, tiny-gpt2), a directory written by "
            "save_pretrained, or file.py:factory / module:factory returning a *ForCausalLM")


@dataclass(frozen=True)
class LoadedLM:
    """What ``--lm MODEL`` resolved to: a display name and the model, in eval mode."""

    name: str
    model: Any


def load_lm(spec: str) -> LoadedLM:
    """Resolve ``spec`` (see the module docstring).

    :raises LMSpecError: naming what could not be read and why.
    """
    from hwsdk.models import LM_MODELS, MODELS

    if importlib.util.find_spec("transformers") is None:
        raise LMSpecError("--lm needs the transformers package, which is not installed: "
                          "pip install 'transformers>=4.45'")
    if spec in LM_MODELS:
        return LoadedLM(spec, _checked(spec, _call(spec, LM_MODELS[spec].load())))
    if spec in MODELS:
        raise LMSpecError(f"{spec!r} is a bundled model for `hwsdk run MODEL`, not a causal LM; "
                          f"bundled LMs: {', '.join(sorted(LM_MODELS))}")
    path = Path(spec)
    if path.is_dir():
        return LoadedLM(path.resolve().name, _checked(spec, _from_directory(path)))
    location, sep, attr = spec.rpartition(":")
    if not sep or not location or not attr:
        raise LMSpecError(f"cannot read --lm {spec!r}: not a bundled LM "
                          f"({', '.join(sorted(LM_MODELS))}), not a directory, and not of the "
                          "form file.py:factory or module:factory")
    factory = import_attr(location, attr, spec, LMSpecError)
    return LoadedLM(spec, _checked(spec, _call(spec, factory)))


def _call(spec: str, factory: Any) -> Any:
    from hwsdk.errors import HwsdkError

    try:
        return factory()
    except HwsdkError:
        raise
    except Exception as exc:
        raise LMSpecError(
            f"the factory of --lm {spec!r} raised {type(exc).__name__}: {exc}") from exc


def _from_directory(path: Path) -> Any:
    from transformers import AutoModelForCausalLM

    if not (path / "config.json").is_file():
        raise LMSpecError(f"cannot read --lm {str(path)!r}: the directory has no config.json "
                          "(write one with model.save_pretrained(DIR))")
    try:
        return AutoModelForCausalLM.from_pretrained(str(path), local_files_only=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise LMSpecError(f"transformers could not load a causal LM from {path}: "
                          f"{type(exc).__name__}: {first}") from exc


def _checked(spec: str, model: Any) -> Any:
    """``model`` in eval mode, once it is known to be a transformers model that generates."""
    from transformers import PreTrainedModel

    if isinstance(model, tuple):
        raise LMSpecError(f"the factory of --lm {spec!r} returned a tuple; for --lm it returns "
                          "the causal LM itself (no example inputs)")
    if not isinstance(model, PreTrainedModel) or not callable(getattr(model, "generate", None)):
        raise LMSpecError(f"--lm {spec!r} gave a {type(model).__name__}, not a transformers "
                          "causal LM (a PreTrainedModel with generate(), e.g. "
                          "LlamaForCausalLM)")
    return model.eval()
