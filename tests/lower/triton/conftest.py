"""Helpers for the Triton lowering tests.

Graphs are built node by node (:class:`Build`) rather than captured with torch.export, which
keeps each test well under a second; the oracle is each op's PyTorch reference
(``hwsdk.ir.eager.run_node``), and the kernels run in Triton's interpreter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TOLERANCE = {"float32": (1e-4, 1e-4), "float16": (2e-3, 2e-3), "bfloat16": (2e-2, 2e-2)}
"""(rtol, atol) per output dtype: f32 is near-exact (fused math, fp32 accumulation); f16/bf16
differ from eager by the rounding of intermediates eager stores and a fused kernel keeps."""


class Build:
    """A tiny IR graph builder: ``b.op("add", x, y)`` infers the type with the op's OpDef."""

    def __init__(self) -> None:
        from hwsdk.ir.graph import TensorType

        self.TensorType = TensorType
        self.inputs: list[str] = []
        self.params: list[str] = []
        self.data: dict[str, Any] = {}
        self.types: dict[str, Any] = {}
        self.nodes: list[Any] = []

    def input(self, tensor: Any, param: bool = False) -> str:
        from hwsdk.ir.dtypes import from_torch

        name = f"{'w' if param else 'x'}{len(self.data)}"
        self.types[name] = self.TensorType(from_torch(tensor.dtype), tuple(tensor.shape))
        self.data[name] = tensor
        (self.params if param else self.inputs).append(name)
        return name

    def op(self, op: str, *inputs: str, n_out: int = 1, **attrs: Any) -> Any:
        from hwsdk.ir.graph import Node
        from hwsdk.ir.opdef import get_op

        opdef = get_op(op)
        full = opdef.check_attrs(attrs)
        out_types = opdef.infer([self.types[v] for v in inputs if v], full)
        nid = f"n{len(self.nodes)}_{op}"
        outs = [f"{nid}_o{i}" for i in range(len(out_types))]
        self.types.update(zip(outs, out_types, strict=True))
        self.nodes.append(Node(nid, op, list(inputs), full, outs))
        return outs[0] if len(outs) == 1 else outs

    def graph(self, outputs: Sequence[str]) -> Any:
        from hwsdk.ir.graph import Graph

        g = Graph(list(self.inputs), list(outputs), list(self.nodes), dict(self.types),
                  list(self.params), {p: self.data[p] for p in self.params})
        g.validate()
        return g


def reference(graph: Any, feeds: Sequence[Any]) -> list[Any]:
    """Run ``graph`` node by node with the PyTorch references."""
    from hwsdk.ir.eager import run_node

    values = dict(zip(graph.inputs, feeds, strict=True)) | dict(graph.param_data)
    for node in graph.nodes:
        args = [values[v] if v else None for v in node.inputs]
        values.update(zip(node.outputs, run_node(node, args, {}), strict=False))
    return [values[v] for v in graph.outputs]


def lower_graph(graph: Any, arch: str = "sm_90", backend: str = "cuda") -> Any:
    """Lower all of ``graph`` to one emulated Triton region (every node must be claimed)."""
    from hwsdk.lower.triton import compile_region, unsupported_reason
    from hwsdk.plugin import Region

    refused = {n.id: r for n in graph.nodes if (r := unsupported_reason(n, graph))}
    assert not refused, refused
    region = Region("r0", f"test:{arch}", graph, list(graph.nodes), list(graph.inputs),
                    list(graph.outputs), list(graph.params))
    return compile_region(region, arch, backend, emulate=True, target=f"test:{arch}")


def assert_matches(got: Sequence[Any], expected: Sequence[Any]) -> None:
    import torch

    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == e.dtype and tuple(g.shape) == tuple(e.shape), (g.dtype, e.dtype)
        rtol, atol = TOLERANCE.get(str(e.dtype).removeprefix("torch."), (0, 0))
        torch.testing.assert_close(g, e, rtol=rtol, atol=atol, equal_nan=True)


def check(b: Build, outputs: Sequence[str], arch: str = "sm_90") -> Any:
    """Lower the built graph, run it emulated, compare with the references; returns it."""
    graph = b.graph(outputs)
    feeds = [b.data[v] for v in graph.inputs]
    compiled = lower_graph(graph, arch)
    assert_matches(compiled.run(feeds, {}), reference(graph, feeds))
    return compiled


def families(compiled: Any) -> list[str]:
    return [k.family for k in compiled.program.kernels]
