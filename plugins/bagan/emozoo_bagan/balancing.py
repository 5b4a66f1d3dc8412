"""How many synthetic samples per class balance a training set (torch-free: importable from the entry point).

Chatziagapi et al. 2019 generate spectrograms for the under-represented emotions only; our reading of "balance the
training set" (the paper's exact counts were not reachable offline, see card.md) is BAGAN's: bring every class up to
the majority class's count, so ``count_c + balancing_counts[c] == max_k count_k`` for every class ``c``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from emozoo.errors import EmptyInputError, LabelError

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
        raise LabelError(f"labels must be int class ids >= 0, got {bad[0]!r}; map emotion names to 0..K-1 first")
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


def balancing_counts(labels: Any, num_classes: int | None = None) -> list[int]:
    """Synthetic samples to generate per class so that every class reaches the majority count: ``max(counts) - counts``."""
    counts = class_counts(labels, num_classes)
    top = max(counts)
    return [top - c for c in counts]


def balancing_conditions(labels: Any, num_classes: int | None = None) -> list[int]:
    """The ``condition`` for ``generate``: class ``c`` repeated ``balancing_counts[c]`` times (empty when balanced)."""
    return [c for c, m in enumerate(balancing_counts(labels, num_classes)) for _ in range(m)]


