"""Checks on every name that becomes part of a path: repo ids, revisions, commit ids, artifact file names.

A Hub server (or a user) supplies these strings, and a pull turns them into cache paths
(``models--org--name/refs/<revision>``, ``snapshots/<commit>/<file>``). Each is checked here against a
strict grammar before any path is built from it, and :func:`inside` confirms the result stays under its root,
so a crafted commit id or a revision with ``..`` is refused instead of writing or reading outside the cache.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from emozoo.errors import UnsafePathError

COMMIT_RE = re.compile(r"[0-9a-f]{40}")
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9._+-]*"
_REVISION_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_REPO_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
_FILE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
MAX_NAME = 255


def is_commit(value: object) -> bool:
    """True for a full 40-hex commit id."""
    return isinstance(value, str) and COMMIT_RE.fullmatch(value) is not None


def check_commit(value: object, where: str) -> str:
    """``value`` if it is a 40-hex commit id; else UnsafePathError naming ``where`` it came from."""
    if not is_commit(value):
        raise UnsafePathError(f"{where} gave the commit id {str(value)[:80]!r}, which is not 40 hex digits; refusing to use it")
    return value  # type: ignore[return-value]


def check_revision(value: object) -> str:
    """A branch, tag or commit name: path segments of letters, digits and ``._+-``, no ``..``, no leading dot."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_NAME
        or _REVISION_RE.fullmatch(value) is None
        or ".." in value
        or value.endswith((".", ".lock"))
    ):
        raise UnsafePathError(
            f"revision {str(value)[:80]!r} is not a valid branch, tag or commit name (letters, digits, '._+-' "
            "and '/' between parts; no '..', no leading dot)"
        )
    return value


def check_repo_id(value: object) -> str:
    """An 'org/name' repo id the Hub accepts (no '..', no '--', at most 96 characters)."""
    if (
        not isinstance(value, str)
        or len(value) > 96
        or _REPO_RE.fullmatch(value) is None
        or ".." in value
        or "--" in value
        or value.endswith(".")
    ):
        raise UnsafePathError(f"{str(value)[:120]!r} is not a Hub repo id ('org/name': letters, digits, '._-'; no '..' or '--')")
    return value


def check_file_name(value: object, where: str) -> str:
    """A plain file name (no separator, no leading dot, no ``..``)."""
    if not isinstance(value, str) or len(value) > MAX_NAME or _FILE_RE.fullmatch(value) is None or ".." in value:
        raise UnsafePathError(f"{where}: file name {str(value)[:80]!r} is not allowed (no path separators, no leading dot)")
    return value


def inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """``path`` if, with every link resolved, it lies under ``root``; else UnsafePathError."""
    base, real = os.path.realpath(root), os.path.realpath(path)
    if real != base and not real.startswith(base.rstrip(os.sep) + os.sep):
        raise UnsafePathError(f"{path} resolves to {real}, outside {base}; refusing to use it")
    return Path(path)
