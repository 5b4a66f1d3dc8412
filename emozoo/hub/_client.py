"""Where the Hub is and who we are: endpoint and token from the argument, else ``HF_ENDPOINT`` / ``HF_TOKEN``.

``huggingface_hub`` reads ``HF_ENDPOINT`` once, at import; reading it here at call time lets a process
(or a test) point emozoo at another Hub without re-importing anything.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any


def hub_endpoint(endpoint: str | None = None) -> str | None:
    """The Hub base URL to use: ``endpoint``, else ``$HF_ENDPOINT``, else None (huggingface_hub's default)."""
    value = endpoint or os.environ.get("HF_ENDPOINT") or None
    return value.rstrip("/") if value else None


def hub_token(token: str | bool | None = None) -> str | bool | None:
    """The token to send: ``token``, else ``$HF_TOKEN``, else None (huggingface_hub's stored login)."""
    if token is not None:
        return token
    return os.environ.get("HF_TOKEN") or None


def hub_api(endpoint: str | None = None, token: str | bool | None = None) -> Any:
    """An ``HfApi`` bound to the resolved endpoint and token."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=hub_endpoint(endpoint), token=hub_token(token))


#: Seconds a push may wait for one upload or answer before it is a NetworkError (huggingface_hub waits forever).
PUSH_TIMEOUT = 60.0


@contextlib.contextmanager
def bounded_hub_requests(endpoint: str | None, repo_id: str, timeout: float | None = None) -> Iterator[None]:
    """Within the block, every request huggingface_hub makes has a timeout (connect, read, write, pool) and at most
    5 redirects, and a failure on the wire is a :class:`~emozoo.errors.NetworkError` naming the endpoint and repo.

    huggingface_hub's default client has ``timeout=None``; its factory is swapped for the block and restored after.
    """
    import huggingface_hub.utils._http as hf_http
    import httpx2

    from emozoo.errors import NetworkError

    timeout = PUSH_TIMEOUT if timeout is None else timeout
    previous = hf_http._GLOBAL_CLIENT_FACTORY

    def bounded() -> Any:
        client = previous()
        client.timeout = httpx2.Timeout(timeout)
        client.max_redirects = 5
        return client

    hf_http.set_client_factory(bounded)
    where = hub_endpoint(endpoint) or "https://huggingface.co"
    try:
        yield
    except (httpx2.TimeoutException, httpx2.TooManyRedirects, httpx2.TransportError) as exc:
        raise NetworkError(f"{type(exc).__name__}: {exc} (no answer within {timeout:g} s, or the connection failed)",
                           endpoint=where, repo_id=repo_id) from exc
    finally:
        hf_http.set_client_factory(previous)
