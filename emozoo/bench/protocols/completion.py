"""Completion: predict the test split under each missing-modality rate, with seeded per-sample masks.

Accepts any batch whose ``features`` is a mapping modality -> tensor with a per-sample ``available`` mask
(:class:`emozoo.data.batches.MultimodalBatch`, e.g. ``{"audio", "vision"}`` or ``{"text", "audio", "vision"}``);
a single-modality batch has nothing to complete and is refused. Masks come from
:func:`emozoo.evaluation.missing.per_sample_masks` under the cell's seed. Methods that predict values (CMU-MOSI
style sentiment scores) get :func:`emozoo.metrics.sentiment_report`; methods that predict classes get
:func:`emozoo.metrics.classification_report`.

Optional contract of completion methods: a model that can return what it filled in exposes

    recover(batch) -> {modality: tensor [N, ...]}           # every modality, unavailable rows completed
    recovery_targets(batch) -> {modality: tensor [N, ...]}  # optional: the observed features in that space

``recover`` gets the masked test batch; ``recovery_targets`` the complete one (without it the batch's own
``features`` are the targets, i.e. ``recover`` works in input space). Each record then also holds, over the
entries of the rows the masks hid (pooled over modalities): ``recovered_mse``, ``zero_fill_mse`` (the zero vector
of that space; for a bias-free projection the image of zero-filled inputs), ``mean_fill_mse`` (the per-feature
mean of the training targets) and ``recovery_worse_than_zero_fill`` (1.0 when ``recovered_mse`` >=
``zero_fill_mse``, else 0.0), so a table shows at once whether a method's completion beats the trivial one, and
``recovered_minus_zero_fill_mse``, the paired difference within the cell (negative: recovery beats zero-fill).

Intervals: the harness aggregates every metric, this difference included, over the folds' independent units
(``Fold.unit``, e.g. the test speaker) as :data:`emozoo.bench.report.CONVENTION` says, and
:func:`emozoo.bench.report.completion_table` renders one line per missing rate and method with those intervals, so
"recovery is worse than zero-fill" reads as an interval of the paired difference over speakers, not one number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from emozoo import metrics
from emozoo.bench.protocols import Records, build_model, true_labels
from emozoo.errors import CapabilityError, ConfigError, InputError

DEFAULT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def check_options(options: dict[str, Any]) -> None:
    """``missing_rates``: numbers in [0, 1); no other option."""
    unknown = set(options) - {"missing_rates"}
    if unknown:
        raise ConfigError(f"completion protocol: unknown option(s) {sorted(unknown)}; the only option is 'missing_rates'")
    rates = options.get("missing_rates", DEFAULT_RATES)
    if not rates or not all(isinstance(r, (int, float)) and not isinstance(r, bool) and 0.0 <= r < 1.0 for r in rates):
        raise ConfigError(f"completion protocol: missing_rates must be numbers in [0, 1), got {rates!r}")


def run_cell(method: str, fold: Any, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """Fit on train, then one record per missing rate (condition ``"missing_rate"``, ``ratio`` = the rate)."""
    from emozoo.evaluation.missing import apply_masks, per_sample_masks

    features = getattr(fold.test, "features", None)
    if not isinstance(features, Mapping) or getattr(fold.test, "available", None) is None:
        raise InputError(
            f"the completion protocol needs per-modality test data (a MultimodalBatch with features per modality and an "
            f"availability mask), got {type(fold.test).__name__}; use --protocol recognition for single-modality data"
        )
    model = build_model(method, seed, overrides)
    model.fit(fold.train, fold.val, runtime=runtime)
    modalities = sorted(features)
    y_true = true_labels(fold.test)
    records = []
    train_mean = _target_means(model, fold.train) if callable(getattr(model, "recover", None)) else None
    for rate in options.get("missing_rates", DEFAULT_RATES):
        masks = per_sample_masks(len(fold.test), modalities, rate, seed=seed)
        masked = apply_masks(fold.test, masks)
        prediction = model.predict(masked)
        if prediction.values is not None:
            values = prediction.values.detach().cpu().numpy().reshape(-1)
            report = metrics.sentiment_report(y_true.reshape(-1), values)
        elif prediction.labels is not None:
            y_pred = prediction.labels.detach().cpu().numpy() if hasattr(prediction.labels, "detach") else np.asarray(prediction.labels)
            report = metrics.classification_report(y_true, y_pred)
        else:
            raise CapabilityError(method, "be benchmarked for completion", "its predict() returned neither values nor labels")
        if train_mean is not None:
            report = {**report, **recovery_errors(model, masked, fold.test, train_mean)}
        records.append({"condition": "missing_rate", "ratio": float(rate), "classifier": None, "metrics": report})
    return records


def _targets(model: Any, batch: Any) -> Mapping[str, Any]:
    fn = getattr(model, "recovery_targets", None)
    return fn(batch) if callable(fn) else batch.features


def _target_means(model: Any, train: Any) -> dict[str, Any]:
    """Per-feature mean of the training targets (over samples and time): the mean-fill of the recovery space."""
    out = {}
    for name, x in _targets(model, train).items():
        x = x.detach().float().cpu()
        out[name] = x.reshape(-1, x.shape[-1]).mean(0)
    return out


def recovery_errors(model: Any, masked: Any, complete: Any, train_mean: Mapping[str, Any]) -> dict[str, float]:
    """MSE of ``model.recover(masked)`` against the complete batch's targets on the hidden entries, beside zero- and
    mean-fill's, their paired difference and the ``recovery_worse_than_zero_fill`` flag; NaN MSEs (and difference)
    and flag 0.0 when nothing is hidden."""
    import torch

    recovered, truth = model.recover(masked), _targets(model, complete)
    sums = {"recovered_mse": 0.0, "zero_fill_mse": 0.0, "mean_fill_mse": 0.0}
    count = 0
    for name, x in truth.items():
        hidden = ~masked.available[name].detach().cpu().bool()
        if not bool(hidden.any()):
            continue
        x = x.detach().float().cpu()[hidden]
        r = torch.as_tensor(recovered[name]).detach().float().cpu()[hidden]
        if r.shape != x.shape:
            raise InputError(f"recover() returned {name!r} of shape {tuple(r.shape)} on the hidden rows; its targets have {tuple(x.shape)}")
        sums["recovered_mse"] += float(((r - x) ** 2).sum())
        sums["zero_fill_mse"] += float((x**2).sum())
        sums["mean_fill_mse"] += float(((x - train_mean[name]) ** 2).sum())
        count += x.numel()
    if count == 0:
        return {**{k: float("nan") for k in (*sums, "recovered_minus_zero_fill_mse")}, "recovery_worse_than_zero_fill": 0.0}
    out = {k: v / count for k, v in sums.items()}
    out["recovered_minus_zero_fill_mse"] = out["recovered_mse"] - out["zero_fill_mse"]
    out["recovery_worse_than_zero_fill"] = float(out["recovered_mse"] >= out["zero_fill_mse"])
    return out
