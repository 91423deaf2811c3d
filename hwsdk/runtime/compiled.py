"""CompiledModel: callable like the model, runs regions in order over value slots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from hwsdk.errors import InputMismatchError, PluginContractError
from hwsdk.ir.capture import Captured
from hwsdk.partition.plan import PartitionPlan, RegionResult, Transfer
from hwsdk.runtime.guards import InputGuard
from hwsdk.runtime.outputs import finish_outputs, has_size, restore_sizes
from hwsdk.runtime.transfers import StepDevices, schedule

__all__ = ["CompiledModel", "Step"]

Runner = Callable[[Sequence[Any], Mapping[str, int]], Sequence[Any]]


@dataclass(frozen=True)
class Step:
    """One region to run: its runner, the values it reads and writes, and the device it runs
    on (None for a PyTorch region: the device the call's inputs are on)."""

    region_id: str
    target: str
    runner: Runner
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    device: str | None = None


@dataclass(frozen=True)
class _Program:
    """The steps and moves for one home device, over value slots."""

    ops: tuple[tuple[Runner, tuple[int, ...], tuple[int, ...]], ...]
    tail: tuple[Any, ...]
    """The slots after the inputs' (the model's inputs take slots 0 … n-1): params, then
    empty slots for computed values and moved copies."""
    outputs: tuple[int, ...]
    transfers: tuple[Transfer, ...]


_NO_SYMBOLS: Mapping[str, int] = MappingProxyType({})
"""The symbol values of a call whose inputs are all static (shared: runners only read it)."""


@dataclass(frozen=True)
class _Direct:
    """The whole call as one region's run: for a model of one step on CPU with all-static
    inputs passed as plain positional tensors, plain outputs and no input updated in place.

    A call takes it when every input is a plain CPU ``torch.Tensor`` of exactly the captured
    dtype and shape (:attr:`InputGuard.fixed`), the one case in which the guard binds nothing
    and rejects nothing; any other call takes the full path, whose guard says what differs.
    """

    runner: Runner
    signature: tuple[tuple[Any, Any], ...]
    """(torch dtype, torch.Size) per input, in call order."""
    order: tuple[int, ...] | None
    """The call's inputs the runner reads, in its order; None: all of them, in call order."""
    n_results: int
    pick: Callable[[Sequence[Any]], Any]
    """The model's output from the runner's results: one value, or a tuple."""
    wrap: bool
    """True for a model returning a one-tuple (``pick`` gives its one value)."""


class CompiledModel:
    """A model compiled by :func:`hwsdk.compile`. Call it like the original model.

    Each call checks its inputs, binds dynamic dims, runs every step in order over a fresh slot
    list (so concurrent calls share nothing mutable), moving values between devices where a
    step's device differs from where a value lives (:mod:`hwsdk.runtime.transfers`), and
    rebuilds the model's output structure on the device the inputs came on. A model of one
    step on CPU called with exactly its captured static inputs runs that step directly: the
    guard would accept such a call and bind nothing, and nothing else would be done.
    """

    def __init__(self, captured: Captured, plan: PartitionPlan, steps: list[Step],
                 results: Mapping[str, RegionResult] | None = None, home: str = "cpu") -> None:
        self.captured = captured
        self.steps = steps
        graph = captured.graph
        self._home = home
        self._programs: dict[str, _Program] = {}
        # by the torch.device of a call's first input; apart from _programs, whose str keys
        # a torch.device hashes like and compares slowly with
        self._by_device: dict[Any, _Program] = {}
        self._cpu = self._program("cpu")  # the common case, found without hashing a device
        program = self._program(home)
        self.plan = plan.with_results(results or {}, program.transfers)
        self.guard = InputGuard(graph.inputs, captured.input_types, captured.symbol_names,
                                captured.symbol_ranges)
        self._n_in, self._out_kind = _fast_paths(captured.in_spec, captured.out_spec)
        self._output_plan = captured.output_plan
        self._sizes = has_size(captured.out_spec)
        self._direct = _direct(self._cpu, self.guard, self._n_in, self._out_kind,
                               self._output_plan is None)
        import torch

        self._tensor = torch.Tensor

    def _program(self, home: str) -> _Program:
        """The ops for calls whose inputs are on ``home`` (built once per device)."""
        found = self._programs.get(home)
        if found is not None:
            return found
        graph = self.captured.graph
        moves, transfers, reads, returned = schedule(
            [StepDevices(s.inputs, s.outputs, s.device, s.runner) for s in self.steps],
            graph.inputs, graph.outputs, home, graph.types)
        slot_of: dict[str, int] = {}
        base: list[Any] = []

        def slot(name: str) -> int:
            if name not in slot_of:
                slot_of[name] = len(base)
                base.append(graph.param_data.get(name))
            return slot_of[name]

        for name in [*graph.inputs, *graph.outputs]:
            slot(name)
        ops: list[tuple[Runner, tuple[int, ...], tuple[int, ...]]] = []
        pending = list(moves)
        for index, step in enumerate([*self.steps, None]):
            while pending and pending[0].before == index:
                move = pending.pop(0)
                ops.append((_move_runner(move.fn), (slot(move.value),), (slot(move.copy),)))
            if step is None:
                break
            ins = tuple(slot(reads.get(v, {}).get(index, v)) for v in step.inputs)
            ops.append((step.runner, ins, tuple(slot(v) for v in step.outputs)))
        outputs = tuple(slot(returned.get(v, v)) for v in graph.outputs)
        n_inputs = len(graph.inputs)
        assert [slot_of[name] for name in graph.inputs] == list(range(n_inputs))
        program = _Program(tuple(ops), tuple(base[n_inputs:]), outputs, tuple(transfers))
        self._programs[home] = program
        return program

    def flatten_inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        """The call's tensors in the captured order.

        :raises InputMismatchError: when the arguments differ in number or structure.
        """
        from torch.utils._pytree import tree_flatten

        args, kwargs = self._bind(args, kwargs)
        flat, spec = tree_flatten((args, kwargs))
        if spec != self.captured.in_spec:
            expected = self.captured.in_spec.num_leaves
            what = (f"{len(flat)} argument(s)" if len(flat) != expected
                    else "the same number of arguments in a different structure")
            raise InputMismatchError(
                f"expected {expected} input(s) ({self.guard.spec()}) passed like the example "
                f"inputs, got {what} (args: {_brief(args)}, kwargs: {sorted(kwargs)}); call the "
                "compiled model exactly as the example inputs were passed"
            )
        return flat

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]
              ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Move keyword arguments naming captured positional parameters into place."""
        names = self.captured.arg_names
        if not kwargs or not names or len(args) >= len(names):
            return args, kwargs
        missing = names[len(args):]
        if not all(n in kwargs for n in missing):
            return args, kwargs
        rest = {k: v for k, v in kwargs.items() if k not in missing}
        return (*args, *(kwargs[n] for n in missing)), rest

    def run_flat(self, flat: Sequence[Any]) -> list[Any]:
        """Run on flat input tensors; returns the model's flat outputs (and, as the model
        does, writes the new values of the inputs it updates in place into them)."""
        env = self.guard.check(flat)
        first: Any = flat[0] if flat else None
        if getattr(first, "is_cpu", True):
            program = self._cpu
        else:
            program = self._by_device.get(first.device) or self._program_for(first.device)
        slots = [*flat, *program.tail]  # the guard checked there is one value per input
        for runner, ins, outs in program.ops:
            results = runner([slots[i] for i in ins], env)
            if len(results) != len(outs):
                raise _result_count(len(results), len(outs))
            for slot, value in zip(outs, results, strict=True):
                slots[slot] = value
        outputs = [slots[i] for i in program.outputs]
        if self._output_plan is None:
            return outputs
        return finish_outputs(self._output_plan, outputs, flat, env)

    def cache_inputs_written(self) -> frozenset[int]:
        """Flat input indices that a call on CPU inputs writes in place with the new entries
        the graph ``index_copy``-s into them (see ``CompiledRegion.cache_inputs_written``):
        those a region reads straight from the call's inputs and writes itself."""
        n_inputs = len(self.captured.graph.inputs)
        return frozenset(ins[i] for runner, ins, _ in self._cpu.ops
                         for i in getattr(runner, "cache_inputs_written", ())
                         if ins[i] < n_inputs)

    def _program_for(self, device: Any) -> _Program:
        """The program for inputs on ``device`` (a torch.device)."""
        program = self._program(str(device))
        self._by_device[device] = program
        return program

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Per-call cost is most of a small model's time (a decode step): a one-region model
        # whose call matches the captured signature runs its region directly (see _Direct).
        direct = self._direct
        if direct is not None and not kwargs and len(args) == len(direct.signature):
            tensor = self._tensor
            for value, (dtype, shape) in zip(args, direct.signature, strict=True):
                if (type(value) is not tensor or value.dtype is not dtype
                        or not value.is_cpu or value.shape != shape):
                    break
            else:
                order = direct.order
                results = direct.runner(list(args) if order is None else
                                        [args[i] for i in order], _NO_SYMBOLS)
                if len(results) != direct.n_results:
                    raise _result_count(len(results), direct.n_results)
                return (direct.pick(results),) if direct.wrap else direct.pick(results)
        # Fast paths skip pytree for the common plain-tensors-in, tensor-or-tuple-out case.
        if not kwargs and len(args) == self._n_in:
            outputs = self.run_flat(args)
        else:
            outputs = self.run_flat(self.flatten_inputs(args, kwargs))
        if self._out_kind == "leaf":
            return outputs[0]
        if self._out_kind == "tuple":
            return tuple(outputs)
        from torch.utils._pytree import tree_unflatten

        result = tree_unflatten(outputs, self.captured.out_spec)
        return restore_sizes(result, self.captured.out_spec) if self._sizes else result

    def explain(self) -> PartitionPlan:
        """The plan this model was compiled with."""
        return self.plan

    def __repr__(self) -> str:
        targets = sorted({s.target for s in self.steps})
        return f"<hwsdk.CompiledModel {len(self.steps)} steps on {', '.join(targets)}>"


def _direct(program: _Program, guard: InputGuard, n_in: int, out_kind: str,
            plain_outputs: bool) -> _Direct | None:
    """The direct path for ``program`` (the CPU one), or None where a call needs more than
    one runner's call: moves, several steps, symbols to bind, Python numbers or in-place
    updates to make, an output that is not the step's, or inputs or outputs in a tree."""
    fixed = guard.fixed
    if (fixed is None or n_in != len(fixed) or out_kind == "tree" or not plain_outputs
            or len(program.ops) != 1):
        return None
    runner, ins, outs = program.ops[0]
    if not all(i < n_in for i in ins) or not set(program.outputs) <= set(outs):
        return None
    order = None if ins == tuple(range(n_in)) else ins
    pick = [outs.index(slot) for slot in program.outputs]
    if out_kind == "leaf" or len(pick) == 1:
        return _Direct(runner, fixed, order, len(outs), itemgetter(pick[0]),
                       out_kind == "tuple")
    return _Direct(runner, fixed, order, len(outs), itemgetter(*pick), False)


def _result_count(got: int, expected: int) -> PluginContractError:
    return PluginContractError(
        f"a compiled region returned {got} value(s) where its region has {expected} "
        "output(s); a plugin's compiled region must return one value per region output, in "
        "the region's order")


def _move_runner(fn: Callable[[Any], Any]) -> Runner:
    def move(inputs: Sequence[Any], env: Mapping[str, int]) -> list[Any]:
        return [fn(inputs[0])]

    return move


def _fast_paths(in_spec: Any, out_spec: Any) -> tuple[int, str]:
    """(number of positional tensors when the inputs are exactly that, else -1; output kind:
    ``leaf``, ``tuple`` or ``tree``)."""
    from torch.utils._pytree import tree_flatten

    n = in_spec.num_leaves
    n_in = n if tree_flatten((tuple(range(n)), {}))[1] == in_spec else -1
    m = out_spec.num_leaves
    if m == 1 and tree_flatten(0)[1] == out_spec:
        return n_in, "leaf"
    if tree_flatten(tuple(range(m)))[1] == out_spec:
        return n_in, "tuple"
    return n_in, "tree"


def _brief(args: tuple[Any, ...]) -> str:
    parts = []
    for a in args:
        shape = getattr(a, "shape", None)
        dtype = str(getattr(a, "dtype", "")).removeprefix("torch.")
        parts.append(f"{dtype}{list(shape)}" if shape is not None else type(a).__name__)
    return "(" + ", ".join(parts) + ")"
