"""``python -m hwsdk.cli``: the same command line as ``hwsdk`` and ``python -m hwsdk``."""

from __future__ import annotations

import sys

from hwsdk.cli import main

if __name__ == "__main__":
    sys.exit(main())
