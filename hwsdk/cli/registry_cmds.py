"""Registry commands: ``targets``, ``caps`` and ``doctor``. None of them imports torch."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from typing import Any

import click

from hwsdk.cli.tables import render_table

__all__ = ["targets_cmd", "caps_cmd", "doctor_cmd", "target_refs", "VERSIONED_PACKAGES"]

VERSIONED_PACKAGES = ("torch", "triton", "openvino", "onnxruntime", "onnx", "transformers",
                      "numpy", "pydantic", "pluggy")


def target_refs(registry: Any, include_torch: bool = True) -> list[str]:
    """Every target and every variant, ``auto`` priority first: ``intel``, ``intel:cpu`` …"""
    refs: list[str] = []
    for info in registry.ordered_targets():
        if info.name == "torch" and not include_torch:
            continue
        refs.extend([f"{info.name}:{v}" for v in info.variants] if info.variants else [info.name])
    return refs


def _target_rows(registry: Any, deep: bool = False) -> list[dict[str, Any]]:
    rows = []
    for info in registry.ordered_targets():
        record = registry.targets[info.name][1]
        variants: list[str | None] = list(info.variants) or [None]
        for variant in variants:
            ref = f"{info.name}:{variant}" if variant else info.name
            probe = registry.probe(ref, deep=deep)
            rows.append({
                "target": ref, "vendor": info.vendor, "engine": info.engine,
                "default": variant is None or variant == info.default_variant,
                "aliases": info.aliases, "priority": info.priority,
                "plugin": record.name, "distribution": record.distribution,
                "version": record.version, "available": probe.available,
                "reason": probe.reason, "devices": probe.devices, "versions": probe.versions,
                "can_compile_offline": probe.can_compile_offline,
                "description": info.description,
            })
    return rows


def _failed_plugins(registry: Any) -> list[Any]:
    return [r for r in registry.plugins.values() if r.state in ("failed", "refused")]


@click.command("targets")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--deep", is_flag=True,
              help="Probe with the vendor SDKs (slower; imports them). Default: a quick look at "
                   "installed packages and device nodes.")
def targets_cmd(as_json: bool, deep: bool) -> None:
    """Every target and variant: plugin, availability here and why, devices found."""
    from hwsdk.registry import get_registry

    registry = get_registry()
    rows = _target_rows(registry, deep=deep)
    failed = _failed_plugins(registry)
    if as_json:
        click.echo(json.dumps({"targets": rows, "failed_plugins": [
            {"plugin": r.name, "distribution": r.distribution, "version": r.version,
             "state": r.state, "error": r.error} for r in failed]}, indent=2))
        return
    table = [["target", "vendor", "plugin", "available", "devices / why not"]]
    for row in rows:
        why = ", ".join(row["devices"]) if row["available"] else row["reason"]
        marker = " *" if row["default"] and ":" in row["target"] else ""
        table.append([row["target"] + marker, row["vendor"],
                      f"{row['distribution']} {row['version']}".strip(),
                      "yes" if row["available"] else "no", why or "-"])
    click.echo(render_table(table))
    if any(row["default"] and ":" in row["target"] for row in rows):
        click.echo("* the variant the bare target name means")
    _report_failed_plugins(registry)


def _dtype(value: str | None) -> Any:
    if value is None:
        return None
    from hwsdk.ir.dtypes import DType

    try:
        return DType(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a dtype; one of {', '.join(d.value for d in DType)}",
            param_hint="--dtype") from None


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split("_") if part)


def resolve_op_name(op: str) -> str:
    """The core op ``op`` means: itself, the op an ATen name maps to (``bmm``, ``view``,
    ``aten.conv2d.default``), or the one whose initials it is (``sdpa``); a note on stderr
    says which when it is not ``op`` itself.

    :raises click.BadParameter: for anything else, with the closest op names.
    """
    import difflib

    from hwsdk.ir.opdef import all_ops, aten_map

    known = sorted(o.name for o in all_ops())
    if op in known:
        return op
    key = op.strip().lower().removeprefix("torch.ops.").removeprefix("aten.")
    via_aten = {core for overload, core in aten_map().items()
                if key in (overload.removeprefix("aten."), overload.split(".")[1].lstrip("_"))}
    via_initials = {name for name in known if "_" in name and _initials(name) == key}
    candidates = sorted((via_aten or via_initials) | ({key} & set(known)))
    if len(candidates) == 1:
        click.echo(f"note: --op {op} means the core op {candidates[0]}", err=True)
        return candidates[0]
    close = candidates or difflib.get_close_matches(key, known, n=3)
    if not close:
        close = [name for name in known if key and key in name][:3]
    raise click.BadParameter(
        f"{op!r} is not a core op (docs/ops.md lists them)"
        + (f"; did you mean {', '.join(close)}?" if close else ""), param_hint="--op")


def _constraints(entry: dict[str, Any]) -> str:
    return "; ".join(c["description"] for c in entry["constraints"]) or "-"


@click.command("caps")
@click.option("--target", "-t", help="A target or target:variant (default: all of them).")
@click.option("--op", help="One core op (e.g. linear); with no --target: a matrix over targets.")
@click.option("--dtype", help="Only this dtype (f32, f16, bf16, i64 …).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def caps_cmd(target: str | None, op: str | None, dtype: str | None, as_json: bool) -> None:
    """The capability registry: per target, ops, dtypes (yes/no/unknown), constraints,
    provenance."""
    from hwsdk.capability_cache import capability_views
    from hwsdk.registry import get_registry

    registry = get_registry()
    wanted = _dtype(dtype)
    refs = [registry.canonical(target)] if target else target_refs(registry)
    # one plugin's broken table must not hide the others': report it and show the rest
    # (a target asked for by name has no "rest": its error is the answer)
    failures: dict[str, Any] = {}
    tables = capability_views(registry, refs, failures=None if target else failures)
    refs = [ref for ref in refs if ref in tables]
    if op is not None and not any(op in t["ops"] for t in tables.values()):
        op = resolve_op_name(op)
    if as_json:
        out = {}
        for ref, view in tables.items():
            data = dict(view)
            if op is not None:
                data["ops"] = {k: v for k, v in data["ops"].items() if k == op}
            if wanted is not None:
                data["ops"] = {k: {**v, "dtypes": {d: s for d, s in v["dtypes"].items()
                                                   if d == wanted.value}}
                               for k, v in data["ops"].items()}
            out[ref] = data
        click.echo(json.dumps(out, indent=2))
        _report_failed_plugins(registry, err=True)
        return
    if target is None and op is None:
        click.echo(_overview(tables, wanted))
    elif target is None:
        click.echo(_op_matrix(tables, str(op), wanted))
    else:
        click.echo(_target_table(refs[0], tables[refs[0]], op, wanted))
    if target is None:
        _report_failed_plugins(registry)


def _report_failed_plugins(registry: Any, err: bool = False) -> None:
    """One line per failed or refused plugin (its targets are left out of the answer)."""
    for record in _failed_plugins(registry):
        click.echo(f"plugin {record.name} ({record.distribution} {record.version}) "
                   f"{record.state}: {record.error} (see `hwsdk doctor`)", err=err)


def _overview(tables: dict[str, dict[str, Any]], wanted: Any) -> str:
    rows = [["target", "version", "ops", f"ops with {wanted} yes" if wanted else "dtypes",
             "provenance"]]
    for ref, table in tables.items():
        ops = table["ops"].values()
        if wanted is not None:
            third = str(sum(1 for e in ops if e["dtypes"].get(wanted) == "yes"))
        else:
            third = ",".join(sorted({d for e in ops for d, s in e["dtypes"].items()
                                     if s == "yes"}))
        rows.append([ref, table["version"], str(len(table["ops"])), third or "-",
                     "; ".join(p["source"] for p in table["provenance"])])
    return render_table(rows) + "\n(`hwsdk caps --target T` for one table, `--op OP` for a " \
                                "matrix)"


def _dtypes_in(entries: Any, wanted: Any) -> list[str]:
    """``wanted`` alone, or every dtype some entry mentions, in the IR's dtype order."""
    from hwsdk.ir.dtypes import DType

    if wanted is not None:
        return [str(wanted)]
    return [d.value for d in DType if any(d.value in e["dtypes"] for e in entries)]


def _op_matrix(tables: dict[str, dict[str, Any]], op: str, wanted: Any) -> str:
    dtypes = _dtypes_in([t["ops"][op] for t in tables.values() if op in t["ops"]], wanted)
    rows = [["target", *dtypes, "constraints"]]
    for ref, table in tables.items():
        entry = table["ops"].get(op)
        if entry is None:
            rows.append([ref, *(["no"] * len(dtypes)), "no kernel"])
            continue
        rows.append([ref, *[entry["dtypes"].get(d, "unknown") for d in dtypes],
                     _constraints(entry)])
    return f"{op} across targets:\n" + render_table(rows)


def _target_table(ref: str, table: dict[str, Any], op: str | None, wanted: Any) -> str:
    ops = {k: v for k, v in sorted(table["ops"].items()) if op is None or k == op}
    dtypes = _dtypes_in(ops.values(), wanted)
    lines = [f"{ref}: capability table version {table['version']}, "
             f"op set {table['opset_version']}"]
    for p in table["provenance"]:
        lines.append(f"  source: {p['source']} {p['version']} {p['url_or_repo_path']} "
                     f"{p['retrieved']}".rstrip())
    if table["constraints"]:
        lines.append("  every op: " + "; ".join(c["description"] for c in table["constraints"]))
    if table["note"]:
        lines.append(f"  note: {table['note']}")
    rows = [["op", *dtypes, "constraints"]]
    for name, entry in ops.items():
        rows.append([name, *[entry["dtypes"].get(d, "unknown") for d in dtypes],
                     _constraints(entry)])
    if op is not None and not ops:
        lines.append(f"  {op}: no (not in the table)")
    else:
        lines.append(render_table(rows))
    return "\n".join(lines)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@click.command("doctor")
@click.option("--strict", is_flag=True, help="Exit 1 when any plugin failed to load.")
def doctor_cmd(strict: bool) -> int:
    """Plugin load states with root causes, package versions, and what each target found."""
    from hwsdk import __version__
    from hwsdk.registry import get_registry

    registry = get_registry()
    registry.validate_all()
    click.echo(f"hwsdk {__version__}, Python {platform.python_version()} on "
               f"{platform.system()} {platform.machine()}")
    click.echo("packages: " + ", ".join(f"{p} {_version(p)}" for p in VERSIONED_PACKAGES))
    click.echo("plugins:")
    bad = 0
    for record in registry.plugins.values():
        state = {"loaded": "PASS", "disabled": "SKIP"}.get(record.state, "FAIL")
        bad += state == "FAIL"
        dist = f"{record.distribution} {record.version}".strip() or "?"
        line = f"  {state:<4} {record.name:<12} {dist:<28} {record.value}"
        if record.ok:
            line += f" -> {', '.join(record.targets)}"
        click.echo(line)
        if not record.ok:
            click.echo(f"       {record.state}: {record.error}")
            last = [ln for ln in record.traceback.strip().splitlines() if ln.strip()]
            if last and last[-1] != "NoneType: None":
                click.echo(f"       root cause: {last[-1].strip()}")
    click.echo("targets:")
    for ref in target_refs(registry):
        try:
            probe = registry.probe(ref)
        except Exception as exc:  # a target of a plugin failed above
            click.echo(f"  {ref:<20} probe failed: {exc}")
            continue
        found = ", ".join(probe.devices) or "no device"
        versions = ", ".join(f"{k} {v}" for k, v in probe.versions.items())
        state = "available" if probe.available else f"unavailable: {probe.reason}"
        click.echo(f"  {ref:<20} {state}; {found}" + (f"; {versions}" if versions else ""))
    return 1 if strict and bad else 0
