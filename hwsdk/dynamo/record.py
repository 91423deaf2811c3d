"""Where the backend keeps the plan of every graph it compiled, and how a user finds them.

``torch.compile(model, backend="hwsdk", options=opts)`` calls the backend with the same
``opts`` dict for every graph of that compiled model (Dynamo's compile wrapper holds it), so
the plans are kept per options dict; :func:`plans` finds the dict of a compiled module through
the callback chain Dynamo keeps on it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import InvalidArgumentError
from hwsdk.partition.plan import PartitionPlan

__all__ = ["SubgraphPlan", "Session", "session_for", "plans", "subgraph_plans"]


@dataclass
class SubgraphPlan:
    """The plan of one graph the backend compiled.

    :param subgraph: which Dynamo graph (1, 2 …, in compile order; a recompile is a new one).
    :param role: ``inference``, ``forward`` or ``backward`` (AOTAutograd's graphs).
    :param compile_id: Dynamo's compile id (``"0/1"``: frame 0, its second compile).
    :param graph_break: why Dynamo ended this graph (the graph break after it), or "" when
        the graph runs to the end of its frame.
    :param plan: the partition plan, or None when the graph could not be captured (then
        ``failure`` says why and the whole graph runs in PyTorch).
    """

    subgraph: int
    role: str
    compile_id: str
    graph_break: str
    plan: PartitionPlan | None
    failure: str = ""


@dataclass
class Session:
    """The graphs compiled for one ``options`` dict."""

    options: Mapping[str, Any] | None
    records: list[SubgraphPlan] = field(default_factory=list)
    subgraphs: int = 0

    def next_subgraph(self) -> int:
        with _LOCK:
            self.subgraphs += 1
            return self.subgraphs

    def add(self, record: SubgraphPlan) -> None:
        with _LOCK:
            self.records.append(record)


_LOCK = threading.Lock()
_SESSIONS: dict[int, Session] = {}  # id(options) -> its session; the session keeps the dict


def session_for(options: Mapping[str, Any] | None) -> Session:
    """The session of this options dict (``None``: the one shared by compiles without)."""
    with _LOCK:
        session = _SESSIONS.get(id(options))
        if session is None:
            session = _SESSIONS[id(options)] = Session(options)
        return session


def _options_of(compiled: Any) -> Mapping[str, Any] | None:
    """The options dict torch.compile holds for ``compiled``.

    :raises InvalidArgumentError: when ``compiled`` is not a module compiled with this backend.
    """
    from hwsdk.dynamo.compiler import backend

    callback = getattr(getattr(compiled, "dynamo_ctx", None), "callback", None)
    for _ in range(16):  # CatchErrorsWrapper → ConvertFrame → WrapBackendDebug → the wrapper
        if callback is None:
            break
        if getattr(callback, "compiler_fn", None) is backend and not hasattr(
                callback, "_torchdynamo_orig_backend"):
            options = getattr(callback, "kwargs", {}).get("options")
            return options if isinstance(options, Mapping) else None
        callback = getattr(callback, "_torchdynamo_orig_backend", None)
    raise InvalidArgumentError(
        f"{type(compiled).__name__} is not a module compiled with torch.compile(..., "
        "backend='hwsdk'); pass what torch.compile(module, backend='hwsdk') returned")


def subgraph_plans(compiled: Any) -> list[SubgraphPlan]:
    """Every graph compiled so far for ``compiled`` (call it first), with its role, compile
    id and graph-break reason."""
    session = _SESSIONS.get(id(_options_of(compiled)))
    return list(session.records) if session else []


def plans(compiled: Any) -> list[PartitionPlan]:
    """One :class:`PartitionPlan` per graph the backend compiled for ``compiled``.

    Each plan's ``model_name`` names the graph (``"subgraph 2 forward"``) and its ``notes``
    say where Dynamo broke the graph and why. Render them with :mod:`hwsdk.report`
    (``render_report``, ``render_dot``) or all together with
    :func:`hwsdk.report.subgraphs.render_subgraphs`. A graph that could not be captured has
    no plan; :func:`subgraph_plans` lists it with the reason.

    :param compiled: what ``torch.compile(module, backend="hwsdk")`` returned, after a call.
    :raises InvalidArgumentError: for anything else.
    """
    return [r.plan for r in subgraph_plans(compiled) if r.plan is not None]
