"""A release folder as a git repo with one deterministic commit: what the embedded Hub serves and the pins name.

The commit has no parent, a fixed author, committer and date, and a tree of the folder's files (mode 100644), so
the same files give the same commit id on every machine: a fresh clone rebuilds exactly the commit ``registry.json``
pins, and a changed file gives another commit (refused by the pin). Only git plumbing is used; no work tree.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from emozoo.errors import ArtifactError

IDENTITY = {
    "GIT_AUTHOR_NAME": "emozoo release", "GIT_AUTHOR_EMAIL": "releases@emozoo.invalid", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "emozoo release", "GIT_COMMITTER_EMAIL": "releases@emozoo.invalid", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
}  # fmt: skip
_NO_USER_CONFIG = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True, timeout=120,
                             env={**os.environ, **_NO_USER_CONFIG, **IDENTITY, **(env or {})})  # fmt: skip
    except FileNotFoundError as exc:
        raise ArtifactError("the embedded Hub needs git (`apt install git`); it builds each release as a git repo") from exc
    except subprocess.CalledProcessError as exc:
        raise ArtifactError(f"git {args[0]} failed in {repo}: {exc.stderr.decode(errors='replace').strip()[:300]}") from exc
    return out.stdout.decode().strip()


def release_files(directory: Path) -> list[Path]:
    """The files a release publishes: every plain file of its folder (no dot files, no sub-folders)."""
    return sorted(p for p in Path(directory).iterdir() if p.is_file() and not p.is_symlink() and not p.name.startswith("."))


def mirror_commit(directory: str | os.PathLike[str], repo: str | os.PathLike[str], message: str) -> str:
    """Write ``directory``'s files into the git repo ``repo`` (created if needed) as ``main``; return the commit id."""
    directory, repo = Path(directory), Path(repo)
    files = release_files(directory)
    if not files:
        raise ArtifactError(f"{directory} holds no files to publish")
    repo.mkdir(parents=True, exist_ok=True)
    if not (repo / ".git").is_dir():
        _git(repo, "init", "-q", "-b", "main")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        for path in files:
            blob = _git(repo, "hash-object", "-w", "--", str(path.resolve()))
            _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path.name}", env=env)
        tree = _git(repo, "write-tree", env=env)
    commit = _git(repo, "commit-tree", tree, "-m", message)
    _git(repo, "update-ref", "refs/heads/main", commit)
    return commit


def commit_of(directory: str | os.PathLike[str], message: str) -> str:
    """The commit id :func:`mirror_commit` gives ``directory`` (computed in a throw-away repo)."""
    with tempfile.TemporaryDirectory(prefix="emozoo-mirror-") as tmp:
        return mirror_commit(directory, Path(tmp) / "repo", message)


def release_message(name: str) -> str:
    """The commit message of a release (part of what fixes its commit id)."""
    return f"emozoo release {name}"
