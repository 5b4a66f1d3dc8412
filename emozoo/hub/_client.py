"""Where the Hub is and who we are: endpoint and token from the argument, else ``HF_ENDPOINT`` / ``HF_TOKEN``.

``huggingface_hub`` reads ``HF_ENDPOINT`` once, at import; reading it here at call time lets a process
(or a test) point emozoo at another Hub without re-importing anything.
"""

from __future__ import annotations

import os
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
