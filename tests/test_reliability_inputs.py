"""Bad inputs to the public API, property-based: every one gets a typed EmozooError or a valid (finite) result."""

from __future__ import annotations

import pytest

EXAMPLES = 40


@pytest.fixture(scope="module")
def rel(reliability_checks):
    """The checks of benchmarks/reliability.py (the figures script runs them at larger counts)."""
    with reliability_checks.zoo_registry():
        yield reliability_checks


def _assert_clean(tally, min_tried):
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.tried >= min_tried
    assert tally.handled == tally.tried


def test_batch_constructors_refuse_bad_input_with_typed_errors(rel):
    tally = rel.fuzz_batches(EXAMPLES)
    _assert_clean(tally, 2 * EXAMPLES)
    # the fuzzer reaches every kind of refusal, and some valid batches too
    assert {"ShapeError", "DTypeError", "NonFiniteError", "ModalityError", "EmptyInputError", "LabelError", "accepted"} <= set(tally.errors)


def test_metrics_refuse_bad_input_and_never_return_nan(rel):
    tally = rel.fuzz_metrics(EXAMPLES)
    _assert_clean(tally, EXAMPLES // 2)
    assert {"ShapeError", "DTypeError", "accepted"} <= set(tally.errors)


def test_json_parsers_refuse_malformed_documents(rel):
    tally = rel.fuzz_parsers(EXAMPLES)
    _assert_clean(tally, 2 * EXAMPLES)
    assert {"ConfigError", "ArtifactError"} <= set(tally.errors)


def test_plugin_models_refuse_bad_input(rel):
    methods = rel.installed_plugin_methods()
    if not methods:
        pytest.skip("no generative plugin installed")
    models = {m: rel.trained(m) for m in methods}
    tally = rel.fuzz_models(12, models)
    _assert_clean(tally, 12 * len(methods))
