"""Learnable stand-ins for CMU-MOSI/MOSEI in the published shapes (no open MOSI/MOSEI features exist here).

The sentiment is a sum of four components, s = u_shared + u_text + u_audio + u_vision, rounded to MOSI's 1/3 grid
in [-3, 3]. Every modality observes a *shared* latent sequence (a random walk, a per-sample constant and u_shared)
through its own fixed random map, plus a *private* latent sequence (its own walk and its own u_m) through a second
map, plus noise. So

- the shared part of a missing modality can be recovered from the others (recovery can beat zero-fill), its private
  part cannot (recovery is only ever partial), and
- every modality carries label information (u_m) that no other modality has, so losing one costs accuracy.

Before this split every modality was a map of one latent, so zero-filling lost nothing a fusion model needed.
Everything built from this module is synthetic and must be called so.
"""

from __future__ import annotations

import numpy as np
import torch

from emozoo.data.batches import MultimodalBatch

MOSI_DIMS = (768, 5, 20)
MOSEI_DIMS = (768, 74, 35)
SHARED_RANGE = 1.5  # u_shared ~ U(-1.5, 1.5)
PRIVATE_RANGE = 0.5  # u_m ~ U(-0.5, 0.5) per modality, so s lies in [-3, 3]


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
    private: float = 0.5,
) -> MultimodalBatch:
    """``n`` samples; ``world_seed`` fixes the modality maps (shared by splits), ``seed`` the samples.

    Shared latent: ``temporal`` x a normalised random walk + ``static`` x a per-sample constant + u_shared along a
    fixed direction. Private latent of modality m: ``temporal`` x its own walk + u_m along its own direction, scaled
    by ``private`` (0 makes every modality a map of the shared latent alone, the old toy)."""
    world = np.random.default_rng(world_seed)

    def direction() -> np.ndarray:
        d = world.normal(size=latent)
        return d / np.linalg.norm(d)

    shared_dir = direction()
    shared_maps = [world.normal(size=(latent, d)) / np.sqrt(latent) for d in dims]
    private_dirs = [direction() for _ in dims]
    private_maps = [world.normal(size=(latent, d)) / np.sqrt(latent) for d in dims]
    rng = np.random.default_rng(seed)
    norm = np.sqrt(np.arange(1, length + 1))[None, :, None]

    def walk() -> np.ndarray:
        return rng.normal(size=(n, length, latent)).cumsum(axis=1) / norm

    u_shared = rng.uniform(-SHARED_RANGE, SHARED_RANGE, size=n)
    u_private = rng.uniform(-PRIVATE_RANGE, PRIVATE_RANGE, size=(3, n))
    # each component is scaled to the same latent amplitude, so a unit of sentiment is equally visible everywhere
    h_shared = temporal * walk() + static * rng.normal(size=(n, 1, latent)) + (u_shared / SHARED_RANGE * 1.5)[:, None, None] * shared_dir
    feats = {}
    for i, (name, sd) in enumerate(zip(("text", "audio", "vision"), noise)):
        h_own = temporal * walk() + (u_private[i] / PRIVATE_RANGE * 1.5)[:, None, None] * private_dirs[i]
        x = h_shared @ shared_maps[i] + private * (h_own @ private_maps[i]) + sd * rng.normal(size=(n, length, dims[i]))
        feats[name] = torch.from_numpy(x.astype(np.float32))
    s = np.clip(u_shared + u_private.sum(axis=0), -3.0, 3.0)
    return MultimodalBatch(features=feats, labels=torch.from_numpy(np.round(s * 3) / 3).float())
