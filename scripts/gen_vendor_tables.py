"""Generate the Gaudi and Inferentia capability tables from the vendors' published files.

    python scripts/gen_vendor_tables.py [--vendor-data DIR] [--check]

DIR defaults to ../shared/vendor-data relative to the repository root (SOURCES.md there gives
each file's repository, commit, version and licence). Output: JSON tables inside the plugin
packages. The output depends only on the vendor files and hwsdk's op set, so re-running it
reproduces the committed tables byte for byte; ``--check`` verifies that without writing.
See docs/vendor-tables.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VENDOR_DATA = REPO.parent / "shared" / "vendor-data"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vendor_tables import gaudi, neuron  # noqa: E402
from vendor_tables.common import read_sources  # noqa: E402


def generate(vendor_data: Path = DEFAULT_VENDOR_DATA) -> dict[str, str]:
    """Every table: path relative to the repository root → JSON text."""
    sources = read_sources(vendor_data)
    return {**gaudi.generate(vendor_data, sources), **neuron.generate(vendor_data, sources)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor-data", type=Path, default=DEFAULT_VENDOR_DATA)
    parser.add_argument("--out", type=Path, default=REPO, help="root to write under")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a committed table differs from a fresh run")
    args = parser.parse_args(argv)
    stale = []
    for rel, text in generate(args.vendor_data).items():
        path = args.out / rel
        if args.check:
            if not path.exists() or path.read_bytes() != text.encode("utf-8"):
                stale.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        print(f"wrote {rel}")
    for rel in stale:
        print(f"stale: {rel}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
