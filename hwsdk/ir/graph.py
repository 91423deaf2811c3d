"""The IR data model: tensor types, nodes and graphs, and their JSON form.

Values are referred to by name. A graph holds its nodes in topological order; weights and
folded constants are *params*: typed values whose tensors live in ``Graph.param_data`` and
are never written to JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import IRError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.symbolic import Dim, is_static

__all__ = ["TensorType", "Source", "Node", "Graph", "GRAPH_SCHEMA_VERSION"]

GRAPH_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TensorType:
    """Element type and shape of a tensor value; a dim is an int or a symbol string."""

    dtype: DType
    shape: tuple[Dim, ...]

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_static(self) -> bool:
        return is_static(self.shape)

    def numel(self) -> int | None:
        """Return the element count, or None when a dim is symbolic."""
        if not self.is_static:
            return None
        n = 1
        for d in self.shape:
            n *= int(d)
        return n

    def nbytes(self) -> int | None:
        n = self.numel()
        return None if n is None else n * self.dtype.itemsize

    def __str__(self) -> str:
        return f"{self.dtype.value}[{', '.join(str(d) for d in self.shape)}]"

    def to_json(self) -> dict[str, Any]:
        return {"dtype": self.dtype.value, "shape": list(self.shape)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TensorType:
        return cls(DType(data["dtype"]), tuple(data["shape"]))


@dataclass(frozen=True)
class Source:
    """Where a node came from in the user's model."""

    module_path: str = ""
    module_type: str = ""
    file: str = ""
    line: int = 0
    aten: str = ""

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Source:
        return cls(**data)


@dataclass
class Node:
    """One operation: ``outputs = op(inputs, **attrs)``.

    ``inputs`` are value names; an absent optional input is ``""``.
    """

    id: str
    op: str
    inputs: list[str]
    attrs: dict[str, Any]
    outputs: list[str]
    source: Source = field(default_factory=Source)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "op": self.op, "inputs": self.inputs, "attrs": self.attrs,
            "outputs": self.outputs,
        }
        if self.source.to_json():
            data["source"] = self.source.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Node:
        return cls(
            id=data["id"], op=data["op"], inputs=list(data["inputs"]), attrs=dict(data["attrs"]),
            outputs=list(data["outputs"]), source=Source.from_json(data.get("source", {})),
        )


@dataclass
class Graph:
    """A captured model: inputs, params, nodes in topological order, outputs."""

    inputs: list[str]
    outputs: list[str]
    nodes: list[Node]
    types: dict[str, TensorType]
    params: list[str] = field(default_factory=list)
    param_data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    opset_version: int = 0

    def type_of(self, value: str) -> TensorType:
        try:
            return self.types[value]
        except KeyError:
            raise IRError(f"value {value!r} has no type in this graph") from None

    def producers(self) -> dict[str, Node]:
        """Map each node-produced value to the node producing it."""
        return {out: node for node in self.nodes for out in node.outputs}

    def consumers(self) -> dict[str, list[Node]]:
        """Map each value to the nodes that read it (in node order)."""
        result: dict[str, list[Node]] = {}
        for node in self.nodes:
            for name in node.inputs:
                if name:
                    result.setdefault(name, []).append(node)
        return result

    def node_by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def validate(self) -> None:
        """Check references, topological order and types.

        :raises IRError: naming the first problem found.
        """
        defined = set(self.inputs) | set(self.params)
        ids: set[str] = set()
        for node in self.nodes:
            if node.id in ids:
                raise IRError(f"node id {node.id!r} appears twice")
            ids.add(node.id)
            for name in node.inputs:
                if name and name not in defined:
                    raise IRError(
                        f"node {node.id} ({node.op}) reads {name!r} before it is defined"
                    )
            for name in node.outputs:
                if name in defined:
                    raise IRError(f"value {name!r} is defined twice (again by node {node.id})")
                defined.add(name)
        for name in [*defined, *self.outputs]:
            if name not in self.types:
                raise IRError(f"value {name!r} has no type")
        for name in self.outputs:
            if name not in defined:
                raise IRError(f"graph output {name!r} is never defined")

    # --- JSON --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": GRAPH_SCHEMA_VERSION,
            "opset_version": self.opset_version,
            "inputs": self.inputs,
            "params": self.params,
            "outputs": self.outputs,
            "types": {name: t.to_json() for name, t in sorted(self.types.items())},
            "nodes": [node.to_json() for node in self.nodes],
        }

    def to_json(self, indent: int | None = 1) -> str:
        """Serialize without weights: params keep their names and types only."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Graph:
        version = data.get("schema_version")
        if version != GRAPH_SCHEMA_VERSION:
            raise IRError(
                f"graph JSON has schema_version {version!r}; this hwsdk reads "
                f"{GRAPH_SCHEMA_VERSION}"
            )
        try:
            graph = cls(
                inputs=list(data["inputs"]),
                outputs=list(data["outputs"]),
                nodes=[Node.from_json(n) for n in data["nodes"]],
                types={k: TensorType.from_json(v) for k, v in data["types"].items()},
                params=list(data.get("params", [])),
                opset_version=int(data.get("opset_version", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IRError(f"malformed graph JSON: {exc!r}") from exc
        graph.validate()
        return graph

    @classmethod
    def from_json(cls, text: str) -> Graph:
        return cls.from_dict(json.loads(text))

    def values_used(self, nodes: Iterable[Node]) -> set[str]:
        return {name for node in nodes for name in node.inputs if name}
