"""The generated Inferentia/Trainium capability tables (``tables/<variant>.json``).

The JSON files are written by ``scripts/gen_vendor_tables.py`` from the torch-neuronx
operator list, neuronx-cc's XLA operator table and data-types.rst; each holds the
CapabilityTable and per-op provenance ("entries"). Each is loaded once.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from hwsdk.plugin import CapabilityTable

__all__ = ["VARIANTS", "DEFAULT_VARIANT", "document", "table"]

VARIANTS = ["inf2", "trn1", "trn2"]
DEFAULT_VARIANT = "inf2"


@cache
def document(variant: str) -> dict[str, Any]:
    """The whole generated document of one variant (table, entries, schema)."""
    text = resources.files(__package__).joinpath("tables", f"{variant}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def table(variant: str) -> CapabilityTable:
    """The capability table of one variant (``inf2``, ``trn1``, ``trn2``)."""
    return CapabilityTable.model_validate(document(variant)["table"])
