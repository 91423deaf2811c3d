"""Where values live between regions, and the moves the runtime makes between devices.

Every compiled region declares the device its inputs arrive and its outputs leave on
(``CompiledRegion.device``: ``"cpu"``, a torch device string such as ``"cuda:0"``, or a device
of the plugin's own, such as ``"numpy"``). PyTorch regions run where the call's inputs are (the
*home* device). :func:`schedule` walks the steps in order and moves a value only where the
device it lives on differs from the one a step reads it on: once per value and device, however
many steps read it there. Model outputs go back to the home device, as ``torch.compile`` does.

A region with a device torch does not know converts values itself: it defines
``from_torch(tensor)`` (a torch tensor into its device's form) and ``to_torch(value)`` (back to
a torch tensor); values between two such regions of one device are not touched. A region on a
torch device may define them too (to refuse a device that is absent, or to copy its own way);
otherwise ``Tensor.to`` moves its values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hwsdk.errors import CompileError
from hwsdk.partition.plan import Transfer

__all__ = ["Move", "StepDevices", "schedule", "is_torch_device", "region_device", "mover"]

Mover = Callable[[Any], Any]


@lru_cache(maxsize=64)
def is_torch_device(device: str) -> bool:
    """True when torch knows ``device`` (``"cpu"``, ``"cuda:0"``, ``"mps"``)."""
    import torch

    try:
        torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


def region_device(runner: Any, region_id: str) -> str:
    """The device a compiled region declares (``"cpu"`` when it declares none).

    :raises CompileError: when it names a device torch does not know without the
        ``from_torch``/``to_torch`` pair that moves values there.
    """
    device = getattr(runner, "device", "cpu") or "cpu"
    if not isinstance(device, str):
        raise CompileError(f"region {region_id}: its compiled region's device is {device!r}, "
                           "not a device name such as 'cpu' or 'cuda:0'")
    if not is_torch_device(device) and not (callable(getattr(runner, "from_torch", None))
                                            and callable(getattr(runner, "to_torch", None))):
        raise CompileError(
            f"region {region_id} runs on device {device!r}, which torch does not know, and its "
            "compiled region defines no from_torch(tensor) and to_torch(value) to move values "
            "there; define both, or declare a torch device")
    return device


@dataclass(frozen=True)
class StepDevices:
    """One step as the scheduler sees it: the values it reads and writes (by name), the device
    it runs on (None: the home device) and its runner (for device conversions)."""

    inputs: Sequence[str]
    outputs: Sequence[str]
    device: str | None
    runner: Any


@dataclass(frozen=True)
class Move:
    """Before step ``before`` (``len(steps)``: after the last), copy ``value`` as it lives on
    ``source`` to ``dest`` with ``fn``; ``copy`` names the copy."""

    before: int
    value: str
    copy: str
    source: str
    dest: str
    fn: Mover


def _to(device: str) -> Mover:
    def move(value: Any) -> Any:
        return value.to(device) if hasattr(value, "to") else value

    return move


def mover(source: str, dest: str, producer: Any, consumer: Any) -> Mover:
    """The function that moves a value from ``source`` to ``dest``: the regions' own
    ``to_torch`` (``producer``, the runner that wrote it; None for the call's inputs) and
    ``from_torch`` (``consumer``, the runner that reads it; None for the model's outputs)
    where they define them, else ``Tensor.to``."""
    into = getattr(consumer, "from_torch", None)
    out = into if callable(into) else _to(dest)
    back = getattr(producer, "to_torch", None)
    if not callable(back):
        return out

    def convert(value: Any) -> Any:
        return out(back(value))

    return convert


def schedule(steps: Sequence[StepDevices], graph_inputs: Sequence[str],
             graph_outputs: Sequence[str], home: str, types: Mapping[str, Any]
             ) -> tuple[list[Move], list[Transfer], dict[str, dict[int, str]], dict[str, str]]:
    """Plan every move for one home device.

    :param types: value name → TensorType, for the bytes of each transfer.
    :returns: (moves in order; the transfers they make; per value, step index → the name
        that step reads instead of it; model output → the name returned instead).
    """
    where: dict[str, str] = {}
    writer: dict[str, Any] = {}
    copies: dict[tuple[str, str], str] = {}
    moves: list[Move] = []
    reads: dict[str, dict[int, str]] = {}

    def place(index: int, value: str, dest: str, consumer: Any) -> str:
        source = where.get(value, home)  # graph inputs and params start at home
        if source == dest:
            return value
        key = (value, dest)
        if key not in copies:
            copies[key] = f"{value}@{dest}"
            moves.append(Move(index, value, copies[key], source, dest,
                              mover(source, dest, writer.get(value), consumer)))
        return copies[key]

    for name in graph_inputs:
        where[name] = home
    for index, step in enumerate(steps):
        device = step.device or home
        for value in step.inputs:
            read = place(index, value, device, step.runner)
            if read != value:
                reads.setdefault(value, {})[index] = read
        for value in step.outputs:
            where[value] = device
            writer[value] = step.runner
    returned = {v: place(len(steps), v, home, None) for v in graph_outputs}
    transfers = [Transfer(m.value, m.source, m.dest, _nbytes(types, m.value)) for m in moves]
    return moves, transfers, reads, {v: r for v, r in returned.items() if r != v}


def _nbytes(types: Mapping[str, Any], name: str) -> int | None:
    t = types.get(name)
    return t.nbytes() if t is not None else None
