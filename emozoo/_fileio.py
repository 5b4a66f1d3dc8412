"""File helpers shared by saves and manifests: atomic writes (all or nothing) and streamed sha256."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _carry_over(old: Path, new: Path) -> None:
    """Hard-link (or copy) entries of the old directory that the new save did not write; links stay links."""
    for entry in old.iterdir():
        dest = new / entry.name
        if os.path.lexists(dest) or entry.name.startswith(".emozoo-"):
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry), dest)
        elif entry.is_dir():
            shutil.copytree(entry, dest, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, dest)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


#: A directory holding this file is an emozoo model (``emozoo.artifact.METADATA_NAME``; not imported: no cycle).
MARKER = "emozoo.json"


def check_destination(target: str | os.PathLike[str]) -> Path:
    """``target`` if a save or import may (re)place it: absent, an empty folder, or a folder holding an emozoo model.

    Refused with :class:`~emozoo.errors.UnsafePathError`: ``.``/``..``/the root, a symbolic link (its real folder
    would be swapped out from under the link), a file, and a folder with other content (a user's folder is never
    swapped out).
    """
    from emozoo.errors import UnsafePathError

    target = Path(target)
    if target.name in ("", ".", "..") or target.resolve() == Path(target.anchor or "/").resolve():
        raise UnsafePathError(f"{str(target)!r} cannot be a model directory; name a new or existing model folder, e.g. models/my-model")
    if target.is_symlink():
        raise UnsafePathError(f"{target} is a symbolic link (to {os.readlink(target)}); save to the real folder {target.resolve()} instead")
    if not os.path.lexists(target):
        return target
    if not target.is_dir():
        raise UnsafePathError(f"{target} exists and is not a directory; choose another path (nothing was written)")
    if not (target / MARKER).is_file() and any(target.iterdir()):
        raise UnsafePathError(
            f"{target} is a folder that holds no emozoo model ({MARKER} is missing) and is not empty; refusing to replace it. "
            "Choose a new path, or empty the folder first"
        )
    return target


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``directory`` (POSIX; a no-op where flock is missing), so swaps do not interleave."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temp directory beside ``target``; on success it replaces ``target`` in one rename.

    ``target`` must pass :func:`check_destination` (checked before anything is written and again under the lock).
    Files already in ``target`` that the new save does not write are kept (hard-linked across; symbolic links are
    kept as links, never followed), including any written while the save ran. The folder keeps its permission
    bits (a new one gets the umask's). If the body raises, the temp directory is removed and ``target`` is exactly
    as before.
    """
    target = check_destination(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".emozoo-{target.name}.tmp-{uuid.uuid4().hex[:12]}"
    os.mkdir(tmp)  # mode 0777 minus the umask, as a plain mkdir (mkdtemp's 0700 would stick to the model folder)
    try:
        yield tmp
        _fsync_tree(tmp)
        with _locked(target.parent):  # another process may be swapping the same target right now
            check_destination(target)
            if target.exists():
                os.chmod(tmp, target.stat().st_mode & 0o7777)
                _carry_over(target, tmp)
                backup = target.parent / f".emozoo-{target.name}.old-{uuid.uuid4().hex[:8]}"
                os.replace(target, backup)
                try:
                    os.replace(tmp, target)
                except BaseException:
                    os.replace(backup, target)  # put the previous version back
                    raise
                with contextlib.suppress(OSError):
                    _carry_over(backup, target)  # anything written into the old folder after the first carry-over
                shutil.rmtree(backup, ignore_errors=True)
            else:
                os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, streamed so large files stay cheap."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_text(path: str | os.PathLike[str], text: str, *, mode: int | None = None) -> Path:
    """Write a text file via a temp file, fsync and ``os.replace``: readers never see half a file.

    Keeps the previous file's permissions (or 0644 for a new file), unless ``mode`` is given.
    """
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None, fsync: bool = True) -> Path:
    """Write bytes via a temp file and ``os.replace`` (fsynced unless ``fsync=False``, e.g. for a cache whose lost
    entry only costs a recomputation): readers never see half a file. Permissions as :func:`atomic_write_text`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.chmod(tmp, mode)  # mkstemp creates 0600
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if fsync:
        _fsync_dir(path.parent)
    return path


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry so a rename survives a crash (best effort; not possible on every OS)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def cache_dir() -> Path:
    """Where emozoo keeps per-user state: ``$EMOZOO_CACHE``, default ``~/.cache/emozoo``."""
    import emozoo._env as _env

    return _env.path("EMOZOO_CACHE") or _default_cache_dir(os.environ.get("HOME"))


@functools.lru_cache(maxsize=4)
def _default_cache_dir(home: str | None) -> Path:
    return Path.home() / ".cache" / "emozoo"


#: The sub-folder of :func:`cache_dir` that holds what must be this user's alone (the hash cache, the bench signing key).
PRIVATE_SUBDIR = "private"


def private_cache_dir() -> Path:
    """``cache_dir()/private``: created 0700 by whoever needs it first, whatever the mode of the cache folder above it
    (other tools, the embedded Hub's work folder among them, create that one with the usual 0755)."""
    return cache_dir() / PRIVATE_SUBDIR


def is_private(st: os.stat_result, kind: int) -> bool:
    """True when ``st`` (from ``lstat``) is a ``kind`` (S_IFREG/S_IFDIR), not a link, owned by this user and closed to
    group and others: what the hash cache and the benchmark signing key require before they trust a file."""
    import stat as stat_mod

    if stat_mod.S_IFMT(st.st_mode) != kind:
        return False
    return not (hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077))


def private_dir(directory: Path, create: bool) -> bool:
    """``directory`` exists (created 0700 if ``create``) and is private to this user (see :func:`is_private`)."""
    import stat as stat_mod

    if create:
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return False
    try:
        return is_private(directory.lstat(), stat_mod.S_IFDIR)
    except OSError:
        return False

