"""What the model commands share: target checks, the report files, quiet torch logging."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path
from typing import Any

__all__ = ["MATRIX_SCHEMA", "MATRIX_SCHEMA_VERSION", "quiet_torch", "quiet_stderr",
           "check_targets", "require_available", "write_reports", "write_matrix_reports"]

MATRIX_SCHEMA = "hwsdk.coverage-matrix"
MATRIX_SCHEMA_VERSION = 1


def quiet_torch() -> None:
    """torch.export logs warnings and graph dumps to stderr when it fails; the CLI reports the
    failure in one line instead (``HWSDK_DEBUG=1`` keeps torch's logs)."""
    import logging
    import os

    import torch  # noqa: F401  (configures torch's loggers, which we then quiet)

    if os.environ.get("HWSDK_DEBUG") != "1":
        for name in [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "torch"]:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        logging.getLogger("torch").setLevel(logging.CRITICAL)


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """torch.export prints partial graphs to stderr before raising; the error message says
    what matters."""
    import io
    import os

    if os.environ.get("HWSDK_DEBUG") == "1":
        yield
        return
    with redirect_stderr(io.StringIO()):
        yield


def check_targets(target: str) -> str | list[str]:
    """``"intel"`` → ``"intel"``; ``"intel,cpu"`` → a preference list. Every name is resolved
    now, so a typo fails before the (slow) capture."""
    from hwsdk.registry import get_registry

    refs = [t.strip() for t in target.split(",") if t.strip()]
    for ref in refs:
        if ref != "auto":
            get_registry().canonical(ref)
    return refs[0] if len(refs) == 1 else refs


def require_available(targets: str | list[str]) -> None:
    """Refuse an unavailable target asked for by name before the (slow) capture."""
    from hwsdk import api
    from hwsdk.registry import get_registry

    api.require_available(targets, {}, get_registry())


def write_reports(plan: Any, html: Path | None, json_path: Path | None,
                  dot: Path | None) -> list[str]:
    """Write the requested report files; returns what was written (for the user)."""
    written = []
    if html is not None:
        from hwsdk.report.html import render_html

        html.write_text(render_html(plan), encoding="utf-8")
        written.append(f"HTML report: {html}")
    if json_path is not None:
        json_path.write_text(plan.to_json() + "\n", encoding="utf-8")
        written.append(f"JSON plan: {json_path}")
    if dot is not None:
        from hwsdk.report.dot import render_dot

        dot.write_text(render_dot(plan), encoding="utf-8")
        written.append(f"DOT graph: {dot}")
    return written


def write_matrix_reports(name: str, plans: dict[str, Any], html: Path | None,
                         json_path: Path | None, dot: Path | None) -> list[str]:
    """``explain --target all``: each report the user named, as one file holding the matrix
    and every target's plan; returns what was written."""
    written = []
    if html is not None:
        from hwsdk.report.html import render_matrix_html

        html.write_text(render_matrix_html(name, plans), encoding="utf-8")
        written.append(f"HTML report (matrix and {len(plans)} plans): {html}")
    if json_path is not None:
        payload = {"schema": MATRIX_SCHEMA, "schema_version": MATRIX_SCHEMA_VERSION,
                   "model": name,
                   "plans": {ref: p.to_dict() if not isinstance(p, str) else {"error": p}
                             for ref, p in plans.items()}}
        json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n",
                             encoding="utf-8")
        written.append(f"JSON plans: {json_path}")
    if dot is not None:
        from hwsdk.report.dot import render_dot

        graphs = [render_dot(p) for p in plans.values() if not isinstance(p, str)]
        dot.write_text("".join(graphs), encoding="utf-8")
        written.append(f"DOT graphs ({len(graphs)}, one per target; dot -O renders each): "
                       f"{dot}")
    return written
