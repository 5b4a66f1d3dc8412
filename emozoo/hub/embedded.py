"""The embedded Hub: olah on 127.0.0.1 serving the committed releases (``releases/<name>/``) as git repos.

olah (MIT, PyPI) is an independent Hub-compatible server; it runs from its own environment (it pins packages emozoo
does not want), found at ``$EMOZOO_OLAH``, the checkout's ``.venv-olah/bin/olah-cli``, or ``olah-cli`` on PATH. Each
release folder becomes ``<mirrors>/models/emozoo/<name>`` with its deterministic commit (:mod:`emozoo.release.mirror`),
so pulls go through the same HTTP path as from huggingface.co and the catalogue's pins check what it serves. One
server per process, started on the first pull that needs it and stopped at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from emozoo.errors import ArtifactError

OLAH_ENV = "EMOZOO_OLAH"
EMBEDDED = "embedded"  # the endpoint name that asks for this Hub
_SERVER: EmbeddedHub | None = None


def olah_cli() -> Path:
    """The olah server executable; ArtifactError with the install line when there is none."""
    from emozoo.release.paths import checkout_root

    candidates = [os.environ.get(OLAH_ENV)]
    root = checkout_root()
    if root is not None:
        candidates.append(str(root / ".venv-olah" / "bin" / "olah-cli"))
    candidates.append(shutil.which("olah-cli"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise ArtifactError(
        "the embedded Hub needs olah in its own environment: `python -m venv .venv-olah && .venv-olah/bin/pip install olah` "
        f"in the checkout (scripts/setup.sh does this), or set {OLAH_ENV} to an olah-cli; or pass endpoint= a Hub URL"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _digest(directory: Path) -> str:
    from emozoo.hash_cache import sha256_cached
    from emozoo.release.mirror import release_files

    h = hashlib.sha256()
    for path in release_files(directory):
        h.update(f"{path.name}\0{sha256_cached(path)}\n".encode())
    return h.hexdigest()


def build_mirrors(releases: Path, mirrors: Path, namespace: str = "emozoo") -> dict[str, str]:
    """Every release folder under ``releases`` as a git repo under ``mirrors`` (rebuilt only when its files changed).

    Returns ``{name: commit}``.
    """
    from emozoo.release.mirror import mirror_commit, release_message

    commits = {}
    for directory in sorted(p for p in releases.iterdir() if (p / "emozoo.json").is_file()):
        repo = mirrors / "models" / namespace / directory.name
        marker = repo / ".git" / "emozoo-source"
        digest = _digest(directory)
        recorded = marker.read_text().split() if marker.is_file() else []
        if len(recorded) == 2 and recorded[0] == digest:
            commits[directory.name] = recorded[1]
            continue
        commit = mirror_commit(directory, repo, release_message(directory.name))
        marker.write_text(f"{digest} {commit}\n")
        commits[directory.name] = commit
    return commits


class OlahServer:
    """olah serving the git repos under ``mirrors`` (``models/<ns>/<name>``) on a free loopback port, offline."""

    def __init__(self, mirrors: str | os.PathLike[str], workdir: str | os.PathLike[str], cli: Path | None = None):
        self.mirrors = Path(mirrors)
        self.workdir = Path(workdir)
        self.cli = cli or olah_cli()
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 30.0) -> str:
        """Start olah and wait until it listens; return its URL."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        config = self.workdir / f"olah-{port}.toml"
        config.write_text(
            f'[basic]\nhost = "127.0.0.1"\nport = {port}\nmirrors-path = ["{self.mirrors}"]\nrepos-path = "{self.workdir / "repos"}"\n'
            "[accessibility]\noffline = true\n"
        )
        self.log = self.workdir / "olah.log"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(self.cli), "-c", str(config)], cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ArtifactError(f"olah exited with code {self.proc.returncode}; see {self.log}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    self.url = f"http://127.0.0.1:{port}"
                    return self.url
            time.sleep(0.05)
        self.stop()
        raise ArtifactError(f"olah did not listen on 127.0.0.1:{port} within {timeout:g} s; see {self.log}")

    def running(self) -> bool:
        """Whether the server process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        if self.running():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> OlahServer:  # noqa: PYI034 - subclasses return themselves too
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class EmbeddedHub(OlahServer):
    """The releases folder, mirrored as git repos into ``workdir``, served by olah; a context manager."""

    def __init__(self, releases: str | os.PathLike[str], workdir: str | os.PathLike[str] | None = None, cli: Path | None = None):
        from emozoo._fileio import cache_dir

        self.releases = Path(releases)
        if not self.releases.is_dir():
            raise ArtifactError(f"the embedded Hub has no releases folder at {self.releases}; set EMOZOO_RELEASES or run from a checkout")
        workdir = Path(workdir) if workdir is not None else cache_dir() / "embedded-hub"
        super().__init__(workdir / "mirrors", workdir, cli)
        self.commits: dict[str, str] = {}

    def start(self, timeout: float = 30.0) -> str:
        """Mirror the releases (only those whose files changed), then start olah; return its URL."""
        self.mirrors.mkdir(parents=True, exist_ok=True)
        self.commits = build_mirrors(self.releases, self.mirrors)
        return super().start(timeout)


def embedded_endpoint() -> str:
    """The URL of this process's embedded Hub, started on first use (over the releases folder) and stopped at exit."""
    global _SERVER
    from emozoo.release.paths import releases_dir

    if _SERVER is not None and _SERVER.running():
        _SERVER.commits = build_mirrors(_SERVER.releases, _SERVER.mirrors)  # a release rebuilt meanwhile is served as it is now
        return _SERVER.url
    releases = releases_dir()
    if releases is None:
        raise ArtifactError(
            "the embedded Hub serves the releases committed in an emozoo checkout, and this emozoo is not one: set "
            "EMOZOO_RELEASES to a releases folder, or pass endpoint= (e.g. https://huggingface.co)"
        )
    server = EmbeddedHub(releases)
    server.start()
    if _SERVER is None:
        atexit.register(_stop_server)
    _SERVER = server
    return server.url


def served_commit(name: str) -> str | None:
    """The commit the running embedded Hub serves for release ``name`` (None when it serves no such release)."""
    return _SERVER.commits.get(name) if _SERVER is not None else None


def _stop_server() -> None:
    if _SERVER is not None:
        with contextlib.suppress(Exception):
            _SERVER.stop()
