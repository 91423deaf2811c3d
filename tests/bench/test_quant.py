"""bench/quant.py's page: each runner's per-round ratio to its engine's f32 and each hwsdk
runner's to its peer, the weight bytes and their source, and a failed runner's reason."""

from __future__ import annotations

from types import ModuleType

META = {"model": {}, "prompt_tokens": 32, "new_tokens": 8, "threads": 2, "rounds": 3,
        "loadavg_before": "1 1 1", "loadavg_after": "1 1 1", "wall_s": 1, "hwsdk_commit": "x"}


def test_ratios_are_per_round_against_the_engines_f32_and_the_peer(quant: ModuleType) -> None:
    result = quant.RunnerResult
    weights = {"bytes_float": 4 * 2**20, "bytes_stored": 2**20, "bytes_in_engine": 2**20}
    results = [result("hwsdk cpu f32", decode_tok_s=[10.0, 20.0, 40.0]),
               result("hwsdk cpu int8 int8_compute", decode_tok_s=[15.0, 20.0, 100.0],
                      info={"weights": weights, "rss_mb": 900.0}),
               result("ORT quantizer int8 level 4", decode_tok_s=[10.0, 10.0, 50.0]),
               result("hwsdk intel int8", error="load failed: boom")]
    page = quant.render(results, META)
    rows: dict[str, str] = {}
    for line in page.splitlines():  # the first table's row per runner (pairs come after)
        rows.setdefault(line.split(" | ")[0].strip("| "), line)
    # int8_compute / f32 per round: 1.5, 1.0, 2.5 -> median 1.50 (1.00-2.50)
    assert "| 1.50 (1.00-2.50) | 1.0 / 4.0 MiB = 0.250 (ORT's graph) | 900 |" in \
        rows["hwsdk cpu int8 int8_compute"]
    # the peer against hwsdk cpu f32 too: 1.0, 0.5, 1.25
    assert "| 1.00 (0.50-1.25) |" in rows["ORT quantizer int8 level 4"]
    assert "failed: load failed: boom" in rows["hwsdk intel int8"]
    # hwsdk / peer per round: 1.5, 2.0, 2.0
    assert "| hwsdk cpu int8 int8_compute | ORT quantizer int8 level 4 | 2.00 (1.50-2.00) |" \
        in page
    assert "optimum-intel int8 |" not in page  # a pair with a runner absent is left out
