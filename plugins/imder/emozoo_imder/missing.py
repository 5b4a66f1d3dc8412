"""Missing-modality protocols of IMDer: the missing rate, seeded per-sample masks, and the official batch schedule.

The paper defines MR = (2 * p2 + p1) / 3 over 3 modalities, with p2 the share of samples missing two modalities and
p1 the share missing one. The official code draws the pattern per *batch*: the first batches of every epoch lose
two modalities, the next ones one, the rest none (``paper`` mode below). ``per_sample`` mode (the default) draws a
fixed, seeded mask per sample with the same (p2, p1) proportions, saved to a file, so results do not depend on the
batch size or loader order.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np

from emozoo.errors import InputError, ModalityError

MODALITIES: tuple[str, ...] = ("text", "audio", "vision")
MISSING_RATES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
# The official code's tables (trains/singleTask/IMDER.py), indexed by int(mr * 10 - 1):
_OFFICIAL_P2 = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)
_OFFICIAL_P1 = (0.1, 0.2, 0.3, 0.2, 0.1, 0.0, 0.0)
# Official order of modalities for random.sample: 0 text, 1 vision, 2 audio.
_OFFICIAL_ORDER = ("text", "vision", "audio")


def missing_rate(p2: float, p1: float) -> float:
    """MR = (2 * p2 + p1) / 3: the expected share of missing modality slots over 3 modalities."""
    return (2.0 * p2 + p1) / 3.0


def _check_mr(mr: float) -> None:
    if not isinstance(mr, (int, float)) or not any(math.isclose(mr, m, abs_tol=1e-9) for m in MISSING_RATES):
        raise InputError(f"missing rate must be one of {MISSING_RATES} (the paper's grid), got {mr!r}")


def schedule(mr: float, wraparound_bug: bool = False) -> tuple[float, float]:
    """(p2, p1) the official code uses for ``mr``; mr = 0 gives (0, 0) unless ``wraparound_bug`` reproduces the
    official index -1 lookup, which makes *every* batch lose two modalities at MR = 0."""
    _check_mr(mr)
    idx = int(mr * 10 - 1)
    if idx < 0 and not wraparound_bug:
        return 0.0, 0.0
    return _OFFICIAL_P2[idx], _OFFICIAL_P1[idx]


def per_sample_masks(n: int, mr: float, seed: int) -> np.ndarray:
    """Bool [n, 3] availability (columns text, audio, vision): round(p2 n) samples keep one modality, round(p1 n)
    keep two, the rest all three; who and which modalities are drawn from ``seed``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"n must be a positive int, got {n!r}")
    p2, p1 = schedule(mr)
    n2 = min(n, round(p2 * n))
    n1 = min(n - n2, round(p1 * n))
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    masks = np.ones((n, 3), dtype=bool)
    for pos, i in enumerate(order[: n2 + n1]):
        drop = 2 if pos < n2 else 1
        masks[i, rng.choice(3, size=drop, replace=False)] = False
    return masks


def effective_missing_rate(masks: np.ndarray) -> float:
    """The MR a mask array realises: missing slots / all slots."""
    m = np.asarray(masks, dtype=bool)
    return float((~m).sum() / m.size)


def official_batch_plan(num_batches: int, mr: float, wraparound_bug: bool = False) -> list[int]:
    """Number of available modalities for each batch of one epoch, exactly as the official counters decide.

    A batch loses two modalities while ``miss_two / (round(B / 10) * 10) < p2`` (numpy rounding), then one while
    ``miss_one / (...) < p1``; all later batches are complete.
    """
    if isinstance(num_batches, bool) or not isinstance(num_batches, int) or num_batches < 1:
        raise InputError(f"num_batches must be a positive int, got {num_batches!r}")
    p2, p1 = schedule(mr, wraparound_bug)
    denom = float(np.round(num_batches / 10) * 10)
    plan, miss_two, miss_one = [], 0, 0
    for _ in range(num_batches):
        if denom and miss_two / denom < p2:
            plan.append(1)
            miss_two += 1
        elif denom and miss_one / denom < p1:
            plan.append(2)
            miss_one += 1
        else:
            plan.append(3)
    return plan


def official_batch_masks(batch_sizes: list[int], mr: float, seed: int, wraparound_bug: bool = False) -> np.ndarray:
    """Bool [sum(batch_sizes), 3] masks of the official protocol: one random pattern per batch (``random.sample``)."""
    rng = random.Random(seed)
    plan = official_batch_plan(len(batch_sizes), mr, wraparound_bug)
    rows = []
    for size, keep in zip(batch_sizes, plan):
        avail = set(rng.sample(_OFFICIAL_ORDER, keep))
        rows.append(np.tile([m in avail for m in MODALITIES], (size, 1)))
    return np.concatenate(rows).astype(bool)


def check_masks(masks: np.ndarray, n: int) -> np.ndarray:
    """Validate a bool [n, 3] mask array (text, audio, vision) with at least one modality per row."""
    m = np.asarray(masks)
    if m.dtype != bool:
        if m.dtype.kind not in "iu" or not np.isin(m, (0, 1)).all():
            raise ModalityError(f"masks: expected bool (True = available), got dtype {m.dtype}")
        m = m.astype(bool)
    if m.shape != (n, 3):
        raise ModalityError(f"masks: expected shape ({n}, 3) (columns {MODALITIES}), got {m.shape}")
    empty = np.flatnonzero(~m.any(axis=1))
    if empty.size:
        raise ModalityError(f"masks: rows {empty[:5].tolist()} have no available modality; keep at least one per sample")
    return m


def save_masks(path: str | Path, masks: dict[str, np.ndarray], meta: dict) -> None:
    """Write per-split masks (bool [n, 3]) and JSON metadata to an ``.npz`` file (no pickle inside)."""
    arrays = {f"mask/{split}": np.asarray(m, dtype=bool) for split, m in masks.items()}
    arrays["meta"] = np.array(json.dumps({**meta, "columns": list(MODALITIES)}, sort_keys=True))
    np.savez(Path(path), **arrays)


def load_masks(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """Read a mask file written by :func:`save_masks`; validates every split."""
    with np.load(Path(path), allow_pickle=False) as fh:
        meta = json.loads(str(fh["meta"]))
        masks = {k.split("/", 1)[1]: check_masks(fh[k], fh[k].shape[0]) for k in fh.files if k.startswith("mask/")}
    if meta.get("columns") != list(MODALITIES):
        raise ModalityError(f"{path}: mask columns are {meta.get('columns')}, expected {list(MODALITIES)}")
    return masks, meta
