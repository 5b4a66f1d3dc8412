"""Download a model from a Hub (or resolve a catalogue pin) and check it before anything loads it.

``download("org/repo", revision=...)`` fetches only the four artifact files with ``snapshot_download``
into the Hugging Face cache, resolves the revision to a commit, and, where ``registry.json`` pins that
repo and commit, checks every file's sha256 against the pin. ``download("<method-id>")`` loads the
method's pinned default artifact. Nothing half-downloaded loads: huggingface_hub moves each file into
place only when complete, and every load checks each file against ``emozoo.json`` (and the pins).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_write_text
from emozoo.artifact import (
    ARTIFACT_FILES,
    CARD_NAME,
    CONFIG_NAME,
    MAX_JSON_BYTES,
    METADATA_NAME,
    WEIGHTS_NAME,
    check_file_table,
    hash_mismatch,
    read_json_file,
)
from emozoo.catalogue import REGISTRY_ENV, load_catalogue
from emozoo.errors import ArtifactError, NetworkError
from emozoo.hub import _http
from emozoo.hub._client import hub_endpoint, hub_token
from emozoo.hub._names import check_commit, check_repo_id, check_revision, inside, is_commit
from emozoo.hub.embedded import EMBEDDED

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
    """Pins from the catalogue: those of a method id (or catalogue id), or all pins of a repo id; releases included
    (a release is pinned at its embedded-Hub commit and at every other Hub's commit it was published with)."""
    catalogue = load_catalogue()
    if "/" in method_or_repo:
        pins = [a for entry in catalogue for a in entry.artifacts if a.get("repo_id") == method_or_repo]
        releases = [r for r in catalogue.releases if r.repo_id == method_or_repo]
    else:
        entry = catalogue.for_method(method_or_repo) or catalogue.get(method_or_repo)
        pins = list(entry.artifacts) if entry else []
        releases = [r for r in catalogue.releases if r.method == method_or_repo]
    for release in releases:
        pins += [release.pin(commit) for commit in dict.fromkeys([release.revision, *release.published.values()])]
    return pins


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


def verify_pin(directory: Path, pin: dict[str, Any], *, cached: bool = False, known: dict[str, str] | None = None) -> None:
    """Every artifact file must be pinned and present with exactly the pinned sha256 (hashed afresh, or with ``cached``
    by the stat rule of :mod:`emozoo.hash_cache` for a snapshot this call did not fetch; ``known``: the digests of files
    this call just downloaded, computed as they were written); otherwise refuse.

    A pin that does not cover all of :data:`ARTIFACT_FILES` (an empty table, say) verifies nothing, so it is refused.
    """
    where = f"{pin.get('repo_id')}@{str(pin.get('revision'))[:12]}"
    check_file_table(pin.get("files"), f"the catalogue pin of {where}", ARTIFACT_FILES)
    known = known or {}
    problem = next(((n, directory / n, pin["files"][n], d) for n, d in known.items() if n in pin["files"] and d != pin["files"][n]), None)
    problem = problem or hash_mismatch(directory, pin["files"], cached=cached, skip=tuple(known))
    if problem is None:
        return
    name, path, expected, actual = problem
    if actual is None:
        raise ArtifactError(f"{where} lacks the pinned file {name}; the download is incomplete, pull again")
    raise ArtifactError(
        f"{path} does not match the sha256 pinned in the catalogue for {where} "
        f"(expected {expected}, got {actual}); refusing to load it. The file was modified or corrupted: "
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
    """Fetch ``name`` ('org/repo', a release's short name, or a method id with a release or pin) at ``revision`` and
    verify it against its pin, if any. The zoo's own releases come from the embedded Hub unless ``endpoint`` (or
    ``HF_ENDPOINT``) names another; ``endpoint="embedded"`` asks for it explicitly."""
    release = _release_named(name, variant)
    if release is not None:
        return _download_release(release, name, revision, endpoint, token, cache_dir, force_download, local_files_only)
    if hub_endpoint(endpoint) == EMBEDDED:
        raise ArtifactError(f"the embedded Hub serves only the zoo's releases, and {name!r} is none of them; `emozoo list --pretrained` lists them")
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


def _release_named(name: str, variant: str | None) -> Any:
    """The catalogue release ``name`` (and ``variant``, a release name) refers to, or None."""
    from emozoo.release.lookup import find_release

    if variant is not None and "/" not in name:
        release = find_release(variant)
        if release is not None and release.method != name:
            raise ArtifactError(f"release {variant!r} is of {release.method!r}, not {name!r}")
        return release
    return find_release(name)


def _download_release(
    release: Any, name: str, revision: str | None, endpoint: str | None, token: Any, cache_dir: Any, force_download: bool, local_files_only: bool
) -> Pulled:
    """Pull a release: from the embedded Hub at its pinned commit (started only when the cache lacks it), or from another
    Hub at the commit recorded for it there (else ``main``); every file is checked against the release's pin."""
    from huggingface_hub import constants

    from emozoo.release.paths import releases_dir

    check_repo_id(release.repo_id)  # the catalogue's, but it becomes a cache path below
    base = hub_endpoint(endpoint)
    if base is None:
        base = EMBEDDED if releases_dir() is not None else constants.ENDPOINT.rstrip("/")
    pinned = release.revision if base == EMBEDDED else release.published.get(base)
    if revision is not None and "/" not in name and revision != pinned:
        raise ArtifactError(f"{name!r} loads its pinned commit {pinned}; to load revision {revision!r}, pass the repo id {release.repo_id!r}")
    wanted = revision or pinned or DEFAULT_REVISION
    cache = Path(cache_dir if cache_dir is not None else constants.HF_HUB_CACHE).expanduser()
    started_ns, stats = time.time_ns(), None  # stats: of the cached snapshot's files, when the commit is all there
    if is_commit(wanted) and not force_download:
        snap = cache / f"models--{release.repo_id.replace('/', '--')}" / "snapshots" / wanted
        stats = _file_stats(os.fspath(snap))
        pin = release.pin(wanted) if stats is not None and (wanted == pinned or revision is None) else None
        if pin is not None and _still_verified(snap, pin, stats):
            return Pulled(directory=snap, repo_id=release.repo_id, revision=wanted, commit=wanted, pin=pin)
    cached = stats is not None
    # HF_HUB_OFFLINE keeps remote Hubs away; the embedded Hub is a local process serving the checkout's own files
    if base == EMBEDDED and not cached and not local_files_only:
        from emozoo.hub.embedded import embedded_endpoint, served_commit

        url = embedded_endpoint()
        served = served_commit(release.name)
        if wanted == pinned and served != pinned:
            raise ArtifactError(
                f"the catalogue pins {release.repo_id} at commit {pinned}, but the embedded Hub's releases folder gives "
                f"{served or 'no such release'}: its files changed after they were pinned. Restore them "
                f"(`git checkout -- releases/{release.name}`) or re-pin them with `emozoo release {release.name}`"
            )
    else:
        url = None if base == EMBEDDED else base
    fetched: dict[str, str] = {}
    directory = _snapshot(release.repo_id, wanted, url, token, cache_dir, force_download, local_files_only,
                          loopback=url is not None and base == EMBEDDED, fetched=fetched, complete=cached)  # fmt: skip
    commit = directory.name if is_commit(directory.name) else None
    pin = release.pin(commit) if commit is not None and (commit == pinned or revision is None) else None
    if pin is not None:
        if not cached:
            started_ns, stats = time.time_ns(), _file_stats(os.fspath(directory))
        verify_pin(directory, pin, cached=cached, known=fetched)  # fetched files: the digests taken as they were written
        _remember_verified(directory, pin, stats, started_ns)
    return Pulled(directory=directory, repo_id=release.repo_id, revision=wanted, commit=commit, pin=pin)


#: Snapshot folder -> (its pin's file table, the stat of each artifact file) for every snapshot this process checked
#: against its pin: the hash cache's rule (git's index rule), kept in this process's memory, so a warm load of the same
#: commit that finds every file with the very stat it had when checked skips the checks (off with the hash cache).
_VERIFIED: dict[str, tuple[dict[str, str], tuple[tuple[int, ...], ...]]] = {}


def _file_stats(directory: str) -> tuple[tuple[int, ...], ...] | None:
    """(device, inode, size, mtime, ctime) of each artifact file under ``directory`` (links followed), None if one is
    missing or not a regular file."""
    import stat

    stats = []
    for name in ARTIFACT_FILES:
        try:
            st = os.stat(os.path.join(directory, name))
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stats.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(stats)


def _still_verified(directory: Path, pin: dict[str, Any], stats: tuple[tuple[int, ...], ...]) -> bool:
    """True when this process checked ``directory`` against this very pin and its files' ``stats`` are those it had then."""
    from emozoo import hash_cache

    seen = _VERIFIED.get(os.fspath(directory))
    return seen is not None and seen[0] == pin.get("files") and seen[1] == stats and hash_cache.enabled()


def _remember_verified(directory: Path, pin: dict[str, Any], before: tuple[tuple[int, ...], ...] | None, started_ns: int) -> None:
    """Record ``directory`` as checked against ``pin`` when its files (stats ``before`` the check) did not change during
    the check and had settled (last changed :data:`emozoo.hash_cache.RACY_SECONDS` before it began), as the hash cache
    records a file."""
    from emozoo import hash_cache

    key = os.fspath(directory)
    after = _file_stats(key) if before is not None else None
    settled_before = started_ns - int(hash_cache.RACY_SECONDS * 1e9)
    if after is None or after != before or any(max(st[3], st[4]) >= settled_before for st in after):
        _VERIFIED.pop(key, None)
        return
    if len(_VERIFIED) >= 1024:
        _VERIFIED.clear()
    _VERIFIED[key] = (dict(pin["files"]), after)


def _complete_snapshot(cache: Path, repo_id: str, commit: str) -> bool:
    snap = cache / f"models--{repo_id.replace('/', '--')}" / "snapshots" / commit
    return all((snap / name).is_file() for name in ARTIFACT_FILES)


#: The most bytes a pull accepts per file (a declared or actual size over it is refused before it is written).
MAX_FILE_BYTES = {WEIGHTS_NAME: 64 << 30, CONFIG_NAME: MAX_JSON_BYTES, METADATA_NAME: MAX_JSON_BYTES, CARD_NAME: MAX_JSON_BYTES}


def _snapshot(
    repo_id: str,
    revision: str,
    endpoint: str | None,
    token: str | bool | None,
    cache_dir: Any,
    force_download: bool,
    local_files_only: bool,
    *,
    loopback: bool = False,
    fetched: dict[str, str] | None = None,
    complete: bool = False,
) -> Path:
    """The cache snapshot of ``repo_id`` at ``revision``, fetched with emozoo's bounded client where needed.

    The layout is huggingface_hub's (``models--org--name/refs/<revision>`` holds the commit,
    ``snapshots/<commit>/<file>`` the files), but every name in it is checked first (``emozoo.hub._names``):
    the revision before it is used, the commit id a server or a ref file gives, and the four fixed file names.
    ``fetched`` (when given) receives the sha256 of every file this call downloaded, computed as it was written;
    ``complete``: the caller just found every file of this commit in the cache.
    Each file is written to a temp file and renamed into place only when complete, at its declared length and
    (when ``emozoo.json`` lists it) with the listed sha256.
    """
    from huggingface_hub import constants

    check_repo_id(repo_id)
    check_revision(revision)
    base = hub_endpoint(endpoint) or constants.ENDPOINT.rstrip("/")
    cache = Path(cache_dir if cache_dir is not None else constants.HF_HUB_CACHE).expanduser()
    if is_commit(revision) and not force_download and (complete or _complete_snapshot(cache, repo_id, revision)):
        # a commit never changes: no network needed, and one check that no link leads out of the cache
        return inside(cache, cache / f"models--{repo_id.replace('/', '--')}" / "snapshots" / revision)
    repo_dir = inside(cache, cache / f"models--{repo_id.replace('/', '--')}")
    offline = local_files_only or (constants.HF_HUB_OFFLINE and not loopback)  # loopback: the embedded Hub
    commit = revision if is_commit(revision) else (_cached_ref(repo_dir, revision) if offline else None)
    if offline:
        snap = repo_dir / "snapshots" / commit if commit else None
        if snap is None or not inside(cache, snap).is_dir():
            raise ArtifactError(
                f"{repo_id}@{revision} is not in the local Hugging Face cache and downloads are off "
                f"({'local_files_only=True' if local_files_only else 'HF_HUB_OFFLINE=1'}). Either pull it once while online "
                f"(`emozoo pull {repo_id} --revision {revision}`, with the same HF_HOME), or on a connected machine run "
                f"`emozoo export {repo_id} model.tar --revision {revision}`, copy the file here, `emozoo import model.tar DIR` "
                "and load DIR"
            )
        return snap
    if commit and not force_download and _complete_snapshot(cache, repo_id, commit):
        return inside(cache, repo_dir / "snapshots" / commit)  # a commit never changes: no network needed
    bearer = _bearer(token)
    commit = remote_commit(repo_id, revision, endpoint=base, token=bearer)
    snap = inside(cache, repo_dir / "snapshots" / commit)
    snap.mkdir(parents=True, exist_ok=True)
    inside(cache, snap)  # again, now that it exists: no link may lead out
    def fetch(name: str, expected: str | None) -> None:
        path = snap / name
        if force_download or not path.is_file():
            digest = _fetch_file(f"{base}/{repo_id}/resolve/{commit}/{name}", path, base, repo_id, bearer, expected)
            if fetched is not None:
                fetched[name] = digest

    fetch(METADATA_NAME, None)  # first: it lists the others' sha256
    listed: dict[str, str] = {}
    with contextlib.suppress(ArtifactError):
        files = read_json_file(snap / METADATA_NAME, "metadata").get("files")
        listed = {k: v for k, v in files.items() if isinstance(v, str)} if isinstance(files, dict) else {}
    from concurrent.futures import ThreadPoolExecutor

    others = (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME)
    with ThreadPoolExecutor(max_workers=len(others), thread_name_prefix="emozoo-pull") as pool:  # as snapshot_download does
        for future in [pool.submit(fetch, name, listed.get(name)) for name in others]:
            future.result()  # the first failure propagates; each file is all-or-nothing on its own
    if revision != commit:
        ref = inside(cache, repo_dir / "refs" / revision)
        ref.parent.mkdir(parents=True, exist_ok=True)
        inside(cache, ref.parent)
        atomic_write_text(ref, commit)
    return snap


def remote_commit(repo_id: str, revision: str, *, endpoint: str, token: str | None) -> str:
    """The 40-hex commit the Hub at ``endpoint`` resolves ``revision`` of ``repo_id`` to (checked, bounded, typed errors)."""
    from urllib.parse import quote

    url = f"{endpoint}/api/models/{repo_id}/revision/{quote(revision, safe='')}"
    try:
        info = _http.get_json(url, endpoint=endpoint, repo_id=repo_id, token=token)
    except _http.StatusError as exc:
        raise _status_error(exc, repo_id, revision, endpoint) from None
    sha = info.get("sha") if isinstance(info, dict) else None
    return check_commit(sha, f"the Hub at {endpoint}, resolving {repo_id}@{revision},")


def _fetch_file(url: str, path: Path, endpoint: str, repo_id: str, token: str | None, expected: str | None) -> str:
    """Download ``url`` to ``path`` (temp file, then rename); returns the sha256 of what was written."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".incomplete", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                _, digest = _http.get(url, endpoint=endpoint, repo_id=repo_id, token=token, max_bytes=MAX_FILE_BYTES[path.name], sink=fh)
            except _http.StatusError as exc:
                raise _status_error(exc, repo_id, url.rsplit("/", 2)[-2], endpoint, path.name) from None
            fh.flush()
            os.fsync(fh.fileno())
        if expected is not None and digest != expected:
            raise ArtifactError(
                f"{url} does not match the sha256 its {METADATA_NAME} lists (expected {expected[:12]}…, got {digest[:12]}…); "
                "refusing to store it: the repo or the server is corrupt"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return digest
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _status_error(exc: Any, repo_id: str, revision: str, endpoint: str, name: str | None = None) -> ArtifactError | NetworkError:
    what = f"{repo_id}@{revision}" + (f" file {name}" if name else "")
    if exc.status == 403 or exc.error_code == "GatedRepo":
        return ArtifactError(f"the Hub at {endpoint} refused access to {what} ({exc.status}); set HF_TOKEN (or token=) for a private repo")
    if exc.error_code == "RevisionNotFound":
        return ArtifactError(f"{repo_id} has no revision {revision!r} at {endpoint}")
    if exc.error_code == "EntryNotFound" or (exc.status == 404 and name):
        return ArtifactError(f"{what} is missing at {endpoint}; it is not a complete emozoo model")
    if exc.status in (401, 404):  # the Hub answers 401 for a repo that does not exist, so as not to reveal private ones
        return ArtifactError(f"no repo {repo_id!r} at {endpoint} (or no access to it: set HF_TOKEN for a private repo)")
    return NetworkError(f"the Hub refused {what} with HTTP {exc.status} {exc.message[:200]}".rstrip(), endpoint=endpoint, repo_id=repo_id)


def _cached_ref(repo_dir: Path, revision: str) -> str | None:
    """The commit a ref file in the cache names, if that file exists and holds a valid commit id."""
    ref = repo_dir / "refs" / revision
    try:
        text = ref.read_text(encoding="ascii", errors="replace")[:100].strip() if ref.is_file() else None
    except OSError:
        return None
    return check_commit(text, f"the cached ref {ref}") if text is not None else None


def _bearer(token: str | bool | None) -> str | None:
    """The token to send: an explicit string, $HF_TOKEN, else huggingface_hub's stored login (unless token=False)."""
    value = hub_token(token)
    if value is False:
        return None
    if isinstance(value, str):
        return value
    from huggingface_hub import get_token

    return get_token()


def _is_repo_id(text: str) -> bool:
    try:
        check_repo_id(text)
    except ArtifactError:
        return False
    return True


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
    import stat

    try:
        mode = os.stat(name_or_path).st_mode  # one stat: a short name is looked up here on every load
    except (OSError, ValueError):
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        return Path(name_or_path), None
    if mode is not None:
        raise ArtifactError(f"{name_or_path} is a file; pass the directory that holds {METADATA_NAME} (or import a bundle with `emozoo import`)")
    text = str(name_or_path)
    looks_local = isinstance(name_or_path, os.PathLike) or text.startswith((".", "/", "~")) or text.count("/") > 1 or os.sep in text.replace("/", "")
    if looks_local or ("/" in text and not _is_repo_id(text)):
        raise ArtifactError(
            f"{text!r} is not an existing directory{'' if looks_local else ' nor a Hub repo id (org/name)'}; "
            f"pass the directory that holds {METADATA_NAME}, a Hub repo id, or a method id with pinned weights"
        )
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
