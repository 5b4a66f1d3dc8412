"""Self-contained model bundles for air-gapped machines: one tar file with the artifact and a hash manifest.

``export_bundle`` writes ``bundle.json`` (method, source repo and commit, sha256 and size of every file)
plus the four artifact files into an uncompressed tar. ``import_bundle`` reads only those plain-file
members (never ``tar.extract``: no links, devices or paths outside the target), checks every hash
against the manifest and ``emozoo.json``, and only then moves the directory into place in one rename.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_directory, sha256_file
from emozoo.artifact import (
    ARTIFACT_FILES,
    MAX_JSON_BYTES,
    read_metadata,
    resolve_directory,
    verify_files,
)
from emozoo.errors import ArtifactError

MANIFEST_NAME = "bundle.json"
BUNDLE_FORMAT = "emozoo-bundle"
BUNDLE_VERSION = 1


def export_bundle(
    source: str | os.PathLike[str], out: str | os.PathLike[str], *, revision: str | None = None, **hub_kwargs: Any
) -> Path:
    """Write ``source`` (a directory, 'org/repo' or a pinned method id) as a bundle file at ``out``."""
    directory, commit = resolve_directory(source, revision=revision, **hub_kwargs)
    meta = read_metadata(directory)
    verify_files(directory, meta)
    manifest = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "method": meta["method"],
        "plugin": meta["plugin"]["requires"],
        "source": {"name": str(source), "revision": revision, "commit": commit},
        "files": {name: {"sha256": sha256_file(directory / name), "size": (directory / name).stat().st_size} for name in ARTIFACT_FILES},
    }
    out = Path(out)
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
    """Unpack a bundle into ``dest`` after checking every file; ``dest`` appears complete or not at all."""
    bundle = Path(bundle)
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
    """Copy the listed files into ``dest`` atomically, checking each against the manifest and emozoo.json."""
    with atomic_directory(dest) as tmp:
        for name, expected in sorted(manifest["files"].items()):
            member = _member(tar, name, bundle)
            with tar.extractfile(member) as src, open(tmp / name, "wb") as dst:  # type: ignore[union-attr]
                while block := src.read(1 << 20):
                    dst.write(block)
            if not isinstance(expected, dict) or sha256_file(tmp / name) != expected.get("sha256"):
                raise ArtifactError(f"{bundle}: {name} does not match its sha256 in {MANIFEST_NAME}; the bundle is corrupt")
        verify_files(tmp, read_metadata(tmp))
