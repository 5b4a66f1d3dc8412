"""Determinism under a seed (bit-identical weights and samples) and a bounded load/predict soak."""

from __future__ import annotations

import pytest

SOAK_CYCLES = 150


@pytest.fixture(scope="module")
def rel(reliability_checks):
    """The checks of benchmarks/reliability.py, with the toy and installed plugins registered."""
    with reliability_checks.zoo_registry():
        yield reliability_checks


def test_same_seed_gives_bit_identical_weights_and_samples(rel):
    methods = ["toy-mlp", *rel.installed_plugin_methods()]
    result = rel.determinism(methods)
    assert set(result) == set(methods)
    for method, row in result.items():
        assert row and all(row.values()), (method, row)


def test_different_seeds_give_different_weights(rel):
    assert rel._state(rel.trained("toy-mlp", seed=1)) != rel._state(rel.trained("toy-mlp", seed=2))


def test_load_predict_soak_stays_within_the_memory_bound(rel, tmp_path):
    report = rel.soak(tmp_path, SOAK_CYCLES)
    assert report["cycles"] == SOAK_CYCLES
    assert report["growth_mib"] <= rel.SOAK_BOUND_MIB, report
