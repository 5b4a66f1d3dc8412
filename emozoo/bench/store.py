"""One JSON file per finished benchmark cell, written atomically and signed, so an interrupted run resumes safely.

A resumed cell is trusted only when it verifies: its HMAC-SHA256 signature (key: a private per-user secret in
``$EMOZOO_CACHE/bench-cells.key``, mode 0600) covers the whole file, so a hand-edited or forged cell, or one
copied from another machine, does not verify; its structure is what a protocol writes (records with finite
metrics); and it is the cell asked for (method, fold, seed, identity digest). Anything else is reported and the
cell is run again; nothing read from ``cells/`` reaches a table unverified.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_write_text, cache_dir, is_private, private_cache_dir, private_dir
from emozoo.config import canonical_json

KEY_NAME = "bench-cells.key"
SIGNATURE = "signature"


def safe_name(text: str) -> str:
    """``text`` with everything but letters, digits, '.', '_' and '-' replaced, for use as a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def cell_key(method: str, fold: str, seed: int) -> str:
    """File-system safe, human-readable id of a cell."""
    return safe_name(f"{method}__{fold}__seed{seed}")


def _signing_key() -> bytes:
    """This user's secret for signing cells: created once (0600, in the private 0700 folder
    :func:`emozoo._fileio.private_cache_dir`), never shared or committed; a key or folder that others can read or write,
    or a link, is refused (the hash cache's rule, ``emozoo._fileio``)."""
    import stat

    folder = private_cache_dir()
    path = folder / KEY_NAME
    if not private_dir(folder, create=True):
        raise PermissionError(f"{folder} is readable or writable by others (or not yours); chmod 700 it and rerun")
    _adopt_legacy_key(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        if not is_private(path.lstat(), stat.S_IFREG):
            raise PermissionError(f"{path} is readable or writable by others (or not yours); remove it and rerun") from None
        key = path.read_bytes()
        if len(key) == 32:
            return key
        raise PermissionError(f"{path} is not a 32-byte key; remove it and rerun") from None
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _adopt_legacy_key(path: Path) -> None:
    """Move a key kept in the cache folder itself (where emozoo 0.1.0 put it) into the private folder, so cells it signed stay
    reusable; only a private key in a private folder is moved (anything else is left where it is, and not used)."""
    import stat

    legacy = cache_dir() / KEY_NAME
    try:
        if path.exists() or not (private_dir(legacy.parent, create=False) and is_private(legacy.lstat(), stat.S_IFREG)):
            return
        os.replace(legacy, path)
    except OSError:
        return


def sign(cell: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 over the canonical JSON of the cell without its signature."""
    body = {k: v for k, v in cell.items() if k != SIGNATURE}
    return hmac.new(key, canonical_json(body).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Loaded:
    """What ``CellStore.load`` found: the verified cell, or None with the reason it cannot be reused."""

    cell: dict[str, Any] | None
    problem: str | None = None


class CellStore:
    """The ``cells/`` folder of a benchmark output directory."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir) / "cells"
        self.root.mkdir(parents=True, exist_ok=True)
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = _signing_key()
        return self._key

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str, *, expect: dict[str, Any]) -> Loaded:
        """The saved cell if it verifies and matches ``expect`` (method, fold, seed, cell_sha256); else why not."""
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return Loaded(None)
        except OSError as exc:
            return Loaded(None, f"unreadable ({exc})")
        try:
            cell = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # bad JSON, bytes that are not UTF-8, absurd nesting
            return Loaded(None, "not valid JSON")
        if not isinstance(cell, dict):
            return Loaded(None, "not a JSON object")
        signature = cell.get(SIGNATURE)
        if not isinstance(signature, str) or not hmac.compare_digest(signature, sign(cell, self.key)):
            return Loaded(None, "its signature does not verify (edited by hand, corrupted, or written on another machine)")
        problem = _structure_problem(cell) or next(
            (f"it is for {name}={cell.get(name)!r}, not {value!r}" for name, value in expect.items() if cell.get(name) != value), None
        )
        return Loaded(None, problem) if problem else Loaded(cell)

    def save(self, key: str, cell: dict[str, Any]) -> None:
        """Write a finished cell (ok or failed), signed, atomically."""
        signed = {**cell, SIGNATURE: sign(cell, self.key)}
        atomic_write_text(self.path(key), json.dumps(signed, indent=2, sort_keys=True, allow_nan=True) + "\n")


def _structure_problem(cell: dict[str, Any]) -> str | None:
    """Why ``cell`` is not what a protocol writes (None when it is)."""
    if cell.get("status") not in ("ok", "failed"):
        return f"status {cell.get('status')!r} is neither 'ok' nor 'failed'"
    records = cell.get("records")
    if not isinstance(records, list):
        return "records is not a list"
    for i, record in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("condition"), str):
            return f"records[{i}] has no condition"
        metrics = record.get("metrics")
        if not isinstance(metrics, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isinf(v) for k, v in metrics.items()
        ):
            return f"records[{i}].metrics is not a mapping of names to numbers"
    return None
