"""Plain-text tables for the terminal: fixed columns, long cells cut with an ellipsis to fit the width."""

from __future__ import annotations

import shutil
from collections.abc import Sequence


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None, keep: int = 1) -> str:
    """Render rows under headers; when the table exceeds ``width`` (default: the terminal's), the widest columns shrink
    first, except the first ``keep``: those name the row (a release, a method id) and are what a user copies, so they
    are never cut."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    limit = width if width is not None else shutil.get_terminal_size((120, 24)).columns
    gap = 2
    shrinkable = range(min(keep, len(widths)), len(widths))
    while shrinkable and sum(widths) + gap * (len(widths) - 1) > limit:
        widest = max(shrinkable, key=lambda i: (widths[i], -i))
        if widths[widest] <= 8:
            break
        widths[widest] -= 1
    lines = []
    for index, row in enumerate(cells):
        parts = [_fit(cell, widths[i]) for i, cell in enumerate(row)]
        lines.append((" " * gap).join(parts).rstrip())
        if index == 0:
            lines.append((" " * gap).join("-" * w for w in widths))
    return "\n".join(lines)


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
