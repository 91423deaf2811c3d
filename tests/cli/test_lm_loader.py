"""What --lm MODEL resolves to: a bundled LM, a save_pretrained directory, a factory; and the
specific error for everything else."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hwsdk.cli.lm_loader import LMSpecError, load_lm

pytest.importorskip("transformers")

FACTORIES = '''
import torch


def causal_lm():
    from hwsdk.models.lm import tiny_gpt2
    return tiny_gpt2()


def with_inputs():
    return causal_lm(), (torch.zeros(1, 4, dtype=torch.int64),)


def plain_module():
    return torch.nn.Linear(2, 2)


def broken():
    raise RuntimeError("no weights here")
'''


@pytest.fixture(scope="module")
def lm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lm_models") / "lms.py"
    path.write_text(textwrap.dedent(FACTORIES))
    return path


def test_bundled_name() -> None:
    loaded = load_lm("tiny-llama")
    assert loaded.name == "tiny-llama" and type(loaded.model).__name__ == "LlamaForCausalLM"
    assert not loaded.model.training


def test_factory_returning_the_model(lm_file: Path) -> None:
    loaded = load_lm(f"{lm_file}:causal_lm")
    assert type(loaded.model).__name__ == "GPT2LMHeadModel" and not loaded.model.training


def test_save_pretrained_directory(tmp_path: Path) -> None:
    import torch

    from hwsdk.models.lm import tiny_llama

    original = tiny_llama()
    original.save_pretrained(tmp_path / "saved")
    loaded = load_lm(str(tmp_path / "saved"))
    assert loaded.name == "saved" and not loaded.model.training
    for (name, mine), theirs in zip(loaded.model.state_dict().items(),
                                    original.state_dict().values(), strict=True):
        assert torch.equal(mine, theirs), name


@pytest.mark.parametrize(("spec", "message"), [
    ("gpt", "'gpt' is a bundled model for `hwsdk run MODEL`, not a causal LM"),
    ("nosuch", "not a bundled LM (tiny-gpt2, tiny-llama), not a directory"),
    ("{file}:with_inputs", "returned a tuple; for --lm it returns the causal LM itself"),
    ("{file}:plain_module", "gave a Linear, not a transformers causal LM"),
    ("{file}:broken", "raised RuntimeError: no weights here"),
    ("{file}:missing", "has no callable 'missing'"),
    ("{dir}", "the directory has no config.json"),
])
def test_bad_specs(lm_file: Path, spec: str, message: str) -> None:
    with pytest.raises(LMSpecError) as info:
        load_lm(spec.format(file=lm_file, dir=lm_file.parent))
    assert message in str(info.value)
    assert "--lm takes a bundled LM" in LMSpecError.hint


def test_directory_without_weights(tmp_path: Path) -> None:
    from hwsdk.models.lm import tiny_llama

    tiny_llama().config.save_pretrained(tmp_path)  # config.json only
    with pytest.raises(LMSpecError, match="transformers could not load a causal LM from"):
        load_lm(str(tmp_path))
