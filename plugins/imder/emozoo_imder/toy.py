"""Learnable stand-ins for CMU-MOSI/MOSEI in the published shapes (no open MOSI/MOSEI features exist here).

A latent sentiment s in [-3, 3] and a smooth latent sequence drive all three modalities through fixed random linear
maps plus noise, so the label is predictable and a missing modality is partly recoverable from the others.
Everything built from this module is synthetic and must be called so.
"""

from __future__ import annotations

import numpy as np
import torch

from emozoo.data.batches import MultimodalBatch

MOSI_DIMS = (768, 5, 20)
MOSEI_DIMS = (768, 74, 35)


def make_toy(
    n: int,
    seed: int,
    dims: tuple[int, int, int] = MOSI_DIMS,
    length: int = 50,
    latent: int = 4,
    noise: tuple[float, float, float] = (0.3, 0.6, 0.5),
    world_seed: int = 1234,
    temporal: float = 0.6,
    static: float = 0.0,
) -> MultimodalBatch:
    """``n`` samples; ``world_seed`` fixes the modality maps (shared by splits), ``seed`` the samples. The latent is
    ``temporal`` x a normalised random walk + ``static`` x a per-sample constant vector + the sentiment direction."""
    world = np.random.default_rng(world_seed)
    direction = world.normal(size=latent)
    direction /= np.linalg.norm(direction)
    maps = [world.normal(size=(latent, d)) / np.sqrt(latent) for d in dims]
    rng = np.random.default_rng(seed)
    s = rng.uniform(-3.0, 3.0, size=n)
    walk = rng.normal(size=(n, length, latent)).cumsum(axis=1) / np.sqrt(np.arange(1, length + 1))[None, :, None]
    const = rng.normal(size=(n, 1, latent))
    h = temporal * walk + static * const + (s / 3.0)[:, None, None] * direction[None, None, :] * 1.5
    feats = {}
    for name, w, sd in zip(("text", "audio", "vision"), maps, noise):
        feats[name] = torch.from_numpy((h @ w + sd * rng.normal(size=(n, length, w.shape[1]))).astype(np.float32))
    return MultimodalBatch(features=feats, labels=torch.from_numpy(np.round(s * 3) / 3).float())
