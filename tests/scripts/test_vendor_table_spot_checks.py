"""Spot checks of the generated Gaudi and Neuron tables against the vendor files: each sampled
yes/no cell cites a raw line (``entries[op].basis``), and that line says what the cell says."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENDOR_DATA = REPO.parent / "shared" / "vendor-data"
TABLES = sorted([*(REPO / "plugins/gaudi/hwsdk_gaudi/tables").glob("*.json"),
                 *(REPO / "plugins/inferentia/hwsdk_inferentia/tables").glob("*.json")])
FILES = {"Pytorch_Operators.rst": "gaudi/Pytorch_Operators.rst",
         "hpu_op.yaml": "gaudi/hpu_op.yaml",
         "pytorch-neuron-supported-operators.rst":
             "neuron/pytorch-neuron-supported-operators.rst"}
COLUMNS = ["FP32", "BF16", "FP16", "FP8", "INT64", "INT32", "INT16", "INT8", "BOOL"]
SAMPLE = 40

pytestmark = pytest.mark.skipif(not (VENDOR_DATA / "SOURCES.md").exists(),
                                reason=f"vendor files not found at {VENDOR_DATA}")


def _lines(name: str) -> list[str]:
    return (VENDOR_DATA / FILES[name]).read_text(encoding="utf-8").splitlines()


def _yaml_block(lines: list[str], start: int) -> str:
    """The raw text of the top-level yaml key at 1-based line ``start``."""
    block = [lines[start - 1]]
    for line in lines[start:]:
        if line and not line[0].isspace() and not line.startswith("#"):
            break
        block.append(line)
    return "\n".join(block)


def check(basis: str, support: str) -> None:
    """Fail unless the raw line ``basis`` cites says ``support``."""
    match = re.match(r"^(\S+?):(\d+) (.*)$", basis)
    assert match, f"basis {basis!r} cites no file:line"
    name, number, claim = match.group(1), int(match.group(2)), match.group(3)
    lines = _lines(name)
    raw = lines[number - 1]
    if name == "Pytorch_Operators.rst":
        op, column, answer = claim.split()[0], claim.split()[-2], claim.split()[-1]
        cells = raw.split()
        assert cells[0].replace("\\", "") == op, (basis, raw)
        assert cells[1 + COLUMNS.index(column)] == answer, (basis, raw)
        assert (answer == "Yes") == (support == "yes"), (basis, support)
    elif name == "hpu_op.yaml":
        key, generation, verb, dtype = claim.split()
        assert raw.startswith(f"{key}:"), (basis, raw)
        block = _yaml_block(lines, number)
        if generation == "dtypes":
            listed = re.search(r"dtypes:\s*\[([^\]]*)\]", block)
        else:
            listed = re.search(rf"^\s+{generation}:\s*(?:\n\s+\w+:)?\s*\[([^\]]*)\]", block,
                               re.MULTILINE)
        assert listed, (basis, block)
        present = dtype in [d.strip() for d in listed.group(1).split(",")]
        assert present == (verb == "lists") == (support == "yes"), (basis, block)
    else:
        assert f"aten::{claim.split('aten::')[1]}" in raw.replace("\\", ""), (basis, raw)
        assert support == "yes"


def _cells(path: Path) -> list[tuple[str, str, str, str]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for op, entry in sorted(doc["entries"].items()):
        for dtype, support in sorted(doc["table"]["ops"][op]["dtypes"].items()):
            basis = entry["basis"].get(dtype, "")
            if support != "unknown" and re.match(r"^\S+:\d+ ", basis):
                cells.append((op, dtype, support, basis))
    return cells


@pytest.mark.parametrize("table", TABLES, ids=lambda p: p.stem)
def test_sampled_cells_match_the_raw_vendor_line_they_cite(table: Path) -> None:
    cells = _cells(table)
    assert cells, f"{table.name} cites no vendor line"
    for op, dtype, support, basis in random.Random(table.stem).sample(
            cells, min(SAMPLE, len(cells))) + [c for c in cells if "hpu_op.yaml:" in c[3]]:
        try:
            check(basis, support)
        except AssertionError as exc:
            raise AssertionError(f"{table.name} {op} {dtype}={support}: {exc}") from exc


def test_the_checker_catches_a_wrong_claim() -> None:
    with pytest.raises(AssertionError):
        check("Pytorch_Operators.rst:58 linear (torch.nn.functional) FP32 Yes", "no")
    with pytest.raises(AssertionError):
        check("Pytorch_Operators.rst:58 linear (torch.nn.functional) INT32 Yes", "yes")
    check("Pytorch_Operators.rst:58 linear (torch.nn.functional) FP32 Yes", "yes")
