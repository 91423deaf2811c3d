"""Greedy generation through hwsdk.compile_lm against transformers' own generate, per family.

    python bench/llm_families.py --targets torch,cpu,intel --new-tokens 64

For every family in hwsdk.llm.families and every target: batch 1 (a 9-token prompt) and
batch 3 (left-padded prompts of 9, 5 and 7 tokens), token-for-token equality with HF eager
greedy ``generate``. Prints a markdown table (and writes it with --out).
"""

from __future__ import annotations

import argparse
import time
import traceback


def _prompts():
    import torch

    g = torch.Generator().manual_seed(1)
    one = torch.randint(3, 128, (1, 9), generator=g)
    three = torch.randint(3, 128, (3, 9), generator=g)
    mask = torch.ones(3, 9, dtype=torch.int64)
    mask[1, :4] = 0
    mask[2, :2] = 0
    three[mask == 0] = 0
    return one, three, mask


def check(family: str, target: str, new_tokens: int) -> str:
    import torch

    import hwsdk
    from hwsdk.llm.families import build_family

    model = build_family(family)
    one, three, mask = _prompts()
    start = time.perf_counter()
    lm = hwsdk.compile_lm(model, target=target, max_cache_len=9 + new_tokens + 1)
    compiled = time.perf_counter() - start
    results = []
    for ids, m in ((one, None), (three, mask)):
        mine = lm.generate(ids, attention_mask=m, max_new_tokens=new_tokens, pad_token_id=0,
                           eos_token_id=[])
        ref = model.generate(ids, attention_mask=m, max_new_tokens=new_tokens, do_sample=False,
                             pad_token_id=0, eos_token_id=None)
        same = mine.shape == ref.shape and bool(torch.equal(mine, ref))
        results.append("equal" if same else
                       f"DIFFERS at {(mine[:, 9:] != ref[:, 9:]).nonzero()[:1].tolist()}")
    summary = lm.plan.plan.summary().splitlines()[1]
    return f"| {family} | {target} | {results[0]} | {results[1]} | {compiled:.1f} s | {summary} |"


def main() -> None:
    from hwsdk.llm.families import FAMILIES

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", default="torch,cpu,intel")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    rows = ["| family | target | batch 1 | batch 3 (left-padded) | compile | coverage |",
            "|---|---|---|---|---|---|"]
    for family in args.families.split(","):
        for target in args.targets.split(","):
            try:
                row = check(family, target, args.new_tokens)
            except Exception as exc:  # a row per failure, with its cause
                cause = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
                row = f"| {family} | {target} | FAILED | {cause} | | |"
                traceback.print_exc()
            print(row, flush=True)
            rows.append(row)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
