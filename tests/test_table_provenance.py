"""Every capability table of every installed first-party target cites sources that exist (a
repository path named in a table's provenance is a file or folder of this repository), and no
table claims ``yes`` or ``no`` for an op without saying where that comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsdk.cli.registry_cmds import target_refs
from hwsdk.registry import get_registry

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("hwsdk/", "plugins/", "tests/", "scripts/", "docs/", "bench/")


def _repo_paths(text: str) -> list[str]:
    pieces = [p.strip() for p in text.replace(";", ",").split(",")]
    return [p for p in pieces if p.startswith(TOP_LEVEL) and ":" not in p and "@" not in p]


@pytest.mark.parametrize("ref", target_refs(get_registry()))
def test_repository_paths_in_provenance_exist(ref: str) -> None:
    table = get_registry().capabilities(ref)
    cited = [path for p in table.provenance for path in _repo_paths(p.url_or_repo_path)]
    missing = [path for path in cited if not (REPO / path).exists()]
    assert not missing, f"{ref} cites {missing}, which are not in the repository"


TABLE_LEVEL_ONLY = {
    "cpu": "every cell is one run of hwsdk's ONNX lowering test per op x dtype (the table's "
           "provenance), so no cell has a source of its own",
    "torch": "PyTorch itself: the op set's own reference implementations",
}
"""Targets whose table-level provenance is the source of every entry."""


@pytest.mark.parametrize("ref", target_refs(get_registry()))
def test_no_yes_or_no_without_provenance(ref: str) -> None:
    table = get_registry().capabilities(ref)
    assert table.provenance, f"{ref} has no provenance at all"
    if ref.partition(":")[0] in TABLE_LEVEL_ONLY:
        return
    bare = [op for op, entry in table.ops.items()
            if not entry.source.strip() and set(entry.dtypes.values()) - {"unknown"}]
    assert not bare, f"{ref} claims yes/no for {bare} without a source"
