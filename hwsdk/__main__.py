"""``python -m hwsdk``: the ``hwsdk`` command line (see :mod:`hwsdk.cli`)."""

from __future__ import annotations

import sys

from hwsdk.cli import main

if __name__ == "__main__":
    sys.exit(main())
