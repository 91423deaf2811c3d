"""Write docs/ops.md from the core op set registry.

    python scripts/gen_ops_doc.py [--check]

``--check`` exits 1 when docs/ops.md differs from what the registry renders (CI and
tests/ir/test_ops_doc.py use it that way).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OPS_MD = REPO / "docs" / "ops.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when docs/ops.md is stale")
    args = parser.parse_args(argv)
    from hwsdk.ir.opsdoc import render_ops_markdown

    text = render_ops_markdown()
    if args.check:
        if not OPS_MD.exists() or OPS_MD.read_text() != text:
            print(f"{OPS_MD} is stale: run python scripts/gen_ops_doc.py", file=sys.stderr)
            return 1
        return 0
    OPS_MD.write_text(text)
    print(f"wrote {OPS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
