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


#: Skip reasons that mean "something the test needs is missing": fine on a laptop, a failure in CI, where
#: everything the suite needs is installed (a test that silently skips there tests nothing).
_MISSING_IN_CI = ("could not import", "not found at")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    import os

    if report.skipped and os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if any(marker in reason for marker in _MISSING_IN_CI):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where it must run: {reason}"
