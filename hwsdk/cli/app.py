"""The click group and its commands (each command's module imports heavy things lazily)."""

from __future__ import annotations

import click

from hwsdk._version import __version__
from hwsdk.cli.dynamo_cmd import torch_compile_cmd
from hwsdk.cli.model_cmds import compile_cmd, explain_cmd, run_cmd
from hwsdk.cli.registry_cmds import caps_cmd, doctor_cmd, targets_cmd

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hwsdk")
def cli() -> None:
    """hwsdk: compile PyTorch models for the accelerators you have, and see what runs where.

    \b
    MODEL is a bundled name (mlp, resnet18, gpt, bert), path/to/file.py:factory,
    package.module:factory (factory() returns (model, inputs[, dynamic_shapes])),
    or a .pt2 file saved by torch.export.save. `run --lm` and `explain --lm` take a
    transformers causal LM instead (tiny-llama, tiny-gpt2, a save_pretrained directory, or
    file.py:factory returning the model) and compile or plan it for text generation.
    """


for _command in (targets_cmd, caps_cmd, explain_cmd, compile_cmd, run_cmd, doctor_cmd,
                 torch_compile_cmd):
    cli.add_command(_command)
