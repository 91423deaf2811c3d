"""The generated Gaudi tables: the facts they pin (reproduction: tests/scripts)."""

from __future__ import annotations

import json
import subprocess
import sys

from hwsdk_gaudi import tables

from hwsdk.ir.dtypes import DType

YAML_COMMIT = "5a56187e98684ceff3de8965ce88a284cf7d7eef"


def test_first_generation_gaudi_differs_from_gaudi2_where_the_yaml_lists_say_so() -> None:
    # Pytorch_Operators.rst: embedding FP8 Yes, mean FP16 Yes (generation-agnostic); hpu_op.yaml
    # `embedding` weight lists Float8 and `mean.dim` lists Half from Gaudi2 on only
    for dtype in (DType.f8e4m3fn, DType.f8e5m2):
        assert tables.table("gaudi").support("embedding", dtype) == "no"
        assert tables.table("gaudi2").support("embedding", dtype) == "yes"
        assert tables.table("gaudi3").support("embedding", dtype) == "yes"
    assert tables.table("gaudi").support("mean", DType.f16) == "no"
    assert tables.table("gaudi2").support("mean", DType.f16) == "yes"
    basis = tables.document("gaudi")["entries"]["mean"]["basis"]["f16"]
    assert basis.startswith("hpu_op.yaml:") and "Gaudi omits Half" in basis


def test_the_docs_table_gives_the_dtypes_and_a_validator_is_a_note_not_unknown() -> None:
    # linear: Pytorch_Operators.rst FP32/BF16/FP16 Yes; hpu_op.yaml: op_validator only
    for variant in tables.VARIANTS:
        table = tables.table(variant)
        for dtype in (DType.f32, DType.bf16):
            assert table.support("linear", dtype) == "yes"
        assert table.support("linear", DType.i32) == "no"
        assert "op_validator check-node-with-shared-layer" in table.ops["linear"].note
        assert table.support("layer_norm", DType.f32) == "yes"
    basis = tables.document("gaudi2")["entries"]["linear"]["basis"]["f32"]
    assert basis.startswith("Pytorch_Operators.rst:") and "linear" in basis and "Yes" in basis
    # addmm FP8: docs No, though the Gaudi2 list names Float8: the docs win, the note says so
    assert tables.table("gaudi2").support("addmm", DType.f8e5m2) == "no"
    assert "docs No, hpu_op.yaml lists it" in tables.table("gaudi2").ops["addmm"].note


def test_unknown_only_where_both_files_are_silent() -> None:
    for variant in tables.VARIANTS:
        doc = tables.document(variant)
        for op, entry in doc["table"]["ops"].items():
            if entry["dtypes"]["f32"] == "unknown":
                assert "has no row for" in entry["note"], op
    sdpa = tables.table("gaudi2").ops["scaled_dot_product_attention"]
    assert sdpa.dtypes[DType.f32] == "unknown" and "has no entry" in sdpa.note


def test_float64_is_no_everywhere_with_its_source() -> None:
    for variant in tables.VARIANTS:
        table = tables.table(variant)
        assert all(entry.dtypes[DType.f64] == "no" for entry in table.ops.values())
        assert any("Float64 No" in p.source for p in table.provenance)


def test_every_entry_carries_provenance_and_every_yes_or_no_its_line() -> None:
    doc = tables.document("gaudi2")
    table = tables.table("gaudi2")
    assert {p.source for p in table.provenance} >= {"hpu_op.yaml", "Pytorch_Operators.rst"}
    assert all(YAML_COMMIT in p.url_or_repo_path for p in table.provenance[:2])
    for op, entry in doc["entries"].items():
        assert "5a56187e" in table.ops[op].source
        for cite in entry["provenance"]:
            assert cite["commit"] == YAML_COMMIT
            assert cite["repository"] == "HabanaAI/gaudi-pytorch-bridge"
            assert cite["version"].startswith("Intel Gaudi software 1.19.0")
    for op, entry in doc["entries"].items():
        cited = entry["basis"]
        for dtype, support in doc["table"]["ops"][op]["dtypes"].items():
            assert support == "unknown" or cited.get(dtype), (op, dtype)


def test_every_core_op_is_in_every_table() -> None:
    from hwsdk.ir.opdef import all_ops

    names = {op.name for op in all_ops()}
    for variant in tables.VARIANTS:
        assert set(tables.table(variant).ops) == names
        assert json.loads(json.dumps(tables.document(variant)))["schema"] == 1


def test_importing_the_plugin_does_not_import_torch() -> None:
    code = "import sys, hwsdk_gaudi; hwsdk_gaudi.TARGET.capabilities(); " \
           "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
