"""emozoo.evaluation.intervals: Student-t over units where samples name them, a seeded bootstrap over samples otherwise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emozoo import metrics
from emozoo.errors import ShapeError
from emozoo.evaluation.intervals import held_out_intervals


def _acc(t, p):
    return {"ACC": float(np.mean(t == p)), "note": "text is ignored"}


def test_over_units_is_the_student_t_half_width_of_the_units_scores():
    # unit 0: 2 of 2 right, unit 1: 1 of 2, unit 2: 0 of 2 -> per-unit ACC 1, .5, 0; pooled .5
    y_true = np.array([0, 1, 0, 1, 0, 1])
    y_pred = np.array([0, 1, 0, 0, 1, 0])
    units = np.array([0, 0, 1, 1, 2, 2])
    out = held_out_intervals(y_true, y_pred, _acc, units=units, unit_name="speaker")
    assert set(out) == {"ACC"}  # only numbers get intervals
    acc = out["ACC"]
    assert acc.value == 0.5 and acc.unit == "speaker" and acc.n_units == 3
    assert acc.half_width == pytest.approx(4.302653 * 0.5 / math.sqrt(3), rel=1e-4)  # t(0.975, 2) * sd / sqrt(n); the table holds t to 4 places


def test_one_unit_has_no_interval():
    out = held_out_intervals(np.array([0, 1]), np.array([0, 0]), _acc, units=np.array([7, 7]))
    assert out["ACC"].value == 0.5 and out["ACC"].half_width is None and out["ACC"].n_units == 1


def test_bootstrap_over_samples_is_seeded_and_brackets_the_truth():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 4, 400)
    y_pred = np.where(rng.random(400) < 0.6, y_true, rng.integers(0, 4, 400))
    a = held_out_intervals(y_true, y_pred, metrics.classification_report, n_boot=300)
    b = held_out_intervals(y_true, y_pred, metrics.classification_report, n_boot=300)
    assert a == b  # the same seed: the same interval
    acc = a["ACC"]
    assert acc.method == "bootstrap over samples" and acc.n_units == 400
    assert acc.value == pytest.approx(float(np.mean(y_true == y_pred)))
    binomial = 1.96 * math.sqrt(acc.value * (1 - acc.value) / 400)  # the normal approximation for a proportion
    assert 0.75 * binomial < acc.half_width < 1.25 * binomial
    assert held_out_intervals(y_true, y_pred, metrics.classification_report, n_boot=300, seed=1)["ACC"] != acc


def test_multilabel_scores_bootstrap_too():
    t = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 10)
    p = np.array([[1, 0], [0, 0], [1, 1], [0, 1]] * 10)
    out = held_out_intervals(t, p, metrics.multilabel_report, n_boot=100)
    assert out["MF1"].value == pytest.approx(metrics.multilabel_report(t, p)["MF1"]) and out["MF1"].half_width > 0


def test_bad_inputs_are_named():
    with pytest.raises(ShapeError, match="one of each"):
        held_out_intervals(np.array([0, 1]), np.array([0]), _acc)
    with pytest.raises(ShapeError, match="unit ids"):
        held_out_intervals(np.array([0, 1]), np.array([0, 1]), _acc, units=np.array([1]))
