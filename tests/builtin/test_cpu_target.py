"""The ``cpu`` target: every claimed op x dtype against the op's PyTorch reference, the claims
against the CPU kernels the installed ONNX Runtime registers, hooks, and failure fallback.

Tolerance: float32 results match the reference within atol = rtol = F32_TOL (1e-5); integer
and bool results match exactly.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import torch

from hwsdk.builtin import cpu_target
from hwsdk.engines.ort import compile_region
from hwsdk.ir.dtypes import DType
from tests.lower.onnx.samples import build, case, reference

F32_TOL = 1e-5
CLAIMS = [(op, DType(dt)) for op, dts in sorted(cpu_target._CLAIMS.items()) for dt in dts]


def assert_close(actual: Any, expected: Any, tol: float = F32_TOL) -> None:
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert tuple(actual.shape) == tuple(expected.shape)
    if expected.dtype.is_floating_point:
        torch.testing.assert_close(actual, expected, atol=tol, rtol=tol, equal_nan=True)
    else:
        assert torch.equal(actual, expected)


def _cpu_kernels() -> dict[str, list[tuple[tuple[int, int], set[str]]]]:
    from onnxruntime.capi import _pybind_state as C

    table: dict[str, list[tuple[tuple[int, int], set[str]]]] = {}
    for k in C.get_all_opkernel_def():
        if k.provider == "CPUExecutionProvider" and k.domain in ("", "ai.onnx"):
            types = {t for ts in k.type_constraints.values() for t in ts}
            table.setdefault(k.op_name, []).append((tuple(k.version_range), types))
    return table


@pytest.fixture(scope="module")
def cpu_kernels() -> dict[str, list[tuple[tuple[int, int], set[str]]]]:
    return _cpu_kernels()


def _claim_case(op: str, dtype: DType) -> Any:
    c = case(op, dtype)
    if op == "scaled_dot_product_attention" and dtype == DType.bool:
        from tests.lower.onnx.samples import fixed, rand

        c.inputs.append(fixed(DType.bool, rand(1, 1, 4, 6)))
        dtype = DType.f32
    return c, dtype


@pytest.mark.parametrize(("op", "dtype"), CLAIMS, ids=[f"{o}-{d}" for o, d in CLAIMS])
def test_claim_matches_reference_and_ort_kernels(op: str, dtype: DType,
                                                 cpu_kernels: dict[str, Any]) -> None:
    import onnx

    from hwsdk.lower.onnx import OPSET, lower

    c, run_dtype = _claim_case(op, dtype)
    region, inputs, values = build(c, run_dtype)
    lowered = lower(region.graph, region.nodes, region.inputs, region.outputs)
    inferred = onnx.shape_inference.infer_shapes(lowered.model, strict_mode=True)
    elem = {v.name: v.type.tensor_type.elem_type for v in
            [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]}
    elem.update({i.name: i.data_type for i in inferred.graph.initializer})
    for node in inferred.graph.node:  # the claim's cross-check against ORT's kernel registry
        kernels = [t for (lo, hi), t in cpu_kernels.get(node.op_type, []) if lo <= OPSET <= hi]
        assert kernels, f"ORT registers no CPU kernel for {node.op_type} at opset {OPSET}"
        data = node.input[1:] if node.op_type == "Where" else node.input  # skip a condition
        first = next((i for i in data if i), None)
        if first is not None and node.op_type not in ("Shape", "ConstantOfShape"):
            name = onnx.helper.tensor_dtype_to_np_dtype(elem[first]).name
            onnx_name = {"float32": "float", "float64": "double", "bool": "bool"}.get(name, name)
            assert any(f"tensor({onnx_name})" in t for t in kernels), (node.op_type, onnx_name)
    compiled = compile_region(region, options={"validate": False})
    outputs = compiled.run(inputs, {})
    for got, want in zip(outputs, reference(c, values), strict=True):
        assert_close(got, want)


# --- numerics of the composite ops ------------------------------------------------------------


def _run(op: str, inputs: list[Any], attrs: dict[str, Any], params: tuple[int, ...] = ()) -> Any:
    from tests.lower.onnx.samples import Case

    c = Case(op, [(lambda _, v=v: v) for v in inputs], attrs, params)
    region, region_inputs, values = build(c, DType.f32)
    got = compile_region(region).run(region_inputs, {})[0]
    return got, reference(c, values)[0]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_forms(approximate: str) -> None:
    x = torch.linspace(-8, 8, 1001).reshape(7, 143)
    got, want = _run("gelu", [x], {"approximate": approximate})
    assert_close(got, want)


@pytest.mark.parametrize(("causal", "mask", "gqa"), [
    (True, None, False), (False, "bool", False), (False, "float", False), (True, None, True),
    (False, "bool", True)])
def test_sdpa_causal_mask_gqa(causal: bool, mask: str | None, gqa: bool) -> None:
    hkv = 2 if gqa else 4
    q, k, v = torch.randn(2, 4, 5, 8), torch.randn(2, hkv, 7, 8), torch.randn(2, hkv, 7, 8)
    inputs = [q, k, v]
    if mask == "bool":
        m = torch.rand(2, 1, 5, 7) > 0.3
        m[..., 0] = True  # no fully masked row
        inputs.append(m)
    elif mask == "float":
        inputs.append(torch.randn(1, 4, 5, 7))
    got, want = _run("scaled_dot_product_attention", inputs,
                     {"is_causal": causal, "scale": None if causal else 0.2,
                      "enable_gqa": gqa})
    assert_close(got, want)


def test_layer_norm_and_rms_norm_numerics() -> None:
    x = torch.randn(3, 7, 64) * 10 + 3
    got, want = _run("layer_norm", [x, torch.randn(64), torch.randn(64)],
                     {"normalized_shape": [64], "eps": 1e-5}, params=(1, 2))
    assert_close(got, want)
    got, want = _run("layer_norm", [x], {"normalized_shape": [7, 64], "eps": 1e-6})
    assert_close(got, want)
    got, want = _run("rms_norm", [x, torch.randn(64)], {"normalized_shape": [64], "eps": 1e-6},
                     params=(1,))
    assert_close(got, want)


# --- hooks ----------------------------------------------------------------------------------


def test_target_info_priority_and_options() -> None:
    (target,) = cpu_target.hwsdk_targets()
    info = target.info
    assert info.name == "cpu" and 0 < info.priority < 20
    for option in ("num_threads", "inter_op_threads", "graph_optimization_level", "providers",
                   "engine"):
        assert option in info.options


def test_probe_reports_providers_and_versions() -> None:
    import onnxruntime

    target = cpu_target.CpuTarget()
    found = target.probe(deep=True)
    assert found.available
    assert "CPUExecutionProvider" in found.versions["providers"]
    assert found.versions["onnxruntime"] == onnxruntime.__version__
    quick = target.probe(deep=False)
    assert quick.available and "providers" not in quick.versions


def test_capability_table_provenance_records_ort_version() -> None:
    import onnxruntime

    table = cpu_target.CpuTarget().capabilities()
    assert table.version == onnxruntime.__version__
    assert all(p.version == onnxruntime.__version__ for p in table.provenance)
    from hwsdk.lower.onnx import lowered_ops

    assert set(table.ops) <= set(lowered_ops())
    assert table.support("linear", DType.bf16) == "unknown"


def test_session_failure_falls_back_with_ort_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk
    from hwsdk.lower.onnx import ops_elementwise
    from hwsdk.lower.onnx.registry import CONVERTERS

    def broken(b: Any, node: Any, ins: list[str]) -> list[str]:
        return [b.op1("NoSuchOnnxOp", ins)]

    monkeypatch.setitem(CONVERTERS, "relu", broken)
    _ = ops_elementwise
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()).eval()
    x = torch.randn(2, 4)
    with pytest.warns(UserWarning, match="failed to compile"):
        compiled = hwsdk.compile(model, (x,), target="cpu")
    (region,) = compiled.plan.regions
    assert region.status != "compiled"
    text = compiled.plan.to_json()
    assert "COMPILE_FAILED" in text and "NoSuchOnnxOp" in text
    torch.testing.assert_close(compiled(x), model(x))


# --- whole models -----------------------------------------------------------------------------

MODEL_TOL = 1e-4


def _max_error(out: Any, ref: Any) -> float:
    from torch.utils._pytree import tree_leaves

    pairs = zip(tree_leaves(out), tree_leaves(ref), strict=True)
    return max(float((a.detach() - b.detach()).abs().max()) for a, b in pairs
               if isinstance(a, torch.Tensor))


@pytest.mark.parametrize(("name", "dynamic"), [("mlp", True), ("resnet", False),
                                             ("bert", False), ("gpt2", True), ("llama", False)])
def test_model_matches_eager_and_plan_shows_cpu(name: str, dynamic: bool) -> None:
    import hwsdk
    from tests import models

    model, inputs = models.ALL[name]()
    dynamic_shapes = ({0: torch.export.Dim("batch", min=1, max=16)},) if dynamic else None
    compiled = hwsdk.compile(model, inputs, target="cpu", num_threads=1,
                             dynamic_shapes=dynamic_shapes)
    cpu_regions = [r for r in compiled.plan.regions if r.target == "cpu"]
    assert cpu_regions and all(r.status == "compiled" for r in cpu_regions)
    assert all(r.details["engine"] == "onnxruntime" for r in cpu_regions)
    # Every core op runs on cpu; only ops outside the core op set (opaque) may fall back.
    fallback = {i.code.value for i in compiled.plan.nodes.values() if i.target != "cpu"}
    assert fallback <= {"OPAQUE_OP"}, compiled.plan.summary()
    batches = [inputs] if not dynamic else [
        (inputs[0][:1].repeat(n, *([1] * (inputs[0].dim() - 1))),) for n in (1, 2, 5)]
    for args in batches:
        with torch.no_grad():
            assert _max_error(compiled(*args), model(*args)) < MODEL_TOL


def test_auto_prefers_cpu_over_torch() -> None:
    import hwsdk

    infos = {i.name: i for i in hwsdk.targets()}
    assert infos["cpu"].priority > infos["torch"].priority


def test_run_failure_at_validation_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk
    from hwsdk.engines import ort as engine

    def failing(self: Any, inputs: Any, env: Any) -> Any:
        raise engine.EngineError("onnxruntime failed running region r0: [ONNXRuntimeError] boom")

    monkeypatch.setattr(engine.OrtRegion, "run", failing)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh()).eval()
    x = torch.randn(2, 4)
    with pytest.warns(UserWarning, match="failed to compile"):
        compiled = hwsdk.compile(model, (x,), target="cpu")
    assert "COMPILE_FAILED" in compiled.plan.to_json() and "boom" in compiled.plan.to_json()
    torch.testing.assert_close(compiled(x), model(x))
