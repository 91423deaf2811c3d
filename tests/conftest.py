"""Shared fixtures: small models with random weights (no downloads)."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# hwsdk's on-disk caches (capability views, generated Triton modules) go to a throwaway
# directory, not the user's ~/.cache/hwsdk.
os.environ.setdefault("HWSDK_CACHE_DIR", tempfile.mkdtemp(prefix="hwsdk-test-cache-"))
# target="auto" plans by priority in the suite, so placement never depends on timing; the
# tests of measured tuning (tests/tune) unset it.
os.environ.setdefault("HWSDK_TUNE", "off")


@pytest.fixture(autouse=True)
def _seed() -> None:
    import torch

    torch.manual_seed(0)
