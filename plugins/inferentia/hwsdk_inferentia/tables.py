"""The generated Inferentia/Trainium capability tables (``tables/<variant>.json``).

The JSON files are written by ``scripts/gen_vendor_tables.py`` from the torch-neuronx
operator list, neuronx-cc"s XLA operator table and data-types.rst; each holds the
CapabilityTable and per-op provenance ("entries"). Each is loaded once.
"""

from __future__ import annotations

from hwsdk.plugin import PackagedTables

__all__ = ["TABLES", "VARIANTS", "DEFAULT_VARIANT", "document", "table"]

TABLES = PackagedTables(__package__, "inferentia", ["inf2", "trn1", "trn2"], "inf2")
VARIANTS = TABLES.variants
DEFAULT_VARIANT = TABLES.default_variant
document = TABLES.document
table = TABLES.table
