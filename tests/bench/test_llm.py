"""bench/llm.py's harness with fake runners (no model, no peers): workers in their own
processes answer one JSON line per command, rounds rotate the order, failures are reported and
dropped while the others go on, the greedy-equality check and the ratios say what they claim."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType


def _base(llm: ModuleType, warmup: int = 1) -> object:
    return llm.Spec(kind="", prompt=list(range(5)), new_tokens=8, threads=2, warmup=warmup)


def test_rounds_rotate_and_measure(llm: ModuleType, tmp_path: Path) -> None:
    specs = [llm.RunnerSpec("HF eager", "fake", options={"token_ms": 1}),
             llm.RunnerSpec("slow", "fake", options={"first_ms": 30, "token_ms": 5}),
             llm.RunnerSpec("hwsdk fake", "fake", options={"offset": 1}, hwsdk=True)]
    results, orders = llm.run_bench(specs, _base(llm), 3, tmp_path, timeout_s=60, gap_s=0.0)
    names = [s.name for s in specs]
    assert orders == [names, names[1:] + names[:1], names[2:] + names[:2]]
    by_name = {r.name: r for r in results}
    assert all(len(r.ttft_ms) == 3 and len(r.decode_tok_s) == 3 and not r.error
               for r in results), results
    # sleeps set lower bounds: 30 ms to the first token, 5 ms per later one
    assert min(by_name["slow"].ttft_ms) >= 30
    assert max(by_name["slow"].decode_tok_s) <= 1000 / 5
    assert by_name["HF eager"].equal_to_reference == "equal"
    assert by_name["slow"].equal_to_reference == "equal"
    assert by_name["hwsdk fake"].equal_to_reference == "differs from token 0"
    # the fake's stdout noise went to the log, not into the protocol
    assert "noise on stdout" in (tmp_path / "logs" / "slow.log").read_text()


def test_each_round_gets_a_new_prompt(llm: ModuleType, tmp_path: Path) -> None:
    """Every runner in a round gets that round's prompt (none times a prefix-cache hit on a
    repeated prompt), and ids are compared with the reference's in every round: a runner that
    kept answering the load-time prompt differs from round 1 on."""
    base = _base(llm)
    prompts = [llm.round_prompt(base, r) for r in range(3)]
    assert len({tuple(p) for p in [base.prompt, *prompts]}) == 4
    assert all(len(p) == len(base.prompt) for p in prompts)
    specs = [llm.RunnerSpec("HF eager", "fake"), llm.RunnerSpec("follows", "fake"),
             llm.RunnerSpec("stale", "fake", options={"stale": True})]
    results, _ = llm.run_bench(specs, base, 2, tmp_path, timeout_s=60, gap_s=0.0)
    verdicts = {r.name: r.equal_to_reference for r in results}
    assert verdicts["follows"] == "equal"
    assert verdicts["stale"].startswith("differs from token")
    results, _ = llm.run_bench(specs, base, 2, tmp_path, timeout_s=60, same_prompt=True, gap_s=0.0)
    assert {r.name: r.equal_to_reference for r in results}["stale"] == "equal"


def test_failures_are_reported_and_the_rest_go_on(llm: ModuleType, tmp_path: Path) -> None:
    specs = [llm.RunnerSpec("HF eager", "fake"),
             llm.RunnerSpec("bad load", "fake", options={"fail": "load"}),
             llm.RunnerSpec("bad run", "fake", options={"fail": "run"}),
             llm.RunnerSpec("dies", "fake", options={"exit": "run"}),
             llm.RunnerSpec("short", "fake", options={"short": 2}),
             llm.RunnerSpec("no venv", "fake", venv=".venv-does-not-exist")]
    # no warm-up: a failing generation would fail the load (which is reported the same way)
    results, orders = llm.run_bench(specs, _base(llm, warmup=0), 2, tmp_path, timeout_s=60,
                                    gap_s=0.0)
    errors = {r.name: r.error for r in results}
    assert errors["HF eager"] == ""
    assert errors["bad load"].startswith("load failed: ValueError: fake load failure")
    assert errors["bad run"] == "run failed: ValueError: fake run failure"
    assert errors["dies"].startswith("run failed: RuntimeError: the worker exited (status 3)")
    assert errors["short"] == "produced 6 tokens (6 timed), not 8"
    assert "bench/setup_peers.sh" in errors["no venv"]
    assert orders[1] == ["HF eager"]  # the failed ones were dropped after round 1
    assert len(results[0].ttft_ms) == 2


def test_ratios_page_and_saved_results(llm: ModuleType, tmp_path: Path) -> None:
    peer = llm.RunnerResult("HF eager", ttft_ms=[40, 50, 60], decode_tok_s=[50, 40, 60],
                            equal_to_reference="equal")
    ours = llm.RunnerResult("hwsdk cpu", hwsdk=True, ttft_ms=[20, 25, 30],
                            decode_tok_s=[100, 90, 110], equal_to_reference="equal")
    assert llm.summarise([peer])["HF eager"]["ttft_ms"] == {"median": 50, "min": 40, "max": 60}
    table = llm.render_markdown([peer, ours])
    assert "| HF eager | 50.0 (40.0-60.0) | 50.0 (40.0-60.0) | 3 | equal |" in table
    assert "| hwsdk cpu | 2.00 · 0.50 |" in table
    meta = {"machine": {"cpu": "x", "cores": 2, "platform": "p", "python": "3", "date": "d",
                        "threads": 2},
            "rounds": 3, "prompt_tokens": 32, "new_tokens": 64, "model": llm.MODEL_CONFIG,
            "loadavg_before": "1.00 2.00 3.00", "loadavg_after": "1.50 2.00 3.00",
            "wall_s": 9.0}
    page = llm.render_page([peer, ours], meta, note="noisy")
    assert "load average (1/5/15 min) 1.00 2.00 3.00 before" in page
    assert "**Note:** noisy" in page and table in page
    llm.write_results(tmp_path / "llm", [peer, ours], meta, note="noisy")
    assert (tmp_path / "llm.md").read_text() == page
    assert llm.read_results(tmp_path / "llm.json") == ([peer, ours], meta)
