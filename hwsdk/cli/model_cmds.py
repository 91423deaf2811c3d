"""Model commands: ``explain``, ``compile`` and ``run``. They import torch (lazily)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import click

from hwsdk.cli.common import (
    check_targets,
    quiet_stderr,
    quiet_torch,
    require_available,
    write_matrix_reports,
    write_reports,
)
from hwsdk.cli.progress import CompileProgressRegistry, Progress
from hwsdk.cli.quantize import quantize_captured, quantize_settings, with_quantize_options

__all__ = ["explain_cmd", "compile_cmd", "run_cmd", "prepare"]

_plan_options = [
    click.option("--min-block-size", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Accelerator regions with fewer nodes run in PyTorch."),
    click.option("--fallback-op", "fallback_ops", multiple=True, metavar="OP",
                 help="Force a core op or ATen overload to PyTorch (repeatable)."),
]


def _with_plan_options(func: Any) -> Any:
    for option in reversed(_plan_options):
        func = option(func)
    return func


_lm_option = click.option(
    "--lm", metavar="MODEL",
    help="Instead of MODEL, a transformers causal LM for text generation: a bundled LM "
         "(tiny-llama, tiny-gpt2), a save_pretrained directory, or file.py:factory / "
         "module:factory returning the model.")
_cache_option = click.option(
    "--max-cache-len", type=click.IntRange(min=2), default=None,
    help="With --lm: the KV cache length (prompt plus new tokens must fit) [run: prompt + new "
         "tokens; explain: compile_lm's default].")


def _check_mode(model: str | None, lm: str | None, lm_only: tuple[str, ...],
                model_only: tuple[str, ...]) -> None:
    """Refuse MODEL together with --lm, and options given for the other mode."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    if model is not None and lm is not None:
        raise click.UsageError("give MODEL or --lm MODEL, not both")
    given = {name for name in ctx.params
             if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT,
                                                        ParameterSource.DEFAULT_MAP)}
    wrong = sorted(given & set(lm_only if lm is None else model_only))
    if wrong:
        flags = ", ".join("--" + name.replace("_", "-") for name in wrong)
        raise click.UsageError(f"{flags} only applies {'with' if lm is None else 'without'} "
                               "--lm")


def prepare(spec: str, progress: Progress) -> tuple[Any, Any]:
    """Load MODEL and capture it: (LoadedModel, Captured)."""
    from hwsdk.cli.loader import capture_loaded, load_model

    quiet_torch()
    with progress.stage(f"loading {spec}"):
        loaded = load_model(spec)
    with progress.stage(f"capturing {loaded.name} (torch.export)"), quiet_stderr():
        captured = capture_loaded(loaded)
    return loaded, captured


def _plan(captured: Any, target: Any, loaded: Any, min_block_size: int,
          fallback_ops: tuple[str, ...], assume_unknown: str = "fallback",
          quant: dict[str, Any] | None = None, notes: list[str] | None = None) -> Any:
    """Plan a capture; with ``quant`` (``--quantize``'s settings, the capture already
    quantized, ``notes`` saying how) as :func:`hwsdk.explain` plans a quantized model."""
    from hwsdk.partition.weights import plan_quantized
    from hwsdk.registry import get_registry

    targets = check_targets(target) if isinstance(target, str) else target
    dequantize = quant is not None and quant.get("quantize_fallback") == "dequantize"
    if dequantize:  # the capture is shared by --target all's plans: dequantize a copy
        captured = copy.deepcopy(captured)
    return plan_quantized(captured, targets, get_registry(), dequantize=dequantize,
                          notes=notes or [], min_block_size=min_block_size,
                          fallback_ops=fallback_ops, assume_unknown=assume_unknown,
                          model_name=type(loaded.model).__name__ if loaded.program is None
                          else loaded.name)


_file = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("explain")
@click.argument("model", required=False)
@_lm_option
@_cache_option
@click.option("--target", "-t", required=True,
              help="A target, target:variant, 'auto', a preference list 'intel,cpu', or 'all' "
                   "(every target and variant).")
@click.option("--html", type=_file, help="Write the self-contained HTML report here.")
@click.option("--json", "json_path", type=_file, help="Write the plan as JSON here.")
@click.option("--dot", type=_file, help="Write the node graph as Graphviz DOT here.")
@click.option("--brief", is_flag=True, help="Print the short summary instead of the report.")
@click.option("--assume-unknown", type=click.Choice(["fallback", "runs"]), default="fallback",
              show_default=True,
              help="'runs' adds the labelled optimistic bound (coverage if the undocumented "
                   "ops work); placement is unchanged.")
@with_quantize_options
@_with_plan_options
def explain_cmd(model: str | None, lm: str | None, max_cache_len: int | None, target: str,
                html: Path | None, json_path: Path | None, dot: Path | None, brief: bool,
                assume_unknown: str, quantize: str | None, group_size: int | None,
                quantize_exclude: tuple[str, ...], quantize_fallback: str | None,
                min_block_size: int, fallback_ops: tuple[str, ...]) -> None:
    """Plan MODEL for a target and report what runs where and why (nothing is compiled).

    With --target all: the coverage matrix over every registered target and variant, then
    each plan; --html, --json and --dot each write the one file named, holding the matrix
    and every target's plan. With --lm: the same for the step graph that generates text
    (hwsdk.explain_lm), headed by how prefill and decode use it. With --quantize: the plan
    of the model with quantized linear weights (hwsdk.explain's quantize=).
    """
    from hwsdk.errors import HwsdkError
    from hwsdk.registry import get_registry
    from hwsdk.report.text import render_matrix, render_report, render_summary

    _check_mode(model, lm, ("max_cache_len",), ())
    quant = quantize_settings(quantize, group_size, quantize_exclude, quantize_fallback)
    if lm is not None:
        from hwsdk.cli.lm_cmds import explain_lm_cmd

        explain_lm_cmd(lm, target, max_cache_len, (html, json_path, dot), brief,
                       {"min_block_size": min_block_size, "fallback_ops": fallback_ops,
                        "assume_unknown": assume_unknown, **quant})
        return
    if model is None:
        raise click.UsageError("missing MODEL (or --lm MODEL)")
    render = render_summary if brief else render_report
    if target != "all":
        check_targets(target)
        progress = Progress()
        loaded, captured = prepare(model, progress)
        notes = quantize_captured(captured, quant)
        plan = _plan(captured, target, loaded, min_block_size, fallback_ops, assume_unknown,
                     quant, notes)
        click.echo(render(plan))
        for line in write_reports(plan, html, json_path, dot):
            click.echo(line)
        return
    from hwsdk.cli.registry_cmds import target_refs

    refs = target_refs(get_registry(), include_torch=False)
    progress = Progress()
    loaded, captured = prepare(model, progress)
    notes = quantize_captured(captured, quant)
    plans: dict[str, Any] = {}
    for ref in refs:
        try:
            plans[ref] = _plan(captured, ref, loaded, min_block_size, fallback_ops,
                               assume_unknown, quant, notes)
        except HwsdkError as exc:
            plans[ref] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    click.echo(f"coverage of {loaded.name} across {len(refs)} targets:")
    click.echo(render_matrix(plans) if plans else "(no target besides torch is registered)")
    for ref, plan in plans.items():
        if isinstance(plan, str):
            continue
        click.echo(f"\n=== {ref} ===")
        click.echo(render(plan))
    for line in write_matrix_reports(loaded.name, plans, html, json_path, dot):
        click.echo(line)


def compile_model(loaded: Any, captured: Any, target: str, min_block_size: int,
                  fallback_ops: tuple[str, ...], progress: Progress) -> Any:
    """Plan and compile (with per-region progress); returns the CompiledModel."""
    from hwsdk.registry import get_registry
    from hwsdk.runtime.build import build_compiled

    plan = _plan(captured, target, loaded, min_block_size, fallback_ops)
    registry = CompileProgressRegistry(get_registry(), progress, len(plan.regions))
    with progress.stage(f"compiling {len(plan.regions)} regions", total=len(plan.regions)):
        return build_compiled(captured, plan, registry,  # type: ignore[arg-type]
                              {}, require_full=False)


@click.command("compile")
@click.argument("model")
@click.option("--target", "-t", default="auto", show_default=True,
              help="A target, target:variant, 'auto', or a preference list 'intel,cpu'.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write ahead-of-time artifacts (and plan.json, manifest.json) here.")
@_with_plan_options
def compile_cmd(model: str, target: str, out: Path | None, min_block_size: int,
                fallback_ops: tuple[str, ...]) -> None:
    """Compile MODEL for a target; with --out, save what the target can build ahead of time."""
    from hwsdk.cli.artifacts import model_writer, prepare_out_dir, save_artifacts
    from hwsdk.registry import get_registry
    from hwsdk.report.text import render_summary

    targets = check_targets(target)
    if out is not None:  # refuse a used directory before the compile, replace it after
        prepare_out_dir(out, remove=False)
    progress = Progress()
    writer = None
    if out is not None and isinstance(targets, str) and targets != "auto":
        writer = model_writer(get_registry(), get_registry().canonical(targets))
    if writer is None:
        require_available(targets)
    loaded, captured = prepare(model, progress)
    if writer is not None:  # the plugin builds the whole artifact itself, no device needed
        assert out is not None and isinstance(targets, str)
        canonical = get_registry().canonical(targets)
        plan = _plan(captured, targets, loaded, min_block_size, fallback_ops)
        click.echo(render_summary(plan))
        if replaced := prepare_out_dir(out):
            click.echo(replaced)
        with progress.stage(f"building the ahead-of-time artifact for {canonical}"):
            manifest = writer(plan, out)
        click.echo("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in progress.timings.items()))
        click.echo(f"ahead-of-time artifact for {canonical} written to {out} "
                   f"(manifest: {manifest})")
        return
    compiled = compile_model(loaded, captured, target, min_block_size, fallback_ops, progress)
    click.echo(render_summary(compiled.plan))
    click.echo("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in progress.timings.items()))
    if out is not None:
        for line in save_artifacts(compiled, out):
            click.echo(line)


@click.command("run")
@click.argument("model", required=False)
@click.option("--target", "-t", default="auto", show_default=True,
              help="A target, target:variant, 'auto' (available targets by priority), or a "
                   "preference list 'intel,cpu'.")
@click.option("--repeat", type=click.IntRange(min=1), default=20, show_default=True,
              help="Timed calls of each of eager and hwsdk, interleaved.")
@click.option("--tolerance", type=float, default=1e-2, show_default=True,
              help="Exit 1 when max |hwsdk - eager| / max(1, max |eager|) exceeds this.")
@_lm_option
@click.option("--prompt-tokens", type=click.IntRange(min=1), default=32, show_default=True,
              help="With --lm: the prompt's length (random token ids, seeded).")
@click.option("--new-tokens", type=click.IntRange(min=2), default=64, show_default=True,
              help="With --lm: tokens to generate (exactly this many: stop tokens are masked).")
@_cache_option
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --lm: timed generations of each of eager and hwsdk, interleaved.")
@_with_plan_options
def run_cmd(model: str | None, target: str, repeat: int, tolerance: float, lm: str | None,
            prompt_tokens: int, new_tokens: int, max_cache_len: int | None, rounds: int,
            min_block_size: int, fallback_ops: tuple[str, ...]) -> int:
    """Compile MODEL (default: the bundled GPT-style decoder), run it, compare with eager
    PyTorch (max error, time ratio) and print the partition summary.

    With --lm: compile the causal LM for generation (hwsdk.compile_lm), generate greedily,
    check every token against transformers' eager generate (exit 1 on a difference), and
    time both: time to first token and decode tokens/s.
    """
    from hwsdk.cli.measure import compare, machine_load_note, time_side_by_side
    from hwsdk.models import DEFAULT_MODEL
    from hwsdk.report.text import render_summary

    _check_mode(model, lm, ("prompt_tokens", "new_tokens", "max_cache_len", "rounds"),
                ("repeat", "tolerance"))
    if lm is not None:
        from hwsdk.cli.lm_cmds import run_lm

        return run_lm(lm, target, prompt_tokens, new_tokens, max_cache_len, rounds,
                      {"min_block_size": min_block_size, "fallback_ops": fallback_ops})
    require_available(check_targets(target))
    progress = Progress()
    loaded, captured = prepare(model or DEFAULT_MODEL, progress)
    compiled = compile_model(loaded, captured, target, min_block_size, fallback_ops, progress)
    with progress.stage("checking against eager"):
        accuracy = compare(loaded.model, compiled, loaded.example_inputs)
    with progress.stage(f"timing ({repeat} interleaved rounds)"):
        timing = time_side_by_side(loaded.model, compiled, loaded.example_inputs, repeat)
    click.echo(render_summary(compiled.plan))
    click.echo("")
    ok = accuracy.relative <= tolerance
    verdict = "OK" if ok else f"MISMATCH (tolerance {tolerance:g})"
    click.echo(f"max abs error vs eager: {accuracy.error:.3g} (relative "
               f"{accuracy.relative:.3g}) {verdict}")
    if accuracy.int_elements:
        click.echo(f"integer outputs: {accuracy.int_mismatches} of {accuracy.int_elements} "
                   "elements differ from eager")
    click.echo(f"time per call: eager {timing.eager_s * 1e3:.3f} ms, hwsdk "
               f"{timing.hwsdk_s * 1e3:.3f} ms (medians); {timing.headline()}")
    busy = machine_load_note()
    if busy:
        click.echo(busy)
    click.echo("stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in progress.timings.items()))
    return 0 if ok else 1
