"""How many synthetic samples per class balance a training set (torch-free: importable from the entry point).

Li et al. 2023 use their augmentation "to balance the long-tailed distribution" of RAF-DB; the exact per-class counts
were not reachable, so ours: bring every class up to ``balance_to`` times the majority class's count (1.0: fully
balanced), i.e. ``count_c + balancing_counts[c] == max(count_c, ceil(balance_to * max_k count_k))``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from emozoo.errors import ConfigError, EmptyInputError, LabelError

__all__ = ["balancing_conditions", "balancing_counts", "class_counts"]


def _ids(labels: Any) -> list[int]:
    """Class ids as a list of ints from a tensor, an array or a sequence (LabelError for anything else)."""
    values = labels.tolist() if hasattr(labels, "tolist") else list(labels) if isinstance(labels, Iterable) else None
    if values is None:
        raise LabelError(f"labels must be a sequence of int class ids, got {type(labels).__name__}")
    if not values:
        raise EmptyInputError("labels: got none; pass the training labels (one class id per sample)")
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, int) or v < 0]
    if bad:
        raise LabelError(f"labels must be int class ids >= 0, got {bad[0]!r}; map expression names to 0..K-1 first")
    return values


def class_counts(labels: Any, num_classes: int | None = None) -> list[int]:
    """Samples per class ``[count_0, ..., count_{K-1}]`` (K = ``num_classes``, else max label + 1)."""
    ids = _ids(labels)
    k = max(ids) + 1 if num_classes is None else int(num_classes)
    if max(ids) >= k:
        raise LabelError(f"labels: class id {max(ids)} is out of range for {k} classes (0..{k - 1})")
    counts = [0] * k
    for i in ids:
        counts[i] += 1
    return counts


def balancing_counts(labels: Any, num_classes: int | None = None, balance_to: float = 1.0) -> list[int]:
    """Synthetic samples per class that lift every class to ``ceil(balance_to * max(counts))`` (never below 0)."""
    if not 0.0 <= balance_to <= 1.0:
        raise ConfigError(f"balance_to must lie in [0, 1] (a fraction of the majority class's count), got {balance_to!r}")
    counts = class_counts(labels, num_classes)
    target = math.ceil(balance_to * max(counts))
    return [max(0, target - c) for c in counts]


def balancing_conditions(labels: Any, num_classes: int | None = None, balance_to: float = 1.0) -> list[int]:
    """The ``condition`` for ``generate``: class ``c`` repeated ``balancing_counts[c]`` times (empty when balanced)."""
    return [c for c, m in enumerate(balancing_counts(labels, num_classes, balance_to)) for _ in range(m)]
