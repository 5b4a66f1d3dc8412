"""Recognition: fit a method on the fold's training split, predict its test split, score every class metric.

Options: ``per_class_recall`` (default False) adds ``recall:<class name>`` for every class of the test split (long-tailed
data sets report their tail classes this way); ``positive_class`` (a class id, default None) adds that class's F1
(``F1_pos``) and, from the predicted probabilities, ``AUROC`` (detection tasks such as stress vs no stress);
``per_unit`` (default False) adds each test subject's own scores (``per_unit``:
:func:`emozoo.metrics.per_unit_report`), from which the report takes intervals over subjects rather than folds.

Multi-label test data (labels [N, K] 0/1, e.g. GoEmotions) is scored with :func:`emozoo.metrics.multilabel_report`
(macro-F1 first; ``per_class_recall`` adds each class's ``F1:<name>``); dimensional test data (a batch with
``targets`` [N, D] and no labels, e.g. EmoBank's valence / arousal / dominance) with
:func:`emozoo.metrics.dimensional_report` on the prediction's ``values``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emozoo import metrics
from emozoo.bench.protocols import Records, build_model, label_names, test_units, true_labels
from emozoo.errors import CapabilityError, ConfigError

OPTIONS = ("per_class_recall", "positive_class", "per_unit")


def check_options(options: dict[str, Any]) -> None:
    """Raise ConfigError for an option the protocol does not know or a value it cannot use."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"recognition protocol: unknown option(s) {unknown}; known: {list(OPTIONS)}")
    for flag in ("per_class_recall", "per_unit"):
        if not isinstance(options.get(flag, False), bool):
            raise ConfigError(f"recognition protocol: {flag} must be true or false, got {options[flag]!r}")
    pos = options.get("positive_class")
    if pos is not None and (isinstance(pos, bool) or not isinstance(pos, int) or pos < 0):
        raise ConfigError(f"recognition protocol: positive_class must be a class id (int >= 0) or absent, got {pos!r}")


def run_cell(method: str, fold: Any, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """One record: ACC, UAR, WF1, MF1 (:func:`emozoo.metrics.classification_report`) and the confusion matrix."""
    model = build_model(method, seed, overrides)
    model.fit(fold.train, fold.val, runtime=runtime)
    return [score(model, fold.test, options)]


def score(model: Any, test: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The record of a fitted model on ``test``: what :func:`run_cell` reports (releases score their held-out split so too)."""
    return score_prediction(model, test, model.predict(test), options)


def score_prediction(model: Any, test: Any, prediction: Any, options: dict[str, Any]) -> dict[str, Any]:
    """:func:`score` of a ``prediction`` already made by ``model`` on ``test`` (callers that also need the labels)."""
    method = model.method_id
    targets = getattr(test, "targets", None)
    if getattr(test, "labels", None) is None and hasattr(targets, "shape"):
        return _dimensional_record(method, prediction, test)
    if prediction.labels is None:
        raise CapabilityError(method, "be benchmarked for recognition", "its predict() returned no class labels")
    y_true = true_labels(test)
    y_pred = prediction.labels.detach().cpu().numpy() if hasattr(prediction.labels, "detach") else np.asarray(prediction.labels)
    names = label_names(model, test)
    if y_true.ndim == 2:
        unusable = [o for o in ("positive_class", "per_unit") if options.get(o) not in (None, False)]
        if unusable:
            raise ConfigError(f"recognition protocol: {unusable} apply to single-label data; the test data here is multi-label "
                              f"({y_true.shape[1]} indicator columns): drop the option(s)")  # fmt: skip
        return _multilabel_record(method, y_true, y_pred, names, options)
    num_classes = max(len(names), int(max(y_true.max(), y_pred.max())) + 1)
    scores = metrics.classification_report(y_true, y_pred)
    if options.get("per_class_recall"):
        scores.update(metrics.per_class_recall(y_true, y_pred, names or None))
    pos = options.get("positive_class")
    column = None
    if pos is not None:
        probs = prediction.probabilities
        if probs is not None:
            probs = probs.detach().cpu().numpy() if hasattr(probs, "detach") else np.asarray(probs)
            column = probs[:, pos] if probs.ndim == 2 and probs.shape[1] > pos else None
        scores.update(metrics.binary_report(y_true, y_pred, column, pos))
    record = {
        "condition": "test",
        "ratio": None,
        "classifier": None,
        "metrics": scores,
        "confusion": metrics.confusion_matrix(y_true, y_pred, num_classes=num_classes).tolist(),
        "label_names": names,
        "n_test": int(len(y_true)),
    }
    if options.get("per_unit"):
        record["per_unit"] = metrics.per_unit_report(y_true, y_pred, test_units(test, "recognition"), column, pos)
    record.update({k: v for k, v in prediction.extra.items() if isinstance(v, (int, float, str))})
    return record


def _numpy(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _multilabel_record(method: str, y_true: np.ndarray, y_pred: np.ndarray, names: list[str], options: dict[str, Any]) -> dict[str, Any]:
    """The record of multi-label test data: macro-F1, weighted and micro F1, exact match (and per-class F1)."""
    if y_pred.shape != y_true.shape:
        raise CapabilityError(method, "be benchmarked on multi-label data",
                              f"its predict() returned labels of shape {list(y_pred.shape)} for {list(y_true.shape)} indicators")  # fmt: skip
    scores = metrics.multilabel_report(y_true, y_pred, (names or None) if options.get("per_class_recall") else None)
    return {"condition": "test", "ratio": None, "classifier": None, "metrics": scores, "label_names": names,
            "n_test": int(len(y_true)), "positives_per_class": y_true.sum(0).astype(int).tolist()}  # fmt: skip


def _dimensional_record(method: str, prediction: Any, batch: Any) -> dict[str, Any]:
    """The record of dimensional test data (``targets`` [N, D]): Pearson r and MAE per dimension and their means."""
    if prediction.values is None:
        raise CapabilityError(method, "be benchmarked on dimensional data", "its predict() returned no values")
    names = getattr(batch, "target_names", None)
    scores = metrics.dimensional_report(_numpy(batch.targets), _numpy(prediction.values), names)
    return {"condition": "test", "ratio": None, "classifier": None, "metrics": scores, "target_names": list(names or ()),
            "n_test": int(len(batch.targets))}  # fmt: skip
