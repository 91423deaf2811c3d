"""PyTorch's OpInfo database through hwsdk targets: every deterministic float32 sample, compared
with eager PyTorch, in child processes so that a crash or a hang is recorded, not fatal.

    python bench/opinfo_sweep.py [--targets cpu,intel] [--ops abs,add] [--limit-samples 8]
                                 [--timeout 60] [--seed 0] [--out bench/results/opinfo]

How a sample is run: the OpInfo's ``sample_inputs("cpu", torch.float32)`` (the first
``--limit-samples`` of them, after ``torch.manual_seed(seed)``) becomes an ``nn.Module`` whose
``forward`` takes the sample's tensors (every other argument is baked in) and calls the op;
``hwsdk.compile(module, tensors, target=T)`` compiles it and its call is compared with eager.

Outcomes per (sample, target):

- ``pass``: matches eager and every node ran on the target; ``fallback-pass``: matches, with
  some or all nodes on the PyTorch fallback (the plan says why);
- ``wrong``: a result, or an input the op updates in place, differs from eager (shape, dtype,
  or values beyond the tolerance);
- ``compile-error`` / ``call-error``: an exception from ``hwsdk.compile`` / from the call,
  ``hwsdk`` when it is an ``HwsdkError`` (a refusal with a message) and ``raw`` otherwise;
- ``crash`` (the child process died) and ``timeout`` (no result within ``--timeout`` s);
- ``skip:<reason>``: ``eager-raises``, ``export`` (torch.export itself refuses the sample),
  ``nondeterministic`` (two eager runs differ), ``input-dtype`` (a float64 or complex input,
  which hwsdk refuses by design), ``input-layout`` (a sparse input), ``random``
  (``dropout_p > 0``, or a captured call that draws random numbers, :func:`random_call`).

Ops are skipped whole when they do not support float32 on CPU, are random (:data:`RANDOM`,
matched against the name without ``nn.functional.``) or
sparse (``sparse.*``).
Tolerance (:func:`matches`): same shape and dtype; integers and booleans equal; floats
``|actual - expected| <= ATOL + RTOL * |expected|`` elementwise with NaN equal to NaN, where
``ATOL`` is scaled by the largest finite ``|expected|`` when that exceeds 1 (reductions and
products cancel at the scale of their inputs, not of their outputs).

The child writes one JSON line per started and per finished (sample, target) to the results
file and flushes it; the parent restarts a dead or stuck child, which skips every pair already
finished and the one that crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
RTOL = 1e-4
ATOL = 1e-5
# Random ops (OpInfo reseeds them for eager through wrapper_set_seed, so two eager runs agree
# while a captured graph draws anew) and ops whose output is uninitialised memory.
RANDOM = re.compile(r"rand\w*|(\w+_)?dropout(\dd)?|bernoulli|multinomial|normal|uniform|"
                    r"exponential|geometric|cauchy|log_normal|rrelu|fractional_max_pool\dd|"
                    r"\w+_lowrank|(new_)?empty\w*")
DEFAULT_SOURCE = "torch.testing._internal.common_methods_invocations:op_db"
OUTCOMES = ("pass", "fallback-pass", "wrong", "compile-error", "call-error", "crash", "timeout")
MESSAGE_CHARS = 300


# ---- samples ------------------------------------------------------------------------------

def op_key(op: Any) -> str:
    """``name`` or ``name.variant``: unique across op_db."""
    return f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name


def load_ops(source: str) -> list[Any]:
    """The OpInfo list named ``module:attribute``, in op_db's order."""
    module, _, attr = source.partition(":")
    return list(getattr(importlib.import_module(module), attr))


def op_skip_reason(op: Any) -> str | None:
    """Why a whole op is skipped, or None."""
    import torch

    if RANDOM.fullmatch(op.name.removeprefix("nn.functional.")):
        return "random"
    if op.name.startswith("sparse.") or "sparse" in op.name.split(".")[-1]:
        return "sparse"
    if not op.supports_dtype(torch.float32, "cpu"):
        return "no-float32"
    return None


def samples_of(op: Any, limit: int, seed: int) -> list[Any]:
    """The op's first ``limit`` float32 CPU samples, the same ones on every run."""
    import torch

    torch.manual_seed(seed)
    result = []
    for sample in op.sample_inputs("cpu", torch.float32, requires_grad=False):
        result.append(sample)
        if len(result) >= limit:
            break
    return result


class _Call:
    """The op called on a sample's structure, with its tensors as the arguments."""

    def __init__(self, op: Any, sample: Any) -> None:
        import torch
        from torch.utils._pytree import tree_flatten

        leaves, self.spec = tree_flatten((sample.input, tuple(sample.args), dict(sample.kwargs)))
        self.fn = op.op
        self.leaves = leaves
        self.tensor_at = [i for i, v in enumerate(leaves) if isinstance(v, torch.Tensor)]
        self.tensors = tuple(leaves[i] for i in self.tensor_at)
        self.dropout_p = sample.kwargs.get("dropout_p", 0.0)

    def __call__(self, *tensors: Any) -> Any:
        from torch.utils._pytree import tree_unflatten

        leaves = list(self.leaves)
        for i, tensor in zip(self.tensor_at, tensors, strict=True):
            leaves[i] = tensor
        first, args, kwargs = tree_unflatten(leaves, self.spec)
        return self.fn(first, *args, **kwargs)

    def describe(self) -> str:
        parts = []
        for i, value in enumerate(self.leaves):
            if i in self.tensor_at:
                dtype = str(value.dtype).removeprefix("torch.")
                parts.append(f"{dtype}{list(value.shape)}")
            else:
                parts.append(repr(value))
        text = ", ".join(parts)
        return text if len(text) <= 120 else text[:117] + "..."


def sample_module(call: _Call) -> Any:
    """An ``nn.Module`` whose forward is ``call`` (built lazily: torch loads on first use)."""
    import torch

    class Sample(torch.nn.Module):
        def forward(self, *tensors: Any) -> Any:
            return call(*tensors)

    return Sample().eval()


def _clone(tensors: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(t.clone() for t in tensors)


# ---- comparison ---------------------------------------------------------------------------

def matches(actual: Any, expected: Any) -> tuple[bool, str, float]:
    """Whether ``actual`` matches eager's ``expected``; a reason when not; max abs error."""
    import torch
    from torch.utils._pytree import tree_leaves

    got, want = tree_leaves(actual), tree_leaves(expected)
    if len(got) != len(want):
        return False, f"{len(got)} outputs, eager has {len(want)}", float("nan")
    worst = 0.0
    for i, (a, e) in enumerate(zip(got, want, strict=True)):
        if not isinstance(e, torch.Tensor):
            if isinstance(a, torch.Tensor) and a.numel() == 1:
                a = a.item()
            if a != e and not (a != a and e != e):
                return False, f"output {i}: {a!r}, eager {e!r}", float("nan")
            continue
        if not isinstance(a, torch.Tensor):
            return False, f"output {i} is {type(a).__name__}, eager a tensor", float("nan")
        if a.shape != e.shape:
            return False, f"output {i}: shape {list(a.shape)}, eager {list(e.shape)}", worst
        if a.dtype != e.dtype:
            return False, f"output {i}: dtype {a.dtype}, eager {e.dtype}", worst
        if not (e.is_floating_point() or e.is_complex()):
            if not torch.equal(a, e):
                bad = int((a != e).sum())
                return False, f"output {i}: {bad}/{e.numel()} elements differ", worst
            continue
        ok, error = _close(a, e)
        worst = max(worst, error)
        if not ok:
            return False, f"output {i}: max abs error {error:.3g} beyond tolerance", worst
    return True, "", worst


def _close(a: Any, e: Any) -> tuple[bool, float]:
    import torch

    a, e = a.detach().double(), e.detach().double()
    finite = e[torch.isfinite(e)]
    scale = max(1.0, float(finite.abs().max())) if finite.numel() else 1.0
    close = torch.isclose(a, e, rtol=RTOL, atol=ATOL * scale, equal_nan=True)
    both = torch.isfinite(a) & torch.isfinite(e)
    error = float((a - e)[both].abs().max()) if bool(both.any()) else 0.0
    return bool(close.all()), error


# ---- one sample ---------------------------------------------------------------------------

def _message(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:MESSAGE_CHARS]


def _is_export_refusal(exc: BaseException) -> bool:
    from hwsdk.errors import CaptureError

    return isinstance(exc, CaptureError) and str(exc).startswith("torch.export could not")


def eager_skip(call: _Call) -> tuple[str | None, Any, str]:
    """(skip reason or None, (eager result, the inputs as eager leaves them), message): eager
    twice, checked for determinism."""
    import torch

    for tensor in call.tensors:
        if tensor.dtype == torch.float64 or tensor.is_complex():
            return "input-dtype", None, f"input {tensor.dtype}"
        if tensor.layout != torch.strided:
            return "input-layout", None, f"input {tensor.layout}"
    if call.dropout_p:
        return "random", None, f"dropout_p={call.dropout_p}"
    try:
        with torch.no_grad():
            first_inputs, second_inputs = _clone(call.tensors), _clone(call.tensors)
            first = call(*first_inputs)
            second = call(*second_inputs)
    except Exception as exc:
        return "eager-raises", None, _message(exc)
    same, why, _ = matches((second, second_inputs), (first, first_inputs))
    if not same:
        return "nondeterministic", None, why
    return None, (first, first_inputs), ""


def random_call(graph: Any) -> str:
    """The first ATen call in a captured graph that draws random numbers ("" when none): eager
    reseeds through OpInfo's wrappers, the compiled graph draws anew."""
    from hwsdk.ir.opdef import TORCH_OP

    for node in graph.nodes:
        target = str(node.attrs.get("target", "")) if node.op == TORCH_OP else ""
        packet = target.split(".")[1] if target.count(".") >= 2 else ""
        if packet and RANDOM.fullmatch(packet.lstrip("_")):
            return target
    return ""


def capture_sample(call: _Call) -> tuple[Any, dict[str, Any] | None]:
    """(the captured sample, None), or (None, the outcome every target gets)."""
    from hwsdk.errors import HwsdkError
    from hwsdk.ir.capture import capture

    try:
        return capture(sample_module(call), _clone(call.tensors)), None
    except Exception as exc:
        if _is_export_refusal(exc):
            return None, {"outcome": "skip:export", "message": _message(exc)}
        kind = "hwsdk" if isinstance(exc, HwsdkError) else "raw"
        return None, {"outcome": "compile-error", "kind": kind, "phase": "capture",
                      "message": _message(exc)}


def compile_captured(captured: Any, target: str) -> Any:
    """What ``hwsdk.compile(module, tensors, target=target)`` does after its capture, so that
    one capture serves every target (torch.export is most of a compile's cost)."""
    import copy

    from hwsdk.partition.planner import plan_graph
    from hwsdk.registry import get_registry
    from hwsdk.runtime.build import build_compiled

    captured = copy.deepcopy(captured)
    registry = get_registry()
    plan = plan_graph(captured, target, options={}, registry=registry, model_name="Sample")
    return build_compiled(captured, plan, registry, {}, False)


def run_target(call: _Call, captured: Any, expected: Any, target: str) -> dict[str, Any]:
    """Compile and call the captured sample on ``target``: its outcome record (without ids)."""
    import torch

    from hwsdk.errors import HwsdkError

    try:
        compiled = compile_captured(captured, target)
    except Exception as exc:
        kind = "hwsdk" if isinstance(exc, HwsdkError) else "raw"
        return {"outcome": "compile-error", "kind": kind, "phase": "compile",
                "message": _message(exc)}
    summary = compiled.plan.summary_dict()
    inputs = _clone(call.tensors)
    try:
        with torch.no_grad():
            actual = compiled(*inputs)
    except Exception as exc:
        kind = "hwsdk" if isinstance(exc, HwsdkError) else "raw"
        return {"outcome": "call-error", "kind": kind, "message": _message(exc)}
    ok, why, error = matches(actual, expected[0])
    if ok:  # the inputs as eager leaves them (batch norm updates its running stats in place)
        ok, why, input_error = matches(inputs, expected[1])
        why = why and f"inputs after the call: {why}"
        error = max(error, input_error)
    fallback = summary["fallback_nodes"] > 0 or summary["compile_failures"] > 0
    record: dict[str, Any] = {"nodes": summary["nodes"], "max_abs_error": error,
                              "fallback_nodes": summary["fallback_nodes"]}
    if not ok:
        record.update(outcome="wrong", message=why)
    elif fallback:
        reasons = [f"{op} [{code}]" for op, code in sorted(compiled.plan.fallback_reasons())]
        if summary["compile_failures"]:
            reasons.append(f"{summary['compile_failures']} region(s) failed to compile")
        record.update(outcome="fallback-pass", message="; ".join(reasons)[:MESSAGE_CHARS])
    else:
        record["outcome"] = "pass"
    return record


# ---- the child ----------------------------------------------------------------------------

def finished_pairs(results: Path | None) -> set[tuple[str, str]]:
    """(sample id, target) pairs with a result (or a crash) in the results file, and
    (op key, "") for every op all of whose samples are done."""
    done: set[tuple[str, str]] = set()
    if results is not None and results.exists():
        for line in results.read_text().splitlines():
            record = json.loads(line)
            if record["event"] == "result":
                done.add((record["id"], record["target"]))
            elif record["event"] == "op-done":
                done.add((record["op"], ""))
    return done


def warm_up(targets: Sequence[str]) -> None:
    """Load each target's engine once, so that no sample's timeout pays for the imports."""
    import torch

    import hwsdk

    x = torch.ones(2)
    for target in targets:  # a broken target shows in every sample's outcome instead
        with contextlib.suppress(Exception):
            hwsdk.compile(torch.nn.ReLU(), (x,), target=target)(x)


def child(args: argparse.Namespace) -> int:
    """Run the sweep into ``args.results``, skipping pairs already there."""
    import torch

    torch.set_num_threads(1)
    warm_up(args.targets)
    done = finished_pairs(args.results) | finished_pairs(args.done)
    wanted = set(args.ops.split(",")) if args.ops else None
    shard, shards = map(int, args.shard.split("/"))
    matched = 0
    with args.results.open("a") as out:
        def emit(**record: Any) -> None:
            out.write(json.dumps(record) + "\n")
            out.flush()

        for op in load_ops(args.source):
            key = op_key(op)
            if wanted is not None and key not in wanted and op.name not in wanted:
                continue
            matched += 1
            if matched % shards != shard:
                continue
            if (key, "") in done:
                continue
            reason = op_skip_reason(op)
            if reason is None:
                try:
                    samples = samples_of(op, args.limit_samples, args.seed)
                except Exception as exc:
                    samples, reason = [], f"samples-fail: {_message(exc)}"
            if reason is not None:
                samples = []
                for target in args.targets:
                    emit(event="result", id=f"{key}#0", op=key, target=target,
                         outcome="op-skip", message=reason)
            for index, sample in enumerate(samples):
                run_sample(op, key, index, sample, args.targets, done, emit)
            emit(event="op-done", op=key)
    return 0


def run_sample(op: Any, key: str, index: int, sample: Any, targets: Sequence[str],
               done: set[tuple[str, str]], emit: Any) -> None:
    """Every pending target on one sample: eager, one capture, then each target; each step
    announced (with the targets it stands for) before it starts."""
    sample_id = f"{key}#{index}"
    pending = [t for t in targets if (sample_id, t) not in done]
    if not pending:
        return
    emit(event="start", id=sample_id, targets=pending, step="eager+capture", time=time.time())
    call = _Call(op, sample)
    base = {"event": "result", "id": sample_id, "op": key, "sample": call.describe()}
    reason, expected, message = eager_skip(call)
    shared: dict[str, Any] | None = None
    if reason is not None:
        shared = {"outcome": f"skip:{reason}", "message": message}
    else:
        captured, shared = capture_sample(call)
        drawn = shared is None and random_call(captured.graph)
        if drawn:  # e.g. dropout with training=True passed positionally
            shared = {"outcome": "skip:random", "message": f"the graph draws: {drawn}"}
    if shared is not None:
        for target in pending:
            emit(**base, target=target, **shared)
        return
    for target in pending:
        emit(event="start", id=sample_id, targets=[target], step="compile+call", time=time.time())
        started = time.perf_counter()
        record = run_target(call, captured, expected, target)
        emit(**base, target=target, seconds=round(time.perf_counter() - started, 3), **record)


# ---- the parent ---------------------------------------------------------------------------

def _last_start(results: Path, done: set[tuple[str, str]]) -> dict[str, Any] | None:
    """The last step announced whose targets are not all finished."""
    last = None
    for line in results.read_text().splitlines() if results.exists() else []:
        record = json.loads(line)
        if record["event"] == "start" and any((record["id"], t) not in done
                                              for t in record["targets"]):
            last = record
    return last


def sweep(args: argparse.Namespace) -> None:
    """``--jobs`` shards of the op list, each in its own restarted child, merged into the
    results file at the end."""
    import threading

    shards = [args.results.with_suffix(f".shard{i}.jsonl") for i in range(args.jobs)]
    for path in shards:
        path.write_text("")
    threads = [threading.Thread(target=sweep_shard, args=(args, i, path))
               for i, path in enumerate(shards)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with args.results.open("a") as out:
        for path in shards:
            out.write(path.read_text())
            path.unlink()


def sweep_shard(args: argparse.Namespace, shard: int, results: Path) -> None:
    """Run children until one finishes; each death or hang becomes a crash/timeout record."""
    command = [sys.executable, __file__, "--child", "--results", str(results),
               "--done", str(args.results), "--shard", f"{shard}/{args.jobs}",
               "--targets", ",".join(args.targets), "--limit-samples", str(args.limit_samples),
               "--seed", str(args.seed), "--source", args.source]
    if args.ops:
        command += ["--ops", args.ops]
    while True:
        with tempfile.TemporaryFile("w+") as stderr:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr,
                                    start_new_session=True)
            status = _watch(proc, results, args.timeout)
            stderr.seek(0)
            lines = stderr.read().strip().splitlines()
        if status == "finished":
            return
        done = finished_pairs(results)
        start = _last_start(results, done)
        if start is None:
            tail = "\n".join(lines[-30:])
            raise SystemExit(f"the sweep child failed before any sample:\n{tail}")
        message = f"child {status} in {start['step']}" + (f": {lines[-1][:200]}" if lines else "")
        op = start["id"].rpartition("#")[0]
        with results.open("a") as out:
            for target in start["targets"]:
                if (start["id"], target) not in done:
                    out.write(json.dumps({"event": "result", "id": start["id"], "op": op,
                                          "target": target, "outcome": status,
                                          "message": message}) + "\n")
        print(f"{status}: {start['id']} on {start['targets']} ({message})", flush=True)


def _watch(proc: subprocess.Popen[bytes], results: Path, timeout: float) -> str:
    """Wait for the child: 'finished', 'crash' (died) or 'timeout' (one pair ran too long)."""
    size, last_progress = -1, time.monotonic()
    while True:
        code = proc.poll()
        if code is not None:
            return "finished" if code == 0 else "crash"
        now_size = results.stat().st_size if results.exists() else 0
        if now_size != size:
            size, last_progress = now_size, time.monotonic()
        elif time.monotonic() - last_progress > timeout and _last_start(
                results, finished_pairs(results)) is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return "timeout"
        time.sleep(0.2)


# ---- the report ---------------------------------------------------------------------------

def read_results(results: Path) -> list[dict[str, Any]]:
    """The result records, in order."""
    return [r for r in map(json.loads, results.read_text().splitlines())
            if r["event"] == "result"]


def tally(records: Iterable[dict[str, Any]], target: str) -> dict[str, Any]:
    """Counts for one target: outcomes, skip reasons, the pass rate over accepted samples."""
    mine = [r for r in records if r["target"] == target]
    samples = [r for r in mine if r["outcome"] != "op-skip"]
    outcomes = Counter(r["outcome"] for r in samples)
    errors = Counter(f"{r['outcome']} ({r['kind']})" for r in samples if "kind" in r)
    accepted = sum(outcomes[o] for o in OUTCOMES)
    passed = outcomes["pass"] + outcomes["fallback-pass"]
    return {
        "ops": len({r["op"] for r in mine}),
        "ops_skipped": Counter(r["message"].split(":")[0] for r in mine
                               if r["outcome"] == "op-skip"),
        "samples": len(samples), "accepted": accepted, "outcomes": outcomes, "errors": errors,
        "pass_rate": passed / accepted if accepted else 0.0,
    }


def render(records: list[dict[str, Any]], targets: Sequence[str], command: str) -> str:
    """bench/results/opinfo.md."""
    from harness import machine_info  # type: ignore[import-not-found]

    info = machine_info()
    lines = ["# OpInfo sweep", "", f"Command: `{command}`", "",
             f"Machine: {json.dumps(info, default=str)[:400]}", "",
             f"Tolerance: rtol={RTOL}, atol={ATOL} x max(1, max finite |eager|), NaN equal; "
             "dtype and shape must match, integers exactly.", ""]
    lines += ["| target | ops | samples | accepted | pass | fallback-pass | wrong | compile "
              "error | call error | crash | timeout | skipped | pass rate |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    tallies = {t: tally(records, t) for t in targets}
    for target, t in tallies.items():
        o = t["outcomes"]
        skipped = sum(v for k, v in o.items() if k.startswith("skip:"))
        lines.append(f"| {target} | {t['ops']} | {t['samples']} | {t['accepted']} | {o['pass']} "
                     f"| {o['fallback-pass']} | {o['wrong']} | {o['compile-error']} | "
                     f"{o['call-error']} | {o['crash']} | {o['timeout']} | {skipped} | "
                     f"{100 * t['pass_rate']:.2f}% |")
    lines += ["", "Pass rate: (pass + fallback-pass) / accepted, where accepted excludes the "
              "skipped samples (eager raises, torch.export refuses, nondeterministic, float64 or "
              "complex inputs).", ""]
    for target, t in tallies.items():
        skips = ", ".join(f"{k.removeprefix('skip:')} {v}" for k, v in
                          sorted(t["outcomes"].items()) if k.startswith("skip:"))
        op_skips = ", ".join(f"{k} {v}" for k, v in sorted(t["ops_skipped"].items()))
        errors = ", ".join(f"{k} {v}" for k, v in sorted(t["errors"].items()))
        lines += [f"- **{target}**: skipped samples: {skips or 'none'}; skipped ops: "
                  f"{op_skips or 'none'}; errors by kind: {errors or 'none'}"]
    lines += ["", "## Every sample that did not pass", "",
              "| target | op | sample | outcome | message |", "|---|---|---|---|---|"]
    for r in records:
        if r["outcome"] in ("pass", "fallback-pass") or r["outcome"].startswith(
                ("skip:", "op-skip")):
            continue
        outcome = r["outcome"] + (f" ({r['kind']})" if "kind" in r else "")
        message = r.get("message", "").replace("|", "\\|")[:200]
        sample = r.get("sample", "").replace("|", "\\|")
        lines.append(f"| {r['target']} | {r['op']} | {sample} | {outcome} | {message} |")
    return "\n".join(lines) + "\n"


def forget(results: Path, ops: set[str]) -> None:
    """Drop every record of ``ops`` (op names or keys) from the results file."""
    def keep(line: str) -> bool:
        record = json.loads(line)
        key = record.get("op") or record["id"].rpartition("#")[0]
        return not any(key == op or key.startswith(op + ".") for op in ops)

    lines = [line for line in results.read_text().splitlines() if keep(line)]
    results.write_text("".join(line + "\n" for line in lines))


# ---- command line -------------------------------------------------------------------------

def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="cpu,intel",
                        type=lambda s: [t for t in s.split(",") if t])
    parser.add_argument("--ops", default="", help="comma-separated op names (name or name.variant)")
    parser.add_argument("--limit-samples", type=int, default=8, help="samples per op")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", default=DEFAULT_SOURCE,
                        help="the OpInfo list as module:attribute")
    parser.add_argument("--out", type=Path, default=RESULTS / "opinfo",
                        help="writes OUT.md and OUT.jsonl")
    parser.add_argument("--jobs", type=int, default=1, help="child processes in parallel")
    parser.add_argument("--resume", action="store_true", help="keep OUT.jsonl's finished pairs")
    parser.add_argument("--rerun-ops", default="",
                        help="drop these ops' results from OUT.jsonl and run them again")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--done", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--shard", default="0/1", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        return child(args)
    args.results = args.out.with_suffix(".jsonl")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    if args.rerun_ops:
        forget(args.results, set(args.rerun_ops.split(",")))
        args.ops = args.rerun_ops
    elif not args.resume:
        args.results.write_text("")
    started = time.perf_counter()
    sweep(args)
    command = "python bench/opinfo_sweep.py " + " ".join(sys.argv[1:] if argv is None else argv)
    records = read_results(args.results)
    text = render(records, args.targets, command)
    text += f"\nWall time: {time.perf_counter() - started:.0f} s\n"
    args.out.with_suffix(".md").write_text(text)
    print(text.split("\n## ")[0])
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
