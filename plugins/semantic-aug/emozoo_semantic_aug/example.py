"""The conformance kit's example: generated toy "faces" (a class-specific shape on a grey background; no real pixels)."""

from __future__ import annotations

import torch

from emozoo.data.batches import ImageBatch
from emozoo.testing import Example

#: A tiny VAE-GAN (seconds on one core): 16 x 16 grey images, 3 classes, narrow layers.
TINY = {
    "image_size": 16, "channels": 1, "num_classes": 3, "label_names": ("a", "b", "c"), "latent_dim": 8,
    "encoder_channels": (4, 8, 8), "encoder_hidden": 16, "generator_channels": (8, 8, 4), "discriminator_channels": (4, 8, 8, 8),
    "discriminator_hidden": 16, "batch_size": 8, "epochs": 2, "bank_size": 16, "head_min_count": 4,
    "classifier_options": {"channels": (4, 4)}, "classifier_epochs": 2,
}


def toy_faces(labels: torch.Tensor, size: int = 16, seed: int = 0) -> torch.Tensor:
    """Images [n, 1, size, size] in [0, 1] for class ids ``labels``: class 0 a horizontal bar, 1 a vertical bar, 2 a
    square, 3 a diagonal, 4 a ring (cycling), each with a random shift (+-size/8), brightness (0.6..1), background
    level (0.1..0.3) and pixel noise (sd 0.03): a class identity plus within-class factors shared by every class."""
    g = torch.Generator().manual_seed(seed)
    n = len(labels)
    grid = torch.arange(size, dtype=torch.float32)
    r, c = grid[:, None].expand(size, size), grid[None, :].expand(size, size)
    jitter = size // 8
    shift = torch.randint(-jitter, jitter + 1, (n, 2), generator=g).float()
    bright = 0.6 + 0.4 * torch.rand(n, generator=g)
    back = 0.1 + 0.2 * torch.rand(n, generator=g)
    out = torch.empty(n, 1, size, size)
    mid, half = (size - 1) / 2, size / 4
    for i, k in enumerate(labels.tolist()):
        rr, cc = r - mid - shift[i, 0], c - mid - shift[i, 1]
        kind = k % 5
        if kind == 0:
            mask = (rr.abs() <= size / 10) & (cc.abs() <= half)
        elif kind == 1:
            mask = (cc.abs() <= size / 10) & (rr.abs() <= half)
        elif kind == 2:
            mask = (rr.abs() <= half * 0.6) & (cc.abs() <= half * 0.6)
        elif kind == 3:
            mask = ((rr - cc).abs() <= size / 12) & (rr.abs() <= half)
        else:
            radius = (rr**2 + cc**2).sqrt()
            mask = (radius - half * 0.8).abs() <= size / 12
        out[i, 0] = torch.where(mask, bright[i], back[i])
    out += 0.03 * torch.randn(out.shape, generator=g)
    return out.clamp(0.0, 1.0)


def example() -> Example:
    """24 training and 6 test toy images of 3 classes."""
    labels = torch.arange(30) % 3
    x = toy_faces(labels)
    return Example(
        config=dict(TINY),
        train=ImageBatch(images=x[:24], labels=labels[:24]),
        test=ImageBatch(images=x[24:]),
        generate={"n": 6, "seed": 0},
    )
