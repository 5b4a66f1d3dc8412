"""Injected faults (exceptions and a real os._exit) in save, export, import and a benchmark; concurrent writers."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def rel(reliability_checks):
    """The checks of benchmarks/reliability.py, with the toy plugin registered."""
    with reliability_checks.zoo_registry(with_plugins=False):
        yield reliability_checks


def test_faults_leave_the_previous_version_intact_and_nothing_half_written(rel, tmp_path):
    tally = rel.inject_faults(tmp_path)
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.tried >= 20
    assert tally.errors["ArtifactError"] == 6  # three truncated bundles, three partial pull snapshots


def test_crash_between_the_renames_restores_the_old_directory(rel, tmp_path):
    import emozoo
    import emozoo._fileio as fileio

    old = rel.save_toy(tmp_path / "m", seed=0)
    new = rel.save_toy(tmp_path / "other", seed=1)
    with rel._patched(fileio.os, "replace", rel._fail_nth(2)), pytest.raises(OSError, match="injected fault at call 2"):
        new.save_pretrained(tmp_path / "m")
    assert rel._state(emozoo.from_pretrained(tmp_path / "m")) == rel._state(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "other"]


def test_concurrent_saves_and_imports_end_consistent(rel, tmp_path):
    tally = rel.concurrent_saves(tmp_path, workers=2, rounds=1)
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.tried == 2
