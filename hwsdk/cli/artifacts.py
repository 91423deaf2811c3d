"""``hwsdk compile --out DIR``: save ahead-of-time artifacts.

Two conventions, for plugin authors (docs/cli.md):

1. Whole-model writer. A plugin package with a submodule ``aot`` (``hwsdk_nvidia.aot``)
   defining ``compile_artifact(plan, out_dir) -> Path`` builds the artifact of the CLI's
   :class:`~hwsdk.partition.plan.PartitionPlan` for one of its targets itself (no device
   needed) and returns its manifest path; the CLI calls it and does not compile the model for
   running.
2. Per-region writer. Otherwise the model is compiled, and a
   :class:`~hwsdk.plugin.CompiledRegion` that can be
saved ahead of time has a method ``save(directory: pathlib.Path) -> list[str]`` that writes its
artifact (cubin, hsaco, serialized engine …) into ``directory`` (created empty for it, one per
region) and returns the names of the files it wrote, relative to ``directory``. Regions without
``save`` are recorded as having no AOT output. ``DIR`` also gets ``plan.json`` (the
PartitionPlan) and ``manifest.json`` (schema ``hwsdk.aot-manifest`` version 1, described in
docs/cli.md).

``DIR`` must be new or empty, or hold an older hwsdk artifact, which is replaced
(:func:`prepare_out_dir`): leftover files would make the new artifact unloadable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hwsdk.contract import FALLBACK
from hwsdk.errors import InvalidArgumentError

__all__ = ["MANIFEST_SCHEMA", "MANIFEST_SCHEMA_VERSION", "save_artifacts", "model_writer",
           "prepare_out_dir"]

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


def _artifact_files(out: Path) -> set[str] | None:
    """The files (relative POSIX paths) an hwsdk artifact in ``out`` consists of, read from
    its manifest: a Triton AOT artifact (any format version) or a ``hwsdk.aot-manifest``
    directory of region artifacts. None when ``out`` holds no manifest hwsdk recognises."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict):
        return None
    files = {"manifest.json"}
    if manifest.get("format") == "hwsdk-triton-aot" and isinstance(manifest.get("files"), dict):
        return files | {str(f) for f in manifest["files"]}
    if manifest.get("schema") != MANIFEST_SCHEMA or not isinstance(manifest.get("regions"),
                                                                    list):
        return None
    files.add(str(manifest.get("plan", "plan.json")))
    for entry in manifest["regions"]:
        if isinstance(entry, dict) and entry.get("dir") and isinstance(entry.get("files"), list):
            files.update(f"{entry['dir']}/{f}" for f in entry["files"])
    return files


def prepare_out_dir(out: Path, *, remove: bool = True) -> str | None:
    """Make ``out`` ready for a new artifact: absent or empty is fine; an older hwsdk artifact
    (every file in it listed by its manifest) is removed; anything else is refused, since
    leftover files would make the new artifact unloadable. Returns a line to show the user
    when an older artifact was removed.

    :param remove: False to only check (before a long compile), keeping the old artifact.

    :raises InvalidArgumentError: ``out`` is a file, or a non-empty directory holding anything
        but an hwsdk artifact.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise InvalidArgumentError(f"--out {out} is a file; give a new or empty directory")
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir()}
    if not present:
        return None
    known = _artifact_files(out)
    if known is None or present - known:
        others = sorted(present - (known or set()))
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                         else "")
        raise InvalidArgumentError(
            f"--out {out} is not empty and is not an hwsdk artifact (it holds {shown}); "
            "give a new or empty directory, or remove these files: hwsdk replaces only an "
            "older hwsdk artifact")
    if not remove:
        return None
    for rel in sorted(present):
        (out / rel).unlink()
    for directory in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        directory.rmdir()
    return f"replaced the older hwsdk artifact in {out} ({len(present)} files)"


def save_artifacts(compiled: Any, out: Path) -> list[str]:
    """Write every saveable region's artifact, ``plan.json`` and ``manifest.json`` into
    ``out`` (new, empty, or an older artifact, replaced: :func:`prepare_out_dir`); returns
    lines telling the user what happened.

    :raises InvalidArgumentError: when ``out`` holds anything but an older hwsdk artifact.
    """
    replaced = prepare_out_dir(out)
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
    lines = [replaced] if replaced else []
    if saved:
        lines.append(f"saved ahead-of-time artifacts of {saved} of {len(accelerated)} "
                     f"compiled regions to {out}")
    else:
        targets = sorted({r.target for r in accelerated}) or plan.targets[:-1] or [FALLBACK]
        lines.append(f"target {', '.join(targets)} has no ahead-of-time output; wrote the "
                     f"plan and manifest only")
    lines.append(f"wrote {out / 'plan.json'} and {out / 'manifest.json'}")
    return lines
