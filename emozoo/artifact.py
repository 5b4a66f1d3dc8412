"""The on-disk layout of a saved model and the checks made before anything is loaded from it.

A saved model is a directory (or Hub repo) with ``model.safetensors`` (weights only), ``config.json``
(the method config), ``emozoo.json`` (method id, plugin and version range, core version, file hashes,
config hash, user metadata) and ``README.md``. ``emozoo.json`` is written last and lists the sha256
of every other file, so a half-finished or tampered save is detected before it loads. No code from an
artifact is ever imported or executed, and nothing is unpickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from emozoo.errors import ArtifactError
from emozoo.hash_cache import sha256_cached

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
METADATA_NAME = "emozoo.json"
CARD_NAME = "README.md"
ARTIFACT_FILES = (WEIGHTS_NAME, CONFIG_NAME, METADATA_NAME, CARD_NAME)
ARTIFACT_FORMAT = 1
MAX_JSON_BYTES = 8 * 1024 * 1024  # a config or metadata file larger than this is refused, not parsed


def compatible_range(version: str) -> str:
    """The version range an artifact saved with ``version`` accepts (same major; same minor for 0.x)."""
    from packaging.version import InvalidVersion, Version

    try:
        v = Version(version)
    except InvalidVersion:
        return f"=={version}"
    upper = f"{v.major + 1}" if v.major > 0 else f"0.{v.minor + 1}"
    return f">={v.base_version},<{upper}"


def read_json_file(path: Path, what: str) -> dict[str, Any]:
    """Parse a small JSON object file; size, syntax and type problems become ArtifactError."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path.parent} has no {path.name}; it is not a complete emozoo model (re-save or re-download it)") from exc
    if size > MAX_JSON_BYTES:
        raise ArtifactError(f"{what} {path} is {size} bytes, over the {MAX_JSON_BYTES}-byte limit; refusing to parse it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise ArtifactError(f"{what} {path} is not valid JSON ({exc}); re-save or re-download the model") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"{what} {path} must hold a JSON object, not {type(data).__name__}")
    return data


def read_metadata(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check ``emozoo.json``: format version, method id, plugin block, file hashes."""
    directory = Path(directory)
    meta = read_json_file(directory / METADATA_NAME, "metadata")
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{directory / METADATA_NAME}: unsupported format {meta.get('format')!r} (this emozoo reads {ARTIFACT_FORMAT}); upgrade emozoo")
    for key, kind in (("method", str), ("plugin", dict), ("files", dict), ("config_sha256", str)):
        if not isinstance(meta.get(key), kind):
            raise ArtifactError(f"{directory / METADATA_NAME}: field {key!r} missing or not a {kind.__name__}")
    plugin = meta["plugin"]
    if not isinstance(plugin.get("distribution"), str) or not isinstance(plugin.get("requires"), str):
        raise ArtifactError(f"{directory / METADATA_NAME}: plugin must name 'distribution' and 'requires'")
    return meta


def hash_mismatch(directory: str | os.PathLike[str], files: dict[str, str]) -> tuple[str, Path, str, str | None] | None:
    """The first listed file that is missing or differs from its sha256, as (name, path, expected, actual or None).

    Shared by the metadata check below and the catalogue-pin check of ``emozoo.hub.pull``; names with a path
    separator or a leading dot are refused, so a listing cannot point outside ``directory``.
    """
    directory = Path(directory)
    for name, expected in sorted(files.items()):
        if "/" in name or "\\" in name or name.startswith("."):
            raise ArtifactError(f"{directory}: listed file name {name!r} is not allowed")
        path = directory / name
        actual = sha256_cached(path) if path.is_file() else None
        if actual != expected:
            return name, path, expected, actual
    return None


def verify_files(directory: str | os.PathLike[str], meta: dict[str, Any]) -> None:
    """Check every file listed in the metadata against its sha256 (catches partial and tampered saves)."""
    problem = hash_mismatch(directory, meta["files"])
    if problem is None:
        return
    name, path, expected, actual = problem
    if actual is None:
        raise ArtifactError(f"{directory} lacks {name}, which its {METADATA_NAME} lists; the save or download is incomplete")
    raise ArtifactError(
        f"{path} does not match the sha256 in {METADATA_NAME} (expected {expected[:12]}…, got {actual[:12]}…); "
        "the file is corrupt, partially written or was modified: re-save or re-download it"
    )


def resolve_directory(
    name_or_path: str | os.PathLike[str],
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    force_download: bool = False,
    token: str | bool | None = None,
    local_files_only: bool = False,
    endpoint: str | None = None,
) -> tuple[Path, str | None]:
    """A local directory as is; else a Hub repo id or a pinned method id, downloaded and checked by ``emozoo.hub.pull``.

    Returns the directory and the resolved commit hash (None for a local directory).
    """
    path = Path(name_or_path)
    if path.is_dir():
        return path, None
    if path.exists():
        raise ArtifactError(f"{path} is a file; pass the directory that holds {METADATA_NAME} (or import a bundle with `emozoo import`)")
    from emozoo.hub.pull import download

    pulled = download(
        str(name_or_path),
        revision=revision,
        cache_dir=cache_dir,
        force_download=force_download,
        token=token,
        local_files_only=local_files_only,
        endpoint=endpoint,
    )
    return pulled.directory, pulled.commit
