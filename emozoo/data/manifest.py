"""Split manifests and content digests: which ids are in which split, and which bytes they came from.

A :class:`SplitManifest` pins an evaluation protocol (dataset, protocol, split membership, data digest,
seed, fold) so a reported number can be reproduced and a train/test leak is caught before training.
This module uses only the standard library and numpy; importing it never imports torch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emozoo._fileio import atomic_write_text, sha256_file
from emozoo.errors import ConfigError, DTypeError, EmptyInputError, InputError

__all__ = ["SplitManifest", "sha256_array", "sha256_file", "sha256_files"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
FORMAT_VERSION = 1
_LEAK_PAIRS = (("train", "test"),)


# --- digests --------------------------------------------------------------------------------------


def _expand(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, bool]]:
    """Resolve inputs to (path, is_dir) pairs, failing early on paths that do not exist."""
    out = []
    for p in paths:
        if isinstance(p, (bytes, bytearray)) or not isinstance(p, (str, os.PathLike)):
            raise DTypeError(f"paths: expected str or os.PathLike items, got {type(p).__name__}; pass file paths")
        q = Path(p)
        if not q.exists():
            raise InputError(f"paths: {str(q)!r} does not exist; pass existing files or directories")
        out.append((q, q.is_dir()))
    return out


def _files_with_names(items: list[tuple[Path, bool]], root: Path) -> list[tuple[str, Path]]:
    """List every file (directories walked) with its POSIX name relative to ``root``."""
    files: list[Path] = []
    for p, is_dir in items:
        files.extend(sorted(f for f in p.rglob("*") if f.is_file()) if is_dir else [p])
    named = []
    for f in files:
        try:
            rel = os.path.relpath(f.resolve(), root.resolve())
        except ValueError as exc:  # different drives on Windows
            raise InputError(f"paths: {str(f)!r} is not under root {str(root)!r}; pass root= explicitly") from exc
        if rel.startswith(".."):
            raise InputError(f"paths: {str(f)!r} is not under root {str(root)!r}; pass a root that contains every path")
        named.append((Path(rel).as_posix(), f))
    return named


def sha256_files(paths: Iterable[str | os.PathLike[str]], root: str | os.PathLike[str] | None = None) -> str:
    """Return one order-independent hex SHA-256 over files' relative names and contents.

    Directories are walked recursively. Names are taken relative to ``root`` (default: the common
    parent of the inputs, or the directory itself for a single directory), so moving the whole tree
    keeps the digest while renaming or editing any file changes it.
    """
    items = _expand(list(paths))
    if not items:
        raise EmptyInputError("paths: expected at least one file, got none; pass the data files to digest")
    if root is None:
        bases = [str((p if is_dir else p.parent).resolve()) for p, is_dir in items]
        root_path = Path(os.path.commonpath(bases))
    else:
        root_path = Path(root)
    named = sorted(_files_with_names(items, root_path))
    dupes = sorted(n for n, c in Counter(n for n, _ in named).items() if c > 1)
    if dupes:
        raise InputError(f"paths: the same file is listed more than once: {dupes[:5]}; pass each file once")
    h = hashlib.sha256(b"emozoo-files-v1\n")
    for name, f in named:
        h.update(f"{name}\0{sha256_file(f)}\n".encode("utf-8"))
    return h.hexdigest()


def sha256_array(arr: Any) -> str:
    """Return a hex SHA-256 over an array's dtype, shape and C-order bytes (byte order normalised)."""
    a = np.asarray(arr)
    if a.dtype.kind in "OUSV":
        raise DTypeError(
            f"arr: expected a numeric or bool array, got dtype {a.dtype}; convert strings/objects to numbers first"
        )
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and not np.little_endian):
        a = a.astype(a.dtype.newbyteorder("<"))
    h = hashlib.sha256(b"emozoo-array-v1\n")
    h.update(f"{a.dtype.str}\0{list(a.shape)}\0".encode("ascii"))
    h.update(a.tobytes(order="C"))
    return h.hexdigest()


# --- split manifest -------------------------------------------------------------------------------


def _check_str(value: Any, name: str, *, optional: bool = False) -> None:
    """Require a non-empty str (or None when optional)."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise DTypeError(f"{name}: expected str, got {type(value).__name__}; pass a string")
    if not value:
        raise InputError(f"{name}: expected a non-empty string, got ''; give it a name")


def _normalise_splits(splits: Any) -> dict[str, tuple[str, ...]]:
    """Copy splits into a dict of tuples, checking names, id types and uniqueness within a split."""
    if not isinstance(splits, Mapping):
        raise DTypeError(f"splits: expected a dict of split name -> ids, got {type(splits).__name__}")
    if not splits:
        raise EmptyInputError("splits: expected at least one split, got none; e.g. {'train': [...], 'test': [...]}")
    out: dict[str, tuple[str, ...]] = {}
    for name, ids in splits.items():
        _check_str(name, "splits key")
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise DTypeError(f"splits[{name!r}]: expected a list of str ids, got {type(ids).__name__}")
        ids = tuple(ids)
        bad = [i for i in ids if not isinstance(i, str)]
        if bad:
            raise DTypeError(
                f"splits[{name!r}]: expected str ids, got {type(bad[0]).__name__} ({bad[0]!r}); convert ids with str()"
            )
        dupes = sorted(i for i, c in Counter(ids).items() if c > 1)
        if dupes:
            raise InputError(f"splits[{name!r}]: ids listed twice: {dupes[:5]} ({len(dupes)} in all); list each id once")
        out[name] = ids
    return out


def _check_leaks(splits: Mapping[str, tuple[str, ...]]) -> None:
    """Raise InputError naming (up to 5) ids that sit in both train and test."""
    for a, b in _LEAK_PAIRS:
        if a in splits and b in splits:
            leaked = sorted(set(splits[a]) & set(splits[b]))
            if leaked:
                raise InputError(
                    f"splits: {len(leaked)} id(s) are in both {a!r} and {b!r} (train/test leak), e.g. {leaked[:5]}; "
                    f"remove them from one of the two splits"
                )


def _canonical_extra(extra: Any) -> dict[str, Any]:
    """Return a detached JSON-canonical copy of ``extra`` (tuples become lists), or raise ConfigError."""
    if not isinstance(extra, Mapping):
        raise ConfigError(f"extra: expected a dict, got {type(extra).__name__}")
    try:
        return json.loads(json.dumps(dict(extra), allow_nan=False, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"extra: must be JSON-serialisable with str keys and finite numbers ({exc}); "
                          f"store only str/int/float/bool/None/list/dict values") from exc


@dataclass(frozen=True)
class SplitManifest:
    """Which ids form each split of a dataset under a protocol, pinned to the data's digest."""

    dataset: str
    protocol: str
    splits: dict[str, tuple[str, ...]]
    data_sha256: str
    seed: int | None = None
    fold: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate and normalise fields: names, ids, leaks, digest format, seed, extra."""
        _check_str(self.dataset, "dataset")
        _check_str(self.protocol, "protocol")
        _check_str(self.fold, "fold", optional=True)
        splits = _normalise_splits(self.splits)
        _check_leaks(splits)
        object.__setattr__(self, "splits", splits)
        if not isinstance(self.data_sha256, str) or not _HEX64.fullmatch(self.data_sha256):
            raise InputError(
                f"data_sha256: expected 64 lowercase hex chars, got {self.data_sha256!r}; "
                f"compute it with sha256_files(...) or sha256_array(...)"
            )
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise DTypeError(f"seed: expected int or None, got {type(self.seed).__name__}")
        object.__setattr__(self, "extra", _canonical_extra(self.extra))

    def __hash__(self) -> int:
        """Hash by content digest (the dict fields are not hashable themselves)."""
        return hash(self.digest())

    @property
    def split_names(self) -> tuple[str, ...]:
        """Split names in their stored order."""
        return tuple(self.splits)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (lists, not tuples) that ``from_dict`` turns back into an equal manifest."""
        return {
            "format_version": FORMAT_VERSION,
            "dataset": self.dataset,
            "protocol": self.protocol,
            "splits": {k: list(v) for k, v in self.splits.items()},
            "data_sha256": self.data_sha256,
            "seed": self.seed,
            "fold": self.fold,
            "extra": json.loads(json.dumps(self.extra)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SplitManifest:
        """Build a manifest from ``to_dict`` output; unknown or missing keys raise ConfigError."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"manifest: expected a JSON object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names - {"format_version"})
        if unknown:
            raise ConfigError(f"manifest: unknown key(s) {unknown}; allowed keys are {sorted(names | {'format_version'})}")
        required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING}
        missing = sorted(required - set(data))
        if missing:
            raise ConfigError(f"manifest: missing required key(s) {missing}")
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ConfigError(f"manifest: format_version {version!r} is not supported (expected {FORMAT_VERSION}); "
                              f"upgrade emozoo")
        return cls(**{k: v for k, v in data.items() if k in names})

    def canonical_json(self) -> str:
        """Return the canonical JSON text (sorted keys, no spaces) that ``digest`` hashes."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """Return the hex SHA-256 of the canonical JSON, a stable id for this exact protocol."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the manifest as JSON atomically (temp file, fsync, os.replace)."""
        return atomic_write_text(path, json.dumps(self.to_dict(), sort_keys=True, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SplitManifest:
        """Read a manifest written by ``save``; malformed JSON or keys raise ConfigError."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{os.fspath(path)!r} is not valid JSON ({exc}); re-create it with SplitManifest.save") from exc
        return cls.from_dict(data)
