"""Step 1 of partitioning: every node x every candidate target → Verdict; pick a target."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from hwsdk.capability import (
    CapabilityTable,
    ReasonCode,
    Verdict,
    judge,
    quantized_weight_verdict,
)
from hwsdk.contract import FALLBACK
from hwsdk.ir.graph import Graph, Node
from hwsdk.partition.gcpause import gc_paused

__all__ = ["Assignment", "assign", "FALLBACK"]

CheckHook = Callable[[str, Node, Graph], "Verdict | None"]


@dataclass
class Assignment:
    """Where one node goes, why, and every candidate target's verdict."""

    target: str
    code: ReasonCode
    reason: str
    verdicts: list[Verdict]


def _user_fallback(node: Node, fallback_ops: Collection[str]) -> bool:
    if not fallback_ops:
        return False
    return node.op in fallback_ops or (bool(node.source.aten) and node.source.aten in
                                       fallback_ops) or node.attrs.get("target") in fallback_ops


def assign(graph: Graph, targets: Sequence[str], tables: dict[str, CapabilityTable],
           check: CheckHook | None = None,
           fallback_ops: Collection[str] = ()) -> dict[str, Assignment]:
    """Assign each node to the first target in preference order whose verdict is ok.

    :param targets: canonical target references in preference order (``torch`` excluded).
    :param tables: capability table per target.
    :param check: the plugins' ``hwsdk_check`` for nodes a table accepts.
    :param fallback_ops: op names or ATen overloads forced to PyTorch.
    :returns: node id → Assignment; unassigned nodes go to ``torch`` with the most preferred
        target's reason.
    """
    with gc_paused():
        return _assign(graph, targets, tables, check, fallback_ops)


def _assign(graph: Graph, targets: Sequence[str], tables: dict[str, CapabilityTable],
            check: CheckHook | None, fallback_ops: Collection[str]) -> dict[str, Assignment]:
    result: dict[str, Assignment] = {}
    producers = graph.producers()
    for node in graph.nodes:
        verdicts: list[Verdict] = []
        chosen: Verdict | None = None
        chosen_target = FALLBACK
        if _user_fallback(node, fallback_ops):
            reason = f"{node.op} is in fallback_ops, so it runs in PyTorch"
            result[node.id] = Assignment(FALLBACK, ReasonCode.USER_FALLBACK, reason, [])
            continue
        for target in targets:
            verdict = judge(tables[target], node, graph)
            if verdict.ok:
                verdict = quantized_weight_verdict(tables[target], node, graph,
                                                   producers) or verdict
            if verdict.ok and check is not None:
                verdict = check(target, node, graph) or verdict
            verdicts.append(verdict)
            if verdict.ok:
                chosen, chosen_target = verdict, target
                break
        if chosen is not None:
            result[node.id] = Assignment(chosen_target, ReasonCode.SUPPORTED, chosen.reason,
                                         verdicts)
        elif verdicts:
            first = verdicts[0]
            result[node.id] = Assignment(FALLBACK, first.code, first.reason, verdicts)
        else:
            result[node.id] = Assignment(FALLBACK, ReasonCode.FALLBACK,
                                         "PyTorch is the only target requested", [])
    return result
