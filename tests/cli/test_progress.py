"""Progress display and stage timings."""

from __future__ import annotations

import io
from typing import Any

from hwsdk.cli.progress import CompileProgressRegistry, Progress


class _Registry:
    def __init__(self) -> None:
        self.compiled: list[str] = []

    def compile(self, ref: str, region: Any, options: Any) -> str:
        self.compiled.append(region.id)
        return f"runner {region.id}"

    def canonical(self, ref: str) -> str:
        return ref


class _Region:
    def __init__(self, rid: str) -> None:
        self.id, self.nodes = rid, [1, 2]


def test_compile_progress_counts_regions_and_delegates() -> None:
    progress = Progress(enabled=True)
    progress._stream = io.StringIO()  # a console that is not a terminal
    inner = _Registry()
    wrapped = CompileProgressRegistry(inner, progress, total=2)
    with progress.stage("compiling", total=2):
        assert wrapped.compile("t", _Region("r0"), {}) == "runner r0"
        assert wrapped.compile("t", _Region("r1"), {}) == "runner r1"
        task = progress._progress.tasks[0]
        assert task.completed == 2 and "r1" in task.description
    assert inner.compiled == ["r0", "r1"]
    assert wrapped.canonical("x") == "x"  # everything else goes to the registry
    assert set(progress.timings) == {"compiling"}


def test_disabled_progress_still_times_stages() -> None:
    progress = Progress(enabled=False)
    with progress.stage("capturing"):
        progress.describe("ignored")
        progress.advance()
    assert progress.timings["capturing"] >= 0
