"""Hostile artifacts and broken plugins: every one is refused or reported with a typed error, and no code runs."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def rel(reliability_checks):
    """The checks of benchmarks/reliability.py, with the toy plugin registered."""
    with reliability_checks.zoo_registry(with_plugins=False):
        yield reliability_checks


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
