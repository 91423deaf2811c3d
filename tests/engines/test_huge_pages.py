"""hwsdk.engines.huge_pages: which mappings are advised, and that collapsing keeps the data."""

from __future__ import annotations

import mmap
import sys

import pytest

from hwsdk.engines import huge_pages
from hwsdk.engines.huge_pages import (
    HUGE,
    HugePages,
    Mapping,
    huge_aligned,
    new_ranges,
    parse_maps,
    parse_smaps,
)

MAPS = """\
55d0c0000000-55d0c0400000 rw-p 00000000 00:00 0                          [heap]
7f0000000000-7f0000800000 rw-p 00000000 00:00 0
7f0000800000-7f0000a00000 rw-s 00000000 00:05 123                        /dev/shm/x
7f0000a00000-7f0000c00000 r--p 00000000 08:01 456                        /usr/lib/libx.so
7f0000c00000-7f0000e00000 rw-p 00001000 08:01 456                        /usr/lib/libx.so
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
"""

SMAPS = """\
7f0000000000-7f0000800000 rw-p 00000000 00:00 0
Size:               8192 kB
Rss:                8000 kB
AnonHugePages:         0 kB
7f0000a00000-7f0000c00000 r--p 00000000 08:01 456                        /usr/lib/libx.so
Size:               2048 kB
Rss:                2048 kB
"""


def test_only_private_anonymous_writable_mappings_are_candidates():
    assert parse_maps(MAPS.splitlines()) == [Mapping(0x55D0C0000000, 0x55D0C0400000),
                                             Mapping(0x7F0000000000, 0x7F0000800000)]


def test_smaps_carries_resident_bytes():
    assert parse_smaps(SMAPS.splitlines()) == [
        Mapping(0x7F0000000000, 0x7F0000800000, resident=8000 * 1024)]


def test_new_ranges_are_new_mappings_and_grown_tails():
    before = [Mapping(0, 4 * HUGE), Mapping(100 * HUGE, 102 * HUGE)]
    after = [Mapping(0, 8 * HUGE, resident=8 * HUGE),       # grew: only the tail is new
             Mapping(100 * HUGE, 102 * HUGE),                # unchanged
             Mapping(200 * HUGE, 203 * HUGE, resident=5)]    # new
    assert list(new_ranges(before, after)) == [Mapping(4 * HUGE, 8 * HUGE, resident=4 * HUGE),
                                               Mapping(200 * HUGE, 203 * HUGE, resident=5)]


def test_huge_aligned_interior():
    assert huge_aligned(Mapping(1, 3 * HUGE + 5)) == (HUGE, 3 * HUGE)
    assert huge_aligned(Mapping(1, 2 * HUGE - 1)) is None


def test_not_linux_is_a_reason(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert "Linux" in (huge_pages.unavailable() or "")
    assert HugePages().advise() == {"skipped": huge_pages.unavailable()}


def test_thp_never_is_a_reason(monkeypatch, tmp_path):
    setting = tmp_path / "enabled"
    setting.write_text("always madvise [never]\n")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(huge_pages, "_SETTING", str(setting))
    assert "never" in (HugePages().advise()["skipped"])


live = pytest.mark.skipif(huge_pages.unavailable() is not None,
                          reason=str(huge_pages.unavailable()))


def _fresh_mapping(size: int) -> mmap.mmap:
    """A mapping of its own: MAP_NORESERVE keeps the kernel from merging it with malloc's
    neighbouring mappings (a large tensor may come from an arena older than the scope)."""
    noreserve = getattr(mmap, "MAP_NORESERVE", 0x4000)  # Linux's value
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | noreserve)


@live
def test_collapse_keeps_the_data_and_is_reported():
    pages = HugePages()
    buffer = _fresh_mapping(8 * HUGE)  # 16 MiB, every page written: resident
    pattern = bytes(range(256)) * (HUGE // 256)
    for k in range(8):
        buffer[k * HUGE:(k + 1) * HUGE] = pattern
    result = pages.advise()
    assert result["advised_mib"] >= 14, result  # the 2 MiB-aligned interior at least
    assert all(buffer[k * HUGE:(k + 1) * HUGE] == pattern for k in range(8))
    buffer.close()


@live
def test_sparse_memory_is_left_alone():
    pages = HugePages()
    sparse = _fresh_mapping(16 * HUGE)
    sparse[0] = 1  # one page of 8192 resident: a collapse would fill the rest with zeros
    result = pages.advise()
    assert result.get("advised_mib", 0) < 32, result
    sparse.close()


@live
def test_a_second_advise_covers_only_newer_memory():
    pages = HugePages()
    first = _fresh_mapping(8 * HUGE)
    first.write(b"\1" * (8 * HUGE))
    assert pages.advise()["advised_mib"] >= 14
    assert pages.advise()["advised_mib"] < 14
    first.close()
