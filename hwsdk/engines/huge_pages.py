"""Transparent huge pages for the memory an engine allocates while it compiles.

A decode step of a language model reads every weight once: 160 MB for the 8-layer bench model,
which with Linux's 4 KiB pages is 40 000 pages, each a TLB miss when the weights stream through.
With 2 MiB pages it is 80. Linux backs anonymous memory with huge pages only where a program
asks (``transparent_hugepage`` is ``madvise`` on most distributions), and neither ONNX
Runtime nor OpenVINO asks for the weights they repack. :class:`HugePages` records the
process's anonymous mappings before an engine compiles; :meth:`HugePages.advise` then asks
for huge pages (``MADV_HUGEPAGE``) on what appeared since and collapses it now
(``MADV_COLLAPSE``, Linux 6.1+). Measured on the bench model, two compiled copies in one
process, generations interleaved: OpenVINO CPU decode +4.5 % and +4.9 %; ONNX Runtime from
-14 % to +6 % across six processes (so the cpu target leaves it off by default).

Only memory that is already resident is collapsed (a collapse fills the rest of each 2 MiB
page with zeros, so a sparse arena would grow): mappings of at least 2 MiB whose resident
share is at least :data:`MIN_RESIDENT`. Memory an engine takes from a mapping that existed
before (a malloc arena grown earlier) is not new, so it is left as it is. What was done, or
why nothing was, is returned for the plan. Nothing here imports torch.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["HugePages", "Mapping", "MIN_RESIDENT", "unavailable", "parse_maps", "parse_smaps",
           "new_ranges", "huge_aligned"]

HUGE = 2 << 20
"""The huge page size of x86-64 and arm64 (4 KiB base pages)."""

MIN_RESIDENT = 0.9
"""The resident share of a mapping below which it is left alone (see the module text)."""

_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25
_SETTING = "/sys/kernel/mm/transparent_hugepage/enabled"


@dataclass(frozen=True)
class Mapping:
    """One anonymous private writable mapping of the process: ``[start, end)``."""

    start: int
    end: int
    resident: int = 0
    """Resident bytes (from ``/proc/self/smaps``; 0 when read from ``/proc/self/maps``)."""


def _anonymous(fields: list[str]) -> bool:
    perms = fields[1]
    path = fields[5] if len(fields) > 5 else ""
    return perms.startswith("rw") and perms.endswith("p") and path in ("", "[heap]")


def parse_maps(lines: Iterable[str]) -> list[Mapping]:
    """The anonymous private writable mappings in ``/proc/self/maps`` lines."""
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 5 and _anonymous(fields):
            start, end = (int(x, 16) for x in fields[0].split("-"))
            found.append(Mapping(start, end))
    return found


def parse_smaps(lines: Iterable[str]) -> list[Mapping]:
    """The anonymous private writable mappings in ``/proc/self/smaps`` lines, with their
    resident bytes."""
    found: list[Mapping] = []
    current: tuple[int, int] | None = None
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
            current = None
            if _anonymous(fields):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                current = (start, end)
        elif fields[0] == "Rss:" and current is not None:
            found.append(Mapping(*current, resident=int(fields[1]) * 1024))
            current = None
    return found


def new_ranges(before: Iterable[Mapping], after: Iterable[Mapping]) -> Iterator[Mapping]:
    """What ``after`` holds that ``before`` did not: new mappings whole, and the part of a
    mapping that grew past its old end (the heap; its resident bytes are then unknown, so the
    whole mapping's share stands for the new part's)."""
    ends = {m.start: m.end for m in before}
    for mapping in after:
        old_end = ends.get(mapping.start)
        if old_end is None:
            yield mapping
        elif mapping.end > old_end:
            share = mapping.resident / (mapping.end - mapping.start)
            yield Mapping(old_end, mapping.end, int(share * (mapping.end - old_end)))


def huge_aligned(mapping: Mapping) -> tuple[int, int] | None:
    """The 2 MiB-aligned interior of ``mapping``, or None when it holds no whole huge page."""
    start = -(-mapping.start // HUGE) * HUGE
    end = mapping.end // HUGE * HUGE
    return (start, end) if end > start else None


def unavailable() -> str | None:
    """Why huge pages cannot be asked for here, or None when they can."""
    if not sys.platform.startswith("linux"):
        return f"transparent huge pages are a Linux feature (this is {sys.platform})"
    try:
        with open(_SETTING) as fh:
            setting = fh.read()
    except OSError:
        return f"{_SETTING} is not readable (a kernel without transparent huge pages)"
    if "[never]" in setting:
        return f"the kernel's transparent_hugepage setting is 'never' ({_SETTING})"
    return None


def _read(path: str) -> list[str]:
    with open(path) as fh:
        return fh.readlines()


def _huge_bytes() -> int:
    for line in _read("/proc/self/smaps_rollup"):
        if line.startswith("AnonHugePages:"):
            return int(line.split()[1]) * 1024
    return 0


class HugePages:
    """Huge pages for the anonymous memory that appears between construction and
    :meth:`advise`.

    >>> pages = HugePages()                       # before the engine compiles  # doctest: +SKIP
    >>> details["huge_pages"] = pages.advise()    # after                       # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._why_not = unavailable()
        self._before = [] if self._why_not else parse_maps(_read("/proc/self/maps"))

    def advise(self) -> dict[str, Any]:
        """Ask for huge pages on the memory new since construction (or since the last call)
        and collapse it now.

        :returns: for the plan: ``{"advised_mib", "huge_mib"}`` (what was asked for, and how
            much more of the process is in huge pages than before), plus ``"note"`` when the
            kernel refused the collapse; or ``{"skipped": why}``.
        """
        if self._why_not:
            return {"skipped": self._why_not}
        candidates = [m for m in new_ranges(self._before, parse_smaps(_read("/proc/self/smaps")))
                      if m.end - m.start >= HUGE
                      and m.resident >= MIN_RESIDENT * (m.end - m.start)]
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        huge_before = _huge_bytes()
        advised, refused = 0, set()
        for mapping in candidates:
            span = huge_aligned(mapping)
            if span is None:
                continue
            start, end = span
            if libc.madvise(start, end - start, _MADV_HUGEPAGE) != 0:
                refused.add(os.strerror(ctypes.get_errno()))
                continue
            advised += end - start
            if libc.madvise(start, end - start, _MADV_COLLAPSE) != 0:
                refused.add(os.strerror(ctypes.get_errno()))
        result: dict[str, Any] = {"advised_mib": advised >> 20,
                                  "huge_mib": max(0, _huge_bytes() - huge_before) >> 20}
        if refused:
            result["note"] = ("the kernel did not collapse every range now "
                              f"({'; '.join(sorted(refused))}); khugepaged may later")
        self._before = parse_maps(_read("/proc/self/maps"))  # a next call: only newer memory
        return result
