"""Publish a saved model directory to a Hub repo as one commit: weights, config, emozoo.json and card.

Uses ``HfApi(endpoint=..., token=...)`` with ``create_repo`` + ``create_commit`` (the mixin's own
``push_to_hub`` cannot take an endpoint). The directory is verified first: a corrupt or incomplete save,
a card that does not validate, or missing training-data provenance is refused before anything is sent.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from emozoo._fileio import sha256_file
from emozoo.artifact import ARTIFACT_FILES, CARD_NAME, read_metadata, verify_files
from emozoo.errors import ArtifactError, ConfigError
from emozoo.hub._client import bounded_hub_requests, hub_api
from emozoo.hub._names import check_file_name
from emozoo.hub.metadata import check_training_data


@dataclass(frozen=True)
class PushResult:
    """What a push created: the repo, the commit (40-hex) and the sha256 of every file in it."""

    repo_id: str
    commit: str
    url: str
    files: dict[str, str] = field(default_factory=dict)


def push_directory(
    directory: str | os.PathLike[str],
    repo_id: str,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    private: bool | None = None,
    branch: str | None = None,
    commit_message: str | None = None,
    extra_files: Sequence[str] = (),
) -> PushResult:
    """Upload the four artifact files of ``directory`` (and ``extra_files`` of it, e.g. a data licence) to ``repo_id``
    in one commit (creating the repo if needed)."""
    from huggingface_hub import CommitOperationAdd

    from emozoo.hub.cards import validate_card

    directory = Path(directory)
    if "/" not in repo_id:
        raise ConfigError(f"repo id {repo_id!r} needs a namespace: 'org/name'")
    meta = read_metadata(directory)
    verify_files(directory, meta)
    if meta.get("training_data"):
        check_training_data(meta["training_data"])  # a published model names its data's licence
    else:
        raise ConfigError(
            f"{directory} records no training_data; a published model must name its data set and licence: "
            "push_to_hub(..., training_data=TrainingData('SEED', 'SEED licence')) or `emozoo push --training-data ... --data-license ...`"
        )
    validate_card((directory / CARD_NAME).read_text(encoding="utf-8"))
    for name in extra_files:
        check_file_name(name, f"push of {directory}")
    missing = [name for name in (*ARTIFACT_FILES, *extra_files) if not (directory / name).is_file()]
    if missing:
        raise ArtifactError(f"{directory} lacks {missing}; re-save the model")
    api = hub_api(endpoint, token)
    names = (*ARTIFACT_FILES, *(n for n in extra_files if n not in ARTIFACT_FILES))
    operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(directory / name)) for name in names]
    with bounded_hub_requests(endpoint, repo_id):
        api.create_repo(repo_id, private=private, exist_ok=True)
        info = api.create_commit(
            repo_id,
            operations=operations,
            commit_message=commit_message or f"Upload {meta['method']} ({meta['plugin']['requires']})",
            revision=branch,
        )
    return PushResult(
        repo_id=repo_id, commit=info.oid, url=info.commit_url, files={name: sha256_file(directory / name) for name in ARTIFACT_FILES}
    )
