"""Plain-text tables for the CLI (rich is not imported by the fast commands)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["render_table"]


def render_table(rows: Sequence[Sequence[str]], gap: int = 2) -> str:
    """Left-aligned columns; the first row is the header, underlined with dashes."""
    if not rows:
        return ""
    widths = [max(len(str(row[i])) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append((" " * gap).join(cells).rstrip())
        if index == 0:
            lines.append((" " * gap).join("-" * w for w in widths))
    return "\n".join(lines)
