"""Capability tables, constraints and verdicts: what a target can run, and why not.

A :class:`CapabilityTable` says per core op which dtypes a target supports (``yes``, ``no``
or ``unknown``), with declarative :data:`Constraint` s the CLI can print and the partitioner
can test. :func:`judge` turns a table and a node into a :class:`Verdict` with a reason code
and a sentence a user can act on.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field

from hwsdk.ir.dtypes import DType, default_support
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.opdef import TORCH_OP

__all__ = [
    "Support", "Provenance", "MaxRank", "StaticShape", "AttrIn", "LastDimMultiple",
    "MaxDimSize", "ConstantInput", "UnhandledInputs", "InputClass", "INPUT_CLASSES",
    "Constraint", "OpSupport", "CapabilityTable", "ReasonCode",
    "Verdict", "judge", "node_dtypes", "quantized_weight_verdict",
]

Support = Literal["yes", "no", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Provenance(_Model):
    """Where a capability fact comes from.

    :param source: what was read (``"hpu_op.yaml"``, ``"the intel lowering's tests"``).
    :param version: product version the source reflects.
    :param url_or_repo_path: ``owner/repo:path@commit`` or a URL.
    :param retrieved: date or commit it was read at.
    """

    source: str
    version: str = "unknown"
    url_or_repo_path: str = ""
    retrieved: str = ""


class MaxRank(_Model):
    """Every tensor input has rank ≤ ``max``."""

    kind: Literal["max_rank"] = "max_rank"
    max: int

    def violation(self, node: Node, graph: Graph) -> str | None:
        for name in node.inputs:
            if name and graph.types[name].rank > self.max:
                return f"input {name} has rank {graph.types[name].rank}, above {self.max}"
        return None

    def describe(self) -> str:
        return f"rank <= {self.max}"


class StaticShape(_Model):
    """Every input and output dim is a known integer (no symbolic dims)."""

    kind: Literal["static_shape"] = "static_shape"
    why: str = ""

    def violation(self, node: Node, graph: Graph) -> str | None:
        for name in [*node.inputs, *node.outputs]:
            if name and not graph.types[name].is_static:
                extra = f" ({self.why})" if self.why else ""
                return f"{name} has dynamic shape {graph.types[name]}{extra}"
        return None

    def describe(self) -> str:
        return "static shapes only" + (f" ({self.why})" if self.why else "")


class AttrIn(_Model):
    """Attr ``attr`` takes one of ``values``."""

    kind: Literal["attr_in"] = "attr_in"
    attr: str
    values: list[Any]

    def violation(self, node: Node, graph: Graph) -> str | None:
        value = node.attrs.get(self.attr)
        if value not in self.values:
            return f"{self.attr}={value!r} is not one of {self.values}"
        return None

    def describe(self) -> str:
        return f"{self.attr} in {self.values}"


class LastDimMultiple(_Model):
    """The last dim of input ``input`` is a multiple of ``multiple``."""

    kind: Literal["last_dim_multiple"] = "last_dim_multiple"
    multiple: int
    input: int = 0

    def violation(self, node: Node, graph: Graph) -> str | None:
        if len(node.inputs) <= self.input or not node.inputs[self.input]:
            return None
        shape = graph.types[node.inputs[self.input]].shape
        if shape and (not isinstance(shape[-1], int) or shape[-1] % self.multiple):
            return (f"last dim {shape[-1]} of input {self.input} is not a multiple of "
                    f"{self.multiple}")
        return None

    def describe(self) -> str:
        return f"last dim of input {self.input} a multiple of {self.multiple}"


class MaxDimSize(_Model):
    """Dim ``dim`` of input ``input`` is at most ``max`` (e.g. attention head size)."""

    kind: Literal["max_dim_size"] = "max_dim_size"
    max: int
    input: int = 0
    dim: int = -1

    def violation(self, node: Node, graph: Graph) -> str | None:
        if len(node.inputs) <= self.input or not node.inputs[self.input]:
            return None
        shape = graph.types[node.inputs[self.input]].shape
        if not shape:
            return None
        if not -len(shape) <= self.dim < len(shape):
            return f"input {self.input} has rank {len(shape)}, so it has no dim {self.dim}"
        size = shape[self.dim]
        if not isinstance(size, int) or size > self.max:
            return f"dim {self.dim} of input {self.input} is {size}, above {self.max}"
        return None

    def describe(self) -> str:
        return f"dim {self.dim} of input {self.input} <= {self.max}"


class ConstantInput(_Model):
    """Input ``input`` is a constant (a param) or given as a scalar attr."""

    kind: Literal["constant_input"] = "constant_input"
    input: int

    def violation(self, node: Node, graph: Graph) -> str | None:
        if len(node.inputs) <= self.input or not node.inputs[self.input]:
            return None
        if node.inputs[self.input] not in graph.params:
            return f"input {self.input} ({node.inputs[self.input]}) must be a constant"
        return None

    def describe(self) -> str:
        return f"input {self.input} constant"


InputClass = Literal["contiguous", "transposed", "strided", "expanded", "zero_stride",
                     "nan_inf", "zero_size", "rank0"]
"""A class of inputs the conformance kit feeds every op (see :mod:`hwsdk.testing.inputs`)."""

INPUT_CLASSES: tuple[str, ...] = get_args(InputClass)


class UnhandledInputs(_Model):
    """The target does not handle inputs of these classes for the op (declared, with why).

    Layouts and values are facts of a call, not of the graph, so this never moves a node; it
    tells users and the conformance kit, which reports the pair as declared, not failed.
    """

    kind: Literal["unhandled_inputs"] = "unhandled_inputs"
    classes: list[InputClass] = Field(min_length=1)
    why: str = Field(min_length=1)

    def violation(self, node: Node, graph: Graph) -> str | None:
        return None

    def describe(self) -> str:
        return f"no {', '.join(self.classes)} inputs ({self.why})"


Constraint = Annotated[
    Union[MaxRank, StaticShape, AttrIn, LastDimMultiple, MaxDimSize, ConstantInput,
          UnhandledInputs],
    Field(discriminator="kind"),
]


class OpSupport(_Model):
    """Support for one core op on one target."""

    dtypes: dict[DType, Support]
    constraints: list[Constraint] = Field(default_factory=list)
    note: str = ""
    source: str = ""


class CapabilityTable(_Model):
    """What one target (or variant) can run. ``ops`` is keyed by core op name."""

    target: str
    version: str
    opset_version: int
    provenance: list[Provenance] = Field(min_length=1)
    ops: dict[str, OpSupport]
    constraints: list[Constraint] = Field(default_factory=list)
    note: str = ""

    def support(self, op: str, dtype: DType) -> Support:
        entry = self.ops.get(op)
        if entry is None:
            return "no"
        return entry.dtypes.get(dtype, default_support(dtype))


class ReasonCode(enum.StrEnum):
    """Why a node was placed where it was."""

    SUPPORTED = "SUPPORTED"
    NO_KERNEL = "NO_KERNEL"
    OPAQUE_OP = "OPAQUE_OP"
    DTYPE = "DTYPE"
    UNKNOWN = "UNKNOWN"
    CONSTRAINT = "CONSTRAINT"
    DYNAMIC_SHAPE = "DYNAMIC_SHAPE"
    USER_FALLBACK = "USER_FALLBACK"
    BLOCK_TOO_SMALL = "BLOCK_TOO_SMALL"
    CYCLE = "CYCLE"
    COMPILE_FAILED = "COMPILE_FAILED"
    TARGET_UNAVAILABLE = "TARGET_UNAVAILABLE"
    FALLBACK = "FALLBACK"

    def __str__(self) -> str:
        return self.value


class Verdict(_Model):
    """Whether ``target`` can run node ``node_id``, with a reason code and an actionable reason."""

    target: str
    node_id: str
    ok: bool
    code: ReasonCode
    reason: str


_INDEX_INPUTS = {"indices", "index", "cond"}


@functools.lru_cache(maxsize=512)
def _is_data_input(op: str) -> tuple[bool, ...]:
    """Per declared input of ``op``: True unless it is an index or a condition; the last entry
    stands for every further (variadic) input."""
    from hwsdk.ir.opdef import get_op

    spec = get_op(op).inputs
    return tuple(label.strip("*?") not in _INDEX_INPUTS for label in spec) or (True,)


def node_dtypes(node: Node, graph: Graph) -> list[DType]:
    """The dtypes a node computes in: its data inputs' (indices and conditions excluded), or its
    outputs' when it has no data inputs; a cast also counts its result dtype."""
    names: list[str] = []
    if node.op != TORCH_OP:
        data = _is_data_input(node.op)
        last = len(data) - 1
        names = [name for i, name in enumerate(node.inputs) if name and data[min(i, last)]]
    if not names or node.op == "cast":
        names.extend(node.outputs)
    types = graph.types
    seen: list[DType] = []
    for name in names:
        dt = types[name].dtype
        if dt not in seen:
            seen.append(dt)
    return seen


def _first_violation(constraints: Iterable[Any], node: Node,
                     graph: Graph) -> tuple[Any, str] | None:
    for constraint in constraints:
        problem = constraint.violation(node, graph)
        if problem:
            return constraint, problem
    return None


def _cite(entry: OpSupport) -> str:
    return f" [source: {entry.source}]" if entry.source else ""


def judge(table: CapabilityTable, node: Node, graph: Graph) -> Verdict:
    """Check ``node`` against ``table``: op present, dtypes ``yes``, constraints met.

    :returns: the verdict; ``SUPPORTED`` when ok, else ``OPAQUE_OP``, ``NO_KERNEL``, ``DTYPE``,
        ``UNKNOWN``, ``DYNAMIC_SHAPE`` (a :class:`StaticShape` constraint) or ``CONSTRAINT``.
    """
    target = table.target
    if node.op == TORCH_OP:
        aten, why = node.attrs.get("target", "?"), node.attrs.get("reason")
        return Verdict(target=target, node_id=node.id, ok=False, code=ReasonCode.OPAQUE_OP,
                       reason=f"{aten} stays opaque ({why}), so only PyTorch runs it" if why
                       else f"{aten} is outside the core op set, so only PyTorch runs it")
    entry = table.ops.get(node.op)
    if entry is None:
        return Verdict(target=target, node_id=node.id, ok=False, code=ReasonCode.NO_KERNEL,
                       reason=f"{target} has no kernel for {node.op} "
                              f"({node.source.aten or node.op})")
    for dtype in node_dtypes(node, graph):
        support = entry.dtypes.get(dtype, default_support(dtype))
        if support == "no":
            supported = sorted(str(d) for d, s in entry.dtypes.items() if s == "yes")
            return Verdict(target=target, node_id=node.id, ok=False, code=ReasonCode.DTYPE,
                           reason=f"{target} runs {node.op} in {', '.join(supported) or 'no dtype'}"
                                  f", not {dtype}{_cite(entry)}; cast the input or keep it in "
                                  "PyTorch")
        if support == "unknown":
            why = entry.note or "the sources are silent"
            return Verdict(target=target, node_id=node.id, ok=False, code=ReasonCode.UNKNOWN,
                           reason=f"support for {node.op} in {dtype} on {target} is unknown "
                                  f"({why}){_cite(entry)}; kept in PyTorch to be safe")
    if table.constraints or entry.constraints:
        found = _first_violation([*table.constraints, *entry.constraints], node, graph)
        if found is not None:
            constraint, problem = found
            code = ReasonCode.DYNAMIC_SHAPE if isinstance(constraint, StaticShape) else \
                ReasonCode.CONSTRAINT
            return Verdict(target=target, node_id=node.id, ok=False, code=code,
                           reason=f"{target} needs {constraint.describe()} for {node.op}: "
                                  f"{problem}")
    return Verdict(target=target, node_id=node.id, ok=True, code=ReasonCode.SUPPORTED,
                   reason=f"{target} supports {node.op}")


def quantized_weight_verdict(table: CapabilityTable, node: Node, graph: Graph,
                             producers: Mapping[str, Node]) -> Verdict | None:
    """A node reading a weight that a ``dequantize`` computes runs only where that dequantize
    runs: a quantized linear is the pair (else its float weight would be written out and
    cross engines). The dequantize's refusal on ``table``'s target, as ``node``'s; None when
    ``node`` reads no dequantized weight or the target runs the dequantize.

    :param producers: value → the node computing it (:meth:`Graph.producers`).
    """
    from hwsdk.ir.ops.quant import weight_format

    for value in node.inputs:
        source = producers.get(value) if value else None
        if source is None or source.op != "dequantize":
            continue
        verdict = judge(table, source, graph)
        if not verdict.ok:
            return Verdict(target=table.target, node_id=node.id, ok=False, code=verdict.code,
                           reason=f"its weight is {weight_format(source)} ({source.id}), "
                                  f"which {table.target} does not run: {verdict.reason}; "
                                  "quantize_fallback='dequantize' gives it a float weight")
    return None
