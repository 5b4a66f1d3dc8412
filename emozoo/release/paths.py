"""Where releases live: the committed folder (``releases/`` of a checkout, or ``$EMOZOO_RELEASES``) and the data."""

from __future__ import annotations

import functools
import os
from pathlib import Path

RELEASES_ENV = "EMOZOO_RELEASES"
DATA_ROOT_ENV = "EMOZOO_DATA_ROOT"


def checkout_root() -> Path | None:
    """The source checkout emozoo runs from (an editable install), or None for an installed wheel."""
    root = _package_parent()
    return root if (root / "releases" / "plan.toml").is_file() else None


@functools.lru_cache(maxsize=1)
def _package_parent() -> Path:
    return Path(__file__).resolve().parents[2]  # resolving links is slow, and this file does not move


def releases_dir() -> Path | None:
    """The folder of released artifacts: ``$EMOZOO_RELEASES``, else the checkout's ``releases/``, else None."""
    value = os.environ.get(RELEASES_ENV)
    if value:
        return Path(value).expanduser()
    root = checkout_root()
    return root / "releases" if root is not None else None


def default_data_root() -> Path | None:
    """Where the data sets are: ``$EMOZOO_DATA_ROOT``, else ``../shared/data`` beside the checkout."""
    value = os.environ.get(DATA_ROOT_ENV)
    if value:
        return Path(value).expanduser()
    root = checkout_root()
    candidate = root.parent / "shared" / "data" if root is not None else None
    return candidate if candidate is not None and candidate.is_dir() else None
