"""Test-only Hub servers on 127.0.0.1: a protocol-level push endpoint and olah (a real Hub mirror) for pulls.

``PushHub`` implements the four routes ``huggingface_hub`` (2.x) uses for ``create_repo`` and
``create_commit``/``upload_folder`` with regular (inline base64) uploads:

* ``POST /api/repos/create``
* ``POST /api/validate-yaml``
* ``POST /api/models/<ns>/<name>/preupload/<rev>``
* ``POST /api/models/<ns>/<name>/commit/<rev>`` (NDJSON: a header line, then one line per file)

and writes each commit as a real git commit (git plumbing, no work tree) into
``<mirrors>/models/<ns>/<name>``, the folder olah serves. It is checked against the client, not against
the Hub: it accepts what huggingface_hub sends and answers what huggingface_hub reads, nothing more.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

from emozoo.hub.embedded import OlahServer

GIT_ENV = {
    "GIT_AUTHOR_NAME": "emozoo-test", "GIT_AUTHOR_EMAIL": "test@emozoo.invalid",
    "GIT_COMMITTER_NAME": "emozoo-test", "GIT_COMMITTER_EMAIL": "test@emozoo.invalid",
}


def git(repo: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> str:
    """Run git in ``repo``; return stripped stdout."""
    out = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, check=True, env={**os.environ, **GIT_ENV, **(env or {})}
    )
    return out.stdout.decode().strip()


def free_port() -> int:
    """A currently free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Block until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class PushHub:
    """A push-only Hub endpoint writing git commits into ``mirrors`` (see the module docstring)."""

    def __init__(self, mirrors: Path, token: str | None = None) -> None:
        self.mirrors = Path(mirrors)
        self.token = token
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                hub.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # --- plumbing ---------------------------------------------------------------------------------

    def repo_path(self, namespace: str, name: str) -> Path:
        return self.mirrors / "models" / namespace / name

    @staticmethod
    def reply(h: BaseHTTPRequestHandler, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(data)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = urlparse(h.path).path
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        self.requests.append(("POST", path))
        if self.token is not None and h.headers.get("authorization") != f"Bearer {self.token}":
            return self.reply(h, 401, {"error": "Invalid credentials in Authorization header"})
        parts = [unquote(p) for p in path.strip("/").split("/")]
        try:
            if parts == ["api", "repos", "create"]:
                return self.create_repo(h, json.loads(body))
            if parts == ["api", "validate-yaml"]:
                return self.validate_yaml(h, json.loads(body))
            if len(parts) == 6 and parts[:2] == ["api", "models"] and parts[4] in ("preupload", "commit"):
                repo = self.repo_path(parts[2], parts[3])
                if not (repo / ".git").is_dir():
                    return self.reply(h, 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
                if parts[4] == "preupload":
                    return self.preupload(h, repo, parts[5], json.loads(body))
                return self.commit(h, repo, parts[2], parts[3], parts[5], body)
        except (ValueError, KeyError) as exc:
            return self.reply(h, 400, {"error": f"bad request: {exc}"})
        return self.reply(h, 404, {"error": f"no route {path}"})

    # --- the four routes --------------------------------------------------------------------------

    def create_repo(self, h, payload: dict) -> None:
        if payload.get("type", "model") != "model":
            return self.reply(h, 400, {"error": "this test hub serves model repos only"})
        namespace, name = payload.get("organization"), payload["name"]
        if not namespace:
            return self.reply(h, 400, {"error": "pass 'org/name'"})
        repo = self.repo_path(namespace, name)
        url = f"{self.url}/{namespace}/{name}"
        with self.lock:
            if (repo / ".git").is_dir():
                return self.reply(h, 409, {"error": "You already created this model repo", "url": url})
            repo.mkdir(parents=True)
            git(repo, "init", "-q", "-b", "main")
        return self.reply(h, 200, {"url": url, "name": f"{namespace}/{name}"})

    def validate_yaml(self, h, payload: dict) -> None:
        import yaml

        content = payload.get("content", "")
        if content.startswith("---\n"):
            end = content.find("\n---", 4)
            try:
                data = yaml.safe_load(content[4:end]) if end != -1 else None
            except yaml.YAMLError as exc:
                return self.reply(h, 400, {"errors": [{"message": f"invalid YAML: {exc}"}]})
            if end == -1 or not isinstance(data, dict):
                return self.reply(h, 400, {"errors": [{"message": "front matter must be a YAML mapping"}]})
        return self.reply(h, 200, {"errors": [], "warnings": []})

    def _head(self, repo: Path, revision: str) -> str | None:
        try:
            return git(repo, "rev-parse", "--verify", "-q", f"refs/heads/{revision}")
        except subprocess.CalledProcessError:
            return None

    def preupload(self, h, repo: Path, revision: str, payload: dict) -> None:
        head = self._head(repo, revision)
        files = []
        for f in payload["files"]:
            oid = None
            if head is not None:
                try:
                    oid = git(repo, "rev-parse", "-q", "--verify", f"{head}:{f['path']}")
                except subprocess.CalledProcessError:
                    oid = None
            files.append({"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid})
        return self.reply(h, 200, {"files": files, "commitOid": head})

    def commit(self, h, repo: Path, namespace: str, name: str, revision: str, body: bytes) -> None:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0]["key"] != "header":
            return self.reply(h, 400, {"error": "the first NDJSON line must be the header"})
        header = lines[0]["value"]
        with self.lock, tempfile.TemporaryDirectory() as tmp:
            parent = self._head(repo, revision)
            if header.get("parentCommit") and header["parentCommit"] != parent:
                return self.reply(h, 412, {"error": "parentCommit is not the head of the branch"})
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if parent:
                git(repo, "read-tree", parent, env=env)
            for op in lines[1:]:
                value = op["value"]
                if op["key"] == "file":
                    if value.get("encoding") != "base64":
                        return self.reply(h, 400, {"error": "only base64 file content is supported"})
                    blob = git(repo, "hash-object", "-w", "--stdin", input=base64.b64decode(value["content"]))
                    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{value['path']}", env=env)
                elif op["key"] == "deletedFile":
                    git(repo, "update-index", "--force-remove", value["path"], env=env)
                else:
                    return self.reply(h, 400, {"error": f"operation {op['key']!r} is not supported by this test hub"})
            tree = git(repo, "write-tree", env=env)
            message = header.get("summary", "") + ("\n\n" + header["description"] if header.get("description") else "")
            commit = git(repo, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)
            git(repo, "update-ref", f"refs/heads/{revision}", commit, *([parent] if parent else []))
        return self.reply(h, 200, {"commitUrl": f"{self.url}/{namespace}/{name}/commit/{commit}", "commitOid": commit,
                                   "pullRequestUrl": None})


# --- olah -----------------------------------------------------------------------------------------


def ensure_olah(venv: Path) -> Path:
    """``olah-cli`` from its own venv (olah downgrades psutil), created with pip on first use."""
    cli = venv / "bin" / "olah-cli"
    if not cli.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "olah"], check=True, capture_output=True)
    return cli


class Olah(OlahServer):
    """olah serving ``mirrors`` on a free loopback port, offline (no upstream): the product's server, as the tests call it."""

    def __init__(self, cli: Path, mirrors: Path, workdir: Path) -> None:
        super().__init__(mirrors, workdir, cli)
