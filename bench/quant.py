"""Weight-only int8 against float32: the decode step of bench/llm.py's Llama on cpu and intel.

    python bench/quant.py [--rounds 7] [--new 32] [--threads 2] [--out bench/results/quant]

The model is bench/llm.py's (``MODEL_CONFIG``, seeded random weights), compiled with
``hwsdk.compile_lm`` as :data:`VARIANTS` lists: {cpu, intel} x {float32,
``quantize="int8_weight_only"``}, and cpu int8 with ``quantized_matmul="decompress"``. Each
round runs every variant once, in an order rotated per round (interleaved, so all see the same
machine state): a 32-token prompt, then ``--new`` greedy tokens through ``stream``; the decode
time is from the first new token to the last. Reported per variant: median decode tokens/s with
min-max, the weight bytes the plan records, and per target the int8/f32 ratio of each round's
pair (median, min-max).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from llm import MODEL_CONFIG  # noqa: E402

VARIANTS = [("cpu", None, {}), ("cpu", "int8_weight_only", {}),
            ("cpu", "int8_weight_only", {"quantized_matmul": "decompress"}),
            ("intel", None, {}), ("intel", "int8_weight_only", {})]
"""(target, scheme, extra options): cpu int8 also with its weights decompressed at session
start (float32 MatMul), since ORT's 8-bit float32-compute MatMulNBits is slow."""


def _model(seed: int = 0) -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(**MODEL_CONFIG, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    return LlamaForCausalLM(config).eval()


def _weights(lm: Any) -> dict[str, Any]:
    plan = lm.compiled_step(1).plan
    stored = sum(r.details.get("weights", {}).get("bytes_stored", 0) for r in plan.regions)
    floating = sum(r.details.get("weights", {}).get("bytes_float", 0) for r in plan.regions)
    return {"bytes_stored": stored, "bytes_float": floating}


def _decode(lm: Any, ids: Any, new: int) -> float:
    """Decode tokens/s of one generation (first new token to last)."""
    stamps = []
    for _ in lm.stream(ids, max_new_tokens=new):
        stamps.append(time.perf_counter())
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def run(rounds: int, new: int, threads: int) -> dict[str, Any]:
    import torch

    import hwsdk

    torch.set_num_threads(threads)
    model = _model()
    ids = torch.randint(3, MODEL_CONFIG["vocab_size"], (1, 32),
                        generator=torch.Generator().manual_seed(1))
    lms, info = {}, {}
    for target, scheme, extra in VARIANTS:
        name = f"{target} {scheme or 'f32'}" + "".join(f" {v}" for v in extra.values())
        start = time.perf_counter()
        lm = hwsdk.compile_lm(model, target=target, max_cache_len=128, num_threads=threads,
                              **({"quantize": scheme} if scheme else {}), **extra)
        _decode(lm, ids, 4)  # warm-up
        lms[name] = lm
        info[name] = {"compile_s": round(time.perf_counter() - start, 1), **_weights(lm)}
    speeds: dict[str, list[float]] = {name: [] for name in lms}
    names = list(lms)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            speeds[name].append(_decode(lms[name], ids, new))
    ratios = {name: [q / f for q, f in zip(speeds[name], speeds[name.split()[0] + " f32"],
                                           strict=True)]
              for name in speeds if "int8" in name}
    return {"rounds": rounds, "new_tokens": new, "threads": threads, "info": info,
            "speeds": speeds, "ratios": ratios, "model": MODEL_CONFIG}


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def render(result: dict[str, Any]) -> str:
    lines = ["# Weight-only int8 vs float32: LLM decode step (bench/quant.py)", "",
             f"Model: bench/llm.py's Llama {result['model']}; batch 1, 32-token prompt, "
             f"{result['new_tokens']} greedy new tokens, {result['threads']} threads, "
             f"{result['rounds']} interleaved rounds.", "",
             "| variant | decode tok/s median (min-max) | weight bytes stored / float | "
             "compile s |", "|---|---|---|---|"]
    for name, speeds in result["speeds"].items():
        info = result["info"][name]
        weights = (f"{info['bytes_stored'] / 2**20:.1f} / {info['bytes_float'] / 2**20:.1f} MiB"
                   if info["bytes_float"] else "f32 (not quantized)")
        if "decompress" in name:
            weights += " in the IR; ORT holds them as float32"
        lines.append(f"| {name} | {_spread(speeds)} | {weights} | {info['compile_s']} |")
    lines += ["", "| variant | its decode speed / the target's f32, per round: median (min-max) |",
              "|---|---|"]
    for target, ratios in result["ratios"].items():
        lines.append(f"| {target} | {_spread(ratios)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--new", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(BENCH / "results" / "quant"))
    args = parser.parse_args()
    result = run(args.rounds, args.new, args.threads)
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    out.with_suffix(".md").write_text(render(result))
    print(render(result))


if __name__ == "__main__":
    main()
