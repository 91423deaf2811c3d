"""The shapes of an AOT artifact's ``manifest.json`` and ``regions/<rid>/program.json``.

:mod:`hwsdk.lower.triton.aot_load` validates both with these models before it trusts a single
field: unknown fields, wrong types, path-like names (``../``, absolute, backslashes) and
malformed digests are all refused. Facts that tie fields together (the arch and the backend,
the files a region needs) are checked by the loader itself.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["Manifest", "RegionEntry", "ProgramFile", "Launch", "manifest_digest", "NAME",
           "REL_PATH"]

NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
"""A region id or a kernel name: it becomes a path component, so no dots or slashes."""
REL_PATH = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$"
"""A relative POSIX path whose components do not start with a dot (so no ``..``), no leading
``/``, no backslash."""

_Name = Annotated[str, StringConstraints(pattern=NAME, max_length=128)]
_Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
_RelPath = Annotated[str, StringConstraints(pattern=REL_PATH, max_length=512)]
_Strict = ConfigDict(extra="forbid", strict=True, frozen=True)


class RegionEntry(BaseModel):
    """One region of the manifest: its id (its directory under ``regions/``) and kernels."""

    model_config = _Strict
    id: _Name
    kernels: list[_Name]


class Manifest(BaseModel):
    """``manifest.json``: what was built, for which GPU, with what, and every file's sha256."""

    model_config = _Strict
    format: str
    format_version: int
    target: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*:[A-Za-z0-9_]+$")]
    arch: Annotated[str, StringConstraints(pattern=r"^(sm_[0-9]+[a-z]?|gfx[0-9a-f]+)$")]
    backend: Literal["cuda", "hip"]
    warp_size: Literal[32, 64]
    versions: dict[str, str]
    regions: list[RegionEntry]
    files: dict[_RelPath, _Digest]
    manifest_sha256: _Digest


class Launch(BaseModel):
    """One kernel's launch rules in ``program.json`` (a :class:`KernelSpec` minus its source,
    plus what the binary needs)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    name: _Name
    family: str
    node_ids: list[str]
    ops: list[str]
    inputs: list[str]
    outputs: list[str]
    args: list[dict[str, Any]]
    constexprs: dict[str, int]
    grid: list[dict[str, Any]]
    num_warps: Annotated[int, Field(ge=1, le=64)]
    num_stages: Annotated[int, Field(ge=0, le=16)]
    params: list[str]
    signature: dict[str, str]
    out_types: dict[str, dict[str, Any]]
    triton_name: _Name
    shared: Annotated[int, Field(ge=0)]
    binary: _RelPath


class ProgramFile(BaseModel):
    """``regions/<rid>/program.json``: the region's boundary, steps and kernels."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    inputs: list[str]
    outputs: list[str]
    params: list[str]
    types: dict[str, dict[str, Any]]
    steps: list[dict[str, Any]]
    kernels: list[Launch]


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The sha256 of every manifest field but ``manifest_sha256`` (canonical JSON), so an
    edited ``target``, ``arch`` or ``backend`` is detected like an edited file."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()
