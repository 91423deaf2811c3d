"""IR → ONNX lowering: every core op gives a model that passes onnx.checker and strict shape
inference; symbolic dims become dim_params and in-graph shape arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

onnx = pytest.importorskip("onnx")

import torch  # noqa: E402

from hwsdk.ir.dtypes import DType  # noqa: E402
from hwsdk.ir.graph import Graph, Node, TensorType  # noqa: E402
from hwsdk.ir.opdef import all_ops  # noqa: E402
from hwsdk.lower.onnx import (  # noqa: E402
    OPSET,
    SYM_PREFIX,
    LoweringError,
    lower,
    lowered_ops,
    unsupported_reason,
)
from tests.lower.onnx.samples import build, case  # noqa: E402

OPS = [op.name for op in all_ops()]


def check(model: Any) -> Any:
    onnx.checker.check_model(model, full_check=True)
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def test_every_core_op_has_a_converter() -> None:
    assert set(lowered_ops()) == set(OPS)


@pytest.mark.parametrize("op", OPS)
def test_op_lowers_to_a_valid_model(op: str) -> None:
    dtype = DType.bool if op.startswith("logical") else DType.f32
    region, _, _ = build(case(op, dtype), dtype)
    lowered = lower(region.graph, region.nodes, region.inputs, region.outputs)
    model = check(lowered.model)
    assert model.opset_import[0].version == OPSET
    assert [o.name for o in model.graph.output] == lowered.outputs
    for param in region.params:
        assert any(i.name.startswith(param) for i in model.graph.initializer)


def _graph(x_shape: tuple[Any, ...], nodes: list[Node], types: dict[str, TensorType],
           outputs: list[str]) -> Graph:
    types = {"x": TensorType(DType.f32, x_shape), **types}
    graph = Graph(inputs=["x"], outputs=outputs, nodes=nodes, types=types)
    graph.validate()
    return graph


def _run(model: Any, feeds: dict[str, Any]) -> list[Any]:
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {k: v.numpy() for k, v in feeds.items()})


def test_symbolic_dims_are_dim_params_and_reshape_computes_them() -> None:
    pytest.importorskip("onnxruntime")
    nodes = [
        Node("n0", "reshape", ["x"], {"shape": ["s0", 8, "s1 // 2", 2]}, ["y"]),
        Node("n1", "reshape", ["y"], {"shape": ["2*s0", -1]}, ["z"]),
        Node("n2", "slice", ["z"], {"dim": 1, "start": 0, "end": "s1 - 1", "step": 1}, ["w"]),
    ]
    types = {"y": TensorType(DType.f32, ("s0", 8, "s1 // 2", 2)),
             "z": TensorType(DType.f32, ("2*s0", "?")),
             "w": TensorType(DType.f32, ("2*s0", "s1 - 1"))}
    graph = _graph(("s0", 8, "s1"), nodes, types, ["z", "w"])
    lowered = lower(graph, nodes, ["x"], ["z", "w"])
    model = check(lowered.model)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["s0", 8, "s1"]
    assert lowered.symbols == []  # both symbols are read from x's shape
    for s0, s1 in ((1, 6), (3, 10)):
        x = torch.randn(s0, 8, s1)
        z, w = _run(lowered.model, {"x": x})
        expected = x.reshape(s0, 8, s1 // 2, 2).reshape(2 * s0, -1)
        assert z.shape == tuple(expected.shape)
        assert torch.equal(torch.from_numpy(w), expected[:, : s1 - 1])


def test_symbol_no_input_carries_becomes_a_scalar_input() -> None:
    pytest.importorskip("onnxruntime")
    nodes = [Node("n0", "full", [], {"shape": ["n", 2], "value": 1.5, "dtype": "f32"}, ["f"]),
             Node("n1", "arange", [], {"start": 0, "end": "n", "step": 1, "dtype": "i64"},
                  ["r"])]
    types = {"f": TensorType(DType.f32, ("n", 2)), "r": TensorType(DType.i64, ("n",))}
    graph = _graph((3,), nodes, types, ["f", "r"])
    lowered = lower(graph, nodes, ["x"], ["f", "r"])
    check(lowered.model)
    assert lowered.symbols == ["n"] and lowered.inputs[-1] == SYM_PREFIX + "n"
    f, r = _run(lowered.model, {"x": torch.zeros(3), SYM_PREFIX + "n": torch.tensor(5)})
    assert f.shape == (5, 2) and (f == 1.5).all()
    assert r.tolist() == [0, 1, 2, 3, 4]


def test_floor_division_of_symbols_matches_python() -> None:
    pytest.importorskip("onnxruntime")
    nodes = [Node("n0", "full", [], {"shape": ["(s0 - 7)//3 + 1"], "value": 0, "dtype": "i64"},
                  ["f"])]
    graph = _graph(("s0",), nodes, {"f": TensorType(DType.i64, ("(s0 - 7)//3 + 1",))}, ["f"])
    lowered = lower(graph, nodes, ["x"], ["f"])
    for s0 in (7, 8, 9, 10, 16):
        (f,) = _run(lowered.model, {"x": torch.zeros(s0)})
        assert f.shape == ((s0 - 7) // 3 + 1,)


def test_expand_keeps_symbolic_dims() -> None:
    pytest.importorskip("onnxruntime")
    nodes = [Node("n0", "unsqueeze", ["x"], {"dim": 1}, ["u"]),
             Node("n1", "expand", ["u"], {"shape": ["b", 3, -1]}, ["e"])]
    types = {"u": TensorType(DType.f32, ("b", 1, 4)), "e": TensorType(DType.f32, ("b", 3, 4))}
    graph = _graph(("b", 4), nodes, types, ["e"])
    lowered = lower(graph, nodes, ["x"], ["e"])
    check(lowered.model)
    x = torch.randn(5, 4)
    (e,) = _run(lowered.model, {"x": x})
    assert torch.equal(torch.from_numpy(e), x[:, None].expand(5, 3, 4))


def test_torch_op_and_bad_forms_are_refused_with_reasons() -> None:
    nodes = [Node("n0", "torch_op", ["x"], {"target": "aten.nonzero.default", "args": [],
                                            "kwargs": {}}, ["y"])]
    graph = _graph((3,), nodes, {"y": TensorType(DType.i64, ("u0", 1))}, ["y"])
    assert "aten.nonzero.default" in (unsupported_reason(nodes[0], graph) or "")
    with pytest.raises(LoweringError, match="n0 \\(torch_op\\)"):
        lower(graph, nodes, ["x"], ["y"])
    pool = Node("p", "adaptive_avg_pool2d", ["x"], {"output_size": [3, 3]}, ["z"])
    graph = _graph((1, 2, 8, 8), [pool], {"z": TensorType(DType.f32, (1, 2, 3, 3))}, ["z"])
    assert "uneven" in (unsupported_reason(pool, graph) or "")
    cast = Node("c", "cast", ["x"], {"dtype": "bf16"}, ["z"])
    graph = _graph((2,), [cast], {"z": TensorType(DType.bf16, (2,))}, ["z"])
    assert "bf16" in (unsupported_reason(cast, graph) or "")


def test_outputs_are_written_by_their_producer_without_an_identity_copy() -> None:
    """An output other nodes also read (an LLM step's grown KV cache) is the producer's own
    output: ONNX Runtime keeps an Identity there and copies the tensor on every call."""
    pytest.importorskip("onnxruntime")
    nodes = [Node("n0", "cat", ["x", "x"], {"dim": 0}, ["c"]),
             Node("n1", "mul", ["c", "c"], {}, ["m"])]
    types = {"c": TensorType(DType.f32, (4, 3)), "m": TensorType(DType.f32, (4, 3))}
    graph = _graph((2, 3), nodes, types, ["c", "m"])
    lowered = lower(graph, nodes, ["x"], ["c", "m", "x", "c"])
    model = check(lowered.model)
    assert lowered.outputs == ["c", "m", "x::out", "c::out"]
    identities = [(n.input[0], n.output[0]) for n in model.graph.node if n.op_type == "Identity"]
    assert identities == [("x", "x::out"), ("c", "c::out")]  # a passthrough, a second copy
    concat = next(n for n in model.graph.node if n.op_type == "Concat")
    assert list(concat.output) == ["c"]
    x = torch.randn(2, 3)
    c, m, x_out, c_again = _run(lowered.model, {"x": x})
    expected = torch.cat([x, x])
    assert torch.equal(torch.from_numpy(c), expected) and torch.equal(torch.from_numpy(c_again),
                                                                       expected)
    assert torch.equal(torch.from_numpy(m), expected * expected)
    assert torch.equal(torch.from_numpy(x_out), x)


def test_rms_norm_written_with_rsqrt_is_fused_by_onnx_runtime(tmp_path: Any) -> None:
    """x * rsqrt(mean(x^2) + eps) * w, as Llama-style models write RMSNorm, becomes one
    SimplifiedLayerNormalization in ONNX Runtime (a Reciprocal instead of 1 / Sqrt is not
    matched, and runs as seven nodes)."""
    ort = pytest.importorskip("onnxruntime")
    from hwsdk.ir.capture import capture

    class RMS(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.rand(16))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.w

    model, x = RMS(), torch.randn(2, 3, 16)
    graph = capture(model, (x,)).graph
    lowered = lower(graph, graph.nodes, graph.inputs, graph.outputs)
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    options.log_severity_level = 3
    session = ort.InferenceSession(lowered.serialize(), options,
                                   providers=["CPUExecutionProvider"])
    ops = [n.op_type for n in onnx.load(str(tmp_path / "optimized.onnx")).graph.node]
    assert ops == ["SimplifiedLayerNormalization"]
    (out,) = session.run(None, {graph.inputs[0]: x.numpy()})
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(out), model(x))


@pytest.mark.parametrize("is_causal", [False, True])
def test_attention_without_a_mask_has_no_masked_row_guard(is_causal: bool) -> None:
    """Only a mask input can leave a row with no allowed key (a causal row keeps key 0), so
    unmasked attention is Softmax alone: the IsInf/ReduceMin/Where guard cost an LLM-sized
    decode step about 3 % of its time."""
    pytest.importorskip("onnxruntime")
    from hwsdk.ir.capture import capture

    class Attention(torch.nn.Module):
        def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=is_causal)

    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 5, 8, generator=gen) for _ in range(3))
    graph = capture(Attention(), (q, k, v)).graph
    lowered = lower(graph, graph.nodes, graph.inputs, graph.outputs)
    ops = {n.op_type for n in check(lowered.model).graph.node}
    assert "Softmax" in ops and not ops & {"IsInf", "ReduceMin"}
    (out,) = _run(lowered.model, dict(zip(graph.inputs, (q, k, v), strict=True)))
    torch.testing.assert_close(torch.from_numpy(out), Attention()(q, k, v), atol=1e-5,
                               rtol=1e-5)


def test_a_dim_onnx_cannot_compute_is_refused_at_planning_time() -> None:
    """CeilToInt has no ONNX int64 form: the node is refused with the reason when the plan is
    made (it stays in PyTorch), instead of failing its region's compile."""
    node = Node("n0", "reshape", ["x"], {"shape": ["CeilToInt(IntTrueDiv(s0, 2))", 2]}, ["y"])
    graph = _graph(("s0", 2), [node], {"y": TensorType(DType.f32, ("?", 2))}, ["y"])
    reason = unsupported_reason(node, graph)
    assert reason is not None and "the function CeilToInt" in reason
    ok = Node("n0", "reshape", ["x"], {"shape": ["Max(1, s0 // 2)", 4]}, ["y"])
    assert unsupported_reason(ok, graph) is None


def test_cache_writes_with_one_index_share_its_broadcast() -> None:
    """A step's key and value writes at the same positions (two per layer) build the index
    ScatterElements wants once: Reshape, ConstantOfShape, Add per write cost 16 % of an LLM
    step graph's nodes."""
    pytest.importorskip("onnxruntime")
    from hwsdk.ir.capture import capture

    class Writes(torch.nn.Module):
        def forward(self, k_cache: torch.Tensor, v_cache: torch.Tensor, k: torch.Tensor,
                    v: torch.Tensor, at: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return k_cache.index_copy(2, at, k), v_cache.index_copy(2, at, v)

    gen = torch.Generator().manual_seed(0)
    caches = [torch.zeros(1, 2, 6, 4) for _ in range(2)]
    new = [torch.randn(1, 2, 3, 4, generator=gen) for _ in range(2)]
    args = (*caches, *new, torch.tensor([1, 4, 2]))
    graph = capture(Writes(), args).graph
    lowered = lower(graph, graph.nodes, graph.inputs, graph.outputs)
    ops = [n.op_type for n in check(lowered.model).graph.node]
    assert ops.count("ScatterElements") == 2 and ops.count("ConstantOfShape") == 1
    outs = _run(lowered.model, dict(zip(graph.inputs, args, strict=True)))
    for out, expected in zip(outs, Writes()(*args), strict=True):
        torch.testing.assert_close(torch.from_numpy(out), expected)
