"""Pause the cyclic garbage collector while the partitioner builds large acyclic structures.

Partitioning a 10^5-node graph allocates a few hundred thousand small objects (verdicts,
placements, region lists) that hold no reference cycles. Each allocation burst triggers
collections that traverse every live object, the whole graph included, which costs about 40%
of the partitioning time at that size. Reference counting still frees everything as usual;
the collector runs again as soon as the outermost pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_LOCK = threading.Lock()
_DEPTH = 0
_WAS_ENABLED = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block; nesting and threads are safe (the collector
    is restored to its previous state when the last active block exits)."""
    global _DEPTH, _WAS_ENABLED
    with _LOCK:
        if _DEPTH == 0:
            _WAS_ENABLED = gc.isenabled()
            gc.disable()
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and _WAS_ENABLED:
                gc.enable()
