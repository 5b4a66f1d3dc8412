"""Self-contained model bundles for air-gapped machines: one tar file with the artifact and a hash manifest.

``export_bundle`` writes ``bundle.json`` (method, source repo and commit, sha256 and size of every file)
plus the four artifact files into an uncompressed tar. ``import_bundle`` reads only those plain-file
members (never ``tar.extract``: no links, devices or paths outside the target), checks every hash
against the manifest and ``emozoo.json``, and only then moves the directory into place in one rename.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_directory, check_destination, sha256_file
from emozoo.artifact import (
    ARTIFACT_FILES,
    MAX_JSON_BYTES,
    read_metadata,
    verify_files,
)
from emozoo.errors import ArtifactError, UnsafePathError
from emozoo.hub.pull import resolve_directory

MANIFEST_NAME = "bundle.json"
BUNDLE_FORMAT = "emozoo-bundle"
BUNDLE_VERSION = 1


def export_bundle(
    source: str | os.PathLike[str], out: str | os.PathLike[str], *, revision: str | None = None, **hub_kwargs: Any
) -> Path:
    """Write ``source`` (a directory, 'org/repo' or a pinned method id) as a bundle file at ``out``."""
    directory, commit = resolve_directory(source, revision=revision, **hub_kwargs)
    meta = read_metadata(directory)
    verify_files(directory, meta, cached=commit is None)  # pulled content is always hashed afresh
    manifest = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "method": meta["method"],
        "plugin": meta["plugin"]["requires"],
        "source": {"name": str(source), "revision": revision, "commit": commit},
        "files": {name: {"sha256": sha256_file(directory / name), "size": (directory / name).stat().st_size} for name in ARTIFACT_FILES},
    }
    out = _check_export_target(Path(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
            data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
            for name in ARTIFACT_FILES:
                info = tarfile.TarInfo(name)
                info.size, info.mode = (directory / name).stat().st_size, 0o644
                with open(directory / name, "rb") as src:
                    tar.addfile(info, src)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _check_export_target(out: Path) -> Path:
    """``out`` if a bundle may be written there: absent, or an existing emozoo bundle (replaced atomically)."""
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise UnsafePathError(f"{out} exists and is not a regular file; choose a new bundle path such as model.tar (nothing was written)")
    if out.exists():
        try:
            with tarfile.open(out, mode="r:") as tar:
                read_manifest(tar, out)
        except (ArtifactError, OSError, tarfile.TarError, EOFError) as exc:
            raise UnsafePathError(f"{out} exists and is not an emozoo bundle; refusing to overwrite it (choose another path)") from exc
    return out


def read_manifest(tar: tarfile.TarFile, bundle: Path) -> dict[str, Any]:
    """The bundle's manifest, checked for format and file list."""
    member = _member(tar, MANIFEST_NAME, bundle)
    if member.size > MAX_JSON_BYTES:
        raise ArtifactError(f"{bundle}: {MANIFEST_NAME} is too large")
    try:
        manifest = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    except (ValueError, RecursionError) as exc:
        raise ArtifactError(f"{bundle}: {MANIFEST_NAME} is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT or manifest.get("version") != BUNDLE_VERSION:
        raise ArtifactError(f"{bundle} is not an emozoo bundle (format {BUNDLE_FORMAT} v{BUNDLE_VERSION}); make it with `emozoo export`")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(ARTIFACT_FILES):
        raise ArtifactError(f"{bundle}: the manifest must list exactly {sorted(ARTIFACT_FILES)}")
    return manifest


def _member(tar: tarfile.TarFile, name: str, bundle: Path) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError as exc:
        raise ArtifactError(f"{bundle} has no {name}; it is incomplete") from exc
    if not member.isfile():
        raise ArtifactError(f"{bundle}: {name} is not a regular file; refusing the bundle")
    return member


def import_bundle(bundle: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Unpack a bundle into ``dest`` after checking every file; ``dest`` appears complete or not at all.

    ``dest`` must be absent, an empty folder or an emozoo model folder (``emozoo._fileio.check_destination``).
    """
    bundle = Path(bundle)
    check_destination(dest)
    try:
        tar = tarfile.open(bundle, mode="r:")
    except (OSError, tarfile.TarError) as exc:
        raise ArtifactError(f"cannot read bundle {bundle}: {exc}") from exc
    with tar:
        try:
            _unpack(tar, bundle, read_manifest(tar, bundle), dest)
        except (tarfile.TarError, EOFError) as exc:  # a truncated or damaged bundle
            raise ArtifactError(f"bundle {bundle} is truncated or damaged ({exc}); export it again") from exc
    return Path(dest)


def _unpack(tar: tarfile.TarFile, bundle: Path, manifest: dict[str, Any], dest: str | os.PathLike[str]) -> None:
    """Copy the listed files into ``dest`` atomically; every member is checked against the manifest before a byte
    is written (a plain file, not sparse, of exactly the listed size, within the format's bound) and its bytes
    against the listed sha256 while they stream, so nothing larger than declared reaches the disk."""
    members = {name: _checked_member(tar, name, expected, bundle) for name, expected in sorted(manifest["files"].items())}
    with atomic_directory(dest) as tmp:
        for name, (member, expected) in members.items():
            with tar.extractfile(member) as src:  # type: ignore[union-attr]
                written, digest = _copy_member(src, tmp / name, member.size)
            if written != expected["size"] or digest != expected["sha256"]:
                raise ArtifactError(f"{bundle}: {name} does not match its sha256 and size in {MANIFEST_NAME}; the bundle is corrupt")
        verify_files(tmp, read_metadata(tmp), cached=False)  # imported content is always hashed


def _copy_member(src: Any, path: Path, size: int) -> tuple[int, str]:
    """Write at most ``size`` bytes of ``src`` to ``path``; returns (bytes written, their sha256)."""
    digest, written = hashlib.sha256(), 0
    with open(path, "wb") as dst:
        while written < size and (block := src.read(min(1 << 20, size - written))):
            written += len(block)
            digest.update(block)
            dst.write(block)
    return written, digest.hexdigest()


def _checked_member(tar: tarfile.TarFile, name: str, expected: Any, bundle: Path) -> tuple[tarfile.TarInfo, dict[str, Any]]:
    """The member for ``name``, refused unless it agrees with its manifest entry and the format's size bound."""
    from emozoo.hub.pull import MAX_FILE_BYTES

    if (
        not isinstance(expected, dict)
        or not isinstance(expected.get("sha256"), str)
        or len(expected["sha256"]) != 64
        or type(expected.get("size")) is not int
        or not 0 <= expected["size"] <= MAX_FILE_BYTES[name]
    ):
        raise ArtifactError(
            f"{bundle}: the {MANIFEST_NAME} entry of {name} needs a sha256 and a size of at most {MAX_FILE_BYTES[name]} bytes; "
            "refusing the bundle"
        )
    member = _member(tar, name, bundle)
    if member.issparse() or member.size != expected["size"]:
        raise ArtifactError(
            f"{bundle}: {name} is {'a sparse member' if member.issparse() else f'{member.size} bytes'} but {MANIFEST_NAME} lists "
            f"{expected['size']} bytes; refusing the bundle before writing anything"
        )
    return member, expected
