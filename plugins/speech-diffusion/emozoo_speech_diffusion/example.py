"""The conformance kit's example: class-dependent toy log-mel maps [N, 20, 18] (padded inside to 24 x 24), a tiny model."""

from __future__ import annotations

import torch

from emozoo.data.batches import AudioBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example


def toy_logmel(n: int, num_classes: int = 3, frames: int = 20, mels: int = 18, seed: int = 0) -> AudioBatch:
    """Toy dB maps: class k has an energy band at mel bins around (k + 1) * mels / (K + 1) over a -60 dB floor, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    bins = torch.arange(mels, dtype=torch.float32)
    centres = (labels.float() + 1) * mels / (num_classes + 1)
    band = torch.exp(-0.5 * ((bins[None, :] - centres[:, None]) / 1.5) ** 2)  # [n, mels]
    level = 1 + 0.3 * torch.sin(torch.linspace(0, 3.14, frames))[None, :, None]  # a slow loudness contour
    x = -60.0 + 40.0 * band[:, None, :] * level + 3.0 * torch.randn(n, frames, mels, generator=g)
    return AudioBatch(inputs=x, labels=labels, kind="features", sample_rate=16000, source=DataSource("toy-logmel", license="CC0-1.0"))


def example() -> Example:
    """A tiny diffusion model (4k parameters, 20 steps) and a 2-block CNN: fits in about a second on one core."""
    data = toy_logmel(30)
    config = {
        "num_frames": 20, "n_mels": 18, "num_classes": 3, "label_names": ("a", "b", "c"),
        "base_channels": 8, "channel_mult": (1, 2), "attention_levels": (False, True), "patch_size": 2,
        "num_timesteps": 20, "sampling_steps": 5, "batch_size": 8, "epochs": 2,
        "classifier_options": {"channels": (4, 4)}, "classifier_epochs": 1, "synthetic_ratio": 0.5,
    }
    return Example(config=config, train=data.index(slice(0, 24)), test=AudioBatch(inputs=data.inputs[24:], kind="features"),
                   generate={"n": 4, "seed": 0})
