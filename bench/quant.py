"""Weight-only int8 / int4 against float32 and against the peers' own quantizers: the decode step
of bench/llm.py's Llama, on cpu (ONNX Runtime) and intel (OpenVINO).

    bash bench/setup_peers.sh            # once: the peers' venvs (bench/.venv-ov, .venv-ort)
    python bench/quant.py [--rounds 5] [--new-tokens 32] [--runners a,b] [--out bench/results/quant]

The model, prompt and worker machinery are bench/llm.py's (one worker process per runner, in its
own venv, loaded and warmed up once, then interleaved rounds with the order rotated per round).
:data:`RUNNERS`: hwsdk ``compile_lm`` at f32, ``int8_weight_only`` and ``int4_weight_only``
(group 128) on cpu and intel, cpu also with ``quantized_matmul="int8_compute"``; beside them
ONNX Runtime's ``MatMulNBitsQuantizer`` on optimum-onnx's export (the same ORT kernels) and
optimum-intel's ``OVWeightQuantizationConfig`` (bits 8; bits 4 group 128). Reported per runner:
decode tokens/s median (min-max), the per-round ratio to its target's f32 and to its peer
(:data:`PAIRS`), the weight bytes each engine holds for the quantized linears, and the
worker's RSS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from llm import (  # noqa: E402
    MODEL_CONFIG,
    RunnerResult,
    RunnerSpec,
    build_model,
    make_prompt,
    run_bench,
)
from llm_workers.protocol import Spec  # noqa: E402

INT8 = {"quantize": "int8_weight_only"}
INT4 = {"quantize": "int4_weight_only", "group_size": 128}
FAST = {"quantized_matmul": "int8_compute"}
_ORT8 = {"bits": 8, "block_size": 128, "is_symmetric": True}
_ORT4 = {"bits": 4, "block_size": 128, "is_symmetric": False,
         "nodes_to_exclude": ["/lm_head/MatMul"]}  # hwsdk's int4 keeps lm_head in float too


def _hwsdk(name: str, target: str, **options: Any) -> RunnerSpec:
    return RunnerSpec(name, "hwsdk", options={"target": target, **options}, hwsdk=True)


RUNNERS = [
    _hwsdk("hwsdk cpu f32", "cpu"),
    _hwsdk("hwsdk cpu int8", "cpu", **INT8),
    _hwsdk("hwsdk cpu int8 int8_compute", "cpu", **INT8, **FAST),
    _hwsdk("hwsdk cpu int4", "cpu", **INT4),
    _hwsdk("hwsdk cpu int4 int8_compute", "cpu", **INT4, **FAST),
    RunnerSpec("ORT quantizer int8 level 1", "optimum-ort", ".venv-ort",
               {"matmul_nbits": {**_ORT8, "accuracy_level": 1}}),
    RunnerSpec("ORT quantizer int8 level 4", "optimum-ort", ".venv-ort",
               {"matmul_nbits": {**_ORT8, "accuracy_level": 4}}),
    RunnerSpec("ORT quantizer int4 level 4", "optimum-ort", ".venv-ort",
               {"matmul_nbits": {**_ORT4, "accuracy_level": 4}}),
    _hwsdk("hwsdk intel f32", "intel"),
    _hwsdk("hwsdk intel int8", "intel", **INT8),
    _hwsdk("hwsdk intel int4", "intel", **INT4),
    RunnerSpec("optimum-intel int8", "optimum-ov", ".venv-ov", {"bits": 8}),
    RunnerSpec("optimum-intel int4", "optimum-ov", ".venv-ov", {"bits": 4, "group_size": 128}),
]
"""Every runner, in load order (each loads in 1-2 minutes on a loaded 2-core machine)."""

DEFAULT = [spec.name for spec in RUNNERS if spec.name != "optimum-intel int4"]
"""What a plain run measures: all but optimum-intel int4, which the issue does not ask for
(``--runners`` adds it), to keep a run near 20 minutes."""

RUNNER_KEYS = {spec.name.lower().replace(" ", "-"): spec for spec in RUNNERS}

BASELINE = {"cpu": "hwsdk cpu f32", "ORT": "hwsdk cpu f32", "intel": "hwsdk intel f32",
            "optimum-intel": "hwsdk intel f32"}
"""A runner's float32 baseline, by the runner's engine (its name's first word but hwsdk's)."""

PAIRS = [("hwsdk cpu int8", "ORT quantizer int8 level 1"),
         ("hwsdk cpu int8 int8_compute", "ORT quantizer int8 level 4"),
         ("hwsdk cpu int4 int8_compute", "ORT quantizer int4 level 4"),
         ("hwsdk intel int8", "optimum-intel int8"), ("hwsdk intel int4", "optimum-intel int4")]
"""(hwsdk runner, the peer running the same scheme on the same engine and kernels)."""


def _engine(name: str) -> str:
    words = name.split()
    return words[1] if words[0] == "hwsdk" else words[0]


def _per_round(a: RunnerResult, b: RunnerResult) -> list[float]:
    return [x / y for x, y in zip(a.decode_tok_s, b.decode_tok_s, strict=False)]


def _spread(values: Sequence[float], digits: int = 2) -> str:
    if not values:
        return "—"
    return (f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def _weights(result: RunnerResult) -> str:
    weights = result.info.get("weights") or {}
    floating = weights.get("bytes_float", 0)
    if not floating:
        return "f32" if "f32" in result.name else "—"
    held = weights.get("bytes_in_engine") or weights.get("bytes_stored", 0)
    source = "ORT's graph" if weights.get("bytes_in_engine") else "the IR"
    return f"{held / 2**20:.1f} / {floating / 2**20:.1f} MiB = {held / floating:.3f} ({source})"


def render(results: Sequence[RunnerResult], meta: dict[str, Any], note: str = "") -> str:
    by_name = {r.name: r for r in results}
    lines = ["# Weight-only int8 / int4: LLM decode step, hwsdk and the peers (bench/quant.py)",
             "", f"Model: bench/llm.py's Llama {meta['model']}; batch 1, "
             f"{meta['prompt_tokens']}-token prompt, {meta['new_tokens']} greedy new tokens, "
             f"{meta['threads']} threads, {meta['rounds']} interleaved rounds (one worker "
             f"process per runner, order rotated per round). Load average "
             f"{meta['loadavg_before']} before, {meta['loadavg_after']} after; "
             f"{meta['wall_s']} s; hwsdk {meta['hwsdk_commit']}.", ""]
    if note:
        lines += [note, ""]
    lines += ["| runner | decode tok/s median (min-max) | / its f32, per round | "
              "quantized linears' weight bytes / f32 | RSS MiB | load s |",
              "|---|---|---|---|---|---|"]
    for r in results:
        base = by_name.get(BASELINE.get(_engine(r.name), ""))
        ratio = "—" if base is None or base is r else _spread(_per_round(r, base))
        rss = r.info.get("rss_mb")
        load = f"{r.load_s:.0f}" if r.load_s is not None else "—"
        speed = _spread(r.decode_tok_s, 1) if r.decode_tok_s else f"failed: {r.error}"
        lines.append(f"| {r.name} | {speed} | {ratio} | {_weights(r)} | "
                     f"{f'{rss:.0f}' if rss else '—'} | {load} |")
    lines += ["", "| hwsdk | peer | hwsdk / peer decode, per round: median (min-max) |",
              "|---|---|---|"]
    for ours, peer in PAIRS:
        if ours in by_name and peer in by_name:
            lines.append(f"| {ours} | {peer} | "
                         f"{_spread(_per_round(by_name[ours], by_name[peer]))} |")
    return "\n".join(lines) + "\n"


def _loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _git_head() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=BENCH, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--runners", default="",
                        help=f"comma-separated subset of {', '.join(RUNNER_KEYS)}")
    parser.add_argument("--out", default=str(BENCH / "results" / "quant"),
                        help="writes OUT.md and OUT.json")
    parser.add_argument("--note", default="", help="a paragraph for the page (e.g. the load)")
    args = parser.parse_args(argv)
    keys = args.runners.split(",") if args.runners else [
        name.lower().replace(" ", "-") for name in DEFAULT]
    unknown = [k for k in keys if k not in RUNNER_KEYS]
    if unknown:
        raise SystemExit(f"quant: unknown runner(s) {unknown}; one of {', '.join(RUNNER_KEYS)}")
    specs = [RUNNER_KEYS[k] for k in keys]
    workdir = Path(tempfile.mkdtemp(prefix="hwsdk-quant-bench-"))
    build_model(workdir / "model")
    base = Spec(kind="", model_dir=str(workdir / "model"), workdir=str(workdir),
                prompt=make_prompt(args.prompt_tokens), new_tokens=args.new_tokens,
                threads=args.threads)
    before, start = _loadavg(), time.time()
    results, orders = run_bench(specs, base, args.rounds, workdir)
    meta = {"model": MODEL_CONFIG, "prompt_tokens": args.prompt_tokens,
            "new_tokens": args.new_tokens, "threads": args.threads, "rounds": args.rounds,
            "loadavg_before": before, "loadavg_after": _loadavg(),
            "wall_s": round(time.time() - start), "hwsdk_commit": _git_head(),
            "orders": orders}
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "results": [asdict(r) for r in results]}, indent=1))
    page = render(results, meta, args.note)
    out.with_suffix(".md").write_text(page)
    print(page)
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
