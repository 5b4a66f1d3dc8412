"""Recognition: fit a method on the fold's training split, predict its test split, score every class metric."""

from __future__ import annotations

from typing import Any

import numpy as np

from emozoo import metrics
from emozoo.bench.protocols import Records, build_model, label_names, true_labels
from emozoo.errors import CapabilityError


def run_cell(method: str, fold: Any, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """One record: ACC, UAR, WF1, MF1 (:func:`emozoo.metrics.classification_report`) and the confusion matrix."""
    model = build_model(method, seed, overrides)
    model.fit(fold.train, fold.val, runtime=runtime)
    prediction = model.predict(fold.test)
    if prediction.labels is None:
        raise CapabilityError(method, "be benchmarked for recognition", "its predict() returned no class labels")
    y_true = true_labels(fold.test)
    y_pred = prediction.labels.detach().cpu().numpy() if hasattr(prediction.labels, "detach") else np.asarray(prediction.labels)
    names = label_names(model, fold.test)
    num_classes = max(len(names), int(max(y_true.max(), y_pred.max())) + 1)
    record = {
        "condition": "test",
        "ratio": None,
        "classifier": None,
        "metrics": metrics.classification_report(y_true, y_pred),
        "confusion": metrics.confusion_matrix(y_true, y_pred, num_classes=num_classes).tolist(),
        "label_names": names,
        "n_test": int(len(y_true)),
    }
    record.update({k: v for k, v in prediction.extra.items() if isinstance(v, (int, float, str))})
    return [record]
