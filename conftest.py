"""Fixtures for every test run under this repository (core tests and each plugin's tests)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny test models run fastest on one thread; two threads on 2 shared cores spin-wait (up to 10x slower)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True, scope="session")
def _private_emozoo_cache(tmp_path_factory):
    """Keep the hash cache (emozoo.hash_cache) of test runs out of the user's ~/.cache."""
    import os

    before = os.environ.get("EMOZOO_CACHE")
    os.environ["EMOZOO_CACHE"] = str(tmp_path_factory.mktemp("emozoo-cache"))
    yield
    if before is None:
        os.environ.pop("EMOZOO_CACHE", None)
    else:
        os.environ["EMOZOO_CACHE"] = before
