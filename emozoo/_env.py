"""Every ``EMOZOO_*`` environment switch, read in one place with one rule for bad values.

Booleans accept ``1/true/yes/on`` and ``0/false/no/off`` (any case, surrounding spaces ignored); unset or empty
means the default. Anything else raises :class:`~emozoo.errors.ConfigError` naming the variable and the values it
takes, so a typo never silently flips a switch. Lists are comma-separated names. Nothing here imports torch.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from emozoo.errors import ConfigError

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Variable:
    """One documented switch: its name, what it does, and its kind (``flag``, ``list``, ``number``, ``path``)."""

    name: str
    kind: str
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable("EMOZOO_STRICT_PLUGINS", "flag", "re-raise plugin failures (for plugin development and CI)"),
    Variable("EMOZOO_DISABLE_PLUGIN_AUTOLOAD", "flag", "load no entry points (except those named in EMOZOO_PLUGINS)"),
    Variable("EMOZOO_PLUGINS", "list", "allowlist of plugins, by entry-point or distribution name (any spelling)"),
    Variable("EMOZOO_PLUGINS_DISABLE", "list", "blocklist of plugins, by entry-point or distribution name (any spelling)"),
    Variable("EMOZOO_REGISTRY", "path", "read another catalogue file instead of the shipped registry.json"),
    Variable("EMOZOO_PROGRESS", "flag", "progress bars off/on (default: on when stderr is a terminal)"),
    Variable("EMOZOO_EPOCH_LOG", "flag", "one line per training epoch on stderr, with the fit's time left (default: off)"),
    Variable("EMOZOO_CACHE", "path", "where emozoo keeps its caches (default ~/.cache/emozoo)"),
    Variable("EMOZOO_HASH_CACHE", "flag", "0: re-hash every file on every load instead of trusting an unchanged file's sha256"),
    Variable("EMOZOO_SPEECH_CACHE", "flag", "0: emozoo-speech extracts audio features afresh instead of reusing its feature cache"),
    Variable("EMOZOO_WEARABLE_CACHE", "flag", "0: emozoo-wearable re-reads and re-windows the E4 recordings instead of reusing its window cache"),
    Variable("EMOZOO_PLUGIN_IMPORT_TIMEOUT", "number", "seconds one plugin's entry-point module may take to import (default 10)"),
)
_KNOWN = {v.name: v for v in VARIABLES}


def _check_known(name: str, kind: str | None) -> None:
    """An ``EMOZOO_*`` name must be documented in :data:`VARIABLES` (of ``kind``, unless None; others, e.g. accelerate's, pass)."""
    if not name.startswith("EMOZOO_"):
        return
    variable = _KNOWN.get(name)
    if variable is None or (kind is not None and variable.kind != kind):
        raise KeyError(f"{name} is not a documented {kind} variable; add it to emozoo._env.VARIABLES")


def flag(name: str, default: bool | None = False) -> bool | None:
    """The boolean value of ``name``; ``default`` when unset or empty; ConfigError for any other text."""
    _check_known(name, "flag")
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"environment variable {name}={raw!r} is not a boolean; set it to 1 or 0 (or unset it)")


def names(name: str) -> set[str]:
    """The comma-separated names in ``name`` (empty items dropped)."""
    _check_known(name, "list")
    return {item.strip() for item in os.environ.get(name, "").split(",") if item.strip()}


def number(name: str, default: float) -> float:
    """``name`` as a finite number, or ``default`` when unset or empty; ConfigError for anything else."""
    import math

    _check_known(name, "number")
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigError(f"environment variable {name}={raw!r} is not a number; set it to e.g. {default:g} (or unset it)")
    return value


def path(name: str, default: str | os.PathLike[str] | None = None) -> Path | None:
    """``name`` as a path (``~`` expanded), or ``default`` when unset or empty."""
    _check_known(name, "path")
    raw = os.environ.get(name, "").strip()
    if raw:
        return Path(raw).expanduser()
    return None if default is None else Path(default)


@contextlib.contextmanager
def temporarily(name: str, value: str | None) -> Iterator[None]:
    """Set ``name`` to ``value`` (None: unset it) for this process and those it starts, until the block ends."""
    _check_known(name, None)
    old = os.environ.get(name)
    try:
        unset(name) if value is None else os.environ.__setitem__(name, value)
        yield
    finally:
        unset(name) if old is None else os.environ.__setitem__(name, old)


def unset(name: str) -> None:
    """Remove ``name`` from this process's environment (a worker that must not inherit its parent's setting)."""
    _check_known(name, None)
    os.environ.pop(name, None)
