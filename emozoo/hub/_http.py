"""Bounded HTTP GETs for pulls: a deadline on every phase, a size bound on every body, typed errors only.

huggingface_hub's client waits without a limit on metadata calls and trusts what a server declares. Here
each request has (1) a per-operation socket timeout (``HF_HUB_DOWNLOAD_TIMEOUT``, default 10 s), (2) a
watchdog that cuts the connection when the headers have not arrived within that timeout or the body is slower
than :data:`MIN_RATE` bytes/s overall (so a server that trickles a byte at a time cannot hold a pull), (3) a
byte bound: a declared ``Content-Length`` over the caller's limit is refused before reading, a body is never read
past its declared length or the limit, and a short body is an error, and (4) at most :data:`MAX_REDIRECTS`
redirects, no loops, only http(s), and the token is not sent to another host. Every failure is a
:class:`~emozoo.errors.NetworkError` naming the endpoint and the repo. Proxies from the environment are honoured.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import ssl
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from emozoo.errors import NetworkError

MAX_REDIRECTS = 5
MIN_RATE = 32 * 1024  # bytes/s a body must average, after the first timeout, before the watchdog cuts it
CHUNK = 1 << 20
MAX_ERROR_BODY = 64 * 1024


@dataclass(frozen=True)
class StatusError(Exception):
    """A completed HTTP exchange whose status is not 200 (the caller maps it to a typed error)."""

    status: int
    error_code: str | None
    url: str
    message: str = ""


def default_timeout() -> float:
    """Seconds for one socket operation: huggingface_hub's ``HF_HUB_DOWNLOAD_TIMEOUT`` (10 by default)."""
    from huggingface_hub import constants

    return float(constants.HF_HUB_DOWNLOAD_TIMEOUT or 10)


class _Watchdog:
    """Shuts a connection's socket down at a deadline, waking any blocked read (which then fails)."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None  # held here: http.client drops its own reference once headers are read
        self.fired, self._timer = False, None  # type: ignore[var-annotated]

    def arm(self, seconds: float) -> None:
        self.cancel()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _connect(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``url`` (through the environment's proxy, if any) and the request target to send."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(p.hostname or "", p.port or 8080, timeout=timeout,
                                                                           context=ssl.create_default_context())
            conn.set_tunnel(host, port or 443)
            return conn, target
        return http.client.HTTPConnection(p.hostname or "", p.port or 8080, timeout=timeout), url
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context()), target
    return http.client.HTTPConnection(host, port, timeout=timeout), target


def get(
    url: str,
    *,
    endpoint: str,
    repo_id: str | None,
    max_bytes: int,
    token: str | None = None,
    sink: BinaryIO | None = None,
    timeout: float | None = None,
    on_headers: Callable[[http.client.HTTPResponse], None] | None = None,
) -> tuple[bytes | None, str]:
    """GET ``url`` within the bounds above; returns (the body, or None when written to ``sink``; its hex sha256)."""
    timeout = timeout or default_timeout()
    origin = urlsplit(url).netloc
    seen: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NetworkError(f"refusing to follow a redirect to {url[:200]!r} (only http and https URLs are fetched)",
                               endpoint=endpoint, repo_id=repo_id)
        if url in seen:
            raise NetworkError(f"redirect loop at {url[:200]} after {len(seen)} redirects; the server is misconfigured",
                               endpoint=endpoint, repo_id=repo_id)
        seen.append(url)
        headers = {"User-Agent": _user_agent(), "Accept-Encoding": "identity"}
        if token and parts.netloc == origin:  # never hand the token to a CDN or another host
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn, target = _connect(url, timeout)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise NetworkError(f"bad URL {url[:200]} ({exc})", endpoint=endpoint, repo_id=repo_id) from exc
        dog = _Watchdog()
        try:
            dog.arm(2 * timeout)  # connect + status line + headers
            try:
                conn.connect()
                dog.sock = conn.sock
                conn.request("GET", target, headers=headers)
                resp = conn.getresponse()
                if dog.fired:  # the headers were cut off by the watchdog: whatever was parsed is not an answer
                    raise TimeoutError("headers cut off")
                if resp.status in (301, 302, 303, 307, 308):
                    location = resp.getheader("Location")
                    if not location:
                        raise NetworkError(f"redirect {resp.status} without a Location from {url[:200]}", endpoint=endpoint, repo_id=repo_id)
                    url = urljoin(url, location)
                    continue
                if resp.status != 200:
                    body = resp.read(MAX_ERROR_BODY)
                    raise StatusError(resp.status, resp.getheader("X-Error-Code"), url, _error_message(body))
                if on_headers is not None:
                    on_headers(resp)
                body = _read_body(resp, dog, url, endpoint, repo_id, max_bytes, sink, timeout)
                if dog.fired:
                    raise TimeoutError("body cut off")
                return body
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if isinstance(exc, NetworkError) and not dog.fired:
                    raise
                if dog.fired:
                    raise NetworkError(f"no complete answer from {url[:200]} within the time allowed ({timeout:g} s per "
                                       f"operation, {MIN_RATE // 1024} KiB/s at least); the server is too slow or not "
                                       "answering (raise HF_HUB_DOWNLOAD_TIMEOUT for a slow link)", endpoint=endpoint, repo_id=repo_id) from exc
                if isinstance(exc, http.client.IncompleteRead):
                    raise NetworkError(f"{url[:200]} ended after {len(exc.partial)} bytes, before the length it declared; the "
                                       "transfer was cut short, pull again", endpoint=endpoint, repo_id=repo_id) from exc
                if isinstance(exc, (socket.timeout, TimeoutError)):
                    raise NetworkError(f"{url[:200]} did not answer within {timeout:g} s (HF_HUB_DOWNLOAD_TIMEOUT)",
                                       endpoint=endpoint, repo_id=repo_id) from exc
                raise NetworkError(f"request to {url[:200]} failed: {type(exc).__name__}: {str(exc)[:200]}; check the "
                                   "network or HF_ENDPOINT", endpoint=endpoint, repo_id=repo_id) from exc
        finally:
            dog.cancel()
            conn.close()
    raise NetworkError(f"more than {MAX_REDIRECTS} redirects (last {url[:200]}); the server is misconfigured",
                       endpoint=endpoint, repo_id=repo_id)


def _read_body(resp: http.client.HTTPResponse, dog: _Watchdog, url: str, endpoint: str, repo_id: str | None,
               max_bytes: int, sink: BinaryIO | None, timeout: float) -> tuple[bytes | None, str]:
    declared_text = resp.getheader("Content-Length")
    declared = None
    if declared_text is not None:
        try:
            declared = int(declared_text.strip())
        except ValueError:
            declared = -1
        if declared < 0:
            raise NetworkError(f"{url[:200]} sent an invalid Content-Length {declared_text[:40]!r}", endpoint=endpoint, repo_id=repo_id)
        if declared > max_bytes:
            raise NetworkError(f"{url[:200]} declares {declared} bytes, over the {max_bytes}-byte limit for this file; refusing it",
                               endpoint=endpoint, repo_id=repo_id)
    bound = declared if declared is not None else max_bytes
    dog.arm(timeout + bound / MIN_RATE)
    digest, parts, total = hashlib.sha256(), [], 0
    while True:
        want = min(CHUNK, bound - total + (0 if declared is not None else 1))
        if want <= 0:
            break
        block = resp.read(want)
        if not block:
            break
        total += len(block)
        if total > bound:  # only without a Content-Length: more than the limit
            raise NetworkError(f"{url[:200]} sent more than the {max_bytes}-byte limit for this file; refusing it",
                               endpoint=endpoint, repo_id=repo_id)
        digest.update(block)
        if sink is not None:
            sink.write(block)
        else:
            parts.append(block)
    if declared is not None and total != declared:
        raise NetworkError(f"{url[:200]} ended after {total} of the {declared} bytes it declared; the transfer was cut short, pull again",
                           endpoint=endpoint, repo_id=repo_id)
    return (None if sink is not None else b"".join(parts)), digest.hexdigest()


def get_json(url: str, *, endpoint: str, repo_id: str | None, token: str | None = None, max_bytes: int = 8 << 20) -> Any:
    """GET a JSON document (bounded as above); a body that is not JSON is a NetworkError."""
    body, _ = get(url, endpoint=endpoint, repo_id=repo_id, token=token, max_bytes=max_bytes)
    try:
        return json.loads(body or b"")
    except (ValueError, RecursionError) as exc:
        raise NetworkError(f"{url[:200]} did not answer with JSON ({str(exc)[:80]})", endpoint=endpoint, repo_id=repo_id) from exc


def _error_message(body: bytes) -> str:
    try:
        data = json.loads(body)
        return str(data.get("error") or data.get("message") or "")[:300] if isinstance(data, dict) else ""
    except (ValueError, RecursionError):
        return body[:300].decode("utf-8", "replace")


def _user_agent() -> str:
    from emozoo._version import __version__

    return f"emozoo/{__version__}"
