"""Input guards: a call's tensors checked against the captured spec, and symbol binding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.errors import InputMismatchError, IRError
from hwsdk.ir.graph import TensorType
from hwsdk.ir.symbolic import evaluate_dim, symbols_in

__all__ = ["InputGuard"]


class InputGuard:
    """Checks flat input tensors against the captured input types and binds symbols.

    Static dims must match exactly; a dim that is a plain symbol binds it (the same symbol must
    take the same size everywhere it appears, within the range torch.export proved); a dim
    that is an expression (``2*batch``) must equal its value once its symbols are bound.

    :param names: the graph's input names, in call order.
    :param types: their captured types.
    :param symbol_names: symbol → where it first appears, for messages.
    :param symbol_ranges: symbol → (min, max or None) sizes the capture is valid for.
    """

    def __init__(self, names: Sequence[str], types: Sequence[TensorType],
                 symbol_names: Mapping[str, str] | None = None,
                 symbol_ranges: Mapping[str, tuple[int, int | None]] | None = None) -> None:
        import torch

        from hwsdk.ir.dtypes import to_torch

        self.names = list(names)
        self.types = list(types)
        self.torch_dtypes = [to_torch(t.dtype) for t in types]
        self.symbol_names = dict(symbol_names or {})
        self.symbol_ranges = dict(symbol_ranges or {})
        self.bindings: list[tuple[int, int, str]] = []
        self.derived: list[tuple[int, int, str]] = []
        self.static: list[tuple[int, int, int]] = []
        for i, t in enumerate(self.types):
            for d, dim in enumerate(t.shape):
                if isinstance(dim, int):
                    self.static.append((i, d, dim))
                elif dim.isidentifier():
                    self.bindings.append((i, d, dim))
                else:
                    self.derived.append((i, d, dim))
        self._tensor = torch.Tensor
        # inputs whose every dim is static are accepted with one comparison each (a KV cache:
        # 16 tensors of 4 dims per decode step); the others take the per-dim checks
        dynamic = {i for i, _, _ in [*self.bindings, *self.derived]}
        self._whole = [(i, dtype, torch.Size([int(d) for d in t.shape]))
                       for i, (dtype, t) in enumerate(zip(self.torch_dtypes, self.types,
                                                          strict=True)) if i not in dynamic]
        self._partial = sorted(dynamic)
        self._partial_static = [(i, d, size) for i, d, size in self.static if i in dynamic]
        # every dim static: one comparison per input accepts a call (a mismatch takes the
        # checks below, which say what differs)
        self._fixed = None if dynamic else tuple((dtype, size) for _, dtype, size in self._whole)

    @property
    def fixed(self) -> tuple[tuple[Any, Any], ...] | None:
        """(torch dtype, torch.Size) per input when every dim is static, else None: a tensor of
        exactly these is accepted and binds nothing (a runtime may compare against it to skip
        :meth:`check`; anything else must go through :meth:`check`)."""
        return self._fixed

    def describe(self, index: int) -> str:
        return f"input {index} ({self.names[index]}: {self.types[index]})"

    def spec(self) -> str:
        """The expected inputs, for messages."""
        return ", ".join(f"{n}: {t}" for n, t in zip(self.names, self.types, strict=True))

    def check(self, flat: Sequence[Any]) -> dict[str, int]:
        """Return the symbol values for this call.

        :raises InputMismatchError: naming the input, the expected spec and what was passed.
        """
        if self._fixed is not None and len(flat) == len(self._fixed):
            tensor = self._tensor
            for value, (dtype, shape) in zip(flat, self._fixed, strict=True):
                if not isinstance(value, tensor) or value.dtype != dtype or value.shape != shape:
                    break
            else:
                return {}
        if len(flat) != len(self.types):
            raise InputMismatchError(
                f"expected {len(self.types)} input tensor(s) ({self.spec()}), got {len(flat)}; "
                "call the compiled model with the same arguments as the example inputs"
            )
        import torch

        tensor = self._tensor
        for i, dtype, shape in self._whole:
            value = flat[i]
            if not isinstance(value, tensor) or value.dtype != dtype or value.shape != shape:
                checked, static = list(range(len(flat))), self.static  # say what differs
                break
        else:
            checked, static = self._partial, self._partial_static
        for i in checked:
            self._check_tensor(i, flat[i], torch)
        for i, d, size in static:
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
                    f"{symbol!r} (first seen as {self.symbol_names.get(symbol, symbol)}) is "
                    f"{bound} elsewhere in this call"
                )
            self._check_range(i, d, symbol, size)
        self._check_derived(flat, env)
        return env

    def _check_tensor(self, i: int, value: Any, torch: Any) -> None:
        if not isinstance(value, torch.Tensor):
            raise InputMismatchError(
                f"{self.describe(i)} expected a tensor, got {type(value).__name__}")
        if value.dtype != self.torch_dtypes[i]:
            name = str(self.torch_dtypes[i]).removeprefix("torch.")
            raise InputMismatchError(
                f"{self.describe(i)} expected dtype {self.types[i].dtype}, got "
                f"{str(value.dtype).removeprefix('torch.')}; convert it with .to(torch.{name})"
            )
        if value.dim() != self.types[i].rank:
            raise InputMismatchError(
                f"{self.describe(i)} expected rank {self.types[i].rank}, got shape "
                f"{list(value.shape)}"
            )

    def _check_range(self, i: int, d: int, symbol: str, size: int) -> None:
        lower, upper = self.symbol_ranges.get(symbol, (0, None))
        if size < lower or (upper is not None and size > upper):
            bounds = f"[{lower}, {upper if upper is not None else 'inf'}]"
            raise InputMismatchError(
                f"{self.describe(i)} dim {d} ({symbol}) is {size}, outside the range {bounds} "
                "the model was captured for; widen min/max of that Dim in dynamic_shapes"
            )

    def _check_derived(self, flat: Sequence[Any], env: dict[str, int]) -> None:
        for i, d, expr in self.derived:
            size = int(flat[i].shape[d])
            unbound = symbols_in(expr) - set(env)
            if len(unbound) == 1 and expr not in env:
                symbol = next(iter(unbound))
                value = _solve_affine(expr, symbol, size, env)
                if value is None:
                    raise InputMismatchError(
                        f"{self.describe(i)} dim {d} is {size}, but it must be {expr} for an "
                        f"integer {symbol}; got shape {list(flat[i].shape)}")
                env[symbol] = value
                self._check_range(i, d, symbol, value)
                continue
            if expr in env or unbound:
                bound = env.setdefault(expr, size)
                if bound != size:
                    raise InputMismatchError(
                        f"{self.describe(i)} dim {d} is {size}, but {expr} is {bound} "
                        "elsewhere in this call")
                continue
            try:
                expected = evaluate_dim(expr, env)
            except IRError:
                continue
            if expected != size:
                raise InputMismatchError(
                    f"{self.describe(i)} dim {d} must be {expr} = {expected} for the sizes "
                    f"bound by the other inputs ({env}), got shape {list(flat[i].shape)}"
                )

    def matches(self, flat: Sequence[Any]) -> bool:
        """True when :meth:`check` would accept ``flat``."""
        try:
            self.check(flat)
        except InputMismatchError:
            return False
        return True


def _solve_affine(expr: str, symbol: str, size: int, env: Mapping[str, int]) -> int | None:
    """The value of ``symbol`` making ``expr`` equal ``size``, for an affine ``expr`` (as
    torch.export's derived dims are); None when no integer value does."""
    try:
        at0 = evaluate_dim(expr, {**env, symbol: 0})
        slope = evaluate_dim(expr, {**env, symbol: 1}) - at0
    except IRError:
        return None
    if slope == 0 or (size - at0) % slope:
        return None
    value = (size - at0) // slope
    try:
        return value if evaluate_dim(expr, {**env, symbol: value}) == size else None
    except IRError:
        return None
