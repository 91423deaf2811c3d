"""Step 3 of partitioning: the PartitionPlan, the one record of what runs where and why.

Every report (text, JSON, DOT, HTML) and the runtime read placement from the plan alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from hwsdk._version import __version__
from hwsdk.capability import ReasonCode
from hwsdk.ir.graph import Graph
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.partition.assign import FALLBACK, Assignment
from hwsdk.partition.gcpause import gc_paused
from hwsdk.partition.regions import RegionCut
from hwsdk.partition.summary import display_op

__all__ = ["PLAN_SCHEMA_VERSION", "RegionInfo", "RegionStatus", "RegionResult", "Transfer",
           "PartitionPlan", "NodeInfo", "canonical_details", "SUPPORT_LEVELS", "ASSUME_UNKNOWN",
           "rounded_shares"]

PLAN_SCHEMA_VERSION = 1
SUPPORT_LEVELS = ("runs", "unknown", "no")
"""How a node stands on the requested targets: ``runs`` (placed on one, its support
documented), ``unknown`` (kept in PyTorch because no source says either way), ``no`` (a
documented no, no kernel, a constraint, or kept in PyTorch by a setting or a compile failure)."""
ASSUME_UNKNOWN = ("fallback", "runs")
"""``explain(assume_unknown=...)``: ``fallback`` reports only what is certain; ``runs`` adds the
optimistic bound "up to N % if the undocumented ops work" (placement is unchanged)."""


def rounded_shares(counts: dict[str, int], scale: int) -> dict[str, int]:
    """Split ``scale`` units over ``counts`` in proportion, rounding once (largest remainder),
    so the parts add up to ``scale`` exactly: ``rounded_shares({"a": 127, "b": 2}, 1000)`` →
    ``{"a": 984, "b": 16}`` (tenths of a percent)."""
    total = sum(counts.values())
    if total == 0:
        return {k: 0 for k in counts}
    exact = {k: n * scale / total for k, n in counts.items()}
    shares = {k: int(v) for k, v in exact.items()}
    short = scale - sum(shares.values())
    for k in sorted(counts, key=lambda k: (-(exact[k] - shares[k]), k))[:short]:
        shares[k] += 1
    return shares


def canonical_details(value: Any) -> Any:
    """A plugin's ``details`` in a deterministic JSON-able form: dict keys sorted, sets sorted,
    tuples as lists, anything else that JSON cannot hold as ``str``."""
    if isinstance(value, Mapping):
        return {str(k): canonical_details(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [canonical_details(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical_details(v) for v in value), key=repr)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class RegionStatus(StrEnum):
    """What became of a region: ``planned`` (explain: not compiled), ``compiled``, ``fallback``
    (a PyTorch region) or ``compile_failed`` (its plugin failed; it runs in PyTorch)."""

    PLANNED = "planned"
    COMPILED = "compiled"
    FALLBACK = "fallback"
    COMPILE_FAILED = "compile_failed"


@dataclass(frozen=True)
class Transfer:
    """One value the runtime moves on every call: from the device it is produced on (or the
    inputs' device) to the device a region reads it on, or back for a model output."""

    value: str
    source: str
    dest: str
    nbytes: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "from": self.source, "to": self.dest, "bytes": self.nbytes}


@dataclass(frozen=True)
class RegionResult:
    """What compiling one region gave, recorded beside the plan (:meth:`PartitionPlan.
    with_results`): its status, the failure's message, the plugin's details and the device
    its inputs and outputs live on."""

    status: RegionStatus
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    device: str | None = None


@dataclass(frozen=True)
class RegionInfo:
    """A region as the plan records it: what planning decided (target, nodes, boundary) and,
    once compiled, the result (status, reason, details, device)."""

    id: str
    target: str
    node_ids: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: tuple[str, ...]
    status: RegionStatus = RegionStatus.PLANNED
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    device: str | None = None
    """Where its inputs arrive and its outputs leave once compiled; None before."""

    @property
    def is_fallback(self) -> bool:
        """Planned for PyTorch (a compile failure is not: see :attr:`runs_on`)."""
        return self.target == FALLBACK

    @property
    def runs_on(self) -> str:
        """The target that runs it: a region whose compile failed runs in PyTorch."""
        return FALLBACK if self.status is RegionStatus.COMPILE_FAILED else self.target

    def to_dict(self, graph: Graph) -> dict[str, Any]:
        return {
            "id": self.id, "target": self.target, "status": self.status.value,
            "reason": self.reason, "device": self.device, "nodes": list(self.node_ids),
            "inputs": [_boundary(graph, v) for v in self.inputs],
            "outputs": [_boundary(graph, v) for v in self.outputs], "params": len(self.params),
            "details": canonical_details(self.details),
        }


def _boundary(graph: Graph, name: str) -> dict[str, Any]:
    t = graph.types[name]
    return {"name": name, "type": str(t), "bytes": t.nbytes()}


@dataclass(frozen=True)
class NodeInfo:
    """Where one node runs and why."""

    target: str
    region: str
    code: ReasonCode
    reason: str


@dataclass(frozen=True)
class PartitionPlan:
    """Regions, every node's placement and verdicts, and the summary numbers.

    Immutable: planning builds it (:meth:`build`), compiling records its results in a new plan
    (:meth:`with_results`); ``dataclasses.replace`` makes a renamed copy.
    """

    graph: Graph
    requested: tuple[str, ...]
    targets: tuple[str, ...]
    regions: tuple[RegionInfo, ...]
    nodes: Mapping[str, NodeInfo]
    verdicts: Mapping[str, Assignment]
    options: Mapping[str, Any] = field(default_factory=dict)
    availability: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    model_name: str = ""
    notes: tuple[str, ...] = ()
    assume_unknown: str = "fallback"
    transfers: tuple[Transfer, ...] | None = None
    """Every value the runtime moves per call (:class:`Transfer`); None until compiled."""

    @classmethod
    def build(cls, graph: Graph, requested: Sequence[str], targets: Sequence[str],
              cuts: list[RegionCut], assignments: dict[str, Assignment], folded: set[str],
              min_block_size: int, **extra: Any) -> PartitionPlan:
        """Record the regions of ``cuts`` and every node's placement and reason."""
        with gc_paused():
            return cls._build(graph, requested, targets, cuts, assignments, folded,
                              min_block_size, **extra)

    @classmethod
    def _build(cls, graph: Graph, requested: Sequence[str], targets: Sequence[str],
               cuts: list[RegionCut], assignments: dict[str, Assignment], folded: set[str],
               min_block_size: int, **extra: Any) -> PartitionPlan:
        regions = tuple(
            RegionInfo(f"r{i}", c.target, tuple(c.node_ids), tuple(c.inputs), tuple(c.outputs),
                       tuple(c.params), RegionStatus.FALLBACK if c.target == FALLBACK
                       else RegionStatus.PLANNED)
            for i, c in enumerate(cuts))
        nodes: dict[str, NodeInfo] = {}
        for region in regions:
            for node_id in region.node_ids:
                a = assignments[node_id]
                if node_id in folded:
                    code, reason = ReasonCode.BLOCK_TOO_SMALL, (
                        f"{a.target} could run it, but its block has fewer than "
                        f"min_block_size={min_block_size} nodes, so it stays in PyTorch")
                else:
                    code, reason = a.code, a.reason
                nodes[node_id] = NodeInfo(region.target, region.id, code, reason)
        if "notes" in extra:
            extra["notes"] = tuple(extra["notes"])
        return cls(graph=graph, requested=tuple(requested), targets=tuple(targets),
                   regions=regions, nodes=MappingProxyType(nodes),
                   verdicts=MappingProxyType(dict(assignments)), **extra)

    def with_results(self, results: Mapping[str, RegionResult],
                     transfers: Sequence[Transfer] | None = None) -> PartitionPlan:
        """A new plan with the compile ``results`` (region id → :class:`RegionResult`) and the
        runtime's ``transfers`` (None: keep this plan's) recorded; the nodes of a failed region
        run in PyTorch."""
        regions = tuple(
            replace(r, status=res.status, reason=res.reason, details=dict(res.details),
                    device=res.device) if (res := results.get(r.id)) is not None else r
            for r in self.regions)
        nodes = dict(self.nodes)
        for region in regions:
            if region.runs_on == region.target:
                continue
            for node_id in region.node_ids:
                nodes[node_id] = NodeInfo(region.runs_on, region.id, ReasonCode.COMPILE_FAILED,
                                          f"{region.target} failed to compile this region: "
                                          f"{region.reason}")
        return replace(self, regions=regions, nodes=MappingProxyType(nodes),
                       transfers=self.transfers if transfers is None else tuple(transfers))

    # -- derived numbers --------------------------------------------------------------------------

    def runs_on(self, node_id: str) -> str:
        """The target that runs node ``node_id``."""
        return self.nodes[node_id].target

    def coverage(self) -> dict[str, float]:
        """Fraction of nodes that run on each target (compile failures count as torch)."""
        total = max(len(self.nodes), 1)
        counts = Counter(info.target for info in self.nodes.values())
        return {t: counts[t] / total for t in sorted(counts)}

    def coverage_counts(self) -> dict[str, int]:
        """Nodes that run on each target (compile failures count as torch)."""
        counts = Counter(info.target for info in self.nodes.values())
        return {t: counts[t] for t in sorted(counts)}

    def support_level(self, node_id: str) -> str:
        """One of :data:`SUPPORT_LEVELS` for one node."""
        info = self.nodes[node_id]
        if info.target != FALLBACK or info.code is ReasonCode.SUPPORTED:
            return "runs"
        return "unknown" if info.code is ReasonCode.UNKNOWN else "no"

    def support_counts(self) -> dict[str, int]:
        """Nodes per :data:`SUPPORT_LEVELS` entry (they add up to the node count)."""
        counts = Counter(self.support_level(n) for n in self.nodes)
        return {level: counts[level] for level in SUPPORT_LEVELS}

    def crossing_values(self) -> list[tuple[str, str, str]]:
        """(value, producing region id, consuming region id) for every value that moves between
        regions run by different targets. Graph inputs and params are not crossings: no region
        produces them."""
        region_target = {r.id: r.runs_on for r in self.regions}
        producer_region: dict[str, str] = {}
        for region in self.regions:
            for out in region.outputs:
                producer_region[out] = region.id
        result = []
        for region in self.regions:
            for name in region.inputs:
                src = producer_region.get(name)
                if src is not None and region_target[src] != region_target[region.id]:
                    result.append((name, src, region.id))
        return result

    def boundary_crossings(self) -> int:
        """Number of values that move between regions of different targets (a value read by
        two such regions counts twice)."""
        return len(self.crossing_values())

    def boundary_bytes(self) -> int | None:
        """Bytes moved between devices per call: once compiled, those of :attr:`transfers`;
        before (``explain``), those of :meth:`crossing_values`, as if every target kept values
        on a device of its own. None when one of them has a symbolic shape."""
        if self.transfers is not None:
            sizes = [t.nbytes for t in self.transfers]
        else:
            sizes = [self.graph.types[name].nbytes() for name, _, _ in self.crossing_values()]
        return None if None in sizes else sum(n for n in sizes if n is not None)

    def fallback_reasons(self) -> Counter[tuple[str, str]]:
        """(op, code) → count, for nodes that run in PyTorch."""
        nodes = self.graph.node_by_id()
        return Counter((display_op(nodes[i].op, nodes[i].attrs.get("target")), info.code.value)
                       for i, info in self.nodes.items() if info.target == FALLBACK)

    # -- output ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        nodes = []
        for node in self.graph.nodes:
            info = self.nodes[node.id]
            verdicts = self.verdicts[node.id].verdicts
            nodes.append({
                "id": node.id, "op": node.op, "aten": node.source.aten,
                "module": node.source.module_path, "module_type": node.source.module_type,
                "source": node.source.location(), "inputs": node.inputs, "outputs": node.outputs,
                "target": info.target, "region": info.region, "code": info.code.value,
                "reason": info.reason,
                "verdicts": [{"target": v.target, "ok": v.ok, "code": v.code.value,
                              "reason": v.reason} for v in verdicts],
            })
        params = set(self.graph.params)
        types = {name: str(t) for name, t in sorted(self.graph.types.items())
                 if name not in params}
        return {
            "schema": "hwsdk.partition-plan",
            "schema_version": PLAN_SCHEMA_VERSION,
            "hwsdk_version": __version__,
            "opset_version": OPSET_VERSION,
            "model": self.model_name,
            "requested_targets": list(self.requested),
            "targets": list(self.targets),
            "options": canonical_details(self.options),
            "availability": canonical_details(self.availability),
            "summary": self.summary_dict(),
            "graph_inputs": self.graph.inputs,
            "graph_outputs": self.graph.outputs,
            "regions": [r.to_dict(self.graph) for r in self.regions],
            "nodes": nodes,
            "types": types,
            "notes": list(self.notes),
            "transfers": None if self.transfers is None else [t.to_dict() for t in self.transfers],
        }

    def summary_dict(self) -> dict[str, Any]:
        """The summary numbers. Every share is computed from counts and rounded once, so the
        parts add up: ``coverage`` (fractions, 4 places), ``coverage_percent`` and
        ``support_percent`` (percent, 1 place); ``optimistic_percent`` only with
        ``assume_unknown="runs"``."""
        counts = self.coverage_counts()
        support = self.support_counts()
        crossings = self.crossing_values()
        result: dict[str, Any] = {
            "nodes": len(self.nodes),
            "regions": len(self.regions),
            "coverage": {t: v / 10000 for t, v in rounded_shares(counts, 10000).items()},
            "coverage_counts": counts,
            "coverage_percent": {t: v / 10 for t, v in rounded_shares(counts, 1000).items()},
            "support": support,
            "support_percent": {k: v / 10 for k, v in rounded_shares(support, 1000).items()},
            "assume_unknown": self.assume_unknown,
            "boundary_crossings": len(crossings),
            "boundary_bytes": self.boundary_bytes(),
            "fallback_nodes": sum(1 for i in self.nodes.values() if i.target == FALLBACK),
            "compile_failures": sum(1 for r in self.regions
                                    if r.status is RegionStatus.COMPILE_FAILED),
        }
        if self.assume_unknown == "runs":
            bound = rounded_shares({"up": support["runs"] + support["unknown"],
                                    "rest": support["no"]}, 1000)
            result["optimistic_percent"] = bound["up"] / 10
        return result

    def coverage_line(self) -> str:
        """``runs on target 91.0 % (documented) · unknown 8.0 % · does not run 1.0 %``, plus
        the labelled optimistic bound with ``assume_unknown="runs"`` (every report shows it)."""
        s = self.summary_dict()
        pct, n = s["support_percent"], s["support"]
        line = (f"certain: runs on target {pct['runs']:.1f}% ({n['runs']} nodes, documented) · "
                f"unknown {pct['unknown']:.1f}% ({n['unknown']}, not documented either way) · "
                f"does not run {pct['no']:.1f}% ({n['no']})")
        if "optimistic_percent" in s:
            line += (f" · optimistic bound (assume_unknown='runs'): up to "
                     f"{s['optimistic_percent']:.1f}% if the undocumented ops work")
        return line

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON: versioned, key order fixed, the same for the same input."""
        return json.dumps(self.to_dict(), indent=indent, default=str)

    def summary(self) -> str:
        """A short text report: coverage, regions, every fallback with its reason."""
        from hwsdk.partition.summary import render_summary

        return render_summary(self)

    def __str__(self) -> str:
        return self.summary()
