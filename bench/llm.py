"""LLM generation: hwsdk against its peers, interleaved across processes (issue 16).

    bash bench/setup_peers.sh            # once: the peers' venvs (bench/.venv-ov, .venv-ort)
    python bench/llm.py [--rounds 10] [--runners hf-eager,hwsdk-cpu] [--out bench/results/llm]

One model: a random-weight (seeded) Llama, ``LlamaConfig(vocab_size=32000, hidden_size=512,
intermediate_size=1408, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=4)``,
saved once with ``save_pretrained``; batch 1, a 32-token prompt, exactly 64 greedy new tokens,
float32, 2 threads for every runner. Each runner lives in its own worker process, in its own
venv (the peers pin older transformers), and is loaded and warmed up once; then in each round
the coordinator asks every worker in turn (order rotated per round) for one generation, so all
see the same machine state. Reported per runner: median time to first token and decode
tokens/s with min-max, whether its first round's ids equal HF eager's, and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from llm_workers.protocol import Spec  # noqa: E402

__all__ = ["RunnerSpec", "RunnerResult", "RUNNERS", "build_model", "run_bench", "summarise",
           "render_markdown", "render_page", "write_results", "read_results"]

MODEL_CONFIG: dict[str, Any] = {"vocab_size": 32000, "hidden_size": 512,
                                "intermediate_size": 1408, "num_hidden_layers": 8,
                                "num_attention_heads": 8, "num_key_value_heads": 4}
REFERENCE = "HF eager"
SETUP_HINT = "run `bash bench/setup_peers.sh` to create it"


@dataclass(frozen=True)
class RunnerSpec:
    """One runner: a display name, the worker's runner kind and options, the venv it runs in
    (``""``: this interpreter), and whether it is hwsdk (the peers are the others)."""

    name: str
    kind: str
    venv: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    hwsdk: bool = False

    def python(self) -> Path:
        return Path(sys.executable) if not self.venv else BENCH / self.venv / "bin" / "python"


RUNNERS = [
    RunnerSpec("HF eager", "hf", options={"cache": "dynamic"}),
    RunnerSpec("HF static cache", "hf", options={"cache": "static"}),
    RunnerSpec("OVModelForCausalLM", "optimum-ov", ".venv-ov", {"save": "ov"}),
    RunnerSpec("OpenVINO GenAI", "genai", ".venv-ov", {"model": "ov"}),
    RunnerSpec("ORTModelForCausalLM", "optimum-ort", ".venv-ort"),
    RunnerSpec("hwsdk cpu", "hwsdk", options={"target": "cpu"}, hwsdk=True),
    RunnerSpec("hwsdk intel", "hwsdk", options={"target": "intel"}, hwsdk=True),
    # measured afresh each run: a decision cached by an earlier hwsdk build would be timed
    # instead of the choice this build makes
    RunnerSpec("hwsdk auto", "hwsdk", options={"target": "auto", "tune": "measure"},
               hwsdk=True),
]
"""Every runner, in load order (OpenVINO GenAI runs on what OVModelForCausalLM exported)."""

RUNNER_KEYS = {spec.name.lower().replace(" ", "-"): spec for spec in RUNNERS}


@dataclass
class RunnerResult:
    """One runner's measurements (times in ms, rates in tokens/s) or why it has none."""

    name: str
    hwsdk: bool = False
    load_s: float | None = None
    info: dict[str, Any] = field(default_factory=dict)
    ttft_ms: list[float] = field(default_factory=list)
    decode_tok_s: list[float] = field(default_factory=list)
    equal_to_reference: str = ""
    error: str = ""


class Worker:
    """A runner's worker process, spoken to one JSON line at a time."""

    def __init__(self, spec: RunnerSpec, log: IO[str]) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "PYTHONPATH": os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [str(spec.python()), "-m", "llm_workers.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1, env=env, cwd=BENCH)

    def ask(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one command and wait for its one answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready:
            raise TimeoutError(f"no answer to {message.get('cmd')!r} in {timeout_s:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker exited (status {self.proc.wait(timeout=10)})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def quit(self) -> None:
        """Ask the worker to exit (without waiting: workers exit in parallel)."""
        if self.proc.poll() is None and self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
            except OSError:
                pass

    def close(self, timeout_s: float = 30.0) -> None:
        """Quit, wait for the exit, kill the worker if it does not exit in ``timeout_s``."""
        self.quit()
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def build_model(directory: Path, seed: int = 0) -> None:
    """Save the random-weight Llama (seeded) with its generation config to ``directory``."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(**MODEL_CONFIG, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    model = LlamaForCausalLM(config).eval()
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=0,
                                               do_sample=False)
    model.save_pretrained(directory)


def make_prompt(length: int, seed: int = 0, vocab: int = 32000) -> list[int]:
    """``length`` token ids in [3, vocab) (0-2 are pad, bos, eos), seeded."""
    import random

    rng = random.Random(seed)
    return [rng.randrange(3, vocab) for _ in range(length)]


def _error_of(answer: dict[str, Any]) -> str:
    return str(answer.get("error", "no answer"))


def _first_difference(ids: Sequence[int], reference: Sequence[int]) -> str:
    if list(ids) == list(reference):
        return "equal"
    for i, (a, b) in enumerate(zip(ids, reference, strict=False)):
        if a != b:
            return f"differs from token {i}"
    return f"differs in length ({len(ids)} vs {len(reference)})"


def _load(specs: Sequence[RunnerSpec], base: Spec, logs: Path, timeout_s: float,
          results: dict[str, RunnerResult]) -> dict[str, Worker]:
    workers: dict[str, Worker] = {}
    for spec in specs:
        result = results[spec.name]
        if not spec.python().exists():
            result.error = f"no venv bench/{spec.venv}: {SETUP_HINT}"
            print(f"llm: {spec.name}: {result.error}", flush=True)
            continue
        log = (logs / f"{spec.name.replace(' ', '_')}.log").open("w")
        worker = Worker(spec, log)
        load = Spec(**{**asdict(base), "kind": spec.kind, "options": dict(spec.options)})
        print(f"llm: loading {spec.name} ({spec.kind}, {spec.venv or 'this venv'})", flush=True)
        try:
            answer = worker.ask({"cmd": "load", "spec": load.to_json()}, timeout_s)
        except (RuntimeError, TimeoutError, ValueError) as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        if answer.get("event") != "ready":
            result.error = f"load failed: {_error_of(answer)} (log: {log.name})"
            print(f"llm: {spec.name}: {result.error}", flush=True)
            worker.close()
            continue
        result.load_s = float(answer["load_s"])
        result.info = answer.get("info", {})
        workers[spec.name] = worker
    return workers


def _record(result: RunnerResult, answer: dict[str, Any], new_tokens: int) -> list[int] | None:
    if answer.get("event") != "result":
        result.error = f"run failed: {_error_of(answer)}"
        return None
    ids = [int(t) for t in answer["ids"]]
    if len(ids) != new_tokens or answer.get("timed_tokens") != new_tokens:
        result.error = (f"produced {len(ids)} tokens ({answer.get('timed_tokens')} timed), "
                        f"not {new_tokens}")
        return None
    result.ttft_ms.append(float(answer["ttft_ms"]))
    if answer.get("decode_tok_s") is not None:
        result.decode_tok_s.append(float(answer["decode_tok_s"]))
    return ids


def round_prompt(base: Spec, index: int) -> list[int]:
    """Round ``index``'s prompt: as long as ``base.prompt``, seeded by the round (the warm-up
    used ``base.prompt`` itself), the same for every runner in the round. A fresh prompt per
    round keeps a runner that caches prefixes (OpenVINO GenAI does: the same 32-token prompt
    again answers in about a third of the time) from timing a cache hit as its first token."""
    return make_prompt(len(base.prompt), seed=index + 1)


GAP_S = 0.3
"""Seconds between one runner's generation and the next one's: the engines' worker threads
spin a while after a call (ONNX Runtime's, OpenVINO's, PyTorch's OpenMP), and without a gap
that spin would land on whichever runner comes next in the rotation (always the same one)."""


def run_bench(specs: Sequence[RunnerSpec], base: Spec, rounds: int, workdir: Path,
              timeout_s: float = 600.0, same_prompt: bool = False, gap_s: float = GAP_S
              ) -> tuple[list[RunnerResult], list[list[str]]]:
    """Load every runner's worker (one after another), then run ``rounds`` interleaved rounds.

    Each round gives every runner the same prompt, a new one per round (:func:`round_prompt`;
    ``same_prompt`` keeps ``base.prompt`` throughout). A runner's ids are compared with the
    reference's (HF eager, else the first runner) in every round both answered; ``gap_s``
    (:data:`GAP_S`) separates one generation from the next. A runner
    that fails to load, errs or produces other than ``base.new_tokens`` tokens is reported
    with the reason and dropped; the others go on. Returns the results in ``specs`` order and
    the order each round ran in.
    """
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = {s.name: RunnerResult(s.name, s.hwsdk) for s in specs}
    workers = _load(specs, base, logs, timeout_s, results)
    orders: list[list[str]] = []
    verdicts: dict[str, str] = {}
    ref_name = REFERENCE if REFERENCE in workers else next(iter(workers), "")
    try:
        for r in range(rounds):
            names = [n for n in results if n in workers]
            order = names[r % len(names):] + names[:r % len(names)] if names else []
            orders.append(order)
            prompt = base.prompt if same_prompt else round_prompt(base, r)
            answered: dict[str, list[int]] = {}
            for name in order:
                time.sleep(gap_s)
                try:
                    answer = workers[name].ask({"cmd": "run", "prompt": prompt}, timeout_s)
                except (RuntimeError, TimeoutError, ValueError) as exc:
                    answer = {"error": f"{type(exc).__name__}: {exc}"}
                ids = _record(results[name], answer, base.new_tokens)
                if ids is None:
                    workers.pop(name).close()
                else:
                    answered[name] = ids
            reference = answered.get(ref_name)
            for name, ids in answered.items():
                if reference is not None and verdicts.get(name, "equal") == "equal":
                    verdicts[name] = _first_difference(ids, reference)
            print(f"llm: round {r + 1}/{rounds} done ({', '.join(order)})", flush=True)
    finally:
        for worker in workers.values():
            worker.quit()
        for worker in workers.values():
            worker.close()
    for name, verdict in verdicts.items():
        results[name].equal_to_reference = (verdict if ref_name == REFERENCE
                                            else f"{verdict} (vs {ref_name})")
    return [results[s.name] for s in specs], orders


def _stats(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(results: Sequence[RunnerResult]) -> dict[str, dict[str, Any]]:
    """Per runner: median/min/max of TTFT (ms) and decode tok/s."""
    return {r.name: {"ttft_ms": _stats(r.ttft_ms), "decode_tok_s": _stats(r.decode_tok_s),
                     "rounds": len(r.ttft_ms)} for r in results}


def _cell(stats: dict[str, float] | None, digits: int) -> str:
    if stats is None:
        return "—"
    return (f"{stats['median']:.{digits}f} ({stats['min']:.{digits}f}-"
            f"{stats['max']:.{digits}f})")


def _ratio(a: dict[str, float] | None, b: dict[str, float] | None) -> str:
    if a is None or b is None or not b["median"]:
        return "—"
    return f"{a['median'] / b['median']:.2f}"


def render_markdown(results: Sequence[RunnerResult]) -> str:
    """The results page: the table, ratios of each hwsdk runner to each peer, settings."""
    stats = summarise(results)
    lines = ["| runner | TTFT ms, median (min-max) | decode tok/s, median (min-max) | rounds "
             "| ids = HF eager | load s | note |", "|---|---|---|---|---|---|---|"]
    for r in results:
        s = stats[r.name]
        load = "—" if r.load_s is None else f"{r.load_s:.1f}"
        lines.append(f"| {r.name} | {_cell(s['ttft_ms'], 1)} | {_cell(s['decode_tok_s'], 1)} "
                     f"| {s['rounds']} | {r.equal_to_reference or '—'} | {load} | {r.error} |")
    peers = [r for r in results if not r.hwsdk and stats[r.name]["rounds"]]
    ours = [r for r in results if r.hwsdk and stats[r.name]["rounds"]]
    if peers and ours:
        lines += ["", "Ratios of medians, hwsdk / peer: decode tok/s (above 1: hwsdk decodes "
                  "faster) · TTFT (below 1: hwsdk answers sooner).", "",
                  "| hwsdk | " + " | ".join(p.name for p in peers) + " |",
                  "|---|" + "---|" * len(peers)]
        for o in ours:
            cells = [f"{_ratio(stats[o.name]['decode_tok_s'], stats[p.name]['decode_tok_s'])} · "
                     f"{_ratio(stats[o.name]['ttft_ms'], stats[p.name]['ttft_ms'])}"
                     for p in peers]
            lines.append(f"| {o.name} | " + " | ".join(cells) + " |")
    lines += ["", "Settings and versions per runner (as each worker reported them):", ""]
    for r in results:
        if r.info:
            lines.append(f"- **{r.name}**: {json.dumps(r.info.get('settings', {}))}; "
                         f"{', '.join(f'{k} {v}' for k, v in r.info.get('versions', {}).items())}"
                         + (f"; plan: {' / '.join(r.info['plan'])}" if r.info.get("plan")
                            else ""))
    return "\n".join(lines) + "\n"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def render_page(results: Sequence[RunnerResult], meta: dict[str, Any], note: str = "") -> str:
    """The whole results page: setup, machine and load, then :func:`render_markdown`."""
    machine = meta["machine"]
    config = ", ".join(f"{k}={v}" for k, v in meta["model"].items())
    head = [
        "# LLM generation: hwsdk against its peers", "",
        f"`python bench/llm.py --rounds {meta['rounds']}`: random-weight Llama "
        f"(`LlamaConfig({config})`, seeded), batch 1, {meta['prompt_tokens']}-token prompt, "
        f"exactly {meta['new_tokens']} greedy new tokens, float32, {machine['threads']} threads "
        f"for every runner. Each runner in its own worker process (its own venv), loaded and "
        f"warmed up once; {meta['rounds']} rounds, each asking every runner in turn for one "
        f"generation, order rotated per round, {meta.get('gap_s', 0)} s between generations"
        + (", on one prompt throughout (a runner that caches prefixes hits its cache). "
           if meta.get("prompts") == "one for all rounds" else
           ", on a new prompt per round (the same for every runner in the round), so no "
           "runner times a prefix-cache hit (OpenVINO GenAI caches prefixes). ")
        + "TTFT: call to first new token; decode tok/s: (new tokens - 1) / (last token - "
        "first token). Ids compared with HF eager's in every round.", "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['platform']}, "
        f"Python {machine['python']}, {machine['date']}; load average (1/5/15 min) "
        f"{meta['loadavg_before']} before, {meta['loadavg_after']} after; "
        f"{meta['wall_s']} s in all; hwsdk at {meta.get('hwsdk_commit', 'an unrecorded commit')}.",
        ""]
    if note:
        head += [f"**Note:** {note}", ""]
    return "\n".join(head) + "\n" + render_markdown(results)


def write_results(out: Path, results: Sequence[RunnerResult], meta: dict[str, Any],
                  note: str = "") -> None:
    """``OUT.md`` (the page) and ``OUT.json`` (every sample, settings, round orders)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "summary": summarise(results), "results": [asdict(r) for r in results]},
        indent=2) + "\n")
    out.with_suffix(".md").write_text(render_page(results, meta, note))


def _git_head() -> str:
    """The checkout's commit, with ``+changes`` when the tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=BENCH, text=True, capture_output=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def read_results(path: Path) -> tuple[list[RunnerResult], dict[str, Any]]:
    """The results and metadata of a JSON file :func:`write_results` wrote."""
    saved = json.loads(path.read_text())
    return [RunnerResult(**r) for r in saved["results"]], saved["meta"]


def _select(keys: str) -> list[RunnerSpec]:
    if not keys:
        return list(RUNNERS)
    chosen = []
    for key in keys.split(","):
        if key not in RUNNER_KEYS:
            raise SystemExit(f"llm: unknown runner {key!r}; one of {', '.join(RUNNER_KEYS)}")
        chosen.append(RUNNER_KEYS[key])
    return chosen


def main(argv: Sequence[str] | None = None) -> None:
    from harness import machine_info

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=1, help="generations before round 1")
    parser.add_argument("--gap-s", type=float, default=GAP_S,
                        help="seconds between one runner's generation and the next's")
    parser.add_argument("--same-prompt", action="store_true",
                        help="one prompt for every round (a prefix cache then hits)")
    parser.add_argument("--runners", default="",
                        help=f"comma-separated subset of {', '.join(RUNNER_KEYS)}")
    parser.add_argument("--out", default=str(BENCH / "results" / "llm"),
                        help="writes OUT.md and OUT.json")
    parser.add_argument("--note", default="", help="a sentence for the page (e.g. the load)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--render", default="",
                        help="only rewrite OUT.md (with --note) from a saved OUT.json")
    args = parser.parse_args(argv)
    if args.render:
        results, meta = read_results(Path(args.render))
        write_results(Path(args.out), results, meta, args.note)
        print(f"llm: wrote {Path(args.out).with_suffix('.md')} from {args.render}")
        return
    specs = _select(args.runners)
    workdir = Path(tempfile.mkdtemp(prefix="hwsdk-llm-bench-"))
    print(f"llm: work directory {workdir}", flush=True)
    build_model(workdir / "model")
    base = Spec(kind="", model_dir=str(workdir / "model"), workdir=str(workdir),
                prompt=make_prompt(args.prompt_tokens), new_tokens=args.new_tokens,
                threads=args.threads, warmup=args.warmup)
    load_before, start = _loadavg(), time.time()
    results, orders = run_bench(specs, base, args.rounds, workdir,
                                same_prompt=args.same_prompt, gap_s=args.gap_s)
    meta = {"machine": machine_info(args.threads), "loadavg_before": load_before,
            "hwsdk_commit": _git_head(),
            "loadavg_after": _loadavg(), "wall_s": round(time.time() - start, 1),
            "rounds": args.rounds, "prompt_tokens": args.prompt_tokens,
            "new_tokens": args.new_tokens, "model": MODEL_CONFIG, "orders": orders,
            "prompts": "one for all rounds" if args.same_prompt else "a new one per round",
            "gap_s": args.gap_s}
    out = Path(args.out)
    write_results(out, results, meta, args.note)
    print(render_markdown(results), flush=True)
    print(f"llm: wrote {out.with_suffix('.md')} and .json; load average before "
          f"{load_before}, after {meta['loadavg_after']}", flush=True)
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
