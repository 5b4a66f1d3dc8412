"""The feature cache: front-end outputs stored as ``.npy`` under ``$EMOZOO_CACHE/speech-features`` and reused.

An entry's key is sha256 over the content digest (sha256 of the audio file's bytes, or of a waveform array's dtype,
shape and bytes plus its sample rate), the front-end's canonical ``config_dict()`` (which names the library
version and :data:`~emozoo_speech.frontends.FRONTEND_VERSION`) and the sha256 of the front-end's and the reader's
source files: change a byte of the file, a setting or the extraction code and the key changes. The folder follows emozoo's private-state rules (0700, owned by the user, no links; a folder or entry
that is not private is neither read nor written); entries are written to a temp file and renamed into
place, so a reader never sees half an entry (entries are not fsynced: after a crash a torn entry fails to load and
counts as a miss, which is cheaper than one fsync per clip); a failed extraction writes nothing. Arrays are read with
``allow_pickle=False``: an entry can hold numbers only. ``EMOZOO_SPEECH_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from emozoo._fileio import atomic_write_bytes, cache_dir, is_private, private_dir, sha256_file
from emozoo.data.manifest import sha256_array

from .audio import read_audio
from .errors import AudioFileError

__all__ = ["CACHE_SUBDIR", "FeatureCache", "extract_files", "feature_key"]

CACHE_SUBDIR = "speech-features"
_FORMAT = 1


def feature_key(content_sha256: str, frontend_config: dict[str, Any], code_sha256: str = "") -> str:
    """The cache key of one clip under one front-end configuration and front-end code (hex sha256)."""
    blob = json.dumps({"format": _FORMAT, "content": content_sha256, "frontend": frontend_config, "code": code_sha256},
                      sort_keys=True, separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=16)
def _module_code(module_name: str) -> str:
    """sha256 of a module's source file (empty when it has none): part of every key, so an edited front-end or reader
    never serves features an earlier version of its code wrote (a forgotten FRONTEND_VERSION bump included)."""
    path = getattr(sys.modules.get(module_name), "__file__", None)
    try:
        return sha256_file(path) if path else ""
    except OSError:
        return ""


def code_digest(frontend: Any) -> str:
    """sha256 over the source of ``frontend``'s module and of the audio reader (:mod:`emozoo_speech.audio`)."""
    parts = [_module_code(type(frontend).__module__), _module_code(read_audio.__module__)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _enabled() -> bool:
    from emozoo import _env

    return bool(_env.flag("EMOZOO_SPEECH_CACHE", default=True))


class FeatureCache:
    """Front-end outputs by content and config; ``root`` defaults to ``emozoo._fileio.cache_dir()/"speech-features"``
    (resolved when used, so ``EMOZOO_CACHE`` set later still counts)."""

    def __init__(self, root: str | os.PathLike[str] | None = None, *, enabled: bool | None = None) -> None:
        """``enabled=None`` follows ``EMOZOO_SPEECH_CACHE`` (on unless 0/false/no/off)."""
        self._root = None if root is None else Path(root)
        self.enabled = _enabled() if enabled is None else bool(enabled)
        self.hits = 0
        self.misses = 0
        self._root_ok: bool | None = None

    @property
    def root(self) -> Path:
        """The folder holding the entries."""
        return self._root if self._root is not None else cache_dir() / CACHE_SUBDIR

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        """The stored array, or None when absent, unreadable or not private to this user."""
        if not self.enabled:
            return None
        path = self._path(key)
        if self._root_ok is None:  # the folder's privacy, checked once per cache object
            self._root_ok = private_dir(self.root, create=False)
        try:
            if not (self._root_ok and is_private(path.lstat(), stat.S_IFREG)):
                return None
            with open(path, "rb") as fh:
                arr = np.load(fh, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return arr if np.isfinite(arr).all() else None

    def put(self, key: str, arr: np.ndarray) -> Path | None:
        """Store ``arr`` atomically (temp file, rename; mode 0600); None when the cache cannot be written."""
        if not self.enabled or not private_dir(self.root, create=True):
            return None
        self._root_ok = True
        path = self._path(key)
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(arr), allow_pickle=False)
        try:
            atomic_write_bytes(path, buffer.getvalue(), mode=0o600, fsync=False)
        except OSError:
            return None  # a full or read-only cache only costs speed
        return path

    def _compute(self, key: str, fn: Any) -> np.ndarray:
        hit = self.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        out = np.asarray(fn(), dtype=np.float32)  # raises before anything is written
        if not np.isfinite(out).all():
            raise AudioFileError("the front-end produced NaN/inf features; nothing was cached; check the clip")
        self.put(key, out)
        return out

    def for_waveform(self, wave: np.ndarray, sample_rate: int, frontend: Any) -> np.ndarray:
        """``frontend(wave, sample_rate)``, from the cache when this waveform was extracted with this config before."""
        content = hashlib.sha256(f"{sha256_array(wave)}@{int(sample_rate)}".encode()).hexdigest()
        return self._compute(feature_key(content, frontend.config_dict(), code_digest(frontend)), lambda: frontend(wave, sample_rate))

    def for_file(self, path: str | os.PathLike[str], frontend: Any, *, config: dict[str, Any] | None = None,
                 content: str | None = None) -> np.ndarray:
        """``frontend(read_audio(path, frontend.sample_rate))``, from the cache when these bytes were extracted before.

        ``config`` (the front-end's config_dict) and ``content`` (the file's sha256, e.g. from
        :func:`emozoo.hash_cache.sha256_cached_many`) only save time.
        """
        p = Path(path)
        if not self.enabled:
            return self._compute("", lambda: frontend(read_audio(p, frontend.sample_rate), frontend.sample_rate))
        if content is None:
            content = _file_digests([p])[0]
        config = {**(config or frontend.config_dict()), "reader": "soundfile+soxr-hq"}
        key = feature_key(content, config, code_digest(frontend))
        return self._compute(key, lambda: frontend(read_audio(p, frontend.sample_rate), frontend.sample_rate))


def _file_digests(paths: Sequence[Path]) -> list[str]:
    """sha256 of each file (remembered by stat in emozoo's hash cache); AudioFileError naming an unreadable one."""
    from emozoo.hash_cache import sha256_cached_many

    try:
        return sha256_cached_many(paths)
    except OSError:
        digests = []
        for p in paths:  # find the file that failed, and say which
            try:
                digests.append(sha256_file(p))
            except OSError as exc:
                raise AudioFileError(f"{str(p)!r}: cannot read the file ({exc}); check the path (pass --data-dir)") from exc
        return digests


def _work(args: tuple[list[tuple[str, str | None]], Any, str | None, bool, bool]) -> tuple[list[np.ndarray | None], list[tuple[str, str]], int, int]:
    """One worker's share of :func:`extract_files` (module level, so it pickles): (path, sha256) pairs in, features out."""
    items, frontend, root, enabled, skip_bad = args
    store = FeatureCache(root, enabled=enabled)
    config = frontend.config_dict()
    out: list[np.ndarray | None] = []
    skipped: list[tuple[str, str]] = []
    for p, digest in items:
        try:
            out.append(store.for_file(p, frontend, config=config, content=digest))
        except AudioFileError as exc:
            if not skip_bad:
                raise
            out.append(None)
            skipped.append((p, str(exc)))
    return out, skipped, store.hits, store.misses


def _digests(names: list[str], enabled: bool, skip_bad: bool) -> tuple[list[str | None], list[tuple[str, str]]]:
    """Each file's sha256 (None where the cache is off, or where an unreadable file is skipped) and the skipped ones."""
    if not enabled:
        return [None] * len(names), []
    try:
        return list(_file_digests([Path(n) for n in names])), []
    except AudioFileError:
        if not skip_bad:
            raise
    digests: list[str | None] = []
    skipped: list[tuple[str, str]] = []
    for n in names:
        try:
            digests.append(_file_digests([Path(n)])[0])
        except AudioFileError as exc:
            digests.append(None)
            skipped.append((n, str(exc)))
    return digests, skipped


def extract_files(
    paths: Sequence[str | os.PathLike[str]] | Iterable[str | os.PathLike[str]],
    frontend: Any,
    *,
    cache: bool = True,
    skip_bad: bool = False,
    workers: int = 1,
    stats: dict[str, int] | None = None,
) -> tuple[list[np.ndarray | None], list[tuple[str, str]]]:
    """(features per file in order, None where a bad file was skipped; [(path, reason)] skipped), through the cache.

    File digests are taken once, in this process, through :func:`emozoo.hash_cache.sha256_cached_many` (remembered
    by stat, one cache write). ``workers > 1`` splits the files over that many processes (forked on Linux, spawned
    elsewhere; OMP_NUM_THREADS applies). ``stats`` (a dict) gets ``hits`` and ``misses`` added, for callers that
    report or test how much was extracted.
    """
    names = [str(p) for p in paths]
    root = FeatureCache().root
    enabled = bool(cache) and _enabled()
    digests, unreadable = _digests(names, enabled, skip_bad)
    bad = {n for n, _ in unreadable}
    todo = [(n, d) for n, d in zip(names, digests) if n not in bad]
    if workers <= 1 or len(todo) < 2:
        results = [_work((todo, frontend, str(root), enabled, skip_bad))]
        done = results[0][0]
    else:
        import multiprocessing

        k = min(int(workers), len(todo))
        # fork where the platform has it: workers start with librosa imported and compiled (spawn re-imports, seconds)
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(k, mp_context=multiprocessing.get_context(method)) as pool:
            results = list(pool.map(_work, [(todo[i::k], frontend, str(root), enabled, skip_bad) for i in range(k)]))
        done = [None] * len(todo)
        for i, r in enumerate(results):  # undo the round-robin split
            done[i::k] = r[0]
    by_name = {n: f for (n, _), f in zip(todo, done)}
    feats = [by_name.get(n) for n in names]
    order = {p: i for i, p in enumerate(names)}
    skipped = sorted(unreadable + [s for r in results for s in r[1]], key=lambda s: order[s[0]])
    if stats is not None:
        stats["hits"] = stats.get("hits", 0) + sum(r[2] for r in results)
        stats["misses"] = stats.get("misses", 0) + sum(r[3] for r in results)
    return feats, skipped
