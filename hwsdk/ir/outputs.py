"""What a compiled model returns besides the IR graph's tensors, and what it writes back.

A model's flat outputs are mostly IR values, but torch.export also lets ``forward`` return
Python numbers (``x.item()``, ``x.shape[0]``, ``torch.broadcast_shapes``) and update its tensor
inputs in place (training-mode batch norm's running statistics: ``USER_INPUT_MUTATION``).
:class:`OutputPlan` records both so that the runtime returns what eager returns: a number is a
constant, or an expression over the call's dim symbols and the values of tensors it was read
from (``.item()``); an updated input's new value is an extra graph output that the runtime
copies into the caller's tensor after the call, as eager leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NumberOutput", "OutputPlan"]

Number = int | float | bool | None


@dataclass(frozen=True)
class NumberOutput:
    """A Python-number output.

    :param value: the number itself when torch.export proved it constant, else None.
    :param expr: an expression over dim symbols and the symbols in ``reads`` (None: constant).
    :param reads: data-dependent symbol → (graph output index, dim): its value is that
        output's size along ``dim``, or (dim None) that output's ``.item()``.
    """

    value: Number = None
    expr: str | None = None
    reads: dict[str, tuple[int, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class OutputPlan:
    """How the graph's outputs become the model's flat outputs.

    :param leaves: per flat model output, the graph output index holding it, or a
        :class:`NumberOutput`.
    :param mutations: (graph output index, flat input index): after the call, that output's
        value is copied into that input, as the eager model updates it in place.
    """

    leaves: list[int | NumberOutput]
    mutations: list[tuple[int, int]] = field(default_factory=list)

    @property
    def plain(self) -> bool:
        """True when the graph's outputs are the model's outputs, one for one."""
        return not self.mutations and self.leaves == list(range(len(self.leaves)))
