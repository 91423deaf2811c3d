"""Program-level facts: deterministic source, grouping, the module file, no-GPU errors."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
import torch

from hwsdk.lower.triton import build_program
from tests.lower.triton.conftest import Build


def _block() -> Build:
    b = Build()
    x = b.input(torch.randn(2, 5, 16))
    w = b.input(torch.randn(16, 16), param=True)
    ln = b.op("layer_norm", b.op("add", x, x), "", "", normalized_shape=[16], eps=1e-5)
    h = b.op("gelu", b.op("linear", ln, w, ""))
    q = b.op("permute", b.op("reshape", h, shape=[2, 5, 2, 8]), dims=[0, 2, 1, 3])
    b.op("scaled_dot_product_attention", q, q, q, "", is_causal=True)
    return b


def test_same_region_same_text() -> None:
    g = _block().graph([_block().nodes[-1].outputs[0]])
    first = build_program(g, g.nodes, g.inputs, g.outputs, "sm_90")
    again = build_program(g, list(g.nodes), list(g.inputs), list(g.outputs), "sm_90")
    assert first.source == again.source and first.sha256 == again.sha256
    assert [k.family for k in first.kernels] == ["row", "matmul", "attention"]
    # the reshape of the matmul's contiguous output is absorbed; the permute is a torch view
    assert first.kernels[1].ops == ["linear", "gelu", "reshape"]
    assert sum(s["kind"] == "view" for s in first.steps) == 1


def test_source_is_identical_in_a_fresh_process() -> None:
    b = _block()
    g = b.graph([b.nodes[-1].outputs[0]])
    code = ("import sys; from hwsdk.ir.graph import Graph; "
            "from hwsdk.lower.triton import build_program; "
            "g = Graph.from_json(sys.stdin.read()); "
            "print(build_program(g, g.nodes, g.inputs, g.outputs, 'gfx942').sha256)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    out = subprocess.run([sys.executable, "-c", code], input=g.to_json(), capture_output=True,
                         text=True, check=True, env={**env, "PYTHONHASHSEED": "123"})
    assert out.stdout.strip() == build_program(g, g.nodes, g.inputs, g.outputs, "gfx942").sha256


def test_arch_changes_only_tiles() -> None:
    b = _block()
    g = b.graph([b.nodes[-1].outputs[0]])
    a = build_program(g, g.nodes, g.inputs, g.outputs, "sm_80")
    c = build_program(g, g.nodes, g.inputs, g.outputs, "gfx942")
    assert [k.ops for k in a.kernels] == [k.ops for k in c.kernels]
    assert a.kernels[1].num_warps != c.kernels[1].num_warps


def test_module_file_is_written_and_importable(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hwsdk.lower.triton.loader import cache_dir, load_module

    monkeypatch.setenv("HWSDK_CACHE_DIR", str(tmp_path))
    b = _block()
    g = b.graph([b.nodes[-1].outputs[0]])
    program = build_program(g, g.nodes, g.inputs, g.outputs, "sm_90")
    module = load_module(program.source, emulate=False)
    assert module.__file__ and module.__file__.startswith(str(cache_dir()))
    assert type(module.k1_matmul).__name__ == "JITFunction"  # real JIT, not the interpreter
    emulated = load_module(program.source, emulate=True)
    assert type(emulated.k1_matmul).__name__ == "InterpretedFunction"
    assert importlib.import_module("triton").knobs.runtime.interpret is False


def test_without_gpu_compile_raises_target_unavailable() -> None:
    from hwsdk.errors import TargetUnavailableError
    from hwsdk.lower.triton import compile_region, device_available
    from hwsdk.plugin import Region

    if device_available("cuda"):
        pytest.skip("a CUDA GPU is present")
    b = _block()
    g = b.graph([b.nodes[-1].outputs[0]])
    region = Region("r0", "nvidia:sm_90", g, g.nodes, g.inputs, g.outputs, g.params)
    with pytest.raises(TargetUnavailableError, match=r"no CUDA GPU.*emulate=True"):
        compile_region(region, "sm_90", "cuda", emulate=False, target="nvidia:sm_90")


def test_copies_are_elided_unless_they_are_outputs() -> None:
    b = Build()
    x = b.input(torch.randn(3, 4))
    c = b.op("copy", x)
    y = b.op("exp", c)
    kept = b.op("copy", y)
    g = b.graph([kept])
    program = build_program(g, g.nodes, g.inputs, g.outputs, "sm_90")
    assert program.elided == [b.nodes[0].id]
    assert program.kernels[0].ops == ["exp", "copy"] and program.kernels[0].inputs == [x]


def test_emulation_leaves_real_compilation_working() -> None:
    """An emulated launch (interpreted tl.max/tl.sum …) must not leak interpreter patches
    into triton.language: a real compile afterwards in the same process still works."""
    from hwsdk.lower.triton.aot import _compile_kernel, kernel_signature
    from hwsdk.lower.triton.loader import load_module
    from tests.lower.triton.conftest import check

    b = Build()
    x = b.input(torch.randn(4, 10))
    check(b, [b.op("softmax", b.op("sigmoid", x), dim=-1)])
    g = b.graph([b.nodes[-1].outputs[0]])
    program = build_program(g, g.nodes, g.inputs, g.outputs, "sm_90")
    spec = program.kernels[0]
    ck = _compile_kernel(spec, load_module(program.source, emulate=False),
                         kernel_signature(spec, g.types), "sm_90")
    assert "cubin" in ck.asm
