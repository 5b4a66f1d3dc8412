"""The conformance kit's examples: a class-conditional Gaussian toy in a small [N, 4, 5] DE layout, and toy windows."""

from __future__ import annotations

import math

import torch

from emozoo.data.batches import EEGBatch, PhysioBatch
from emozoo.testing import Example


def example() -> Example:
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(36) % 3
    features = 2.0 * torch.randn(3, 4, 5, generator=g)[labels] + 5.0 + torch.randn(36, 4, 5, generator=g)
    config = {
        "num_channels": 4, "latent_dim": 8, "generator_hidden": (16,), "critic_hidden": (16,), "batch_size": 12,
        "n_critic": 2, "epochs": 2, "select": False, "judge_options": {"hidden": (8,)}, "judge_epochs": 2,
        "classifier": "mlp", "classifier_options": {"hidden": (8,)}, "classifier_epochs": 2,
    }
    return Example(
        config=config, train=EEGBatch(features=features[:30], labels=labels[:30]), test=EEGBatch(features=features[30:]),
        generate={"n": 6, "seed": 0},
    )


def example_windows() -> Example:
    """``cwgan-wrist``: 2-channel windows of 64 samples, a class-dependent sinusoid frequency per channel."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(24) % 2
    freqs = torch.tensor([[1.0, 4.0], [4.0, 1.5]])[labels][:, :, None]  # Hz at 16 Hz sampling
    t = torch.arange(64) / 16.0
    x = torch.sin(2 * math.pi * freqs * t + 6.28 * torch.rand(24, 2, 1, generator=g)) + 0.1 * torch.randn(24, 2, 64, generator=g)
    config = {
        "num_channels": 2, "window_length": 64, "channel_names": ("bvp", "eda"), "latent_dim": 8,
        "generator_channels": (8, 4), "critic_channels": (4, 8), "kernel_size": 5, "batch_size": 8, "n_critic": 2,
        "epochs": 2, "select": False, "judge_options": {"channels": (4,)}, "judge_epochs": 1,
        "classifier_options": {"channels": (4,)}, "classifier_epochs": 2,
    }
    train = PhysioBatch(features=x[:20], labels=labels[:20], modality="wrist", layout="channels_time", band_names=("bvp", "eda"))
    return Example(config=config, train=train, test=x[20:], generate={"n": 6, "seed": 0})
