"""``hwsdk torch-compile MODEL``: run MODEL once through torch.compile(backend="hwsdk") and
show the plan of every graph Dynamo captured, graph breaks included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

__all__ = ["torch_compile_cmd"]

_file = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("torch-compile")
@click.argument("model")
@click.option("--target", "-t", default="auto", show_default=True,
              help="Target reference, 'auto', or a comma-separated preference list.")
@click.option("--min-block-size", type=int, default=1, show_default=True,
              help="Accelerator regions with fewer nodes run in PyTorch.")
@click.option("--dot", type=_file, help="Write the graphs and their breaks as Graphviz DOT.")
@click.option("--json", "json_path", type=_file,
              help="Write every graph's record (role, graph break, plan) as JSON.")
def torch_compile_cmd(model: str, target: str, min_block_size: int, dot: Path | None,
                      json_path: Path | None) -> int:
    """Call MODEL once through torch.compile(backend="hwsdk") under no_grad and print each
    compiled graph's plan, with Dynamo's graph breaks between them (docs/torch-compile.md)."""
    import torch

    from hwsdk.cli.common import quiet_torch
    from hwsdk.cli.loader import load_model
    from hwsdk.dynamo import subgraph_plans
    from hwsdk.report.subgraphs import render_subgraphs, render_subgraphs_dot

    quiet_torch()
    loaded = load_model(model)
    targets: Any = target.split(",") if "," in target else target
    compiled = torch.compile(loaded.model, backend="hwsdk", options={
        "target": targets, "min_block_size": min_block_size})
    with torch.no_grad():
        compiled(*loaded.example_inputs)
    records = subgraph_plans(compiled)
    click.echo(render_subgraphs(records))
    if dot is not None:
        dot.write_text(render_subgraphs_dot(records))
    if json_path is not None:
        json_path.write_text(json.dumps([{
            "subgraph": r.subgraph, "role": r.role, "compile_id": r.compile_id,
            "graph_break": r.graph_break, "failure": r.failure,
            "plan": r.plan.to_dict() if r.plan is not None else None} for r in records],
            indent=1) + "\n")
    return 0
