"""The conformance kit's example: three classes of toy 16 x 16 "spectrograms" (class-specific mel profiles), a tiny BAGAN."""

from __future__ import annotations

import torch

from emozoo.data.batches import AudioBatch
from emozoo.testing import Example

#: A tiny BAGAN (seconds on one core): 16 x 16 input, two downsamplings, narrow layers.
TINY = {
    "num_frames": 16, "num_mels": 16, "num_classes": 3, "label_names": ("a", "b", "c"), "latent_dim": 8,
    "encoder_channels": (4, 4, 8, 8), "generator_dense": 32, "generator_map_channels": 8, "generator_channels": (8, 8),
    "generator_kernel": 3, "batch_size": 8, "epochs": 2, "classifier_options": {"channels": (4, 4)}, "classifier_epochs": 2,
}


def toy_spectrograms(n: int, num_frames: int = 16, num_mels: int = 16, num_classes: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(log-mel-like dB values [n, T, D], labels [n]): a mel profile per class (about -40 dB +- 10), a per-sample gain
    (sd 3 dB) and a per-sample tilt over time (sd 3 dB end to end), plus 0.5 dB noise: class identity plus two
    learnable factors of within-class variation."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    profiles = 10.0 * torch.randn(num_classes, 1, num_mels, generator=g) - 40.0
    gain = 3.0 * torch.randn(n, 1, 1, generator=g)
    tilt = 3.0 * torch.randn(n, 1, 1, generator=g) * torch.linspace(-0.5, 0.5, num_frames)[None, :, None]
    noise = 0.5 * torch.randn(n, num_frames, num_mels, generator=g)
    return profiles[labels] + gain + tilt + noise, labels


def example() -> Example:
    x, y = toy_spectrograms(30)
    return Example(
        config=dict(TINY),
        train=AudioBatch(inputs=x[:24], labels=y[:24], kind="features"),
        test=AudioBatch(inputs=x[24:], kind="features"),
        generate={"n": 6, "seed": 0},
    )
