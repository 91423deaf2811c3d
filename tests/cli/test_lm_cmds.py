"""hwsdk run --lm and hwsdk explain --lm: generation compiled, checked token for token against
transformers' eager generate, timed beside it; the step graph planned for absent targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hwsdk.cli import main

pytest.importorskip("transformers")

FAST = ["--prompt-tokens", "4", "--new-tokens", "4", "--rounds", "2"]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("model", "target"), [("tiny-llama", "torch"), ("tiny-gpt2", "cpu")])
def test_run_lm_checks_tokens_and_times_both(model: str, target: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["run", "--lm", model, "-t", target, *FAST], capsys)
    assert code == 0, err
    assert "generation: one graph serves prefill (1..8 tokens)" in out
    assert f"targets {target}" in out
    assert "(4 prompt tokens, 4 new, seed 0): all 4 tokens identical OK" in out
    ttft = next(line for line in out.splitlines() if line.startswith("time to first token"))
    assert "hwsdk " in ttft and "eager " in ttft and "min-max" in ttft
    decode = next(line for line in out.splitlines() if line.startswith("decode (tokens/s"))
    assert "hwsdk " in decode and "eager " in decode
    # two rounds allow no verdict, and the advice names the option that sets them
    assert out.count("too noisy to call either faster (only 2 round(s))") == 2
    assert "larger --rounds" in out and "--repeat" not in out


def test_run_lm_mismatch_is_an_error_exit(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk.cli import lm_measure

    real = lm_measure.eager_generation

    def off_by_one(*args: Any) -> lm_measure.Generation:
        got = real(*args)
        tokens = got.tokens.clone()
        tokens[0, 2] = (tokens[0, 2] + 1) % 256
        return lm_measure.Generation(tokens, got.ttft_s, got.decode_s)

    monkeypatch.setattr(lm_measure, "eager_generation", off_by_one)
    code, out, err = _cli(["run", "--lm", "tiny-llama", "-t", "torch", *FAST], capsys)
    assert code == 1, err
    assert "MISMATCH from new token 2" in out
    assert "time to first token" not in out  # no timing of wrong output


def test_explain_lm_writes_every_report(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    files = {kind: tmp_path / f"lm.{kind}" for kind in ("html", "json", "dot")}
    code, out, err = _cli(["explain", "--lm", "tiny-llama", "-t", "gaudi:gaudi2",
                           "--max-cache-len", "64",
                           *[a for kind, p in files.items() for a in (f"--{kind}", str(p))]],
                          capsys)
    assert code == 0, err
    first, second = out.splitlines()[:2]
    assert first.startswith("generation: one graph serves prefill (1..64 tokens)")
    assert second == "hwsdk partition report for LMStep"
    assert "gaudi:gaudi2" in out and "recommendations:" in out
    plan = json.loads(files["json"].read_text())
    assert plan["schema"] == "hwsdk.partition-plan" and plan["targets"][0] == "gaudi:gaudi2"
    assert files["html"].stat().st_size > 0 and "digraph" in files["dot"].read_text()


def test_explain_lm_brief(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["explain", "--lm", "tiny-gpt2", "-t", "inferentia:inf2",
                           "--max-cache-len", "32", "--brief"], capsys)
    assert code == 0, err
    assert out.startswith("generation: one graph serves prefill (1..32 tokens)")
    assert "partition plan for LMStep" in out and "inferentia:inf2" in out


@pytest.mark.parametrize(("args", "message"), [
    (["run", "mlp", "--lm", "tiny-llama"], "give MODEL or --lm MODEL, not both"),
    (["run", "--lm", "tiny-llama", "--repeat", "3"], "--repeat only applies without --lm"),
    (["run", "mlp", "--rounds", "3"], "--rounds only applies with --lm"),
    (["explain", "mlp", "-t", "cpu", "--max-cache-len", "8"],
     "--max-cache-len only applies with --lm"),
    (["explain", "-t", "cpu"], "missing MODEL (or --lm MODEL)"),
    (["run", "--lm", "tiny-llama", "--new-tokens", "1"], "x>=2"),
])
def test_malformed_lm_command_lines(args: list[str], message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(args, capsys)
    assert code == 2 and message in err, err


@pytest.mark.parametrize(("args", "message"), [
    (["--prompt-tokens", "8", "--new-tokens", "8", "--max-cache-len", "12"],
     "--prompt-tokens 8 + --new-tokens 8 = 16 exceeds --max-cache-len 12"),
    (["--prompt-tokens", "2000", "--new-tokens", "100"],
     "exceeds tiny-llama's 2048 positions"),
])
def test_lengths_are_refused_before_compiling(args: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk

    monkeypatch.setattr(hwsdk, "compile_lm", lambda *a, **k: pytest.fail("compiled"))
    code, _, err = _cli(["run", "--lm", "tiny-llama", "-t", "torch", *args], capsys)
    assert code == 1
    assert err.startswith("hwsdk: error: ") and message in err, err


def test_explain_lm_all_is_one_matrix(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # two refs stand in for every registered one (each plan captures the step again)
    monkeypatch.setattr("hwsdk.cli.registry_cmds.target_refs",
                        lambda registry, include_torch: ["inferentia:inf2", "nosuch:x"])
    out_json = tmp_path / "all.json"
    code, out, err = _cli(["explain", "--lm", "tiny-gpt2", "-t", "all", "--brief",
                           "--max-cache-len", "16", "--json", str(out_json)], capsys)
    assert code == 0, err
    assert out.startswith("generation: one graph serves prefill (1..16 tokens)")
    assert "coverage of tiny-gpt2's generation step across 2 targets:" in out
    assert "=== inferentia:inf2 ===" in out and "=== nosuch:x ===" not in out
    data = json.loads(out_json.read_text())
    assert data["schema"] == "hwsdk.coverage-matrix" and data["model"] == "tiny-gpt2"
    assert data["plans"]["inferentia:inf2"]["schema"] == "hwsdk.partition-plan"
    assert "UnknownTargetError" in data["plans"]["nosuch:x"]["error"]
