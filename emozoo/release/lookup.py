"""Finding released weights: ``list_pretrained`` (timm's ``list_models(pretrained=True)`` for emozoo), short names,
and each release's own held-out test split, so anyone can re-score a release and compare with its card.

Reading the list needs only the catalogue (no torch); the test split needs the data set and its plugin.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from emozoo.catalogue import Release, load_catalogue
from emozoo.errors import ArtifactError

#: Other names the methods' modality filters use, mapped to the release modalities (speech, face, text, wearable).
MODALITY_ALIASES = {"audio": "speech", "vision": "face", "image": "face", "physiological": "wearable", "wrist": "wearable"}


def list_pretrained(
    pattern: str | None = None, *, modality: str | None = None, dataset: str | None = None, method: str | None = None
) -> list[Release]:
    """Released models, by name: ``pattern`` is a wildcard over release names and method ids (``"*cnn*"``)."""
    out = []
    for release in load_catalogue().releases:
        if pattern and not (fnmatch.fnmatchcase(release.name, pattern) or fnmatch.fnmatchcase(release.method, pattern)):
            continue
        if modality and release.modality != MODALITY_ALIASES.get(modality.lower(), modality.lower()):
            continue
        if dataset and release.dataset != dataset.lower():
            continue
        if method and release.method != method:
            continue
        out.append(release)
    return sorted(out, key=lambda r: (r.modality, r.name))


def find_release(name: str) -> Release | None:
    """The release ``name`` means: a release name, its repo id, a method id (its default release), or an unambiguous
    prefix of a release name. None when nothing matches; ArtifactError listing the candidates when several do."""
    releases = load_catalogue().releases
    for release in releases:
        if name in (release.name, release.repo_id):
            return release
    of_method = [r for r in releases if r.method == name]
    if of_method:
        defaults = [r for r in of_method if r.default]
        if len(defaults) == 1 or len(of_method) == 1:
            return (defaults or of_method)[0]
        raise ArtifactError(f"{name!r} has several releases and none is its default: {', '.join(sorted(r.name for r in of_method))}; name one")
    if "/" in name:
        return None
    matches = [r for r in releases if r.name.startswith(name)]
    if len(matches) > 1:
        raise ArtifactError(f"{name!r} matches several releases: {', '.join(sorted(r.name for r in matches))}; name one of them")
    return matches[0] if matches else None


def unreleased_reason(method_id: str) -> str | None:
    """Why ``method_id`` has no released weights, when the catalogue says."""
    return load_catalogue().unreleased.get(method_id)


def release_recipe(directory: str | Path) -> dict[str, Any]:
    """The ``release`` block of a pulled release's ``emozoo.json`` (its data, fold, options and held-out scores)."""
    from emozoo.artifact import read_metadata

    release = read_metadata(directory).get("release")
    if not isinstance(release, dict):
        raise ArtifactError(f"{directory} is not an emozoo release (its emozoo.json has no release block)")
    return release


def release_test_split(name_or_path: str | Path, *, data_root: str | Path | None = None) -> Any:
    """The held-out test split a release was scored on, rebuilt from its recipe and checked against its manifest hash."""
    from emozoo.api import resolve_folds
    from emozoo.hub.pull import resolve_directory
    from emozoo.release.paths import default_data_root

    directory, _ = resolve_directory(name_or_path)
    release = release_recipe(directory)
    root = Path(data_root) if data_root is not None else default_data_root()
    data_dir = str(root / release["data"]) if release.get("data") and root is not None else None
    _, folds = resolve_folds(release["dataset"], protocol="recognition", data_dir=data_dir, **release["dataset_options"])
    fold = next((f for f in folds if f.name == release["fold"]), None)
    if fold is None:
        raise ArtifactError(f"{release['dataset']} gives no fold {release['fold']!r} with the release's options; is it the same data?")
    if fold.manifest.digest() != release["test_manifest_sha256"]:
        raise ArtifactError(
            f"the {release['dataset']} data under {data_dir} does not give the split {release['name']} was scored on "
            f"(manifest sha256 {fold.manifest.digest()[:12]}…, the release recorded {release['test_manifest_sha256'][:12]}…): "
            "a different copy or version of the data"
        )
    return fold.test


def reproduce(name_or_path: str | Path, *, data_root: str | Path | None = None, **load_kwargs: Any) -> dict[str, tuple[float, float]]:
    """Load a release, score its held-out test split, and return ``{metric: (card's value, measured now)}`` (a generator's
    card numbers are its downstream classifier's, which is what is loaded and scored for it)."""
    import emozoo
    from emozoo.bench.protocols.recognition import score
    from emozoo.hub.pull import resolve_directory

    directory, _ = resolve_directory(name_or_path, **load_kwargs)
    release = release_recipe(directory)
    if release.get("kind") == "generator":  # its numbers are those of the classifier trained on its samples
        return reproduce(release["downstream"]["name"], data_root=data_root, **load_kwargs)
    model = emozoo.from_pretrained(directory)
    record = score(model, release_test_split(directory, data_root=data_root), release["protocol_options"])
    measured = {k: float(v) for k, v in record["metrics"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {k: (float(v), measured.get(k, float("nan"))) for k, v in release["held_out"].items()}
