"""The ONNX Runtime engine: zero-copy binding, concurrent calls, options, providers, probe."""

from __future__ import annotations

import threading
from typing import Any

import pytest

ort = pytest.importorskip("onnxruntime")

import torch  # noqa: E402

from hwsdk.engines.ort import (  # noqa: E402
    EngineError,
    OrtRegion,
    available_providers,
    compile_region,
    probe,
    session_options,
)
from hwsdk.errors import InvalidArgumentError  # noqa: E402
from hwsdk.ir.dtypes import DType  # noqa: E402
from hwsdk.ir.graph import Graph, Node, TensorType  # noqa: E402
from hwsdk.plugin import Region  # noqa: E402


def _region(batch: Any = 4) -> Region:
    t = TensorType(DType.f32, (batch, 16))
    nodes = [Node("n0", "linear", ["x", "w", "b"], {}, ["h"]),
             Node("n1", "relu", ["h"], {}, ["y"])]
    graph = Graph(inputs=["x"], outputs=["y"], nodes=nodes,
                  types={"x": t, "w": TensorType(DType.f32, (16, 16)),
                         "b": TensorType(DType.f32, (16,)), "h": t, "y": t},
                  params=["w", "b"],
                  param_data={"w": torch.randn(16, 16), "b": torch.randn(16)})
    return Region("r0", "cpu", graph, nodes, ["x"], ["y"], ["w", "b"])


def _expected(region: Region, x: torch.Tensor) -> torch.Tensor:
    return torch.relu(torch.nn.functional.linear(x, region.param("w"), region.param("b")))


def test_default_path_adopts_ort_buffers_without_copy() -> None:
    region = _region()
    compiled = compile_region(region, options={"num_threads": 1})
    x = torch.randn(4, 16)
    (y,) = compiled.run([x], {})
    assert not y.numpy().flags["OWNDATA"]  # numpy adopted ONNX Runtime's buffer, torch numpy's
    torch.testing.assert_close(y, _expected(region, x), atol=1e-5, rtol=1e-5)


def test_io_binding_writes_into_preallocated_tensors(monkeypatch: pytest.MonkeyPatch) -> None:
    region = _region()
    compiled = compile_region(region, options={"num_threads": 1, "io_binding": True})
    assert compiled.details["engine"] == "onnxruntime"
    assert compiled.details["providers"] == ["CPUExecutionProvider"]
    assert compiled.details["validated"] is True
    allocated: list[torch.Tensor] = []
    real_empty = torch.empty

    def spy(*args: Any, **kwargs: Any) -> torch.Tensor:
        out = real_empty(*args, **kwargs)
        allocated.append(out)
        return out

    monkeypatch.setattr(torch, "empty", spy)
    x = torch.randn(4, 16)
    (y,) = compiled.run([x], {})
    assert len(allocated) == 1 and y.data_ptr() == allocated[0].data_ptr()  # no copy out
    torch.testing.assert_close(y, _expected(region, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("io_binding", [False, True])
def test_non_contiguous_input_and_symbolic_output_shape(io_binding: bool) -> None:
    region = _region("b")
    compiled = compile_region(region, options={"io_binding": io_binding})
    assert "validated" not in compiled.details  # dynamic shapes are not validated on zeros
    x = torch.randn(16, 6).t()  # (6, 16), not contiguous
    (y,) = compiled.run([x], {"b": 6})
    torch.testing.assert_close(y, _expected(region, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("io_binding", [False, True])
def test_concurrent_calls_share_one_session(io_binding: bool) -> None:
    region = _region("b")
    compiled = compile_region(region, options={"num_threads": 1, "io_binding": io_binding})
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for i in range(20):
                x = torch.full((1 + (seed + i) % 5, 16), float(seed))
                (y,) = compiled.run([x], {"b": x.shape[0]})
                torch.testing.assert_close(y, _expected(region, x), atol=1e-5, rtol=1e-5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_options_reach_the_session_options() -> None:
    so = session_options({"num_threads": 3, "inter_op_threads": 2,
                          "graph_optimization_level": "basic"})
    assert so.intra_op_num_threads == 3 and so.inter_op_num_threads == 2
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    with pytest.raises(InvalidArgumentError, match="num_threads"):
        session_options({"num_threads": -1})
    with pytest.raises(InvalidArgumentError, match="graph_optimization_level"):
        session_options({"graph_optimization_level": "max"})


def _spins(region: OrtRegion) -> str:
    """The session's allow_spinning entry ("1", ONNX Runtime's default, when unset)."""
    try:
        return str(region.session.get_session_options().get_session_config_entry(
            "session.intra_op.allow_spinning"))
    except RuntimeError:  # "does not have configuration with key"
        return "1"


def test_threads_spin_only_for_a_plans_only_region() -> None:
    """A plan's only region keeps ONNX Runtime's spinning threads (back-to-back calls stay
    fast); a region with others running between its calls does not spin (its threads would
    take their cores); the option overrides either way, and the plan says which and why."""
    import dataclasses

    base = _region()
    alone = compile_region(base)
    assert _spins(alone) == "1" and alone.details["thread_spinning"].startswith("on (the plan")
    shared = compile_region(dataclasses.replace(base, alone=False))
    assert _spins(shared) == "0" and shared.details["thread_spinning"].startswith("off (other")
    forced = compile_region(dataclasses.replace(base, alone=False), options={"spinning": True})
    assert _spins(forced) == "1" and "option spinning=True" in forced.details["thread_spinning"]
    x = torch.randn(4, 16)
    for region in (alone, shared, forced):
        assert torch.allclose(region.run([x], {})[0], _expected(base, x), atol=1e-5)
    with pytest.raises(InvalidArgumentError, match="spinning must be True or False"):
        compile_region(_region(), options={"spinning": "no"})


def test_missing_provider_is_an_engine_error_naming_what_exists() -> None:
    with pytest.raises(EngineError, match="CPUExecutionProvider"):
        compile_region(_region(), providers=["NoSuchExecutionProvider"])


def test_probe_lists_providers() -> None:
    found = probe()
    assert found["available"] and found["providers"] == available_providers()
    assert found["versions"]["onnxruntime"] == ort.__version__
    assert not probe(required=["NoSuchExecutionProvider"])["available"]


@pytest.mark.parametrize("io_binding", [False, True])
def test_run_failure_carries_ort_message(io_binding: bool) -> None:
    compiled = compile_region(_region("b"), options={"io_binding": io_binding})
    assert isinstance(compiled, OrtRegion)
    with pytest.raises(EngineError, match="onnxruntime failed running region r0"):
        compiled.run([torch.randn(3, 5)], {"b": 3})  # wrong inner dim


def test_dump_onnx_writes_the_model(tmp_path: Any) -> None:
    import onnx

    compile_region(_region(), options={"dump_onnx": str(tmp_path)})
    onnx.checker.check_model(onnx.load(str(tmp_path / "r0.onnx")))


def test_weights_reach_the_session_without_a_copy_into_the_model() -> None:
    from hwsdk.lower.onnx import lower

    region = _region()
    lowered = lower(region.graph, region.nodes, region.inputs, region.outputs,
                    external_weights=True)
    assert set(lowered.external_data) == {"w", "b"}
    assert all(not t.raw_data for t in lowered.model.graph.initializer)
    assert lowered.external_data["w"].ctypes.data == region.param("w").data_ptr()  # shared
    compiled = compile_region(region)
    assert len(compiled._keep) == 2
    x = torch.randn(4, 16)
    torch.testing.assert_close(compiled.run([x], {})[0], _expected(region, x), atol=1e-5,
                               rtol=1e-5)


def _three_input_region(w: torch.Tensor) -> Region:
    t = TensorType(DType.f32, (6, 8))
    nodes = [Node("n0", "mul", ["x", "y"], {}, ["h"]), Node("n1", "add", ["h", "z"], {}, ["s"]),
             Node("n2", "linear", ["s", "w", ""], {}, ["out"])]
    graph = Graph(inputs=["x", "y", "z"], outputs=["out"], nodes=nodes,
                  types={"x": t, "y": t, "z": TensorType(DType.f32, (8,)), "h": t, "s": t,
                         "w": TensorType(DType.f32, (8, 8)), "out": t},
                  params=["w"], param_data={"w": w})
    return Region("r0", "cpu", graph, nodes, ["x", "y", "z"], ["out"], ["w"])


@pytest.mark.parametrize("io_binding", [False, True])
@pytest.mark.parametrize("layout", ["transposed", "strided", "expanded", "zero_stride"])
@pytest.mark.parametrize("position", ["x", "y", "z", "w"])
def test_non_contiguous_input_in_every_position_outlives_nothing(
        io_binding: bool, layout: str, position: str) -> None:
    """Issue 13: a contiguous copy of a strided input must live until the engine has read it,
    and what comes back must not point into memory freed after the call."""
    import gc

    from hwsdk.testing.inputs import relayout

    gen = torch.Generator().manual_seed(0)
    values = {"x": torch.randn(6, 8, generator=gen), "y": torch.randn(6, 8, generator=gen),
              "z": torch.randn(8, generator=gen), "w": torch.randn(8, 8, generator=gen)}
    values[position] = relayout(values[position], layout)
    assert not values[position].is_contiguous() or values[position].dim() < 2
    x, y, z, w = (values[k] for k in "xyzw")
    want = torch.nn.functional.linear(x * y + z, w)
    compiled = compile_region(_three_input_region(w), options={"io_binding": io_binding})
    outs = [compiled.run([x, y, z], {})[0] for _ in range(3)]
    del x, y, z, values
    gc.collect()
    junk = [torch.full((6, 8), 1e30) for _ in range(64)]  # reuse whatever was freed
    for out in outs:
        torch.testing.assert_close(out, want, atol=1e-5, rtol=1e-5)
    assert len({o.data_ptr() for o in outs}) == 3 and junk  # every call owns its output


def test_inputs_that_require_grad_are_read_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime calls the region itself; a tensor that requires grad (a parameter fed as an
    input, a KV cache the user made with requires_grad) is fed as a view, not copied."""
    region = _region()
    compiled = compile_region(region, options={"num_threads": 1})
    x = torch.randn(4, 16, requires_grad=True)
    seen: list[int] = []
    real_run = compiled._sess.run

    def spy(names: Any, feeds: dict[str, Any], options: Any) -> Any:
        seen.extend(a.ctypes.data for a in feeds.values())
        return real_run(names, feeds, options)

    monkeypatch.setattr(compiled, "_sess", type("S", (), {"run": staticmethod(spy)}))
    (y,) = compiled([x], {})
    assert seen == [x.data_ptr()]
    assert not y.requires_grad
    torch.testing.assert_close(y, _expected(region, x.detach()), atol=1e-5, rtol=1e-5)


def test_huge_pages_are_asked_for_and_recorded_or_refused() -> None:
    from hwsdk.engines.huge_pages import unavailable

    region = _region()
    x = torch.randn(4, 16)
    assert compile_region(region).details["huge_pages"] == {"skipped": "huge_pages=False"}
    on = compile_region(region, options={"huge_pages": True})
    record = on.details["huge_pages"]
    if unavailable():
        assert record == {"skipped": unavailable()}
    else:
        assert "advised_mib" in record and set(record) <= {"advised_mib", "huge_mib", "note"}
    assert torch.allclose(on.run([x], {})[0], _expected(region, x), atol=1e-5)
    with pytest.raises(InvalidArgumentError, match="huge_pages must be True or False"):
        compile_region(region, options={"huge_pages": "yes"})
