"""Download a model from a Hub (or resolve a catalogue pin) and check it before anything loads it.

``download("org/repo", revision=...)`` fetches only the four artifact files with ``snapshot_download``
into the Hugging Face cache, resolves the revision to a commit, and, where ``registry.json`` pins that
repo and commit, checks every file's sha256 against the pin. ``download("<method-id>")`` loads the
method's pinned default artifact. Nothing half-downloaded loads: huggingface_hub moves each file into
place only when complete, and every load checks each file against ``emozoo.json`` (and the pins).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emozoo.artifact import ARTIFACT_FILES, hash_mismatch
from emozoo.catalogue import REGISTRY_ENV, load_catalogue
from emozoo.errors import ArtifactError
from emozoo.hub._client import hub_endpoint, hub_token

DEFAULT_REVISION = "main"
DEFAULT_VARIANT = "default"


@dataclass(frozen=True)
class Pulled:
    """A downloaded artifact: its local directory, repo, requested revision, resolved commit, and the pin it matched."""

    directory: Path
    repo_id: str
    revision: str
    commit: str | None
    pin: dict[str, Any] | None = None


def pinned_artifacts(method_or_repo: str) -> list[dict[str, Any]]:
    """Pins from the catalogue: those of a method id (or catalogue id), or all pins of a repo id."""
    catalogue = load_catalogue()
    if "/" in method_or_repo:
        return [a for entry in catalogue for a in entry.artifacts if a.get("repo_id") == method_or_repo]
    entry = catalogue.for_method(method_or_repo) or catalogue.get(method_or_repo)
    return list(entry.artifacts) if entry else []


def choose_pin(method_id: str, variant: str | None = None) -> dict[str, Any]:
    """The pinned artifact to load for a method id: ``variant``, else 'default', else the first pinned one."""
    pins = pinned_artifacts(method_id)
    if not pins:
        raise ArtifactError(
            f"no published weights are pinned for {method_id!r} in the catalogue ({os.environ.get(REGISTRY_ENV) or 'registry.json'}); "
            "pass a Hub repo id ('org/name') or a local directory, or pin one with `emozoo pin`"
        )
    if variant is not None:
        chosen = [p for p in pins if p.get("variant") == variant]
        if not chosen:
            raise ArtifactError(f"{method_id!r} has no pinned variant {variant!r}; pinned: {sorted(p.get('variant') for p in pins)}")
        return chosen[0]
    return next((p for p in pins if p.get("variant") == DEFAULT_VARIANT), pins[0])


def verify_pin(directory: Path, pin: dict[str, Any]) -> None:
    """Every pinned file must be present with exactly the pinned sha256; otherwise refuse."""
    problem = hash_mismatch(directory, pin["files"])
    if problem is None:
        return
    name, path, expected, actual = problem
    where = f"{pin['repo_id']}@{pin['revision'][:12]}"
    if actual is None:
        raise ArtifactError(f"{where} lacks the pinned file {name}; the download is incomplete, pull again")
    raise ArtifactError(
        f"{path} does not match the sha256 pinned in the catalogue for {where} "
        f"(expected {expected[:12]}…, got {actual[:12]}…); refusing to load it. The file was modified or corrupted: "
        "delete the cached copy and pull again"
    )


def download(
    name: str,
    *,
    revision: str | None = None,
    variant: str | None = None,
    endpoint: str | None = None,
    token: str | bool | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    force_download: bool = False,
    local_files_only: bool = False,
) -> Pulled:
    """Fetch ``name`` ('org/repo' or a pinned method id) at ``revision`` and verify it against its pin, if any."""
    pin = None
    if "/" not in name:
        pin = choose_pin(name, variant)
        if revision is not None and revision != pin["revision"]:
            raise ArtifactError(f"{name!r} loads its pinned commit {pin['revision']}; to load revision {revision!r}, pass the repo id {pin['repo_id']!r}")
        repo_id, revision = pin["repo_id"], pin["revision"]
    else:
        repo_id, revision = name, revision or DEFAULT_REVISION
    directory = _snapshot(repo_id, revision, endpoint, token, cache_dir, force_download, local_files_only)
    commit = directory.name if len(directory.name) == 40 else None
    if pin is None and commit is not None:
        pin = next((p for p in pinned_artifacts(repo_id) if p.get("revision") == commit), None)
    if pin is not None:
        verify_pin(directory, pin)
    return Pulled(directory=directory, repo_id=repo_id, revision=revision, commit=commit, pin=pin)


def _snapshot(
    repo_id: str, revision: str, endpoint: str | None, token: str | bool | None, cache_dir: Any, force_download: bool, local_files_only: bool
) -> Path:
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    base = hub_endpoint(endpoint)
    try:
        return Path(
            snapshot_download(
                repo_id,
                revision=revision,
                cache_dir=cache_dir,
                force_download=force_download,
                token=hub_token(token),
                local_files_only=local_files_only,
                endpoint=base,
                allow_patterns=list(ARTIFACT_FILES),
            )
        )
    except LocalEntryNotFoundError as exc:
        if local_files_only or constants.HF_HUB_OFFLINE:
            raise ArtifactError(
                f"{repo_id}@{revision} is not in the local Hugging Face cache and downloads are off "
                f"({'local_files_only=True' if local_files_only else 'HF_HUB_OFFLINE=1'}). Either pull it once while online "
                f"(`emozoo pull {repo_id} --revision {revision}`, with the same HF_HOME), or on a connected machine run "
                f"`emozoo export {repo_id} model.tar --revision {revision}`, copy the file here, `emozoo import model.tar DIR` "
                "and load DIR"
            ) from exc
        raise ArtifactError(
            f"could not reach the Hub at {base or constants.ENDPOINT} to fetch {repo_id}@{revision}, and it is not cached; "
            "check the network or HF_ENDPOINT (for a self-hosted Hub)"
        ) from exc
    except RevisionNotFoundError as exc:
        raise ArtifactError(f"{repo_id} has no revision {revision!r} at {base or constants.ENDPOINT}") from exc
    except RepositoryNotFoundError as exc:
        raise ArtifactError(
            f"no repo {repo_id!r} at {base or constants.ENDPOINT} (or no access to it: set HF_TOKEN for a private repo)"
        ) from exc
    except HfHubHTTPError as exc:
        raise ArtifactError(f"the Hub at {base or constants.ENDPOINT} refused {repo_id}@{revision}: {exc}") from exc
