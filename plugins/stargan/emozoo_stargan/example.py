"""The conformance kit's example: toy 16 x 16 "faces" (an identity background + an expression pattern), a tiny LAUN StarGAN."""

from __future__ import annotations

import torch

from emozoo.data.batches import ImageBatch
from emozoo.testing import Example

#: A tiny LAUN StarGAN (seconds on one core): 16 x 16 grey faces, 3 expressions, narrow networks, 20 iterations.
TINY = {
    "image_size": 16, "channels": 1, "num_classes": 3, "label_names": ("a", "b", "c"), "g_conv_dim": 4, "g_res_blocks": 1,
    "d_conv_dim": 4, "d_repeat": 3, "batch_size": 8, "iterations": 20, "n_critic": 2, "cx_patch": 3,
    "num_source_classes": 1, "classifier_options": {"channels": (4, 4)}, "classifier_epochs": 2,
}


def toy_faces(n: int, size: int = 16, num_classes: int = 3, seed: int = 0, identities: int = 4) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(images [n, 1, size, size] in [0, 1], expression labels [n], identity ids [n]): a smooth per-identity background
    (the "person") plus a class-specific pattern (the "expression": a bright horizontal bar at a class-specific height,
    like a mouth or brows), plus 0.02 noise. Generated, never real photographs."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    ids = torch.randint(identities, (n,), generator=g)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    gid = torch.Generator().manual_seed(seed + 1000)
    bases = []
    for _ in range(identities):  # per person: two bright blobs ("eyes", "nose") at random places on a grey face
        face = torch.full((size, size), 0.2)
        for cy, cx in torch.rand(2, 2, generator=gid).tolist():
            face = face + 0.3 * torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 0.06)
        bases.append(face)
    base = torch.stack(bases)[ids]
    bar = torch.zeros(num_classes, size, size)
    rows = torch.linspace(size * 0.1, size * 0.85, num_classes).round().long()
    for k in range(num_classes):
        r = int(rows[k])
        bar[k, r : r + max(size // 8, 1), size // 4 : size - size // 4] = 0.5
    img = base + bar[labels] + 0.02 * torch.randn(n, size, size, generator=g)
    return img.clamp(0, 1).unsqueeze(1), labels, ids


def example() -> Example:
    x, y, _ = toy_faces(36)
    return Example(
        config=dict(TINY),
        train=ImageBatch(images=x[:24], labels=y[:24]),
        test=ImageBatch(images=x[24:]),
        generate={"n": 6, "seed": 0, "source": x[24:30]},
    )
