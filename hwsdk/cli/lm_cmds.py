"""``hwsdk run --lm MODEL`` and ``hwsdk explain --lm MODEL``: a causal LM compiled (or planned)
for generation with :func:`hwsdk.compile_lm` / :func:`hwsdk.explain_lm`, checked token for
token against transformers' eager greedy ``generate`` and timed beside it."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import click

from hwsdk.cli.common import (
    check_targets,
    quiet_torch,
    require_available,
    write_matrix_reports,
    write_reports,
)
from hwsdk.cli.progress import Progress

__all__ = ["run_lm", "explain_lm_cmd"]


def _load(spec: str, progress: Progress) -> Any:
    from hwsdk.cli.lm_loader import load_lm

    quiet_torch()
    with progress.stage(f"loading {spec}"):
        return load_lm(spec)


def _positions_limit(model: Any) -> int | None:
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    return None


def _check_lengths(name: str, model: Any, prompt_tokens: int, new_tokens: int,
                   max_cache_len: int) -> None:
    from hwsdk.errors import InvalidArgumentError

    total = prompt_tokens + new_tokens
    if total > max_cache_len:
        raise InvalidArgumentError(
            f"--prompt-tokens {prompt_tokens} + --new-tokens {new_tokens} = {total} exceeds "
            f"--max-cache-len {max_cache_len}; raise --max-cache-len or ask for fewer tokens")
    limit = _positions_limit(model)
    if limit is not None and total > limit:
        raise InvalidArgumentError(
            f"--prompt-tokens {prompt_tokens} + --new-tokens {new_tokens} = {total} exceeds "
            f"{name}'s {limit} positions (its config's max_position_embeddings); ask for "
            "fewer tokens")


def _prompt(model: Any, tokens: int) -> Any:
    """``[1, tokens]`` random token ids, the same on every run (seeded, no tokenizer)."""
    import torch

    from hwsdk.models.lm import SEED

    vocab = int(getattr(model.config, "vocab_size", 0) or 2)
    generator = torch.Generator().manual_seed(SEED)
    return torch.randint(0, vocab, (1, tokens), generator=generator)


def _spread(values: Sequence[float], scale: float, fmt: str) -> str:
    scaled = [v * scale for v in values]
    return (f"{statistics.median(scaled):{fmt}} (min-max {min(scaled):{fmt}}-"
            f"{max(scaled):{fmt}})")


def _timing_lines(timing: Any) -> list[str]:
    hwsdk_ttft = [g.ttft_s for g in timing.hwsdk]
    eager_ttft = [g.ttft_s for g in timing.eager]
    hwsdk_rate = [1 / max(g.decode_s, 1e-12) for g in timing.hwsdk]
    eager_rate = [1 / max(g.decode_s, 1e-12) for g in timing.eager]
    return [
        f"time to first token (ms, median): hwsdk {_spread(hwsdk_ttft, 1e3, '.2f')}, "
        f"eager {_spread(eager_ttft, 1e3, '.2f')}",
        f"  {timing.ttft().headline('--rounds')}",
        f"decode (tokens/s, median): hwsdk {_spread(hwsdk_rate, 1, '.1f')}, "
        f"eager {_spread(eager_rate, 1, '.1f')}",
        f"  time per token: {timing.decode().headline('--rounds')}",
    ]


def run_lm(spec: str, target: str, prompt_tokens: int, new_tokens: int,
           max_cache_len: int | None, rounds: int, compile_kwargs: Mapping[str, Any]) -> int:
    """``hwsdk run --lm``: compile, check greedy tokens against eager transformers, time both.

    :returns: the exit code: 1 when a generated token differs from eager's.
    """
    import hwsdk
    from hwsdk.cli.lm_measure import (
        eager_generation,
        first_difference,
        greedy_settings,
        hwsdk_generation,
        time_generation,
    )
    from hwsdk.cli.measure import machine_load_note

    targets = check_targets(target)
    require_available(targets)
    cache_len = max_cache_len or prompt_tokens + new_tokens
    progress = Progress()
    loaded = _load(spec, progress)
    _check_lengths(loaded.name, loaded.model, prompt_tokens, new_tokens, cache_len)
    with progress.stage(f"compiling {loaded.name} for generation (compile_lm)"):
        lm = hwsdk.compile_lm(loaded.model, target=targets, max_cache_len=cache_len,
                              **compile_kwargs)
    prompt = _prompt(loaded.model, prompt_tokens)
    settings = greedy_settings(loaded.model, new_tokens)
    mine = partial(hwsdk_generation, lm, prompt, settings)
    theirs = partial(eager_generation, loaded.model, prompt, settings)
    with progress.stage("checking against transformers' eager generate"):
        got, expected = mine(), theirs()
    click.echo(lm.plan.summary())
    click.echo("")
    where = first_difference(got.tokens, expected.tokens)
    check = (f"greedy generation vs transformers eager generate ({prompt_tokens} prompt tokens, "
             f"{new_tokens} new, seed 0):")
    if where is not None:
        ours = got.tokens[0].tolist()
        eager = expected.tokens[0].tolist()
        click.echo(f"{check} MISMATCH from new token {where}: hwsdk {ours[where:where + 4]}, "
                   f"eager {eager[where:where + 4]}")
        return 1
    click.echo(f"{check} all {new_tokens} tokens identical OK")
    with progress.stage(f"timing ({rounds} interleaved rounds)"):
        timing = time_generation(mine, theirs, rounds)
    for line in _timing_lines(timing):
        click.echo(line)
    busy = machine_load_note()
    if busy:
        click.echo(busy)
    click.echo("stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in progress.timings.items()))
    return 0


def _header(lm_plan: Any) -> str:
    """The generation line that heads :meth:`LMPlan.summary` (the step graph's summary
    follows it there)."""
    return str(lm_plan.summary()).partition("\n")[0]


def explain_lm_cmd(spec: str, target: str, max_cache_len: int | None,
                   reports: tuple[Path | None, Path | None, Path | None], brief: bool,
                   explain_kwargs: Mapping[str, Any]) -> None:
    """``hwsdk explain --lm``: plan the generation step graph (nothing is compiled).

    :param reports: the ``--html``, ``--json`` and ``--dot`` paths (None when not asked).
    """
    kwargs = dict(explain_kwargs)
    if max_cache_len is not None:
        kwargs["max_cache_len"] = max_cache_len
    if target == "all":
        _explain_all(spec, kwargs, brief, reports)
        return
    import hwsdk
    from hwsdk.report.text import render_report

    targets = check_targets(target)
    progress = Progress()
    loaded = _load(spec, progress)
    with progress.stage(f"planning {loaded.name}'s generation step"):
        lm_plan = hwsdk.explain_lm(loaded.model, target=targets, **kwargs)
    click.echo(lm_plan.summary() if brief else
               _header(lm_plan) + "\n" + render_report(lm_plan.plan))
    for line in write_reports(lm_plan.plan, *reports):
        click.echo(line)


def _explain_all(spec: str, kwargs: Mapping[str, Any], brief: bool,
                 reports: tuple[Path | None, Path | None, Path | None]) -> None:
    """``--target all``: the step graph planned for every target and variant (each plan
    captures the step again: explain_lm takes one target)."""
    import hwsdk
    from hwsdk.cli.registry_cmds import target_refs
    from hwsdk.errors import HwsdkError
    from hwsdk.registry import get_registry
    from hwsdk.report.text import render_matrix, render_report, render_summary

    refs = target_refs(get_registry(), include_torch=False)
    progress = Progress()
    loaded = _load(spec, progress)
    plans: dict[str, Any] = {}
    header = ""
    for ref in refs:
        try:
            with progress.stage(f"planning {loaded.name}'s generation step for {ref}"):
                lm_plan = hwsdk.explain_lm(loaded.model, target=ref, **kwargs)
        except HwsdkError as exc:
            plans[ref] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            continue
        plans[ref], header = lm_plan.plan, header or _header(lm_plan)
    if header:
        click.echo(header)
    click.echo(f"coverage of {loaded.name}'s generation step across {len(refs)} targets:")
    click.echo(render_matrix(plans) if plans else "(no target besides torch is registered)")
    render = render_summary if brief else render_report
    for ref, plan in plans.items():
        if not isinstance(plan, str):
            click.echo(f"\n=== {ref} ===")
            click.echo(render(plan))
    for line in write_matrix_reports(loaded.name, plans, *reports):
        click.echo(line)
