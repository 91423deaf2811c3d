"""The ``torch.compile`` backend: every graph Dynamo captures goes through hwsdk's pipeline.

Dynamo graph → AOTAutograd (functional ATen, forward and backward graphs, decomposed with the
capture's table) → :func:`~hwsdk.dynamo.graph.capture_graph_module` (the capture's FX → IR
translation) → :func:`hwsdk.partition.planner.plan_graph` →
:func:`hwsdk.runtime.build.build_compiled` → a boxed callable AOTAutograd calls. Symbolic sizes
stay IR symbols, so a dynamic batch or sequence does not recompile; Dynamo's guards decide
recompiles, and a graph already compiled with the same settings (another instance of the same
model, a recompile to a known spec) reuses the compiled regions.

Failure policy, as :func:`hwsdk.compile`'s: a region that fails to compile runs in PyTorch and
is in the plan with its reason (and a warning); a graph hwsdk cannot capture runs whole in
PyTorch, recorded with the reason (and a warning); ``require_full=True`` raises instead.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from hwsdk.dynamo.decompose import decompositions
from hwsdk.dynamo.options import BackendSettings, parse_options
from hwsdk.dynamo.record import Session, SubgraphPlan, session_for
from hwsdk.errors import CaptureError, InvalidArgumentError

__all__ = ["backend", "CACHE_SIZE", "cache_info"]

CACHE_SIZE = 64
"""How many compiled graphs the backend keeps for reuse (least recently used dropped)."""

_CACHE: OrderedDict[str, Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_STATS = {"hits": 0, "misses": 0}


def cache_info() -> dict[str, int]:
    """Hits and misses of the compiled-graph cache since the process started."""
    return {**_STATS, "size": len(_CACHE)}


def backend(gm: Any, example_inputs: list[Any], options: Mapping[str, Any] | None = None,
            **kwargs: Any) -> Callable[..., Any]:
    """Compile one Dynamo graph; registered as ``torch.compile(..., backend="hwsdk")``.

    :param gm: the FX GraphModule Dynamo captured.
    :param example_inputs: its example arguments.
    :param options: ``target``, ``min_block_size``, ``fallback_ops``, ``require_full`` (as
        :func:`hwsdk.compile`) and target options.
    :raises InvalidArgumentError: for bad options, or a torch.compile ``mode``.
    """
    import torch
    from torch._dynamo.backends.common import aot_autograd

    if kwargs:
        raise InvalidArgumentError(
            f"backend='hwsdk' takes options only, not {sorted(kwargs)} (torch.compile's "
            "mode= is for inductor); pass e.g. options={'target': 'intel'}")
    settings = parse_options(options)
    session = session_for(options)
    reason = getattr(gm, "compile_subgraph_reason", None)
    graph_break = _describe_break(reason)
    training = torch.is_grad_enabled() and any(
        isinstance(t, torch.Tensor) and t.requires_grad for t in example_inputs)
    compiler = GraphCompiler(settings, session, session.next_subgraph(), graph_break)
    return aot_autograd(  # type: ignore[no-any-return]
        fw_compiler=compiler.role("forward" if training else "inference"),
        bw_compiler=compiler.role("backward"),
        inference_compiler=compiler.role("inference"),
        decompositions=decompositions(),
    )(gm, example_inputs)


def _describe_break(reason: Any) -> str:
    """Dynamo's reason for ending the graph, with the user's file:line ("" when none)."""
    if reason is None or not getattr(reason, "graph_break", False):
        return ""
    lines = [line.strip() for line in str(getattr(reason, "reason", "")).splitlines()]
    text = [line for line in lines[:1] + [line for line in lines[1:]
                                            if line.startswith("Explanation:")] if line]
    where = ""
    stack = list(getattr(reason, "user_stack", []) or [])
    if stack:
        where = f" at {stack[-1].filename}:{stack[-1].lineno}"
    return f"{' '.join(text) if text else 'graph break'}{where}"


class GraphCompiler:
    """Compiles AOTAutograd's graphs of one Dynamo graph and records their plans."""

    def __init__(self, settings: BackendSettings, session: Session, subgraph: int,
                 graph_break: str) -> None:
        self.settings = settings
        self.session = session
        self.subgraph = subgraph
        self.graph_break = graph_break

    def role(self, role: str) -> Callable[[Any, list[Any]], Any]:
        """The compiler AOTAutograd calls for its ``role`` graph."""
        def compile_graph(gm: Any, example_inputs: list[Any]) -> Any:
            from torch._subclasses.fake_tensor import unset_fake_temporarily

            with unset_fake_temporarily():  # compilers build real engines from real weights
                return self.compile(gm, role)
        return compile_graph

    def compile(self, gm: Any, role: str) -> Any:
        from torch._guards import CompileContext

        from hwsdk.dynamo.graph import capture_graph_module

        compile_id = str(CompileContext.current_compile_id() or "")
        name = f"subgraph {self.subgraph} {role}"
        try:
            fx = capture_graph_module(gm)
        except CaptureError as exc:
            if self.settings.require_full:
                raise
            self.session.add(SubgraphPlan(self.subgraph, role, compile_id, self.graph_break,
                                          None, failure=str(exc)))
            warnings.warn(f"hwsdk: {name} runs in PyTorch: {exc}", stacklevel=2)
            return _boxed(gm, None)
        compiled = self._compiled(fx.captured, name)
        plan = compiled.plan
        self.session.add(SubgraphPlan(self.subgraph, role, compile_id, self.graph_break, plan))
        return _boxed(compiled, fx.tensor_positions)

    def _compiled(self, captured: Any, name: str) -> Any:
        import dataclasses
        import hashlib

        key = hashlib.sha256((captured.graph.to_json(indent=None) + self.settings.key())
                             .encode()).hexdigest()
        shareable = not captured.graph.param_data  # constants: their bytes are not in the key
        with _CACHE_LOCK:
            hit = _CACHE.get(key) if shareable else None
            if hit is not None:
                _CACHE.move_to_end(key)
                _STATS["hits"] += 1
        if hit is not None:
            plan = dataclasses.replace(hit.plan, model_name=name,
                                       notes=tuple(self._notes(cached=True)))
            return _Renamed(hit, plan)
        compiled = self._build(captured, name)
        if shareable:
            with _CACHE_LOCK:
                _STATS["misses"] += 1
                _CACHE[key] = compiled
                while len(_CACHE) > CACHE_SIZE:
                    _CACHE.popitem(last=False)
        return compiled

    def _build(self, captured: Any, name: str) -> Any:
        from hwsdk.partition.planner import plan_graph, raise_if_not_full
        from hwsdk.registry import get_registry
        from hwsdk.runtime.build import build_compiled

        s = self.settings
        registry = get_registry()
        plan = plan_graph(captured, list(s.target) if isinstance(s.target, tuple) else s.target,
                          min_block_size=s.min_block_size, fallback_ops=s.fallback_ops,
                          options=s.options, registry=registry, model_name=name,
                          notes=self._notes(cached=False))
        if s.require_full:
            raise_if_not_full(plan)
        return build_compiled(captured, plan, registry, s.options, s.require_full)

    def _notes(self, cached: bool) -> list[str]:
        notes = [f"graph break after this graph: {self.graph_break}" if self.graph_break
                 else "this graph runs to the end of its frame (no graph break after it)"]
        if cached:
            notes.append("reused the regions compiled for an identical graph")
        return notes


class _Renamed:
    """A cached compiled graph under this graph's own plan (name and notes)."""

    def __init__(self, compiled: Any, plan: Any) -> None:
        self.compiled = compiled
        self.plan = plan

    def run_flat(self, flat: list[Any]) -> list[Any]:
        return self.compiled.run_flat(flat)  # type: ignore[no-any-return]


def _boxed(compiled: Any, tensor_positions: list[int] | None) -> Callable[[list[Any]], Any]:
    """AOTAutograd's boxed calling convention: one list of arguments, cleared by the callee
    so that the inputs can be freed as soon as they are used."""
    if tensor_positions is None:  # the graph itself, in PyTorch
        def run_torch(args: list[Any]) -> Any:
            values = list(args)
            args.clear()
            return compiled(*values)
        run_torch._boxed_call = True  # type: ignore[attr-defined]
        return run_torch

    def run(args: list[Any]) -> Any:
        tensors = [args[i] for i in tensor_positions]
        args.clear()
        return compiled.run_flat(tensors)
    run._boxed_call = True  # type: ignore[attr-defined]
    return run
