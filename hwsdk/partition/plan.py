"""Step 3 of partitioning: the PartitionPlan, the one record of what runs where and why.

Every report (text, JSON, DOT, HTML) and the runtime read placement from the plan alone.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hwsdk.capability import ReasonCode
from hwsdk.ir.graph import Graph
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.partition.assign import FALLBACK, Assignment
from hwsdk.partition.gcpause import gc_paused
from hwsdk.partition.regions import RegionCut

__all__ = ["PLAN_SCHEMA_VERSION", "RegionInfo", "PartitionPlan", "NodeInfo", "canonical_details",
           "SUPPORT_LEVELS", "ASSUME_UNKNOWN", "rounded_shares"]

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
    if isinstance(value, dict):
        return {str(k): canonical_details(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [canonical_details(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical_details(v) for v in value), key=repr)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class RegionInfo:
    """A region as the plan records it. ``status``: planned, compiled, fallback or
    compile_failed."""

    id: str
    target: str
    node_ids: list[str]
    inputs: list[str]
    outputs: list[str]
    params: list[str]
    status: str = "planned"
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_fallback(self) -> bool:
        return self.target == FALLBACK

    def to_dict(self, graph: Graph) -> dict[str, Any]:
        def boundary(name: str) -> dict[str, Any]:
            t = graph.types[name]
            return {"name": name, "type": str(t), "bytes": t.nbytes()}

        return {
            "id": self.id, "target": self.target, "status": self.status, "reason": self.reason,
            "nodes": self.node_ids, "inputs": [boundary(v) for v in self.inputs],
            "outputs": [boundary(v) for v in self.outputs], "params": len(self.params),
            "details": canonical_details(self.details),
        }


@dataclass
class NodeInfo:
    """Where one node went and why."""

    target: str
    region: str
    code: ReasonCode
    reason: str


@dataclass
class PartitionPlan:
    """Regions, every node's placement and verdicts, and the summary numbers."""

    graph: Graph
    requested: list[str]
    targets: list[str]
    regions: list[RegionInfo]
    nodes: dict[str, NodeInfo]
    verdicts: dict[str, Assignment]
    options: dict[str, Any] = field(default_factory=dict)
    availability: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_name: str = ""
    notes: list[str] = field(default_factory=list)
    assume_unknown: str = "fallback"

    @classmethod
    def build(cls, graph: Graph, requested: list[str], targets: list[str],
              cuts: list[RegionCut], assignments: dict[str, Assignment], folded: set[str],
              min_block_size: int, **extra: Any) -> PartitionPlan:
        """Record the regions of ``cuts`` and every node's placement and reason."""
        with gc_paused():
            return cls._build(graph, requested, targets, cuts, assignments, folded,
                              min_block_size, **extra)

    @classmethod
    def _build(cls, graph: Graph, requested: list[str], targets: list[str],
               cuts: list[RegionCut], assignments: dict[str, Assignment], folded: set[str],
               min_block_size: int, **extra: Any) -> PartitionPlan:
        regions = [RegionInfo(f"r{i}", c.target, c.node_ids, c.inputs, c.outputs, c.params)
                   for i, c in enumerate(cuts)]
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
        for region in regions:
            if region.is_fallback:
                region.status = "fallback"
        return cls(graph=graph, requested=requested, targets=targets, regions=regions,
                   nodes=nodes, verdicts=assignments, **extra)

    # -- derived numbers --------------------------------------------------------------------------

    def mark_compile_failed(self, region: RegionInfo, message: str) -> None:
        """Record that ``region`` failed to compile; its nodes now run in PyTorch."""
        region.status, region.reason = "compile_failed", message
        for node_id in region.node_ids:
            self.nodes[node_id] = NodeInfo(FALLBACK, region.id, ReasonCode.COMPILE_FAILED,
                                           f"{region.target} failed to compile this region: "
                                           f"{message}")

    def runs_on(self, node_id: str) -> str:
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
        regions of different effective targets (a compile failure runs in PyTorch). Graph
        inputs and params are not crossings: no region produces them."""
        region_target = {r.id: self._effective_target(r) for r in self.regions}
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
        """Bytes of the values counted by :meth:`boundary_crossings`; None when one of them
        has a symbolic shape."""
        return self._bytes_of(self.crossing_values())

    def _bytes_of(self, crossings: list[tuple[str, str, str]]) -> int | None:
        total = 0
        for name, _src, _dst in crossings:
            n = self.graph.types[name].nbytes()
            if n is None:
                return None
            total += n
        return total

    @staticmethod
    def _effective_target(region: RegionInfo) -> str:
        return FALLBACK if region.status == "compile_failed" else region.target

    def fallback_reasons(self) -> Counter[tuple[str, str]]:
        """(op, code) → count, for nodes that run in PyTorch."""
        nodes = self.graph.node_by_id()
        return Counter((nodes[i].op if nodes[i].op != "torch_op" else
                        nodes[i].attrs.get("target", "torch_op"), info.code.value)
                       for i, info in self.nodes.items() if info.target == FALLBACK)

    # -- output ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        from hwsdk import __version__

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
            "requested_targets": self.requested,
            "targets": self.targets,
            "options": canonical_details(self.options),
            "availability": canonical_details(self.availability),
            "summary": self.summary_dict(),
            "graph_inputs": self.graph.inputs,
            "graph_outputs": self.graph.outputs,
            "regions": [r.to_dict(self.graph) for r in self.regions],
            "nodes": nodes,
            "types": types,
            "notes": self.notes,
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
            "boundary_bytes": self._bytes_of(crossings),
            "fallback_nodes": sum(1 for i in self.nodes.values() if i.target == FALLBACK),
            "compile_failures": sum(1 for r in self.regions if r.status == "compile_failed"),
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
        from hwsdk.report.text import render_summary

        return render_summary(self)

    def __str__(self) -> str:
        return self.summary()
