"""Write docs/coverage.md: the coverage matrix of the LLM-serving model families on every
target and variant (hwsdk.explain, nothing compiled).

    python scripts/gen_coverage_doc.py [--check]

Each family is built from a small ``transformers`` config with random weights (the op set,
not the size, decides placement). Building and capturing 20 models takes minutes, so the doc
records a hash of everything its numbers depend on (every target's capability table, the op
set version, the transformers version and this script); ``--check`` and
tests/scripts/test_coverage_doc.py recompute only that hash (fast) and fail when it differs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
COVERAGE_MD = REPO / "docs" / "coverage.md"
HASH_PREFIX = "inputs-sha256: "
VOCAB, SEQ, BATCH = 128, 16, 1
_TEXT = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
             intermediate_size=64, max_position_embeddings=64)


def _ids() -> tuple[Any, ...]:
    import torch

    torch.manual_seed(0)
    return (torch.randint(0, VOCAB, (BATCH, SEQ)),)


def _causal(config_name: str, model_name: str, **extra: Any) -> Callable[[], Any]:
    def build() -> tuple[Any, tuple[Any, ...]]:
        import transformers

        kwargs = {**_TEXT, "use_cache": False, **extra}
        config = getattr(transformers, config_name)(**kwargs)
        return getattr(transformers, model_name)(config).eval(), _ids()
    return build


def _vision(config_name: str, model_name: str, **extra: Any) -> Callable[[], Any]:
    def build() -> tuple[Any, tuple[Any, ...]]:
        import torch
        import transformers

        config = getattr(transformers, config_name)(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            image_size=32, patch_size=8, **extra)
        torch.manual_seed(0)
        return getattr(transformers, model_name)(config).eval(), (torch.randn(1, 3, 32, 32),)
    return build


def _whisper_encoder() -> tuple[Any, tuple[Any, ...]]:
    import torch
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder

    config = WhisperConfig(d_model=32, encoder_layers=2, encoder_attention_heads=4,
                           encoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16)
    torch.manual_seed(0)
    return WhisperEncoder(config).eval(), (torch.randn(1, 16, 32),)


def _seq2seq(config_name: str, model_name: str, **kwargs: Any) -> Callable[[], Any]:
    def build() -> tuple[Any, tuple[Any, ...]]:
        import transformers

        config = getattr(transformers, config_name)(vocab_size=VOCAB, use_cache=False,
                                                    **kwargs)
        return getattr(transformers, model_name)(config).eval(), _ids()
    return build


_BART = dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
             decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
             max_position_embeddings=64)
FAMILIES: dict[str, Callable[[], Any]] = {
    "Llama": _causal("LlamaConfig", "LlamaForCausalLM", num_key_value_heads=2),
    "Mistral": _causal("MistralConfig", "MistralForCausalLM", num_key_value_heads=2),
    "Mixtral": _causal("MixtralConfig", "MixtralForCausalLM", num_key_value_heads=2,
                       num_local_experts=4, num_experts_per_tok=2),
    "Qwen2": _causal("Qwen2Config", "Qwen2ForCausalLM", num_key_value_heads=2),
    "Phi": _causal("PhiConfig", "PhiForCausalLM"),
    "Gemma": _causal("GemmaConfig", "GemmaForCausalLM", num_key_value_heads=2, head_dim=8),
    "Falcon": _causal("FalconConfig", "FalconForCausalLM"),
    "GPT-NeoX": _causal("GPTNeoXConfig", "GPTNeoXForCausalLM"),
    "GPT-J": _seq2seq("GPTJConfig", "GPTJForCausalLM", n_embd=32, n_layer=2, n_head=4,
                      n_positions=64, rotary_dim=4),
    "OPT": _seq2seq("OPTConfig", "OPTForCausalLM", hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=4, ffn_dim=64, max_position_embeddings=64,
                    word_embed_proj_dim=32),
    "BLOOM": _seq2seq("BloomConfig", "BloomForCausalLM", hidden_size=32, n_layer=2, n_head=4),
    "GPT-BigCode": _seq2seq("GPTBigCodeConfig", "GPTBigCodeForCausalLM", n_embd=32, n_layer=2,
                            n_head=4, n_positions=64),
    "StarCoder2": _causal("Starcoder2Config", "Starcoder2ForCausalLM", num_key_value_heads=2),
    "T5 (encoder)": _seq2seq("T5Config", "T5EncoderModel", d_model=32, d_kv=8, d_ff=64,
                             num_layers=2, num_heads=4),
    "BART": _seq2seq("BartConfig", "BartModel", **_BART),
    "BERT": _seq2seq("BertConfig", "BertModel", hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64),
    "RoBERTa": _seq2seq("RobertaConfig", "RobertaModel", hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=64,
                        max_position_embeddings=64, pad_token_id=1),
    "Whisper encoder": _whisper_encoder,
    "CLIP vision": _vision("CLIPVisionConfig", "CLIPVisionModel"),
    "ViT": _vision("ViTConfig", "ViTModel"),
}
"""Family → factory returning (model, example_inputs)."""


def target_refs() -> list[str]:
    from hwsdk.cli.registry_cmds import target_refs as refs
    from hwsdk.registry import get_registry

    return list(refs(get_registry(), include_torch=False))


def inputs_hash() -> str:
    """sha256 of what the doc's numbers depend on (no model is built)."""
    import transformers

    from hwsdk.ir.opdef import OPSET_VERSION
    from hwsdk.registry import get_registry

    digest = hashlib.sha256()
    digest.update(f"opset {OPSET_VERSION}; transformers {transformers.__version__}\n".encode())
    digest.update(Path(__file__).read_bytes())
    for ref in target_refs():
        digest.update(ref.encode())
        digest.update(get_registry().capabilities(ref).model_dump_json().encode())
    return digest.hexdigest()


def _cell(plan: Any) -> str:
    s = plan.summary_dict()
    pct = s["support_percent"]
    return f"{pct['runs']:.1f} (≤{s['optimistic_percent']:.1f})"


def render() -> str:
    """docs/coverage.md (builds and plans every family: minutes)."""
    import transformers

    import hwsdk
    from hwsdk.ir.capture import capture
    from hwsdk.partition.planner import plan_graph

    refs = target_refs()
    rows, details = [], []
    for family, build in FAMILIES.items():
        try:
            model, inputs = build()
            captured = capture(model, inputs)
        except Exception as exc:  # a family torch.export cannot capture: say so in its row
            rows.append(f"| {family} | capture failed: {type(exc).__name__} |"
                        + " |" * (len(refs) - 1))
            continue
        cells, notes = [], []
        for ref in refs:
            try:
                plan = plan_graph(captured, ref, model_name=type(model).__name__,
                                  assume_unknown="runs")
            except hwsdk.errors.HwsdkError as exc:
                cells.append(f"error: {type(exc).__name__}")
                continue
            cells.append(_cell(plan))
            if ref in ("gaudi:gaudi2", "inferentia:inf2"):
                top = ", ".join(f"{op} x{n} [{code}]" for (op, code), n in
                                plan.fallback_reasons().most_common(4))
                notes.append(f"{ref}: {top or 'none'}")
        rows.append(f"| {family} ({len(captured.graph.nodes)} nodes) | " + " | ".join(cells)
                    + " |")
        details.append(f"- **{family}**: " + "; ".join(notes))
    header = "| family | " + " | ".join(f"`{r}`" for r in refs) + " |"
    return "\n".join([
        "# Coverage of the LLM-serving model families", "",
        "Generated by `python scripts/gen_coverage_doc.py`; do not edit. "
        f"transformers {transformers.__version__}; every model from a small config with random "
        "weights (2 layers, hidden size 32), batch 1, sequence 16 (images 32x32).", "",
        "Each cell: percent of the model's nodes that run on the target for certain "
        "(documented support), and in brackets the optimistic bound "
        "(`assume_unknown=\"runs\"`: if every op no source documents either way works). "
        "`compile` never runs an `unknown` op. The same matrix for your own model: "
        "`hwsdk explain MODEL --target all --assume-unknown runs --html plan.html`.", "",
        header, "|---|" + "---|" * len(refs), *rows, "",
        "## Top fallbacks on Gaudi 2 and Inferentia 2", "", *details, "",
        f"<!-- {HASH_PREFIX}{inputs_hash()} -->", ""])


def recorded_hash(text: str) -> str:
    for line in text.splitlines():
        if HASH_PREFIX in line:
            return line.split(HASH_PREFIX, 1)[1].split()[0]
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail when docs/coverage.md was made from other inputs (fast)")
    args = parser.parse_args(argv)
    if args.check:
        current = COVERAGE_MD.read_text(encoding="utf-8") if COVERAGE_MD.exists() else ""
        if recorded_hash(current) != inputs_hash():
            print(f"{COVERAGE_MD} is stale: run python scripts/gen_coverage_doc.py",
                  file=sys.stderr)
            return 1
        return 0
    COVERAGE_MD.write_text(render(), encoding="utf-8")
    print(f"wrote {COVERAGE_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
