"""int8 weight-only Llama- and BERT-style transformers models on every CPU engine: logits
within 1e-4 relative of the eager-dequantized reference (the torch target runs the same
quantized weights eagerly), and the gap to the float model reported (printed with ``-s``).

int4 (group 32 here: the small models' widths are 32 and 64) likewise, same tolerance. On cpu
every quantized linear is one MatMulNBits (float32 compute): no dequantize is left to PyTorch.
"""

from __future__ import annotations

from typing import Any

import pytest

import hwsdk

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

TOL = 1e-4
"""Max |engine - reference| / max |reference| over the first output."""


def _first(out: Any) -> Any:
    if isinstance(out, torch.Tensor):
        return out
    if hasattr(out, "to_tuple"):
        return out.to_tuple()[0]
    return out[0]


def _rel(a: Any, b: Any) -> float:
    return float((a - b).abs().max() / b.abs().max())


def _targets() -> list[str]:
    names = {t.name for t in hwsdk.targets()}
    return [t for t in ("cpu", "intel") if t in names]


@pytest.mark.parametrize("scheme", ["int8_weight_only", "int4_weight_only"])
@pytest.mark.parametrize("family", ["llama", "bert"])
def test_quantized_logits_match_the_eager_dequantized_reference(family: str,
                                                                scheme: str) -> None:
    from tests import models

    torch.manual_seed(0)
    model, inputs = getattr(models, family)(batch=1, seq=8)
    with torch.no_grad():
        floating = _first(model(*inputs))
    settings = {"quantize": scheme, "group_size": 32}
    reference = _first(hwsdk.compile(model, inputs, target="torch", **settings)(*inputs))
    gap = _rel(reference, floating)
    print(f"\n{family} {scheme}: quantized vs float model, max rel {gap:.2e}")
    assert 0 < gap < (0.05 if scheme.startswith("int8") else 0.5)
    for target in _targets():
        cm = hwsdk.compile(model, inputs, target=target, **settings)
        quantized = [n.id for n in cm.plan.graph.nodes if n.op == "dequantize"]
        assert quantized
        runs_there = sum(cm.plan.runs_on(n) != "torch" for n in quantized)
        got = _rel(_first(cm(*inputs)), reference)
        print(f"  {target}: {runs_there}/{len(quantized)} dequantize on the target, "
              f"max rel vs reference {got:.2e}")
        assert got <= TOL, (target, got)
        if target == "cpu":
            assert runs_there == len(quantized)
            for region in cm.plan.regions:
                if "quantized_weights" in region.details:
                    assert region.details["quantized_weights"]["weights_stay_compressed"]
