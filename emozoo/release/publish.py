"""Publish a built release and pin it in ``registry.json``'s ``releases`` list.

``target="embedded"``: the release folder is what the embedded Hub serves, so publishing is computing its
deterministic commit (:func:`emozoo.release.mirror.commit_of`). Any other target is a Hub URL: the folder is uploaded
in one commit through ``huggingface_hub`` (:func:`emozoo.hub.push.push_directory`), downloaded back at that commit and
checked file by file, and that commit is recorded under ``published`` beside the embedded one. Either way the pin holds
the sha256 of every artifact file, so a pull from any Hub is checked against the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emozoo.catalogue import Release
from emozoo.errors import ArtifactError, ConfigError
from emozoo.release.plan import ReleasePlan, ReleaseSpec


def _headline(release: dict[str, Any]) -> tuple[str, float]:
    """The release's headline metric: its benchmark's, else the one the method's paper reports on this data set."""
    held = release["held_out"]
    bench = release.get("benchmark") or {}
    name = {"UA": "UAR"}.get(bench.get("headline_metric") or "", bench.get("headline_metric"))
    if name not in held:
        import emozoo
        from emozoo.errors import EmozooError

        try:
            reported = [r.metric for r in emozoo.get_spec(release["method"]).reported if r.dataset.lower() == release["dataset"].lower()]
        except EmozooError:
            reported = []
        name = next((m for m in (*reported, "UAR", "MF1", "WF1", "ACC", "Corr") if m in held), next(iter(held)))
    return name, float(held[name])


def release_record(spec: ReleaseSpec, directory: Path, commit: str) -> Release:
    """The ``releases[]`` entry of a verified release folder (its files hashed afresh)."""
    from emozoo._fileio import sha256_file
    from emozoo.artifact import ARTIFACT_FILES, read_metadata
    from emozoo.metrics import is_percent

    meta = read_metadata(directory)
    release = meta["release"]
    metric, value = _headline(release)
    return Release(
        name=spec.name, method=spec.method, repo_id=spec.repo_id, revision=commit,
        files={name: sha256_file(directory / name) for name in ARTIFACT_FILES}, dataset=release["dataset"],
        license=meta["training_data"]["license"], modality=spec.modality,
        metric={"name": metric, "value": value, "percent": is_percent(metric),
                "split": f"test ({release['fold']}, held out)" + ("; downstream on real + synthetic" if release.get("kind") == "generator" else "")},
        default=spec.default, kind=release.get("kind") or "recognizer",
    )  # fmt: skip


def _read_registry(path: Path) -> dict[str, Any]:
    from emozoo.catalogue import read_catalogue_text

    try:
        return json.loads(read_catalogue_text(path))
    except ValueError as exc:
        raise ArtifactError(f"cannot read the catalogue {path}: {exc}") from exc


def _write_registry(path: Path, data: dict[str, Any]) -> None:
    from emozoo._fileio import atomic_write_text
    from emozoo.catalogue import clear_cache

    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    clear_cache()


def registry_file(registry_path: str | Path | None) -> Path:
    """The catalogue file pins go to (resolved: the packaged registry.json is a link to the checkout's)."""
    from emozoo.catalogue import default_registry_path

    return Path(registry_path or default_registry_path()).resolve()


def write_release(record: Release, registry_path: str | Path | None = None, published: tuple[str, str] | None = None) -> Path:
    """Put ``record`` into the catalogue's releases (replacing one of the same name; ``published`` = (Hub URL, commit)).

    Commits recorded for other Hubs are kept while the files are unchanged, and dropped when they change (they name
    other bytes).
    """
    path = registry_file(registry_path)
    data = _read_registry(path)
    old = next((r for r in data.get("releases", []) if r.get("name") == record.name), None)
    kept = dict(old.get("published") or {}) if old and old.get("files") == record.files else {}
    if published is not None:
        kept[published[0]] = published[1]
    entry = {**record.to_json(), "published": kept}
    others = [r for r in data.get("releases", []) if r.get("name") != record.name]
    if record.default:
        others = [{**r, "default": False} if r.get("method") == record.method else r for r in others]
    data["releases"] = sorted([*others, entry], key=lambda r: r["name"])
    _write_registry(path, data)
    return path


def write_unreleased(plan: ReleasePlan, registry_path: str | Path | None = None) -> Path:
    """Record the plan's reasons for methods without weights (what ``emozoo info`` prints)."""
    path = registry_file(registry_path)
    data = _read_registry(path)
    data["unreleased"] = dict(sorted(plan.unreleased.items()))
    _write_registry(path, data)
    return path


def check_release_folder(spec: ReleaseSpec, directory: Path) -> dict[str, Any]:
    """The folder's metadata, once its files match their hashes, its card validates and it is ``spec``'s release."""
    from emozoo.artifact import CARD_NAME, read_metadata, verify_files
    from emozoo.hub.cards import validate_card

    if not (directory / "emozoo.json").is_file():
        raise ArtifactError(f"release {spec.name} is not built ({directory} holds no emozoo.json); run `emozoo release {spec.name}`")
    meta = read_metadata(directory)
    verify_files(directory, meta, cached=False)
    validate_card((directory / CARD_NAME).read_text(encoding="utf-8"))
    release = meta.get("release")
    if not isinstance(release, dict) or release.get("name") != spec.name or release.get("method") != spec.method:  # a preset saves its base's id
        raise ArtifactError(f"{directory} is not the release {spec.name} of {spec.method} (its emozoo.json says otherwise)")
    return meta


def publish_release(
    spec: ReleaseSpec,
    directory: str | Path,
    *,
    target: str = "embedded",
    token: str | None = None,
    registry_path: str | Path | None = None,
    verify_endpoint: str | None = None,
) -> tuple[str, str]:
    """Publish ``directory`` as ``spec`` to ``target`` and pin it; returns (commit at the target, target).

    After an upload, the commit is pulled back from ``verify_endpoint`` (default: ``target``; a Hub whose pulls are
    served elsewhere names that URL) and every file checked before the pin is written.
    """
    from emozoo.hub.embedded import EMBEDDED
    from emozoo.release.build import DATA_LICENSE_NAME
    from emozoo.release.mirror import commit_of, release_message

    directory = Path(directory)
    meta = check_release_folder(spec, directory)
    if meta["release"].get("small") and registry_path is None:
        raise ConfigError(f"release {spec.name} was built with --small (a CI check); pin it only into a registry given with --registry")
    embedded_commit = commit_of(directory, release_message(spec.name))
    record = release_record(spec, directory, embedded_commit)
    if target == EMBEDDED:
        write_release(record, registry_path)
        return embedded_commit, EMBEDDED
    from emozoo.hub.push import push_directory

    endpoint = target.rstrip("/")
    pushed = push_directory(directory, spec.repo_id, endpoint=endpoint, token=token, extra_files=(DATA_LICENSE_NAME,),
                            commit_message=f"{release_message(spec.name)} ({meta['plugin']['requires']})")  # fmt: skip
    if pushed.files != record.files:
        raise ArtifactError(f"release {spec.name}: the files sent differ from the folder's (it changed during the push); publish again")
    verify_served(record, (verify_endpoint or endpoint).rstrip("/"), pushed.commit, token)
    write_release(record, registry_path, published=(endpoint, pushed.commit))
    return pushed.commit, endpoint


def verify_served(record: Release, endpoint: str, commit: str, token: str | None = None) -> None:
    """Pull ``record`` from ``endpoint`` at ``commit`` afresh and check every file against the pin (ArtifactError names both hashes)."""
    import tempfile

    from emozoo.hub.pull import _snapshot, verify_pin

    with tempfile.TemporaryDirectory(prefix="emozoo-verify-") as cache:
        directory = _snapshot(record.repo_id, commit, endpoint, token, cache, True, False)
        verify_pin(directory, record.pin(commit))
