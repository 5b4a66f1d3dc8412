"""The conformance kit's examples: generated toy "faces" (one flip- and rotation-proof pattern per class) and a tiny CNN.

No real image is used anywhere here: the muxspace photographs are of real people and stay out of the repository.
"""

from __future__ import annotations

import torch

from emozoo.data.batches import ImageBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example

#: 16 x 16 grey images, two conv blocks of 4 and 8 channels: a fit takes well under a second on one core
TINY = {"num_classes": 3, "image_size": 16, "channels": (4, 8), "epochs": 2, "batch_size": 8}
SOURCE = DataSource("toy-faces", name="generated toy patterns", license="CC0-1.0", synthetic=True)


def toy_faces(n: int, *, size: int = 16, classes: int = 3, seed: int = 0, channels: int = 1) -> ImageBatch:
    """``n`` grey images in [0, 1], class ``i % classes``: 0 a horizontal bar, 1 a vertical bar, 2 a centred blob, then
    (for more classes) a ring of growing radius; each with a random offset of +-1 px, random contrast and noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % classes
    r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    yy, xx = r[:, None], r[None, :]
    shift = torch.randint(-1, 2, (n, 2), generator=g).float()
    y = yy[None] - shift[:, 0, None, None]
    x = xx[None] - shift[:, 1, None, None]
    half = size / 8
    patterns = torch.zeros(n, size, size)
    for c in range(classes):
        pick = labels == c
        if c == 0:
            p = (y.abs() < half).float()
        elif c == 1:
            p = (x.abs() < half).float()
        elif c == 2:
            p = ((x**2 + y**2).sqrt() < 2 * half).float()
        else:
            radius = (c - 1) * half * 1.5
            p = (((x**2 + y**2).sqrt() - radius).abs() < half / 2).float()
        patterns[pick] = p[pick]
    strength = 0.5 + 0.3 * torch.rand(n, 1, 1, generator=g)
    images = (0.2 + strength * patterns + 0.05 * torch.randn(n, size, size, generator=g)).clamp(0, 1)
    images = images[:, None].expand(n, channels, size, size).contiguous()
    return ImageBatch(images=images, labels=labels, source=SOURCE)


def example() -> Example:
    """fer-cnn on 30 toy images of 16 x 16."""
    batch = toy_faces(30)
    return Example(config=dict(TINY), train=batch.index(slice(0, 24)), test=batch.index(slice(24, 30)))


def example_classicaug() -> Example:
    """fer-cnn-classicaug: the same toy set, every training batch augmented (2-px shifts on 16 x 16 images)."""
    batch = toy_faces(30, seed=1)
    config = {**TINY, "classical": {"crop_padding": 2}}
    return Example(config=config, train=batch.index(slice(0, 24)), test=batch.index(slice(24, 30)))


def example_rebalanced() -> Example:
    """fer-cnn-rebalanced on an imbalanced toy set: 14 / 6 / 4 training images of the three classes."""
    batch = toy_faces(36, seed=2)
    labels = batch.labels
    keep = torch.cat([torch.nonzero(labels == 0).flatten()[:8], torch.nonzero(labels == 1).flatten()[:5],
                      torch.nonzero(labels == 2).flatten()[:5]])
    rest = torch.tensor([i for i in range(36) if i not in set(keep.tolist())])
    extra = rest[labels[rest] == 0][:6]
    train = batch.index(torch.cat([keep, extra]).sort().values)
    test_idx = torch.tensor([i for i in rest.tolist() if i not in set(extra.tolist())])[:6]
    return Example(config=dict(TINY), train=train, test=batch.index(test_idx))
