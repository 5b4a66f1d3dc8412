"""Hostile artifacts and broken plugins: every one is refused or reported with a typed error, and no code runs."""

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


def test_every_hostile_artifact_is_refused_and_nothing_executes(rel, tmp_path):
    tally = rel.hostile_artifacts(tmp_path)
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.tried == len(rel.hostile_cases()) + 1 + len(rel._pickle_loaders())
    assert not (tmp_path / "pwned").exists()
    assert tally.errors["accepted"] == 1  # only the repo whose extra .py / pickle files are ignored loads


def test_truncated_safetensors_with_forged_hash_is_a_weights_error(rel, tmp_path):
    import emozoo
    from emozoo.errors import WeightsError

    rel.save_toy(tmp_path / "m")
    spoil, _ = rel.hostile_cases()["model.safetensors huge header length (hash fixed)"]
    spoil(tmp_path / "m")
    with pytest.raises(WeightsError, match="not a readable safetensors file"):
        emozoo.from_pretrained(tmp_path / "m")


def test_broken_plugins_are_reported_and_the_rest_listed(rel, tmp_path):
    tally = rel.broken_plugins(tmp_path, slow_seconds=0.2)
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.tried == 6
