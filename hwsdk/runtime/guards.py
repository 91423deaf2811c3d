"""Input guards: a call's tensors checked against the captured spec, and symbol binding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hwsdk.errors import InputMismatchError
from hwsdk.ir.dtypes import DType, to_torch
from hwsdk.ir.graph import TensorType

__all__ = ["InputGuard"]


class InputGuard:
    """Checks flat input tensors against the captured input types and binds symbols.

    Static dims must match exactly; a symbolic dim binds its symbol (the same symbol must take
    the same size everywhere it appears).
    """

    def __init__(self, names: Sequence[str], types: Sequence[TensorType],
                 symbol_names: dict[str, str] | None = None) -> None:
        self.names = list(names)
        self.types = list(types)
        self.torch_dtypes = [to_torch(t.dtype) for t in types]
        self.symbol_names = symbol_names or {}
        self.bindings: list[tuple[int, int, str]] = []
        self.static: list[tuple[int, int, int]] = []
        for i, t in enumerate(self.types):
            for d, dim in enumerate(t.shape):
                if isinstance(dim, int):
                    self.static.append((i, d, dim))
                else:
                    self.bindings.append((i, d, dim))

    def describe(self, index: int) -> str:
        return f"input {index} ({self.names[index]}: {self.types[index]})"

    def check(self, flat: Sequence[Any]) -> dict[str, int]:
        """Return the symbol values for this call.

        :raises InputMismatchError: naming the input, the expected spec and what was passed.
        """
        if len(flat) != len(self.types):
            raise InputMismatchError(
                f"expected {len(self.types)} input tensors, got {len(flat)}; call the compiled "
                "model with the same arguments as the example inputs"
            )
        import torch

        for i, value in enumerate(flat):
            if not isinstance(value, torch.Tensor):
                raise InputMismatchError(
                    f"{self.describe(i)} expected a tensor, got {type(value).__name__}")
            if value.dtype != self.torch_dtypes[i]:
                raise InputMismatchError(
                    f"{self.describe(i)} expected dtype {self.types[i].dtype}, got "
                    f"{str(value.dtype).removeprefix('torch.')}; convert it with "
                    f".to(torch.{str(self.torch_dtypes[i]).removeprefix('torch.')})"
                )
            if value.dim() != self.types[i].rank:
                raise InputMismatchError(
                    f"{self.describe(i)} expected rank {self.types[i].rank}, got shape "
                    f"{list(value.shape)}"
                )
        for i, d, size in self.static:
            if flat[i].shape[d] != size:
                raise InputMismatchError(
                    f"{self.describe(i)} expected size {size} at dim {d}, got shape "
                    f"{list(flat[i].shape)}; mark that dim dynamic with dynamic_shapes, or "
                    "compile without example_inputs to capture again on new shapes"
                )
        env: dict[str, int] = {}
        for i, d, symbol in self.bindings:
            size = int(flat[i].shape[d])
            bound = env.setdefault(symbol, size)
            if bound != size:
                raise InputMismatchError(
                    f"{self.describe(i)} dim {d} is {size}, but the same dynamic dim "
                    f"({symbol}, first seen as {self.symbol_names.get(symbol, symbol)}) is "
                    f"{bound} elsewhere in this call"
                )
        return env

    def matches(self, flat: Sequence[Any]) -> bool:
        try:
            self.check(flat)
        except InputMismatchError:
            return False
        return True


_ = DType
