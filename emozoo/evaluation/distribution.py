"""How close synthetic samples are to real ones: kernel MMD, per-band moment errors, and a per-class report.

Used by the augmentation protocol to report, next to accuracies, whether a generator reproduces the real
feature distribution of each class (the survey's EEG augmentation papers judge this by eye on t-SNE plots; these
numbers make it comparable across methods).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from emozoo.data.batches import as_float_tensor
from emozoo.errors import EmptyInputError, InputError, ShapeError

__all__ = ["band_moment_errors", "median_bandwidth", "mmd_rbf", "per_class_report"]


def _rows(x: Any, name: str) -> torch.Tensor:
    """Samples [N, ...] as float64 rows [N, D]."""
    t = as_float_tensor(x, name, dtype=torch.float64)
    if t.ndim < 1 or len(t) == 0:
        raise EmptyInputError(f"{name}: got no samples; pass at least two")
    return t.reshape(len(t), -1)


def _subsample(x: torch.Tensor, max_samples: int | None, seed: int) -> torch.Tensor:
    """At most ``max_samples`` rows, drawn without replacement under ``seed`` (all rows when fewer)."""
    if max_samples is None or len(x) <= max_samples:
        return x
    g = torch.Generator().manual_seed(seed)
    return x[torch.randperm(len(x), generator=g)[:max_samples]]


def median_bandwidth(x: torch.Tensor, y: torch.Tensor) -> float:
    """The median heuristic: median Euclidean distance between distinct points of the pooled sample (1.0 if all coincide)."""
    z = torch.cat([x, y])
    i, j = torch.triu_indices(len(z), len(z), offset=1)
    d = torch.cdist(z, z)[i, j]
    d = d[d > 0]
    return float(np.median(d.numpy())) if d.numel() else 1.0


def mmd_rbf(
    x: Any,
    y: Any,
    bandwidths: float | Sequence[float] | None = None,
    *,
    max_samples: int | None = 2000,
    seed: int = 0,
) -> float:
    """Unbiased squared MMD between samples ``x`` [M, ...] and ``y`` [N, ...] with a Gaussian kernel.

    ``k(a, b) = exp(-||a - b||^2 / (2 sigma^2))``, summed over ``bandwidths`` (sigmas); by default one sigma from
    the median heuristic. Diagonal terms are left out of the within-sample means (Gretton et al. 2012, eq. 3), so
    the estimate is ~0 (and can be slightly negative) for samples of the same distribution. Samples larger than
    ``max_samples`` are subsampled under ``seed`` to bound the O(N^2) memory.
    """
    xs, ys = _rows(x, "x"), _rows(y, "y")
    if xs.shape[1] != ys.shape[1]:
        raise ShapeError(f"x and y must have the same sample shape, got {xs.shape[1]} and {ys.shape[1]} values per sample")
    if len(xs) < 2 or len(ys) < 2:
        raise EmptyInputError(f"the unbiased MMD needs at least 2 samples on each side, got {len(xs)} and {len(ys)}")
    xs, ys = _subsample(xs, max_samples, seed), _subsample(ys, max_samples, seed + 1)
    if bandwidths is None:
        sigmas = [median_bandwidth(xs, ys)]
    else:
        sigmas = [float(bandwidths)] if isinstance(bandwidths, (int, float)) else [float(s) for s in bandwidths]
        if not sigmas or not all(math.isfinite(s) and s > 0 for s in sigmas):
            raise InputError(f"bandwidths must be positive numbers (or None for the median heuristic), got {bandwidths!r}")

    def kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        d2 = torch.cdist(a, b).square()
        return sum(torch.exp(-d2 / (2.0 * s * s)) for s in sigmas)

    m, n = len(xs), len(ys)
    kxx, kyy, kxy = kernel(xs, xs), kernel(ys, ys), kernel(xs, ys)
    within_x = (kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1))
    within_y = (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * kxy.mean())


def band_moment_errors(real: Any, synth: Any, band_axis: int = -1) -> dict[str, list[float]]:
    """Per band: mean over the other feature axes of |mean_real - mean_synth| and of |var_real - var_synth|.

    ``real``/``synth`` are [N, ...] samples (e.g. DE features [N, 62, 5], bands last); moments are taken over
    samples per feature, then the absolute errors are averaged within each band.
    """
    r = as_float_tensor(real, "real", dtype=torch.float64)
    s = as_float_tensor(synth, "synth", dtype=torch.float64)
    if r.shape[1:] != s.shape[1:]:
        raise ShapeError(f"real and synth must have the same sample shape, got {tuple(r.shape[1:])} and {tuple(s.shape[1:])}")
    if r.ndim < 2:
        raise ShapeError(f"real/synth must be [N, ...] with a band axis, got shape {tuple(r.shape)}")
    if len(r) < 1 or len(s) < 1:
        raise EmptyInputError("real and synth need at least one sample each")
    axis = band_axis if band_axis >= 0 else r.ndim + band_axis
    if not 1 <= axis < r.ndim:
        raise ShapeError(f"band_axis {band_axis} does not name a feature axis of shape {tuple(r.shape)} (axis 0 is the samples)")
    mean_err = (r.mean(0) - s.mean(0)).abs().movedim(axis - 1, 0)
    var_err = (r.var(0, unbiased=False) - s.var(0, unbiased=False)).abs().movedim(axis - 1, 0)
    return {
        "mean_abs_error": mean_err.reshape(len(mean_err), -1).mean(1).tolist(),
        "var_abs_error": var_err.reshape(len(var_err), -1).mean(1).tolist(),
    }


def _band_axis_of(batch: Any) -> int | None:
    """The band axis implied by a batch's layout: -1 for [N, C, B], 1 for [N, B, H, W], None for flat/unknown."""
    return {"channels_bands": -1, "grid": 1}.get(getattr(batch, "layout", None))


def per_class_report(real_batch: Any, synth_batch: Any, *, max_samples: int | None = 2000, seed: int = 0) -> dict[str, Any]:
    """MMD^2 and per-band moment errors of synthetic vs real samples, per class and over all classes.

    Both batches need ``features`` and ``labels``; band errors are given where the layout has a band axis.
    Returns ``{"overall": {...}, "per_class": {"<class>": {"n_real", "n_synth", "mmd2", ...}}}``; a class with
    fewer than 2 samples on either side gets ``mmd2: None``.
    """
    for name, b in (("real_batch", real_batch), ("synth_batch", synth_batch)):
        if getattr(b, "features", None) is None or getattr(b, "labels", None) is None:
            raise InputError(f"{name}: expected a batch with features and labels, got {type(b).__name__}")
    band_axis = _band_axis_of(real_batch)
    band_names = getattr(real_batch, "band_names", None)

    def measures(r: torch.Tensor, s: torch.Tensor) -> dict[str, Any]:
        out: dict[str, Any] = {"n_real": len(r), "n_synth": len(s), "mmd2": None}
        if len(r) >= 2 and len(s) >= 2:
            out["mmd2"] = mmd_rbf(r, s, max_samples=max_samples, seed=seed)
        if band_axis is not None and len(r) and len(s):
            out.update(band_moment_errors(r, s, band_axis=band_axis))
            if band_names:
                out["bands"] = list(band_names)
        return out

    rf, rl = real_batch.features, real_batch.labels
    sf, sl = synth_batch.features, synth_batch.labels
    classes = sorted(set(rl.tolist()) | set(sl.tolist()))
    return {
        "overall": measures(rf, sf),
        "per_class": {str(k): measures(rf[rl == k], sf[sl == k]) for k in classes},
    }
