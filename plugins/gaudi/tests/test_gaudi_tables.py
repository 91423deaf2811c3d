"""The generated Gaudi tables: the facts they pin (reproduction: tests/scripts)."""

from __future__ import annotations

import json
import subprocess
import sys

from hwsdk_gaudi import tables

from hwsdk.ir.dtypes import DType

YAML_COMMIT = "5a56187e98684ceff3de8965ce88a284cf7d7eef"


def test_fp8_gemm_is_yes_on_gaudi2_and_gaudi3_but_no_on_first_generation_gaudi() -> None:
    # hpu_op.yaml `addmm`: Gaudi [BFloat16, Float]; Gaudi2/3 add Half, Float8_e5m2/e4m3fn
    for dtype in (DType.f8e4m3fn, DType.f8e5m2):
        assert tables.table("gaudi2").support("addmm", dtype) == "yes"
        assert tables.table("gaudi3").support("addmm", dtype) == "yes"
        assert tables.table("gaudi").support("addmm", dtype) == "no"
    assert tables.table("gaudi").support("addmm", DType.f16) == "no"
    assert tables.table("gaudi").support("addmm", DType.bf16) == "yes"


def test_runtime_validated_entries_are_unknown_never_yes() -> None:
    # `mm` lists Float8 for Gaudi2 but is checked by op_validator check-node-with-shared-layer;
    # `bmm` has only the validator and `matmul` is wrapped, so matmul stays unknown
    gaudi2 = tables.document("gaudi2")
    for variant in tables.VARIANTS:
        assert tables.table(variant).support("matmul", DType.f8e4m3fn) == "unknown"
        assert tables.table(variant).support("linear", DType.f32) == "unknown"
    assert gaudi2["entries"]["matmul"]["hpu_op_yaml"]["aten.mm.default"]["kind"] == "validator"
    for variant in tables.VARIANTS:
        doc = tables.document(variant)
        for op, entry in doc["entries"].items():
            kinds = {e["kind"] for e in entry["hpu_op_yaml"].values()}
            if kinds and "dtypes" not in kinds:
                assert "yes" not in doc["table"]["ops"][op]["dtypes"].values(), op


def test_per_generation_lists_are_kept_apart() -> None:
    # `mean.dim` and `mean`: Half only from Gaudi2 on; `embedding` weight: Float8 only from
    # Gaudi2 on. `mul.Tensor` lists Half for Gaudi2 only, but `mul.Scalar` is runtime-checked
    assert tables.table("gaudi").support("mean", DType.f16) == "no"
    assert tables.table("gaudi2").support("mean", DType.f16) == "yes"
    assert tables.table("gaudi").support("mul", DType.f16) == "unknown"
    assert tables.table("gaudi2").support("mul", DType.f16) == "yes"
    assert tables.table("gaudi").support("embedding", DType.f8e5m2) == "no"
    assert tables.table("gaudi2").support("embedding", DType.f8e5m2) == "yes"
    assert tables.table("gaudi2").support("softmax", DType.f32) == "yes"  # `_softmax` dtypes


def test_float64_is_no_everywhere_with_its_source() -> None:
    for variant in tables.VARIANTS:
        table = tables.table(variant)
        assert all(entry.dtypes[DType.f64] == "no" for entry in table.ops.values())
        assert any("Float64 No" in p.source for p in table.provenance)


def test_every_entry_carries_provenance_and_docs_disagreements_are_noted() -> None:
    doc = tables.document("gaudi2")
    table = tables.table("gaudi2")
    assert {p.source for p in table.provenance} >= {"hpu_op.yaml", "Pytorch_Operators.rst"}
    assert all(YAML_COMMIT in p.url_or_repo_path for p in table.provenance[:2])
    for op, entry in doc["entries"].items():
        assert table.ops[op].source.startswith("hpu_op.yaml")
        for cite in entry["provenance"]:
            assert cite["commit"] == YAML_COMMIT
            assert cite["repository"] == "HabanaAI/gaudi-pytorch-bridge"
            assert cite["version"].startswith("Intel Gaudi software 1.19.0")
    # the docs table says mul FP8 No; hpu_op.yaml's mul.Tensor lists Float8 for Gaudi2
    assert "DISAGREES" in table.ops["mul"].note and "FP8: docs No" in table.ops["mul"].note
    assert "ops disagree with Pytorch_Operators.rst" in table.note


def test_every_core_op_is_in_every_table() -> None:
    from hwsdk.ir.opdef import all_ops

    names = {op.name for op in all_ops()}
    for variant in tables.VARIANTS:
        assert set(tables.table(variant).ops) == names
        assert json.loads(json.dumps(tables.document(variant)))["schema"] == 1


def test_importing_the_plugin_does_not_import_torch() -> None:
    code = "import sys, hwsdk_gaudi; hwsdk_gaudi.hwsdk_capabilities('gaudi'); " \
           "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
