"""A released model pulled by name and scored on its held-out test split, with a 95 % interval over the split's unit.

The score must equal the card's (the release's reproduction check, done again on this machine); the interval is over
the people in the split where its samples name them, else bootstrapped over samples (:mod:`emozoo.evaluation.intervals`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emozoo.evaluation.intervals import Interval, held_out_intervals

UNIT_NAMES = {"speech": "speaker", "wearable": "subject"}  # data sets whose samples name their person


@dataclass(frozen=True)
class HeldOutScore:
    """One release's held-out score now, beside its card's, with the interval and where it came from."""

    release: str
    modality: str
    dataset: str
    fold: str
    metric: str
    card: float
    now: Interval
    n_test: int
    commit: str | None
    seconds: float

    @property
    def reproduced(self) -> bool:
        """The card's number, exactly."""
        return self.now.value == self.card

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the main job writes them to its results)."""
        return {
            "release": self.release, "modality": self.modality, "dataset": self.dataset, "fold": self.fold, "metric": self.metric,
            "card": self.card, "now": self.now.value, "ci95": self.now.half_width, "unit": self.now.unit, "n_units": self.now.n_units,
            "interval": self.now.method, "n_test": self.n_test, "reproduced": self.reproduced, "commit": self.commit,
            "seconds": round(self.seconds, 1),
        }  # fmt: skip


def score_release(name: str, *, data_root: str | Path | None = None) -> HeldOutScore:
    """Pull ``name`` (from the embedded Hub unless another endpoint is configured), predict its test split once, and
    return its card metric now with a 95 % interval (a generator is scored through its downstream classifier)."""
    import emozoo
    from emozoo import metrics
    from emozoo.bench.protocols import test_units, true_labels
    from emozoo.bench.protocols.recognition import score_prediction
    from emozoo.errors import ArtifactError
    from emozoo.hub.pull import download
    from emozoo.release.lookup import release_recipe, release_test_split

    start = time.perf_counter()
    pulled = download(name)
    recipe = release_recipe(pulled.directory)
    if recipe.get("kind") == "generator":
        return score_release(recipe["downstream"]["name"], data_root=data_root)
    model = emozoo.from_pretrained(pulled.directory)
    test = release_test_split(pulled.directory, data_root=data_root)
    prediction = model.predict(test)
    record = score_prediction(model, test, prediction, recipe["protocol_options"])
    metric = _card_metric(recipe)
    if prediction.labels is None:
        raise ArtifactError(f"release {name}: its model predicts no class labels; the main job scores classifiers only")
    y_true = true_labels(test)
    y_pred = prediction.labels.detach().cpu().numpy() if hasattr(prediction.labels, "detach") else np.asarray(prediction.labels)
    fn = metrics.multilabel_report if y_true.ndim == 2 else metrics.classification_report
    units = None
    if getattr(test, "subjects", None) is not None:
        units = test_units(test, "recognition")
    intervals = held_out_intervals(y_true, y_pred, lambda t, p: fn(t, p), units=units,
                                   unit_name=UNIT_NAMES.get(recipe.get("modality", ""), "subject"))  # fmt: skip
    now = intervals[metric]
    if now.value != record["metrics"][metric]:  # one scoring path: the interval's pooled value is the record's
        raise ArtifactError(f"release {name}: {metric} {now.value} from the labels differs from the protocol's {record['metrics'][metric]}")
    return HeldOutScore(
        release=recipe["name"], modality=recipe.get("modality", ""), dataset=recipe["dataset"], fold=recipe["fold"], metric=metric,
        card=float(recipe["held_out"][metric]), now=now, n_test=int(record.get("n_test", len(y_true))), commit=pulled.commit,
        seconds=time.perf_counter() - start,
    )  # fmt: skip


def _card_metric(recipe: dict[str, Any]) -> str:
    """The release's headline metric: the first of the catalogue's order that its card holds."""
    from emozoo.release.lookup import find_release

    release = find_release(recipe["name"])
    if release is not None and release.metric.get("name") in recipe["held_out"]:
        return str(release.metric["name"])
    return next(iter(recipe["held_out"]))
