"""The conformance kit's example: toy class-dependent wrist-like windows [N, 2, 64] and a tiny model."""

from __future__ import annotations

import math

import torch

from emozoo.data.batches import PhysioBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example

TOY_SOURCE = DataSource("toy-wrist", license="CC0-1.0")


def toy_windows(n: int, num_classes: int = 2, length: int = 64, rate: float = 16.0, seed: int = 0) -> PhysioBatch:
    """Toy windows [n, 2, length]: channel "bvp" a sinusoid at (k + 1) Hz for class k (random phase, amplitude ~1),
    channel "eda" a slow drift whose level is 2 k; Gaussian noise (std 0.1) on both. Labels cycle 0..K-1."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    t = torch.arange(length, dtype=torch.float32) / rate
    freq = (labels.float() + 1)[:, None]
    phase = 2 * math.pi * torch.rand(n, 1, generator=g)
    amp = 1 + 0.1 * torch.randn(n, 1, generator=g)
    bvp = amp * torch.sin(2 * math.pi * freq * t[None] + phase)
    eda = 2.0 * labels.float()[:, None] + 0.3 * torch.linspace(0, 1, length)[None] * torch.randn(n, 1, generator=g)
    x = torch.stack([bvp, eda], dim=1) + 0.1 * torch.randn(n, 2, length, generator=g)
    return PhysioBatch(features=x, labels=labels, modality="wrist", layout="channels_time", band_names=("bvp", "eda"),
                       source=TOY_SOURCE)


def example() -> Example:
    """A tiny diffusion model (T = 20, 5 DDIM steps) and a 1-block 1-D CNN: fits in about a second on one core."""
    data = toy_windows(30)
    config = {
        "num_channels": 2, "window_length": 64, "channel_names": ("bvp", "eda"), "base_channels": 8,
        "channel_mult": (1, 2), "attention_levels": (False, True), "num_res_blocks": 1, "dropout": 0.0,
        "num_timesteps": 20, "sampler": "ddim", "sampling_steps": 5, "batch_size": 8, "epochs": 2, "ema_decay": 0.0,
        "classifier_options": {"channels": (4,)}, "classifier_epochs": 1, "synthetic_ratio": 0.5,
    }
    test = PhysioBatch(features=data.features[24:], modality="wrist", layout="channels_time", band_names=("bvp", "eda"))
    return Example(config=config, train=data.index(slice(0, 24)), test=test, generate={"n": 4, "seed": 0})
