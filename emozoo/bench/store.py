"""One JSON file per finished benchmark cell, written atomically, so an interrupted run resumes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_write_text


def safe_name(text: str) -> str:
    """``text`` with everything but letters, digits, '.', '_' and '-' replaced, for use as a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def cell_key(method: str, fold: str, seed: int) -> str:
    """File-system safe, human-readable id of a cell."""
    return safe_name(f"{method}__{fold}__seed{seed}")


class CellStore:
    """The ``cells/`` folder of a benchmark output directory."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir) / "cells"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        """The saved cell, or None if absent or unreadable (an unreadable cell is simply run again)."""
        try:
            cell = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):  # ValueError: bad JSON or bytes that are not UTF-8
            return None
        return cell if isinstance(cell, dict) else None

    def save(self, key: str, cell: dict[str, Any]) -> None:
        """Write a finished cell (ok or failed) atomically."""
        atomic_write_text(self.path(key), json.dumps(cell, indent=2, sort_keys=True, allow_nan=True) + "\n")

    def all(self) -> list[dict[str, Any]]:
        """Every saved cell, in file-name order."""
        cells = []
        for path in sorted(self.root.glob("*.json")):
            try:
                cells.append(json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError:
                continue
        return cells
