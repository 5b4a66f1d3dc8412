"""Missing-modality masks for the completion protocol: seeded, per sample, saved with the results.

The missing rate of a mask over N samples and M modalities is the fraction of (sample, modality) slots
that are missing; for three modalities that is MR = (2·p₂ + p₁)/3 (IMDer, NeurIPS 2023), p_k being the
share of samples missing k modalities. Every sample keeps at least one modality, so MR ≤ (M−1)/M.
These generic masks spread the missing slots uniformly; a plugin whose paper fixes the (p₂, p₁) split (IMDer's
official schedule, ``emozoo_imder.missing``) offers that protocol too, as DESIGN.md §5 asks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emozoo.errors import InputError


def per_sample_masks(n: int, modalities: Sequence[str], rate: float, *, seed: int) -> dict[str, np.ndarray]:
    """Availability masks (True = present) with exactly ``round(rate·n·M)`` missing slots, none fully missing."""
    m = len(modalities)
    if n <= 0 or m < 2:
        raise InputError(f"masks need at least one sample and two modalities, got n={n}, modalities={list(modalities)}")
    if not 0.0 <= rate <= (m - 1) / m + 1e-9:
        raise InputError(f"missing rate {rate} is outside [0, {(m - 1) / m:.3f}]: every sample must keep one modality")
    target = int(round(rate * n * m))
    rng = np.random.default_rng(seed)
    available = np.ones((n, m), dtype=bool)
    missing = 0
    for slot in rng.permutation(n * m):
        if missing == target:
            break
        row, col = divmod(int(slot), m)
        if available[row].sum() > 1:
            available[row, col] = False
            missing += 1
    return {name: available[:, j].copy() for j, name in enumerate(modalities)}


def missing_rate(masks: dict[str, np.ndarray]) -> float:
    """MR of a set of masks: missing slots over all slots."""
    stacked = np.stack([np.asarray(v, dtype=bool) for v in masks.values()], axis=1)
    return float(1.0 - stacked.mean())


def apply_masks(batch, masks: dict[str, np.ndarray]):
    """A copy of a MultimodalBatch whose availability is ``masks`` AND its own availability."""
    import dataclasses

    import torch

    unknown = set(masks) - set(batch.features)
    if unknown:
        raise InputError(f"masks name modalities {sorted(unknown)} that the batch does not have ({sorted(batch.features)})")
    available = {
        name: batch.available[name] & torch.as_tensor(masks[name], dtype=torch.bool, device=batch.available[name].device)
        if name in masks else batch.available[name]
        for name in batch.features
    }
    return dataclasses.replace(batch, available=available)
