"""The publishable conformance summary: text, Markdown and JSON."""

from __future__ import annotations

import json

from hwsdk.testing.report import Summary

RECORDS = [
    {"kind": "op", "target": "acme", "op": "add", "dtype": "f32", "status": "passed",
     "detail": "8 cases", "cases": 8, "refused": 0},
    {"kind": "op", "target": "acme", "op": "add", "dtype": "f16", "status": "failed",
     "detail": "same[3,5]/large: output y0: 1 of 15 elements outside rtol", "cases": 7,
     "refused": 0},
    {"kind": "op", "target": "acme", "op": "conv", "dtype": "f32", "status": "skipped",
     "detail": "no input generator", "cases": 0, "refused": 0},
    {"kind": "capabilities", "target": "acme", "op": "", "dtype": "", "status": "passed",
     "detail": "2 ops", "cases": 0, "refused": 0},
]


def test_text_shows_matrix_counts_and_reasons() -> None:
    text = Summary(RECORDS).text()
    assert "acme: 2 passed, 1 failed, 1 skipped" in text
    assert "FAIL op add f16: same[3,5]/large" in text
    assert "capabilities pass" in text


def test_markdown_and_json() -> None:
    summary = Summary(RECORDS)
    md = summary.markdown()
    assert "| op | f16 | f32 |" in md and "| add | FAIL | pass |" in md
    assert "## Failures and skips" in md
    data = json.loads(summary.to_json())
    assert data["schema_version"] == 1
    assert data["targets"]["acme"] == {"passed": 2, "failed": 1, "skipped": 1}
    assert len(data["records"]) == 4


def test_markdown_lists_the_input_classes_run_and_declared() -> None:
    records = [dict(RECORDS[0], classes={"contiguous": "ran", "strided": "ran",
                                         "nan_inf": "declared: MaxPool skips NaN",
                                         "rank0": "n/a"}),
               dict(RECORDS[1], classes={"contiguous": "ran", "strided": "failed"})]
    summary = Summary(records)
    counts = summary.input_classes("acme")
    assert list(counts) == ["contiguous", "strided", "nan_inf", "rank0"]  # the kit's order
    assert counts["strided"] == {"ran": 1, "failed": 1}
    md = summary.markdown()
    assert "Input classes run: `contiguous`, `strided`, `nan_inf`, `rank0`." in md
    assert "| strided | 1 | 1 | 0 | 0 | 0 |" in md
    assert "- add nan_inf: MaxPool skips NaN" in md
