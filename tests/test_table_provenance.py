"""Every capability table of every installed first-party target cites sources that exist: a
repository path named in a table's provenance is a file or folder of this repository."""

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
