"""Injected faults (exceptions and a real os._exit) in save, export, import and a benchmark; concurrent writers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rel():
    """The checks of benchmarks/reliability.py, with the toy plugin registered."""
    name = "emozoo_reliability_checks"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "reliability.py")
        module = sys.modules[name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
        spec.loader.exec_module(module)
    with module.zoo_registry(with_plugins=False):
        yield module


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
