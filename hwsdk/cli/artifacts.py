"""``hwsdk compile --out DIR``: save ahead-of-time artifacts.

Two conventions, for plugin authors (docs/cli.md):

1. Whole-model writer. A plugin package with a submodule ``aot`` (``hwsdk_nvidia.aot``)
   defining ``compile_artifact(model, example_inputs, target, out_dir) -> Path`` builds the
   artifact itself (no device needed) and returns its manifest path; the CLI calls it and does
   not compile the model for running.
2. Per-region writer. Otherwise the model is compiled, and a
   :class:`~hwsdk.plugin.CompiledRegion` that can be
saved ahead of time has a method ``save(directory: pathlib.Path) -> list[str]`` that writes its
artifact (cubin, hsaco, serialized engine …) into ``directory`` (created empty for it, one per
region) and returns the names of the files it wrote, relative to ``directory``. Regions without
``save`` are recorded as having no AOT output. ``DIR`` also gets ``plan.json`` (the
PartitionPlan) and ``manifest.json`` (schema ``hwsdk.aot-manifest`` version 1, described in
docs/cli.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST_SCHEMA", "MANIFEST_SCHEMA_VERSION", "save_artifacts", "model_writer"]

MANIFEST_SCHEMA = "hwsdk.aot-manifest"
MANIFEST_SCHEMA_VERSION = 1


def model_writer(registry: Any, target: str) -> Callable[..., Any] | None:
    """The whole-model artifact writer of the plugin serving ``target`` (a single target
    reference), or None when it has none."""
    import importlib

    record = registry.record_for(target)
    plugin = record.plugin
    if plugin is None:
        return None
    aot = getattr(plugin, "aot", None)
    if aot is None and hasattr(plugin, "__path__"):
        try:
            aot = importlib.import_module(f"{plugin.__name__}.aot")
        except ImportError:
            return None
    writer = getattr(aot, "compile_artifact", None)
    return writer if callable(writer) else None


def save_artifacts(compiled: Any, out: Path) -> list[str]:
    """Write every saveable region's artifact, ``plan.json`` and ``manifest.json`` into
    ``out``; returns lines telling the user what happened."""
    plan = compiled.plan
    out.mkdir(parents=True, exist_ok=True)
    runners = {step.region_id: step.runner for step in compiled.steps}
    types = plan.graph.types
    entries: list[dict[str, Any]] = []
    saved = 0
    for region in plan.regions:
        runner = runners.get(region.id)
        entry: dict[str, Any] = {
            "id": region.id, "target": region.target, "status": region.status,
            "nodes": len(region.node_ids),
            "inputs": [{"name": v, "type": str(types[v])} for v in region.inputs],
            "outputs": [{"name": v, "type": str(types[v])} for v in region.outputs],
            "aot": False, "dir": None, "files": [],
        }
        save = getattr(runner, "save", None)
        if region.status == "compiled" and callable(save):
            directory = out / region.id
            directory.mkdir(exist_ok=True)
            files = save(directory)
            entry.update(aot=True, dir=region.id, files=sorted(str(f) for f in files or []))
            saved += 1
        entries.append(entry)
    (out / "plan.json").write_text(plan.to_json() + "\n", encoding="utf-8")
    manifest = {"schema": MANIFEST_SCHEMA, "schema_version": MANIFEST_SCHEMA_VERSION,
                "model": plan.model_name, "requested_targets": plan.requested,
                "plan": "plan.json", "regions": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    accelerated = [r for r in plan.regions if r.status == "compiled"]
    lines = []
    if saved:
        lines.append(f"saved ahead-of-time artifacts of {saved} of {len(accelerated)} "
                     f"compiled regions to {out}")
    else:
        targets = sorted({r.target for r in accelerated}) or plan.targets[:-1] or ["torch"]
        lines.append(f"target {', '.join(targets)} has no ahead-of-time output; wrote the "
                     f"plan and manifest only")
    lines.append(f"wrote {out / 'plan.json'} and {out / 'manifest.json'}")
    return lines
