"""The accumulation check: long float32 sums against an exact (float64) sum and eager.

The contract (docs/numerics.md): a target sums float32 with a cascade or pairwise order, like
PyTorch, so the error relative to ``sum(|x|)`` stays within ``2 * ceil(log2 n) * 2^-24`` — or
its region says otherwise in its compile details, ``details["accumulation"]["order"] ==
"sequential"`` (plain left-to-right adding), which allows ``n * 2^-24``. Nothing is silent: a
target that rounds like a sequential sum without declaring it fails.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.testing.checks import DEFAULT, Outcome, Settings, claimed, unavailable_reason

__all__ = ["LENGTHS", "BOUNDS", "bound", "check_accumulation"]

LENGTHS = (10**4, 10**5, 10**7)
"""Vector lengths summed (10^7 x 0.1 is the issue-13 reproduction; 10^4 fits one-pass rows)."""

_U = 2.0**-24  # float32 unit roundoff

BOUNDS = {"pairwise": "2 * ceil(log2 n) * 2^-24", "sequential": "n * 2^-24"}
"""Accumulation order → the documented bound on |sum - exact| / sum(|x|)."""


def bound(order: str, n: int) -> float:
    """The error bound of ``order`` (a key of :data:`BOUNDS`) for ``n`` terms."""
    if order == "sequential":
        return n * _U
    return 2 * math.ceil(math.log2(max(n, 2))) * _U


def _vectors(n: int) -> list[tuple[str, Any]]:
    import torch

    gen = torch.Generator().manual_seed(n)
    return [("0.1", torch.full((n,), 0.1, dtype=torch.float32)),
            ("uniform[0,1)", torch.rand(n, generator=gen, dtype=torch.float32))]


def check_accumulation(registry: Any, ref: str, settings: Settings = DEFAULT) -> Outcome:
    """float32 ``sum`` of long vectors on ``ref``: relative error vs float64 and vs eager,
    within the bound of the accumulation order its region declares (pairwise by default)."""
    from hwsdk.testing.case import Case, d
    from hwsdk.testing.graphs import compile_graph, one_node_graph

    if ("sum", DType.f32) not in claimed(registry, ref):
        return Outcome("skipped", f"{ref} does not claim sum in f32")
    why = None if settings.ignore_probe else unavailable_reason(registry, ref)
    if why:
        return Outcome("skipped", why)
    lines: list[str] = []
    failed = False
    ran = 0
    for n in LENGTHS:
        case = Case("sum", f"[{n}]", (d(n),), {"dims": [0], "keepdim": False})
        for label, x in _vectors(n):
            built = one_node_graph(case, [x])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compiled = compile_graph(built.graph, ref, registry, dict(settings.options))
            placed = compiled.plan.nodes[built.node_id]
            if placed.target != registry.canonical(ref):
                lines.append(f"n={n} {label}: ran in PyTorch ({placed.reason})")
                continue
            region = next(r for r in compiled.plan.regions if built.node_id in r.node_ids)
            order = (region.details.get("accumulation") or {}).get("order", "pairwise")
            got = float(compiled.run_flat([x])[0])
            exact, scale = float(x.double().sum()), float(x.double().abs().sum())
            err, eager = abs(got - exact) / scale, abs(got - float(x.sum())) / scale
            limit = bound(order, n)
            ok = err <= limit
            failed |= not ok
            ran += 1
            lines.append(f"n={n} {label}: {got!r} vs exact {exact!r}: relative error "
                         f"{err:.2e} (vs eager {eager:.2e}), {order} bound {limit:.2e}"
                         f"{'' if ok else ' EXCEEDED'}")
    if not ran:
        return Outcome("skipped", "no sum ran on the target: " + "; ".join(lines))
    return Outcome("failed" if failed else "passed", "; ".join(lines), cases=ran)
