"""sha256 of files, remembered by their stat so that an unchanged file is not re-read on every load.

The rule is git's index rule: a file whose (device, inode, size, mtime, ctime) equal the recorded ones holds
the recorded hash. ctime cannot be set from user space, so any rewrite, even one that puts the old mtime
back, invalidates the entry. Only files last changed at least ``RACY_SECONDS`` before hashing began are
recorded, so a write in the same clock tick as the hash cannot hide. The cache can only make a check skip
re-reading a file; it never makes a check pass that would fail. ``EMOZOO_HASH_CACHE=0`` turns it off; it
lives in ``$EMOZOO_CACHE/private`` (default ``~/.cache/emozoo/private``), and any problem with it means "hash the
file". The cache is private to its user: folder 0700 and file 0600, owned by the user; one that is a link, another
user's, or open to group or others is neither read nor written. Pulls and imports hash afresh. A warm load trusts an
entry only for the weights file it holds open (``os.fstat`` of its descriptor) and checks that stat again once the
tensors are in the model; the config and card are hashed afresh on every load.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from emozoo._fileio import atomic_write_text, is_private, private_cache_dir, private_dir, sha256_file

RACY_SECONDS = 2.0
MAX_ENTRIES = 4096
CACHE_FILE = "sha256-by-stat.json"
_FORMAT = 1

_lock = threading.Lock()
_memory: dict[str, list] = {}
_memory_stamp: tuple | None = None  # stat of the cache file when _memory was read


def cache_path() -> Path:
    """Where the entries are kept: ``$EMOZOO_CACHE/private/sha256-by-stat.json``."""
    return private_cache_dir() / CACHE_FILE


def enabled() -> bool:
    """False when ``EMOZOO_HASH_CACHE`` is 0/false/no/off (any other text but the true words is an error)."""
    import emozoo._env as _env

    return bool(_env.flag("EMOZOO_HASH_CACHE", default=True))


def _signature(st: os.stat_result) -> list:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _entries(path: Path) -> dict[str, list]:
    """The recorded entries, re-read only when the cache file changed since the last read.

    A cache file (or folder) that is a link, another user's, or writable or readable by others is ignored: anyone
    who can write it could forge "this file has this hash".
    """
    import stat as stat_mod

    global _memory, _memory_stamp
    try:
        st = path.lstat()
    except OSError:
        _memory, _memory_stamp = {}, None
        return _memory
    if not (is_private(st, stat_mod.S_IFREG) and private_dir(path.parent, create=False)):
        _memory, _memory_stamp = {}, None
        return _memory
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    if stamp != _memory_stamp:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["entries"] if data.get("format") == _FORMAT and isinstance(data.get("entries"), dict) else {}
        except (OSError, ValueError, AttributeError, KeyError):
            entries = {}
        _memory, _memory_stamp = entries, stamp
    return _memory


def _record(path: Path, new: dict[str, list]) -> None:
    """Add ``new`` entries (key -> signature + digest) to the cache file in one atomic write."""
    entries = dict(_entries(path))
    for key, entry in new.items():
        entries.pop(key, None)
        entries[key] = entry
    while len(entries) > MAX_ENTRIES:  # oldest first: dicts keep insertion order
        entries.pop(next(iter(entries)))
    if not private_dir(path.parent, create=True):
        return  # a shared or foreign cache folder is never written (nor read)
    try:
        atomic_write_text(path, json.dumps({"format": _FORMAT, "entries": entries}, separators=(",", ":")), mode=0o600)
    except OSError:
        return  # a read-only or full cache only costs speed
    global _memory, _memory_stamp
    _memory, _memory_stamp = entries, None


def sha256_cached(path: str | os.PathLike[str]) -> str:
    """sha256 of ``path``, from the cache when the file's stat is unchanged since it was last hashed."""
    return sha256_cached_many([path])[0]


def sha256_cached_many(paths: Iterable[str | os.PathLike[str]], *, missing_ok: bool = False) -> list[str | None]:
    """sha256 of every file in ``paths`` (in order) as :func:`sha256_cached` gives it, with one cache write for all
    new entries (a corpus of small files would otherwise rewrite the cache once per file). OSError for an unreadable
    one; with ``missing_ok``, None for one that is missing or not a regular file."""
    import stat as stat_mod

    paths = list(paths)
    if not enabled():
        return [sha256_file(p) if not missing_ok or os.path.isfile(p) else None for p in paths]
    started_ns = time.time_ns()
    digests: list[str | None] = []
    new: dict[str, list] = {}
    with _lock:
        entries = _entries(cache_path())  # read (or re-validated) once for the whole batch
    for path in paths:
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            if not missing_ok:
                raise
            digests.append(None)
            continue
        if missing_ok and not stat_mod.S_ISREG(st.st_mode):
            digests.append(None)
            continue
        hit = _lookup(entries, st)
        if hit is not None:
            digests.append(hit)
            continue
        digest = sha256_file(path)
        entry = _entry_for(st, os.stat(path), digest, started_ns)
        if entry is not None:
            new[_key(st)] = entry
        digests.append(digest)
    if new:
        with _lock:
            _record(cache_path(), new)
    return digests


def _key(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


def recorded_digest(st: os.stat_result) -> str | None:
    """The sha256 recorded for the file whose stat is ``st`` (from ``os.stat`` or ``os.fstat``), or None when the cache
    is off, has no entry, or the file changed since (any of size, mtime, ctime differs)."""
    if not enabled():
        return None
    with _lock:
        entries = _entries(cache_path())
    return _lookup(entries, st)


def _lookup(entries: dict[str, list], st: os.stat_result) -> str | None:
    hit = entries.get(_key(st))
    if isinstance(hit, list) and len(hit) == 4 and hit[:3] == _signature(st) and isinstance(hit[3], str):
        return hit[3]
    return None


def same_file(before: os.stat_result, after: os.stat_result) -> bool:
    """True when two stats are of the same file (device, inode) with the same size, mtime and ctime: unchanged between."""
    return _key(before) == _key(after) and _signature(before) == _signature(after)


def _entry_for(before: os.stat_result, after: os.stat_result, digest: str, started_ns: int) -> list | None:
    """The entry to record for bytes hashed between stats ``before`` and ``after`` (hashing began at ``started_ns``):
    None unless the file did not change meanwhile and had settled (last changed ``RACY_SECONDS`` before) when it began."""
    settled = max(after.st_mtime_ns, after.st_ctime_ns) < started_ns - int(RACY_SECONDS * 1e9)
    return [*_signature(after), digest] if settled and same_file(before, after) else None


def remember(before: os.stat_result, after: os.stat_result, digest: str, started_ns: int) -> None:
    """Record that the file with stat ``before`` hashed to ``digest`` when the bytes were read before ``after`` was
    taken and hashing began at ``started_ns`` (``time.time_ns()``); nothing is recorded for a file that changed or had
    not settled, or when the cache is off."""
    if not enabled():
        return
    entry = _entry_for(before, after, digest, started_ns)
    if entry is not None and recorded_digest(after) != digest:
        with _lock:
            _record(cache_path(), {_key(after): entry})
