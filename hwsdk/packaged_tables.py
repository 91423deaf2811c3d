"""Capability tables a plugin ships as JSON files, one per variant (public plugin API).

Generated tables (``scripts/gen_vendor_tables.py`` writes them for hwsdk-gaudi and
hwsdk-inferentia) live in the plugin package as ``<package>/tables/<variant>.json``, each a
document ``{"table": <CapabilityTable fields>, ...}`` with whatever else the generator records
(per-op provenance, schema). :class:`PackagedTables` loads and validates each file once, on
first use, so loading the plugin imports neither pydantic nor the files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable

__all__ = ["PackagedTables"]


class PackagedTables:
    """The JSON capability tables of one target, shipped in a plugin package.

    :param package: the package holding the files (a plugin passes ``__package__``).
    :param target: the target name the tables describe (``"gaudi"``).
    :param variants: variant names, one file each.
    :param default_variant: the variant the bare target name means.
    :param directory: the folder inside ``package`` (default ``tables``).

    >>> TABLES = PackagedTables(__package__, "gaudi", ["gaudi", "gaudi2"], "gaudi2")
    >>> TABLES.variant_of("gaudi")        # "gaudi2"
    >>> TABLES.table("gaudi2")            # a validated CapabilityTable
    """

    def __init__(self, package: str, target: str, variants: Sequence[str],
                 default_variant: str, directory: str = "tables") -> None:
        if default_variant not in variants:
            raise ValueError(f"default variant {default_variant!r} is not one of {variants}")
        self.package = package
        self.target = target
        self.variants = list(variants)
        self.default_variant = default_variant
        self.directory = directory
        self._documents: dict[str, dict[str, Any]] = {}
        self._tables: dict[str, CapabilityTable] = {}

    def variant_of(self, target: str) -> str | None:
        """``"gaudi:gaudi3"`` → ``"gaudi3"``; the bare name → the default variant; None for
        another plugin's target or an unknown variant."""
        name, _, variant = target.partition(":")
        if name != self.target:
            return None
        variant = variant or self.default_variant
        return variant if variant in self.variants else None

    @cached_property
    def _root(self) -> Any:
        return resources.files(self.package).joinpath(self.directory)

    def document(self, variant: str) -> dict[str, Any]:
        """The whole JSON document of one variant (table and the generator's records)."""
        if variant not in self._documents:
            if variant not in self.variants:
                raise KeyError(f"{self.target} has no variant {variant!r}; variants: "
                               f"{', '.join(self.variants)}")
            text = self._root.joinpath(f"{variant}.json").read_text("utf-8")
            self._documents[variant] = json.loads(text)
        return self._documents[variant]

    def table(self, variant: str) -> CapabilityTable:
        """The validated capability table of one variant (imports pydantic on first use)."""
        if variant not in self._tables:
            from hwsdk.capability import CapabilityTable

            self._tables[variant] = CapabilityTable.model_validate(
                self.document(variant)["table"])
        return self._tables[variant]
