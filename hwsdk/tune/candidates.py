"""Step 1 of tuning: the candidate assignments for a graph.

A candidate is a target preference list that planning (:func:`~hwsdk.partition.planner.
plan_graph`) turns into a whole-model plan: each requested available target alone (its
unsupported nodes in PyTorch), the requested order itself (what tuning off gives), and
PyTorch alone. Every candidate is a complete plan, so region boundaries never have to line
up between candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.partition.assign import FALLBACK
from hwsdk.registry import Registry

__all__ = ["Candidate", "candidates", "options_for"]


@dataclass(frozen=True)
class Candidate:
    """One assignment to measure: ``name`` as reports show it, ``prefs`` as planning takes
    it (empty: PyTorch alone)."""

    name: str
    prefs: tuple[str, ...]


def candidates(prefs: Sequence[str]) -> list[Candidate]:
    """Each target of ``prefs`` alone, then ``prefs`` in order when it has more than one,
    then PyTorch; ``prefs`` is the resolved preference list without PyTorch."""
    found = [Candidate(ref, (ref,)) for ref in prefs]
    if len(prefs) > 1:
        found.append(Candidate(">".join(prefs), tuple(prefs)))
    found.append(Candidate(FALLBACK, ()))
    return found


def options_for(candidate: Candidate, options: Mapping[str, Any],
                registry: Registry) -> tuple[dict[str, Any], list[str]]:
    """(the options a candidate's targets declare, the names of those they do not): planning
    refuses an option no chosen target declares."""
    known: set[str] = set()
    for ref in candidate.prefs:
        info, _ = registry.resolve(ref)
        known.update(info.options)
    kept = {k: v for k, v in options.items() if k in known}
    return kept, sorted(set(options) - known)
