"""FID and KID in the feature space of a trained classifier (no Inception weights here: the features are named as such).

``embed`` reads the input of a classifier's last ``nn.Linear`` (for ``pooled_cnn``: the global-average-pooled
convolutional features), so any of emozoo's classifiers can serve as the feature extractor. ``frechet_distance`` is
Heusel et al.'s FID formula on those features; ``kernel_distance`` is Bińkowski et al.'s KID: the unbiased MMD²
with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over random subsets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from emozoo.errors import EmptyInputError, InputError, ShapeError

__all__ = ["embed", "frechet_distance", "kernel_distance"]


def _last_linear(model: nn.Module) -> nn.Linear:
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise InputError(f"embed: {type(model).__name__} has no nn.Linear layer whose input could serve as features")
    return linears[-1]


@torch.no_grad()
def embed(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Float64 features [N, D]: the input of ``model``'s last linear layer, in eval mode, batch by batch."""
    if len(x) == 0:
        raise EmptyInputError("embed: got 0 samples")
    captured: list[torch.Tensor] = []
    handle = _last_linear(model).register_forward_pre_hook(lambda _m, args: captured.append(args[0].detach().flatten(1).cpu()))
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        for part in x.split(batch_size):
            model(part.to(device))
    finally:
        handle.remove()
        model.train(was_training)
    return torch.cat(captured).double().numpy()


def _features(a: Any, name: str, minimum: int) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2:
        raise ShapeError(f"{name}: expected features [N, D], got shape {list(arr.shape)}")
    if len(arr) < minimum:
        raise EmptyInputError(f"{name}: needs at least {minimum} samples, got {len(arr)}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: features hold NaN/inf")
    return arr


def frechet_distance(real: Any, fake: Any) -> float:
    """||mu_r - mu_f||² + Tr(S_r + S_f - 2 (S_r S_f)^½) between two feature sets [N, D] (N >= 2 each).

    Tr((S_r S_f)^½) is the sum of the square roots of the eigenvalues of S_r S_f (real and >= 0 for two covariance
    matrices; tiny negative rounding is clipped), which avoids a matrix square root.
    """
    r, f = _features(real, "frechet_distance real", 2), _features(fake, "frechet_distance fake", 2)
    if r.shape[1] != f.shape[1]:
        raise ShapeError(f"frechet_distance: real features have {r.shape[1]} dims, fake {f.shape[1]}")
    mu = r.mean(0) - f.mean(0)
    s_r, s_f = np.cov(r, rowvar=False), np.cov(f, rowvar=False)
    eig = np.linalg.eigvals(s_r @ s_f)
    trace_sqrt = float(np.sqrt(np.clip(eig.real, 0.0, None)).sum())
    return float(max(mu @ mu + np.trace(s_r) + np.trace(s_f) - 2.0 * trace_sqrt, 0.0))


def _mmd2_unbiased_poly(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())


def kernel_distance(real: Any, fake: Any, *, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> float:
    """KID: the unbiased polynomial-kernel MMD² on all rows when both sides hold <= ``subset_size``, else averaged over
    ``subsets`` random subsets of min(subset_size, N) rows of each side."""
    r, f = _features(real, "kernel_distance real", 2), _features(fake, "kernel_distance fake", 2)
    if r.shape[1] != f.shape[1]:
        raise ShapeError(f"kernel_distance: real features have {r.shape[1]} dims, fake {f.shape[1]}")
    m, n = min(subset_size, len(r)), min(subset_size, len(f))
    if m == len(r) and n == len(f):
        return _mmd2_unbiased_poly(r, f)
    rng = np.random.default_rng(seed)
    values = [_mmd2_unbiased_poly(r[rng.choice(len(r), m, replace=False)], f[rng.choice(len(f), n, replace=False)]) for _ in range(subsets)]
    return float(np.mean(values))
