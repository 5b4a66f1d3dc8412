"""The on-disk layout of a saved model and the checks made before anything is loaded from it.

A saved model is a directory (or Hub repo) with ``model.safetensors`` (weights only), ``config.json``
(the method config), ``emozoo.json`` (method id, plugin and version range, core version, file hashes,
config hash, user metadata) and ``README.md``. ``emozoo.json`` is written last and lists the sha256
of every other file, so a half-finished or tampered save is detected before it loads. No code from an
artifact is ever imported or executed, and nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from emozoo.errors import ArtifactError

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


#: The files an artifact's own table must list: the format fixes them, not the artifact (emozoo.json covers itself
#: by being what is read, and is covered by a catalogue pin where there is one).
REQUIRED_LISTED = (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_verified(
    path: Path, expected_sha256: str | None, what: str, limit: int | None = None, against: str = f"in {METADATA_NAME}"
) -> bytes:
    """The bytes of ``path``, read once; when ``expected_sha256`` is given they must hash to it (ArtifactError otherwise).

    Callers parse or deserialize exactly these bytes, so what is checked is what is used, even if the file changes
    on disk a moment later.
    """
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if limit is not None and size > limit:
                raise ArtifactError(f"{what} {path} is {size} bytes, over the {limit}-byte limit; refusing to parse it")
            data = fh.read() if limit is None else fh.read(limit + 1)
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path.parent} has no {path.name}; it is not a complete emozoo model (re-save or re-download it)") from exc
    except IsADirectoryError as exc:
        raise ArtifactError(f"{path} is a directory, not the {what} file; the model directory is malformed") from exc
    if limit is not None and len(data) > limit:
        raise ArtifactError(f"{what} {path} grew past the {limit}-byte limit while being read; refusing to parse it")
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256:
            raise ArtifactError(
                f"{path} does not match the sha256 {against} (expected {str(expected_sha256)[:12]}…, got {actual[:12]}…); "
                "the file is corrupt, partially written or was modified: re-save or re-download it"
            )
    return data


def parse_json_bytes(data: bytes, path: Path, what: str) -> dict[str, Any]:
    """Parse JSON object bytes read from ``path``; syntax and type problems become ArtifactError."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise ArtifactError(f"{what} {path} is not valid JSON ({exc}); re-save or re-download the model") from exc
    if not isinstance(parsed, dict):
        raise ArtifactError(f"{what} {path} must hold a JSON object, not {type(parsed).__name__}")
    return parsed


def read_json_file(path: Path, what: str, expected_sha256: str | None = None, against: str = f"in {METADATA_NAME}") -> dict[str, Any]:
    """Parse a small JSON object file (read once, checked against ``expected_sha256`` if given)."""
    return parse_json_bytes(read_verified(path, expected_sha256, what, MAX_JSON_BYTES, against), path, what)


def read_metadata(directory: str | os.PathLike[str], *, expected_sha256: str | None = None) -> dict[str, Any]:
    """Read and check ``emozoo.json``: format version, method id, plugin block, and a file table that lists
    at least :data:`REQUIRED_LISTED`, each with a sha256."""
    directory = Path(directory)
    meta = read_json_file(directory / METADATA_NAME, "metadata", expected_sha256, "pinned in the catalogue")
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{directory / METADATA_NAME}: unsupported format {meta.get('format')!r} (this emozoo reads {ARTIFACT_FORMAT}); upgrade emozoo")
    for key, kind in (("method", str), ("plugin", dict), ("files", dict), ("config_sha256", str)):
        if not isinstance(meta.get(key), kind):
            raise ArtifactError(f"{directory / METADATA_NAME}: field {key!r} missing or not a {kind.__name__}")
    plugin = meta["plugin"]
    if not isinstance(plugin.get("distribution"), str) or not isinstance(plugin.get("requires"), str):
        raise ArtifactError(f"{directory / METADATA_NAME}: plugin must name 'distribution' and 'requires'")
    check_file_table(meta["files"], f"{directory / METADATA_NAME}", REQUIRED_LISTED)
    return meta


def check_file_table(files: Any, where: str, required: tuple[str, ...]) -> None:
    """A file table (name -> sha256) must list every ``required`` name, each with a 64-hex sha256."""
    if not isinstance(files, dict):
        raise ArtifactError(f"{where}: the file table is not an object")
    missing = [name for name in required if name not in files]
    if missing:
        raise ArtifactError(
            f"{where}: the file table does not list {missing}; every emozoo artifact must hash {list(required)}. "
            "Refusing to load unverified files: re-save or re-download the model"
        )
    bad = [name for name, digest in files.items() if not isinstance(digest, str) or _SHA256.fullmatch(digest) is None]
    if bad:
        raise ArtifactError(f"{where}: the sha256 of {bad[:4]} is not 64 lowercase hex digits")


def hash_mismatch(
    directory: str | os.PathLike[str], files: dict[str, str], *, cached: bool = True, skip: tuple[str, ...] = ()
) -> tuple[str, Path, str, str | None] | None:
    """The first listed file that is missing or differs from its sha256, as (name, path, expected, actual or None).

    Shared by the metadata check below and the catalogue-pin check of ``emozoo.hub.pull``; names with a path
    separator or a leading dot are refused, so a listing cannot point outside ``directory``. ``cached=False``
    re-reads every file (content from a pull or an import is never judged by the stat cache); ``skip`` names
    files the caller reads once and checks itself (``read_verified``).
    """
    from emozoo._fileio import sha256_file
    from emozoo.hash_cache import sha256_cached_many

    directory = Path(directory)
    listed = []
    for name, expected in sorted(files.items()):
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
            raise ArtifactError(f"{directory}: listed file name {name!r} is not allowed")
        if name not in skip:
            listed.append((name, directory / name, expected))
    if cached:  # one stat per file: a missing one is None
        digests = dict(zip([n for n, _, _ in listed], sha256_cached_many([p for _, p, _ in listed], missing_ok=True)))
    else:
        digests = {name: sha256_file(path) for name, path, _ in listed if path.is_file()}
    for name, path, expected in listed:
        actual = digests.get(name)
        if actual != expected:
            return name, path, expected, actual
    return None


def verify_files(directory: str | os.PathLike[str], meta: dict[str, Any], *, cached: bool = True, skip: tuple[str, ...] = ()) -> None:
    """Check every file listed in the metadata against its sha256 (catches partial and tampered saves)."""
    check_file_table(meta["files"], f"{Path(directory) / METADATA_NAME}", REQUIRED_LISTED)
    problem = hash_mismatch(directory, meta["files"], cached=cached, skip=skip)
    if problem is None:
        return
    name, path, expected, actual = problem
    if actual is None:
        raise ArtifactError(f"{directory} lacks {name}, which its {METADATA_NAME} lists; the save or download is incomplete")
    raise ArtifactError(
        f"{path} does not match the sha256 in {METADATA_NAME} (expected {expected[:12]}…, got {actual[:12]}…); "
        "the file is corrupt, partially written or was modified: re-save or re-download it"
    )
