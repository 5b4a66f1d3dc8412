"""What one benchmark cell does under each protocol (DESIGN.md §5); implemented once, used for every method.

A cell is (method, fold, seed). Each runner trains a fresh model on the fold's training data and returns
*records*: ``{"condition", "ratio", "classifier", "metrics": {...}, ...}``. The report layer aggregates
records over folds and seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from emozoo import metrics
from emozoo.bench.folds import Fold
from emozoo.errors import CapabilityError, InputError

Records = list[dict[str, Any]]


def build_model(method: str, seed: int, overrides: dict[str, Any]) -> Any:
    """A fresh model of ``method`` with config overrides; a ``seed`` config field follows the cell's seed."""
    import dataclasses

    import emozoo

    from emozoo.runtime import seed_everything

    seed_everything(seed)
    spec = emozoo.get_spec(method)
    fields = {f.name for f in dataclasses.fields(spec.load_config_class())}
    extra = {"seed": seed} if "seed" in fields and "seed" not in overrides else {}
    return emozoo.load(method, **overrides, **extra)


def true_labels(batch: Any) -> np.ndarray:
    """Labels of the fold's test data as a numpy array (see :func:`emozoo.model.labels_of`)."""
    from emozoo.model import labels_of

    labels = labels_of(batch)
    if labels is None:
        raise InputError("the benchmark's test data has no labels; a fold's test split must be labelled")
    return labels.detach().cpu().numpy() if hasattr(labels, "detach") else np.asarray(labels)


def _label_names(model: Any, batch: Any) -> list[str]:
    names = getattr(batch, "label_names", None) or getattr(getattr(model, "config", None), "label_names", None)
    return list(names) if names else []


def run_recognition(method: str, fold: Fold, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """Fit on train, predict the test split: ACC, UAR, WF1, MF1 and the confusion matrix."""
    model = build_model(method, seed, overrides)
    model.fit(fold.train, fold.val, runtime=runtime)
    prediction = model.predict(fold.test)
    if prediction.labels is None:
        raise CapabilityError(method, "be benchmarked for recognition", "its predict() returned no class labels")
    y_true = true_labels(fold.test)
    y_pred = prediction.labels.detach().cpu().numpy() if hasattr(prediction.labels, "detach") else np.asarray(prediction.labels)
    names = _label_names(model, fold.test)
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


def run_augmentation(method: str, fold: Fold, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """The augmentation protocol of :mod:`emozoo.protocols.augmentation` for one generator, fold and seed.

    Records of the generator-free conditions ("real", "real+noise") are kept under the cell's method so
    every method's table shows the baselines it was measured against (same fold, seed and classifiers).
    """
    from emozoo.protocols.augmentation import AugmentationProtocol
    from emozoo.protocols.augmentation import run_augmentation as run_protocol
    from emozoo.specs import import_object

    settings = dict(options)
    transform = settings.pop("feature_transform", None)  # "package.module:function", e.g. to 9x9 EEG maps
    protocol = AugmentationProtocol(**{**settings, "seeds": (seed,)})

    def factory(seed: int, epochs: int | None = None) -> Any:
        extra = {"epochs": epochs} if epochs is not None else {}
        return build_model(method, seed, {**overrides, **extra})

    result = run_protocol(
        {method: factory},
        [(fold.name, fold.train, fold.test)],
        protocol,
        feature_transform=import_object(transform) if isinstance(transform, str) else None,
        runtime=runtime,
        progress=False,
    )
    records = [
        {"condition": rec["condition"], "ratio": rec["ratio"], "classifier": rec["classifier"], "metrics": {"ACC": rec["acc"]},
         "n_real": rec["n_real"], "n_added": rec["n_added"], "n_test": rec["n_test"]}
        for rec in result.records
    ]
    for report_ in result.distribution:
        overall = report_.get("overall", {})
        if isinstance(overall, dict) and isinstance(overall.get("mmd2"), float):
            records.append({"condition": "distribution", "ratio": None, "classifier": None, "metrics": {"MMD2": overall["mmd2"]}})
    return records


def run_completion(method: str, fold: Fold, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """Fit on train, then predict the test split under each missing rate with seeded per-sample masks."""
    from emozoo.protocols.missing import apply_masks, per_sample_masks

    model = build_model(method, seed, overrides)
    model.fit(fold.train, fold.val, runtime=runtime)
    rates = options.get("missing_rates", (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7))
    modalities = sorted(fold.test.features)
    y_true = true_labels(fold.test)
    records = []
    for rate in rates:
        masks = per_sample_masks(len(fold.test), modalities, rate, seed=seed)
        prediction = model.predict(apply_masks(fold.test, masks))
        if prediction.values is None:
            raise CapabilityError(method, "be benchmarked for completion", "its predict() returned no values")
        values = prediction.values.detach().cpu().numpy().reshape(-1)
        records.append({"condition": "missing_rate", "ratio": float(rate), "classifier": None,
                        "metrics": metrics.sentiment_report(y_true.reshape(-1), values)})
    return records


RUNNERS: dict[str, Callable[..., Records]] = {
    "recognition": run_recognition,
    "augmentation": run_augmentation,
    "completion": run_completion,
}
