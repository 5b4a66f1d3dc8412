"""A linear probe: ridge-regression classifier on flattened features, z-scored with train statistics.

Used to check that a split is learnable but not trivial (e.g. the synthetic SEED data), with no
dependency beyond numpy and no randomness.
"""

from __future__ import annotations

import numpy as np

from emozoo.data.batches import EEGBatch
from emozoo.errors import InputError

__all__ = ["linear_probe_accuracy"]


def linear_probe_accuracy(train: EEGBatch, test: EEGBatch, *, alpha: float = 10.0) -> float:
    """Window-level accuracy on ``test`` of a one-vs-rest ridge classifier fitted on ``train``."""
    if train.labels is None or test.labels is None:
        raise InputError("linear_probe_accuracy: both batches need labels")
    xtr = train.features.double().reshape(len(train), -1).numpy()
    xte = test.features.double().reshape(len(test), -1).numpy()
    ytr, yte = train.labels.numpy(), test.labels.numpy()
    mean, std = xtr.mean(0), np.maximum(xtr.std(0), 1e-8)
    xtr, xte = (xtr - mean) / std, (xte - mean) / std
    n_classes = int(max(ytr.max(), yte.max())) + 1
    targets = np.eye(n_classes)[ytr] * 2 - 1
    xtr1 = np.hstack([xtr, np.ones((len(xtr), 1))])
    reg = alpha * np.eye(xtr1.shape[1])
    reg[-1, -1] = 0.0
    w = np.linalg.solve(xtr1.T @ xtr1 + reg, xtr1.T @ targets)
    pred = np.hstack([xte, np.ones((len(xte), 1))]) @ w
    return float((pred.argmax(1) == yte).mean())
