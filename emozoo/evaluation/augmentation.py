"""Pieces of the augmentation protocol that plugins reuse: class-balanced counts, noise copies, scoring.

The protocol itself (one benchmark cell) is :mod:`emozoo.bench.protocols.augmentation`; these helpers are here so
that a plugin's own fit (e.g. cWGAN's real + synthetic downstream classifier) uses the same definitions.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from emozoo import metrics
from emozoo.evaluation.classifiers import build_classifier, converged, fit_classifier, predict_logits

__all__ = [
    "ClassifierSettings",
    "Score",
    "class_balanced_counts",
    "default_classifier_settings",
    "derive_seed",
    "noise_copies",
    "oversample_tail",
    "score_classifier",
    "tail_counts",
    "take_per_class",
]


@dataclass
class ClassifierSettings:
    """Training hyper-parameters of one downstream classifier (``options`` go to :func:`build_classifier`)."""

    epochs: int
    lr: float
    batch_size: int
    weight_decay: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)


def default_classifier_settings() -> dict[str, ClassifierSettings]:
    """Our defaults (the papers name the classifier, not its training): Adam, 50/30 epochs, batch 64."""
    return {
        "mlp": ClassifierSettings(epochs=50, lr=1e-3, batch_size=64, weight_decay=1e-4),
        "svm": ClassifierSettings(epochs=50, lr=1e-3, batch_size=64, options={"C": 1.0}),
        "cnn": ClassifierSettings(epochs=30, lr=1e-3, batch_size=64, weight_decay=1e-4),
        "pooled_cnn": ClassifierSettings(epochs=30, lr=1e-3, batch_size=32, weight_decay=1e-4),
        "fcn1d": ClassifierSettings(epochs=30, lr=1e-3, batch_size=16),  # Wang et al.'s Adam 1e-3; batch 16 as Fawaz et al.'s re-run
        "logreg": ClassifierSettings(epochs=1, lr=1.0, batch_size=1, options={"l2": 1e-3}),  # solved to convergence
    }


def class_balanced_counts(labels: torch.Tensor, ratio: float) -> dict[int, int]:
    """Per class present in ``labels``: ``round_half_up(ratio * count)`` synthetic samples to add."""
    counts = torch.bincount(labels.long())
    return {int(c): math.floor(ratio * int(n) + 0.5) for c, n in enumerate(counts.tolist()) if n > 0}


def derive_seed(*keys: Any) -> int:
    """A stable 31-bit seed from any keys (so each fold/seed/class/purpose draws its own random stream)."""
    digest = hashlib.sha256("\0".join(map(str, keys)).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def noise_copies(x: torch.Tensor, y: torch.Tensor, ratio: float, rel_std: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-balanced Gaussian-noise copies: real samples of each class drawn with replacement, plus N(0, (rel_std*std)^2)."""
    g = torch.Generator().manual_seed(seed)
    scale = rel_std * x.std(0, unbiased=False)
    xs, ys = [], []
    for label, n in class_balanced_counts(y, ratio).items():
        if n == 0:
            continue
        pool = x[y == label]
        picks = pool[torch.randint(len(pool), (n,), generator=g)]
        xs.append(picks + scale * torch.randn(picks.shape, generator=g))
        ys.append(torch.full((n,), label, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def tail_counts(labels: torch.Tensor, below: float) -> dict[int, int]:
    """The tail-only setting's additions: every class present with fewer than ``round_half_up(below * n_max)``
    samples gets the difference (it is topped up to that count); the other classes get none."""
    counts = torch.bincount(labels.long()).tolist()
    target = math.floor(below * max(counts) + 0.5)
    return {c: target - n for c, n in enumerate(counts) if 0 < n < target}


def oversample_tail(x: torch.Tensor, y: torch.Tensor, below: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random oversampling to :func:`tail_counts`: real tail samples drawn again with replacement (the rebalancing
    baseline a tail generator must beat)."""
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for label, n in tail_counts(y, below).items():
        pool = x[y == label]
        xs.append(pool[torch.randint(len(pool), (n,), generator=g)])
        ys.append(torch.full((n,), label, dtype=torch.long))
    if not xs:
        return x[:0], y[:0]
    return torch.cat(xs), torch.cat(ys)


def take_per_class(pools: Mapping[int, torch.Tensor], y_train: torch.Tensor, ratio: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``round_half_up(ratio * n_class)`` pooled samples of every class, with their labels."""
    counts = {c: n for c, n in class_balanced_counts(y_train, ratio).items() if n > 0}
    xs = torch.cat([pools[c][:n] for c, n in counts.items()])
    ys = torch.cat([torch.full((n,), c, dtype=torch.long) for c, n in counts.items()])
    return xs, ys


def score_classifier(
    kind: str,
    settings: ClassifierSettings,
    x: torch.Tensor,
    y: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    num_classes: int,
    *,
    seed: int,
    runtime: Any = None,
    transform: Callable[[torch.Tensor], Any] | None = None,
    recall_names: Sequence[str] | None = None,
    positive_class: int | None = None,
    units: Any = None,
) -> Score:
    """Train a fresh ``kind`` classifier on (x, y) under ``seed``; its full classification report on the test set and
    whether the fit converged (:func:`emozoo.evaluation.classifiers.converged`); ``Score.model`` is the trained classifier.

    ``transform`` maps samples to the classifier's input (e.g. DE features to 9 x 9 maps for the ``"cnn"``);
    ``recall_names`` (class names by id) adds each test class's ``recall:<name>``; ``positive_class`` adds that class's
    F1 (``F1_pos``) and ``AUROC`` from the softmax probabilities (:func:`emozoo.metrics.binary_report`); ``units`` (one
    id per test sample) adds each unit's own scores as ``Score.per_unit`` (:func:`emozoo.metrics.per_unit_report`).
    """
    if transform is not None:
        x, x_test = torch.as_tensor(transform(x)).float(), torch.as_tensor(transform(x_test)).float()
    model = build_classifier(kind, tuple(x.shape[1:]), num_classes, seed=seed, **settings.options)
    history = fit_classifier(model, x, y, epochs=settings.epochs, lr=settings.lr, batch_size=settings.batch_size,
                             weight_decay=settings.weight_decay, seed=seed, runtime=runtime)  # fmt: skip
    logits = predict_logits(model, x_test)
    pred = logits.argmax(1)
    y_true, y_pred = y_test.cpu().numpy(), pred.cpu().numpy()
    report = metrics.classification_report(y_true, y_pred)
    column = logits.detach().softmax(1)[:, positive_class].cpu().numpy() if positive_class is not None else None
    if positive_class is not None:
        report.update(metrics.binary_report(y_true, y_pred, column, positive_class))
    if recall_names is not None:
        report.update(metrics.per_class_recall(y_true, y_pred, recall_names))
    per_unit = metrics.per_unit_report(y_true, y_pred, units, column, positive_class) if units is not None else None
    return Score(report, converged(history), model, per_unit)


@dataclass(frozen=True)
class Score:
    """A downstream classifier's classification report on the test split, and whether its training converged."""

    metrics: dict[str, float]
    converged: bool
    model: Any = field(default=None, repr=False, compare=False)
    per_unit: dict[str, dict[str, float]] | None = None
    """Each test unit's own scores, when ``units`` were given."""
