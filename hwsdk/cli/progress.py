"""Progress for the long steps of the model commands (capture, compile), drawn with rich on
stderr when stderr is a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["Progress", "CompileProgressRegistry"]


class Progress:
    """Named stages with a spinner, and a bar for per-region compilation; records how long
    each stage took in :attr:`timings` (seconds)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self._stream = sys.stderr  # bound now: capture may redirect sys.stderr meanwhile
        self.enabled = self._stream.isatty() if enabled is None else enabled
        self.timings: dict[str, float] = {}
        self._progress: Any = None
        self._task: Any = None

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Progress]:
        start = time.perf_counter()
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
            if total is not None:
                columns += [BarColumn(), MofNCompleteColumn()]
            columns.append(TimeElapsedColumn())
            with RichProgress(*columns, console=Console(file=self._stream), transient=True) as bar:
                self._progress, self._task = bar, bar.add_task(name, total=total)
                try:
                    yield self
                finally:
                    self._progress = self._task = None
        else:
            yield self
        self.timings[name] = time.perf_counter() - start

    def describe(self, description: str) -> None:
        """Change the current stage's description (what is being worked on now)."""
        if self._progress is not None:
            self._progress.update(self._task, description=description)

    def advance(self) -> None:
        """One more unit of the current stage is done."""
        if self._progress is not None:
            self._progress.update(self._task, advance=1)


class CompileProgressRegistry:
    """Wraps a Registry so that each region compiled through it advances the progress bar."""

    def __init__(self, registry: Any, progress: Progress, total: int) -> None:
        self._registry = registry
        self._progress = progress
        self._total = total
        self._done = 0

    def compile(self, ref: str, region: Any, options: Mapping[str, Any]) -> Any:
        self._progress.describe(f"compiling {region.id} ({len(region.nodes)} nodes) for {ref}")
        try:
            return self._registry.compile(ref, region, options)
        finally:
            self._done += 1
            self._progress.advance()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)
