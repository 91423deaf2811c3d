"""The generated Gaudi capability tables (``tables/<variant>.json``), loaded once each.

The JSON files are written by ``scripts/gen_vendor_tables.py`` from hpu_op.yaml and
Pytorch_Operators.rst; each holds the CapabilityTable and per-op provenance ("entries").
"""

from __future__ import annotations

from hwsdk.plugin import PackagedTables

__all__ = ["TABLES", "VARIANTS", "DEFAULT_VARIANT", "document", "table"]

TABLES = PackagedTables(__package__, "gaudi", ["gaudi", "gaudi2", "gaudi3"], "gaudi2")
VARIANTS = TABLES.variants
DEFAULT_VARIANT = TABLES.default_variant
document = TABLES.document
table = TABLES.table
