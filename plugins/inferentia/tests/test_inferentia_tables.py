"""The generated Neuron tables: the facts they pin (reproduction: tests/scripts)."""

from __future__ import annotations

import subprocess
import sys

from hwsdk_inferentia import tables

from hwsdk.capability import AttrIn, ConstantInput, StaticShape
from hwsdk.ir.dtypes import DType

DOCS_COMMIT = "81ce03ae261e12925e53437a0f690478e6366155"


def test_pow_carries_the_constant_exponent_constraint_from_compiler_rst() -> None:
    entry = tables.table("inf2").ops["pow"]
    assert entry.dtypes[DType.f32] == "unknown"  # inferred: torch-neuronx does not list pow
    assert ConstantInput(input=1) in entry.constraints
    assert AttrIn(attr="scalar_first", values=[False]) in entry.constraints
    assert "compile-time integer constant" in entry.note


def test_listed_ops_are_documented_lowered_ops_are_inferred_and_never_yes() -> None:
    doc = tables.document("inf2")
    table = tables.table("inf2")
    assert table.support("softmax", DType.bf16) == "yes"  # torch-neuronx lists aten::_softmax
    assert "aten::_softmax" in table.ops["softmax"].note
    assert doc["entries"]["softmax"]["level"] == "documented"
    for op in ("layer_norm", "exp", "argmax", "cat"):
        assert table.support(op, DType.f32) == "unknown"
        assert doc["entries"][op]["level"] == "inferred"
        assert table.ops[op].note.startswith("inferred from compiler.rst")
    assert "Min, Max, Add and Mul" in table.ops["argmax"].note
    assert table.support("gelu", DType.f32) == "unknown"  # Erf is not in the XLA table
    assert "does not list Erf" in table.ops["gelu"].note
    assert doc["entries"]["gelu"]["level"] == "undocumented"
    for op, entry in doc["entries"].items():
        if entry["level"] != "documented":
            assert "yes" not in doc["table"]["ops"][op]["dtypes"].values(), op


def test_dtypes_follow_the_neuroncore_version() -> None:
    for variant in tables.VARIANTS:
        table = tables.table(variant)
        assert table.support("matmul", DType.f64) == "no"
        assert table.support("matmul", DType.f8e5m2) == "yes"
        assert table.support("matmul", DType.f8e4m3fn) == "unknown"
        assert table.support("matmul", DType.i8) == "unknown"
    assert "auto-converted to int32" in tables.table("inf2").note
    assert "--native-int64" in tables.table("trn2").note
    assert "NeuronCore-v3" in tables.table("trn2").note
    assert "NeuronCore-v2" in tables.table("inf2").note


def test_dynamic_shapes_need_bucketing_as_a_constraint() -> None:
    for variant in tables.VARIANTS:
        (constraint,) = tables.table(variant).constraints
        assert isinstance(constraint, StaticShape) and "bucketing" in constraint.why


def test_every_entry_carries_provenance() -> None:
    for variant in tables.VARIANTS:
        doc = tables.document(variant)
        for entry in doc["entries"].values():
            assert entry["provenance"]
            for cite in entry["provenance"]:
                assert cite["repository"] == "aws-neuron/aws-neuron-sdk"
                assert cite["commit"] == DOCS_COMMIT
        sources = {p.source for p in tables.table(variant).provenance}
        assert {"pytorch-neuron-supported-operators.rst", "compiler.rst",
                "data-types.rst"} <= sources


def test_importing_the_plugin_does_not_import_torch() -> None:
    code = "import sys, hwsdk_inferentia; hwsdk_inferentia.TARGET.capabilities(); " \
           "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
