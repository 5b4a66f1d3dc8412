"""The conformance kit's example: toy 32 x 32 grey "faces" (a class-specific shape on a noisy background), a tiny ACGAN."""

from __future__ import annotations

import torch

from emozoo.data.batches import ImageBatch
from emozoo.testing import Example

#: A tiny ACGAN (seconds on one core): 32 x 32 grey, 3 classes, narrow networks.
TINY = {
    "image_size": 32, "channels": 1, "num_classes": 3, "label_names": ("bar", "column", "blob"), "latent_dim": 16,
    "generator_widths": (32, 16, 8), "generator_kernel": 5, "discriminator_widths": (8, 8, 16, 16, 32, 32),
    "batch_size": 16, "epochs": 2, "classifier_options": {"channels": (4, 8)}, "classifier_epochs": 2,
}


def toy_faces(n: int, size: int = 32, num_classes: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(images [n, 1, size, size] in [0, 1], labels [n] = arange % K): class 0 a horizontal bar, 1 a vertical bar, 2 a
    centred blob, further classes a diagonal; each with a random offset (+-size/8), contrast and background, plus noise.

    Generated, never real faces (the face setting forbids real pixels in tests).
    """
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    r = torch.arange(size, dtype=torch.float32)
    rows, cols = r[:, None].expand(size, size), r[None, :].expand(size, size)
    shift = (torch.rand(n, 2, generator=g) - 0.5) * (size / 4)
    centre_r, centre_c = size / 2 + shift[:, 0, None, None], size / 2 + shift[:, 1, None, None]
    width = size / 10
    shapes = torch.stack([
        torch.exp(-((rows - centre_r) / width) ** 2),                                      # horizontal bar
        torch.exp(-((cols - centre_c) / width) ** 2),                                      # vertical bar
        torch.exp(-(((rows - centre_r) ** 2 + (cols - centre_c) ** 2) / (2.5 * width) ** 2)),  # blob
        torch.exp(-(((rows - centre_r) - (cols - centre_c)) / (1.4 * width)) ** 2),         # diagonal
    ], 1)
    pick = shapes[torch.arange(n), labels.clamp_max(3)]
    contrast = 0.5 + 0.3 * torch.rand(n, 1, 1, generator=g)
    background = 0.1 + 0.2 * torch.rand(n, 1, 1, generator=g)
    noise = 0.03 * torch.randn(n, size, size, generator=g)
    return (background + contrast * pick + noise).clamp(0, 1).unsqueeze(1), labels


def example() -> Example:
    x, y = toy_faces(36)
    return Example(
        config=dict(TINY),
        train=ImageBatch(images=x[:30], labels=y[:30]),
        test=ImageBatch(images=x[30:]),
        generate={"n": 6, "seed": 0},
    )
