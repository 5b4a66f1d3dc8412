"""95 % intervals of a held-out score over its independent unit: people where the data names them, samples otherwise.

* Data whose samples name their subject or speaker: the score is taken per unit and the interval is the Student-t
  half-width over the units' scores (:func:`emozoo.bench.report.t_interval`, the benchmark's convention), centred on
  the pooled score. With fewer than two units there is no interval.
* Data that names no unit (each sample is its own, e.g. one Reddit comment or one photo): a percentile bootstrap over
  samples (``n_boot`` resamples with a fixed seed, so the interval is reproducible), as a half-width around the pooled
  score (half the 2.5-97.5 % range).

The metric is any ``fn(y_true, y_pred) -> dict`` of scores (``emozoo.metrics.classification_report`` or
``multilabel_report``); every numeric key gets an interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from emozoo.errors import ShapeError

#: How many bootstrap resamples an interval over samples takes (reproducible: the seed is fixed).
N_BOOT = 1000
BOOT_SEED = 0


@dataclass(frozen=True)
class Interval:
    """A pooled score with its 95 % half-width, the unit it was taken over, and how many of them there were."""

    value: float
    half_width: float | None
    unit: str  # "subject" / "speaker" (Student-t over units) or "sample" (bootstrap)
    n_units: int
    method: str  # "student-t over units" or "bootstrap over samples"


def held_out_intervals(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], dict[str, Any]],
    *,
    units: np.ndarray | None = None,
    unit_name: str = "subject",
    n_boot: int = N_BOOT,
    seed: int = BOOT_SEED,
) -> dict[str, Interval]:
    """``{metric: Interval}`` of ``score(y_true, y_pred)``, over ``units`` when given, else bootstrapped over samples."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise ShapeError(f"held_out_intervals: {len(y_true)} true labels for {len(y_pred)} predictions; pass one of each per sample")
    pooled = _numeric(score(y_true, y_pred))
    if units is not None:
        units = np.asarray(units)
        if units.shape[0] != len(y_true):
            raise ShapeError(f"held_out_intervals: {units.shape[0]} unit ids for {len(y_true)} samples; pass one per sample")
        return _over_units(y_true, y_pred, score, units, unit_name, pooled)
    return _bootstrap(y_true, y_pred, score, pooled, n_boot, seed)


def _numeric(scores: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in scores.items() if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)}


def _over_units(y_true: np.ndarray, y_pred: np.ndarray, score: Callable, units: np.ndarray, unit_name: str,
                pooled: dict[str, float]) -> dict[str, Interval]:
    from emozoo.bench.report import t_interval

    per_unit = [_numeric(score(y_true[units == u], y_pred[units == u])) for u in np.unique(units)]
    out = {}
    for name, value in pooled.items():
        values = [s[name] for s in per_unit if name in s]
        out[name] = Interval(value, t_interval(values), unit_name, len(values), "student-t over units")
    return out


def _bootstrap(y_true: np.ndarray, y_pred: np.ndarray, score: Callable, pooled: dict[str, float], n_boot: int,
               seed: int) -> dict[str, Interval]:
    rng = np.random.default_rng(seed)
    n = len(y_true)
    draws: dict[str, list[float]] = {name: [] for name in pooled}
    for _ in range(n_boot):
        take = rng.integers(0, n, n)
        scores = _numeric(score(y_true[take], y_pred[take]))
        for name in pooled:
            if name in scores:
                draws[name].append(scores[name])
    out = {}
    for name, value in pooled.items():
        values = np.asarray(draws[name])
        half = float((np.percentile(values, 97.5) - np.percentile(values, 2.5)) / 2) if len(values) > 1 else None
        out[name] = Interval(value, half, "sample", n, "bootstrap over samples")
    return out
