"""Every pyproject.toml declares the build tools its own fields need."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECTS = sorted([ROOT / "pyproject.toml", *ROOT.glob("plugins/*/pyproject.toml"),
                     *ROOT.glob("examples/*/pyproject.toml")])
PEP639_SETUPTOOLS = "77"
"""setuptools reads a PEP 639 string ``license = "Apache-2.0"`` from 77.0 on; older ones
refuse the file when building without isolation."""


def test_every_first_party_pyproject_is_checked() -> None:
    names = {p.parent.name for p in PYPROJECTS}
    assert {"intel", "nvidia", "rocm", "gaudi", "inferentia", "numpy_plugin"} <= names


@pytest.mark.parametrize("path", PYPROJECTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_string_license_requires_setuptools_77(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    requires = [Requirement(r) for r in data["build-system"]["requires"]]
    setuptools = [r for r in requires if r.name == "setuptools"]
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"
    assert len(setuptools) == 1, f"{path}: build-system.requires must name setuptools once"
    if isinstance(data["project"].get("license"), str):
        spec = setuptools[0].specifier
        older = [v for v in ("68", "76.1", "76.99") if spec.contains(v)]
        assert not older, (f"{path}: a string license needs setuptools>={PEP639_SETUPTOOLS}, "
                           f"but {setuptools[0]} allows {older}")
        assert spec.contains(PEP639_SETUPTOOLS) or spec.contains("84")
