"""hwsdk's OpenVINO decode graph beside optimum-intel's stateful one, in one process.

    python bench/llm_ov_graph.py dump --dir /tmp/ovgraph             # hwsdk's venv
    bench/.venv-ov/bin/python bench/llm_ov_graph.py compare --dir /tmp/ovgraph   # optimum's

``dump`` saves bench/llm.py's model (random weights, seeded) and the OpenVINO model hwsdk's
intel target lowers its step graph to. ``compare`` exports the same model with optimum-intel
(stateful), compiles both with the same config (2 threads, f32, f32 KV cache, PERF_COUNT) and
times raw ``infer`` calls only: a 32-token prefill, then 63 one-token decode steps, rounds
interleaved. It prints the medians, the runtime node counts and the per-node kernel time the
CPU plugin reports, so the cost around the kernels shows as the difference.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

PROMPT, STEPS = 32, 64
CONFIG = {"INFERENCE_NUM_THREADS": 2, "INFERENCE_PRECISION_HINT": "f32",
          "KV_CACHE_PRECISION": "f32", "PERFORMANCE_HINT": "LATENCY", "PERF_COUNT": True}


def dump(out: Path) -> None:
    import openvino as ov
    from hwsdk_intel import runtime
    from llm import build_model
    from transformers import LlamaForCausalLM

    import hwsdk

    build_model(out / "hf")
    model = LlamaForCausalLM.from_pretrained(out / "hf").eval()
    lower = runtime.lower_region

    def saving(region: Any) -> Any:
        lowering = lower(region)
        if len(region.nodes) > 100:  # the step graph's main region, not the cast before it
            ov.save_model(lowering.model, str(out / "hwsdk.xml"), compress_to_fp16=False)
        return lowering

    runtime.lower_region = saving
    hwsdk.compile_lm(model, target="intel", max_cache_len=PROMPT + STEPS,
                     options={"num_threads": 2})
    print(f"saved {out / 'hf'} and {out / 'hwsdk.xml'}")


def _kernels_ms(request: Any) -> float:
    return sum(p.real_time.total_seconds() for p in request.profiling_info) * 1e3


def _optimum_run(compiled: Any) -> tuple[float, float, float]:
    import numpy as np

    request = compiled.create_infer_request()
    request.reset_state()
    beam = np.zeros(1, np.int32)
    start = time.perf_counter()
    request.infer({"input_ids": np.full((1, PROMPT), 5, np.int64),
                   "attention_mask": np.ones((1, PROMPT), np.int64),
                   "position_ids": np.arange(PROMPT)[None], "beam_idx": beam})
    prefill = time.perf_counter() - start
    times = []
    for step in range(STEPS - 1):
        n = PROMPT + step + 1
        start = time.perf_counter()
        request.infer({"input_ids": np.array([[5]]), "attention_mask": np.ones((1, n), np.int64),
                       "position_ids": np.array([[n - 1]]), "beam_idx": beam})
        times.append(time.perf_counter() - start)
    return prefill * 1e3, statistics.median(times) * 1e3, _kernels_ms(request)


def _hwsdk_run(compiled: Any, caches: dict[str, Any]) -> tuple[float, float, float]:
    import numpy as np

    request = compiled.create_infer_request()
    names = {i.get_any_name() for i in compiled.inputs}
    prefill, times = 0.0, []
    for step in range(STEPS):
        tokens = PROMPT if step == 0 else 1
        first = 0 if step == 0 else PROMPT + step - 1
        span = min(PROMPT + STEPS, -(-(first + tokens) // 32) * 32)  # as compile_lm buckets
        positions = np.arange(first, first + tokens)
        mask = np.zeros((1, 1, tokens, span), bool)
        mask[0, 0] = np.tril(np.ones((tokens, span), bool), k=first)
        mask[..., first + tokens:] = False
        feed = {"input_ids": np.full((1, tokens), 5, np.int64), "cache_position": positions,
                "position_ids": positions[None].astype(np.int32), "attention_mask": mask,
                **caches}
        missing = names - set(feed)
        if missing:
            raise SystemExit(f"the saved graph wants inputs this tool does not feed: {missing};"
                             " dump it again with this checkout")
        start = time.perf_counter()
        request.infer(feed, share_inputs=True)
        elapsed = time.perf_counter() - start
        if step:
            times.append(elapsed)
        else:
            prefill = elapsed
    return prefill * 1e3, statistics.median(times) * 1e3, _kernels_ms(request)


def _layer_count(compiled: Any) -> int:
    return len(compiled.get_runtime_model().get_ops())


def compare(root: Path, rounds: int) -> None:
    import numpy as np
    import openvino as ov
    from optimum.intel import OVModelForCausalLM

    if not (root / "optimum" / "openvino_model.xml").exists():
        exported = OVModelForCausalLM.from_pretrained(root / "hf", export=True,
                                                      load_in_8bit=False, compile=False)
        exported.save_pretrained(root / "optimum")
    core = ov.Core()
    theirs = core.compile_model(str(root / "optimum" / "openvino_model.xml"), "CPU", CONFIG)
    ours = core.compile_model(str(root / "hwsdk.xml"), "CPU", CONFIG)
    caches = {i.get_any_name(): np.zeros(tuple(i.get_partial_shape().to_shape()), np.float32)
              for i in ours.inputs if i.get_any_name().startswith("cache_")
              and i.get_any_name() != "cache_position"}
    rows: dict[str, list[tuple[float, float, float]]] = collections.defaultdict(list)
    for _ in range(rounds):
        rows["optimum-intel stateful"].append(_optimum_run(theirs))
        rows["hwsdk intel (caller-owned cache)"].append(_hwsdk_run(ours, caches))
    print(f"{rounds} interleaved rounds, raw infer only, medians (min-max)\n")
    print("| graph | runtime nodes | prefill ms | decode step ms | kernel ms, last step |")
    print("|---|---|---|---|---|")
    for (name, runs), compiled in zip(rows.items(), (theirs, ours), strict=True):
        cols = []
        for k in range(3):
            values = [r[k] for r in runs]
            cols.append(f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})")
        print(f"| {name} | {_layer_count(compiled)} | {' | '.join(cols)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["dump", "compare"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.what == "dump":
        dump(args.dir)
    else:
        compare(args.dir, args.rounds)


if __name__ == "__main__":
    main()
