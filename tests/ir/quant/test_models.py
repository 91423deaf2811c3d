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


@pytest.mark.parametrize("mapping", ["SYMMETRIC", "ASYMMETRIC"])
def test_torchao_int4_llama_runs_its_quantized_linears_on_the_target(mapping: str) -> None:
    """torchao's CPU int4 weight-only form (IntxWeightOnlyConfig, group 32) on a tiny Llama:
    every linear is a dequantize → linear on the target, none opaque or left to PyTorch, and
    the logits within :data:`TOL` of torchao's own eager output."""
    pytest.importorskip("torchao")
    from torchao.quantization import IntxWeightOnlyConfig, quantize_
    from torchao.quantization.granularity import PerGroup
    from torchao.quantization.quant_primitives import MappingType
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=64, use_cache=False)
    model = LlamaForCausalLM(config).eval()
    quantize_(model, IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=PerGroup(32),
                                          mapping_type=getattr(MappingType, mapping)))
    ids = torch.randint(0, 128, (1, 8))
    with torch.no_grad():
        want = _first(model(ids))
    for target in _targets():
        cm = hwsdk.compile(model, (ids,), target=target)
        graph = cm.plan.graph
        producers = graph.producers()
        linears = [n for n in graph.nodes if n.op == "linear"]
        assert len(linears) == 2 * 7 + 1  # q, k, v, o, gate, up, down per layer; lm_head
        assert all(producers[n.inputs[1]].op == "dequantize" for n in linears)
        assert not [n for n in graph.nodes if n.op in ("torch_op", "cast", "sub")]
        (region,) = cm.plan.regions
        assert region.runs_on == region.target and not region.is_fallback
        if target == "cpu":  # each one MatMulNBits on the 4-bit weight
            assert region.details["quantized_weights"]["fused_matmul_nbits"] == len(linears)
        else:  # OpenVINO's FullyConnected layers on u4 weights
            assert region.details["compressed_weights"] == {"u4": len(linears)}
        got = _rel(_first(cm(ids)), want)
        print(f"\ntorchao int4 {mapping} llama on {target}: max rel vs torchao {got:.2e}")
        assert got <= TOL, (target, got)
