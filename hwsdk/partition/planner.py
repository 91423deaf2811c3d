"""Planning's entry point: resolve the requested targets, assign every node, cut regions and
build the :class:`~hwsdk.partition.plan.PartitionPlan` (nothing is compiled).

The facade :mod:`hwsdk.api`, the CLI, the conformance kit and the torch.compile backend all
plan through :func:`plan_graph`.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from hwsdk.errors import InvalidArgumentError, PluginLoadError, UnsupportedOpsError
from hwsdk.partition.assign import FALLBACK, assign
from hwsdk.partition.plan import ASSUME_UNKNOWN, PartitionPlan
from hwsdk.partition.regions import cut_regions
from hwsdk.registry import Registry, get_registry

__all__ = ["plan_graph", "resolve_targets", "check_options", "normalize_fallback_ops",
           "raise_if_not_full"]


def resolve_targets(target: str | Sequence[str], registry: Registry
                    ) -> tuple[list[str], list[str], dict[str, Any]]:
    """Expand ``auto`` and canonicalize: (requested, preference list without torch,
    availability per target).

    :raises InvalidArgumentError: when ``target`` is neither a name nor a list of names.
    """
    requested = [target] if isinstance(target, str) else (
        list(target) if isinstance(target, (list, tuple)) else [])
    if not requested or not all(isinstance(t, str) for t in requested):
        raise InvalidArgumentError(
            f"target must be a name or a list of names, got {target!r}; see `hwsdk targets`")
    prefs: list[str] = []
    availability: dict[str, Any] = {}
    for ref in requested:
        if ref == "auto":
            _add_auto(registry, prefs, availability)
            continue
        canonical = registry.canonical(ref)
        if canonical == FALLBACK or canonical in prefs:
            continue
        availability[canonical] = registry.probe(canonical).to_dict()
        prefs.append(canonical)
    return requested, prefs, availability


def _add_auto(registry: Registry, prefs: list[str], availability: dict[str, Any]) -> None:
    """Append every available target by priority (``auto``)."""
    for info in registry.ordered_targets():
        if info.name == FALLBACK or info.name in prefs:
            continue
        canonical = registry.canonical(info.name)
        found = availability[canonical] = registry.probe(info.name).to_dict()
        if found["available"]:
            try:  # a broken table drops this target from auto, not the compile
                registry.capabilities(canonical)
            except PluginLoadError as exc:
                found.update(available=False, reason=str(exc).splitlines()[0])
                continue
            prefs.append(canonical)


def check_options(options: Mapping[str, Any], prefs: Sequence[str], registry: Registry) -> None:
    """Refuse compile options no chosen target declares.

    :raises InvalidArgumentError: naming the unknown options and those the targets accept.
    """
    known: set[str] = set()
    for ref in prefs:
        info, _ = registry.resolve(ref)
        known.update(info.options)
    unknown = sorted(set(options) - known)
    if unknown:
        raise InvalidArgumentError(
            f"compile option(s) {unknown} are not understood by target(s) "
            f"{', '.join(prefs) or 'torch'}; they accept: {', '.join(sorted(known)) or 'none'}"
        )


def normalize_fallback_ops(fallback_ops: Any) -> list[str]:
    """``fallback_ops`` as a list of names: core op names, ``torch_op`` or ATen overloads.

    :raises InvalidArgumentError: for a name that is neither, with the closest op names.
    """
    from hwsdk.ir.opdef import TORCH_OP, all_ops

    if isinstance(fallback_ops, str):
        fallback_ops = [fallback_ops]
    if not isinstance(fallback_ops, Collection) or not all(
            isinstance(n, str) for n in fallback_ops):
        raise InvalidArgumentError(
            f"fallback_ops must be a list of op names, got {fallback_ops!r}")
    known = {op.name for op in all_ops()} | {TORCH_OP}
    for name in fallback_ops:
        if name not in known and name.count(".") != 2:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise InvalidArgumentError(
                f"fallback_ops entry {name!r} is neither a core op (docs/ops.md) nor an ATen "
                f"overload like 'aten.gelu.default'; {hint}")
    return sorted(set(fallback_ops))


def plan_graph(captured: Any, target: str | Sequence[str] = "auto", *, min_block_size: int = 1,
               fallback_ops: Collection[str] = (), options: Mapping[str, Any] | None = None,
               registry: Registry | None = None, model_name: str = "",
               assume_unknown: str = "fallback", notes: Sequence[str] = ()) -> PartitionPlan:
    """Assign and partition a captured graph (no compilation).

    :param captured: what :func:`hwsdk.ir.capture.capture` returned.
    :param target: a target reference, ``"auto"``, or a list in preference order.
    :param assume_unknown: how reports count undocumented ops (:data:`ASSUME_UNKNOWN`).
    :param notes: plan-wide remarks to record.
    :raises InvalidArgumentError: for a bad ``min_block_size``, ``assume_unknown``, target,
        option or ``fallback_ops`` entry.
    """
    if not isinstance(min_block_size, int) or min_block_size < 1:
        raise InvalidArgumentError(f"min_block_size must be an int >= 1, got {min_block_size!r}")
    if assume_unknown not in ASSUME_UNKNOWN:
        raise InvalidArgumentError(
            f"assume_unknown={assume_unknown!r} is not one of {list(ASSUME_UNKNOWN)}; pass "
            "'runs' for the optimistic bound or leave the default 'fallback'")
    reg = registry or get_registry()
    requested, prefs, availability = resolve_targets(target, reg)
    options = dict(options or {})
    check_options(options, prefs, reg)
    tables = {ref: reg.capabilities(ref) for ref in prefs}
    graph = captured.graph
    fallback_ops = normalize_fallback_ops(fallback_ops)
    assignments = assign(graph, prefs, tables, check=reg.check, fallback_ops=set(fallback_ops))
    placement = {node_id: a.target for node_id, a in assignments.items()}
    cuts, folded = cut_regions(graph, placement, FALLBACK, min_block_size)
    return PartitionPlan.build(graph, requested, [*prefs, FALLBACK], cuts, assignments, folded,
                               min_block_size, options={**options,
                                                        "min_block_size": min_block_size,
                                                        "fallback_ops": sorted(fallback_ops)},
                               availability=availability, model_name=model_name,
                               assume_unknown=assume_unknown, notes=tuple(notes))


def raise_if_not_full(plan: PartitionPlan) -> None:
    """Refuse a plan that leaves nodes in PyTorch (``require_full=True``).

    :raises UnsupportedOpsError: listing every such node with its reason.
    """
    missing = [(nid, info) for nid, info in plan.nodes.items() if info.target == FALLBACK]
    if not missing:
        return
    nodes = plan.graph.node_by_id()
    lines = [f"  {nid} {nodes[nid].op} ({nodes[nid].source.module_path or '-'}): "
             f"[{info.code.value}] {info.reason}" for nid, info in missing]
    raise UnsupportedOpsError(
        f"require_full=True, but {len(missing)} of {len(plan.nodes)} nodes cannot run on "
        f"{', '.join(plan.targets[:-1]) or 'the requested target'}:\n" + "\n".join(lines)
        + "\nDrop require_full to let them fall back to PyTorch, or pick another target."
    )
