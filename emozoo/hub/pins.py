"""Pin a published artifact in the catalogue: repo id, exact commit and the sha256 of every file.

``emozoo pull <method-id>`` then loads exactly those bytes, and a file that differs is refused. Pins live
in the ``artifacts`` list of the method's entry in ``registry.json`` (or the file ``EMOZOO_REGISTRY``
names); ``scripts/build_registry.py`` keeps them when it regenerates the catalogue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_write_text, sha256_file
from emozoo.artifact import ARTIFACT_FILES, read_metadata, verify_files
from emozoo.catalogue import clear_cache, default_registry_path, read_catalogue_text
from emozoo.errors import ArtifactError
from emozoo.hub.pull import DEFAULT_VARIANT, download

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def resolve_commit(repo_id: str, revision: str, *, endpoint: str | None = None, token: str | None = None) -> str:
    """The 40-hex commit a branch, tag or commit names on the Hub (checked; bounded request, typed errors)."""
    from huggingface_hub import constants

    from emozoo.hub._client import hub_endpoint
    from emozoo.hub._names import check_repo_id, check_revision
    from emozoo.hub.pull import _bearer, remote_commit

    check_repo_id(repo_id)
    if _COMMIT.match(check_revision(revision)):
        return revision
    return remote_commit(repo_id, revision, endpoint=hub_endpoint(endpoint) or constants.ENDPOINT.rstrip("/"), token=_bearer(token))


def pin_artifact(
    repo_id: str,
    *,
    revision: str = "main",
    variant: str = DEFAULT_VARIANT,
    training_data: str | None = None,
    endpoint: str | None = None,
    token: str | None = None,
    registry_path: str | Path | None = None,
) -> dict[str, Any]:
    """Download ``repo_id`` at ``revision``, check it, and record it in the catalogue entry of its method.

    A pin with the same repo id and variant is replaced. Returns the pin that was written.
    """
    commit = resolve_commit(repo_id, revision, endpoint=endpoint, token=token)
    pulled = download(repo_id, revision=commit, endpoint=endpoint, token=token)
    meta = read_metadata(pulled.directory)
    verify_files(pulled.directory, meta, cached=False)
    dataset = training_data or (meta.get("training_data") or {}).get("dataset")
    if not dataset:
        raise ArtifactError(f"{repo_id}@{commit[:12]} records no training data set; pass training_data=... to pin it")
    pin = {
        "repo_id": repo_id,
        "revision": commit,
        "files": {name: sha256_file(pulled.directory / name) for name in ARTIFACT_FILES},
        "variant": variant,
        "training_data": dataset,
    }
    write_pin(meta["method"], pin, registry_path)
    return pin


def write_pin(method_id: str, pin: dict[str, Any], registry_path: str | Path | None = None) -> Path:
    """Insert ``pin`` into the artifacts of the catalogue entry implementing ``method_id`` (atomic rewrite)."""
    path = Path(registry_path or default_registry_path()).resolve()  # resolve: registry.json may be a symlink
    try:
        data = json.loads(read_catalogue_text(path))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"cannot read the catalogue {path}: {exc}") from exc
    entries = [m for m in data.get("methods", []) if method_id in ((m.get("implementation") or {}).get("methods") or ())]
    if not entries:
        raise ArtifactError(
            f"no catalogue entry in {path} implements {method_id!r}; add it to IMPLEMENTATIONS in scripts/build_registry.py "
            "and regenerate registry.json first"
        )
    artifacts = [a for a in entries[0].get("artifacts", []) if (a["repo_id"], a["variant"]) != (pin["repo_id"], pin["variant"])]
    entries[0]["artifacts"] = [*artifacts, pin]
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    clear_cache()
    return path


def pin_pushed(result: Any, method_id: str, *, training_data: str, variant: str = DEFAULT_VARIANT, registry_path: str | Path | None = None) -> dict[str, Any]:
    """Pin what a push just committed (``PushResult``): the hashes are those of the files that were sent."""
    pin = {"repo_id": result.repo_id, "revision": result.commit, "files": dict(result.files), "variant": variant, "training_data": training_data}
    write_pin(method_id, pin, registry_path)
    return pin
