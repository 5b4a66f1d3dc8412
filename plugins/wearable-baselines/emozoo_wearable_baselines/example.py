"""The conformance kit's examples: generated wrist windows (class-dependent pulse rate, EDA level and drift, skin
temperature, heart rate) and tiny configs, seconds on one core."""

from __future__ import annotations

import math

import torch

from emozoo.data.batches import PhysioBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example

SOURCE = DataSource("toy-wrist", name="generated wrist windows", license="CC0-1.0", synthetic=True)
CHANNELS = ("bvp", "eda", "temp", "hr")


def toy_windows(n: int, *, samples: int = 960, rate: float = 16.0, seed: int = 0, separation: float = 1.0) -> PhysioBatch:
    """``n`` windows [n, 4, samples] of class ``i % 2``: stress (1) has a faster pulse, higher and rising EDA, cooler skin."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    s = separation * y.float()[:, None]
    t = torch.arange(samples)[None, :] / rate
    hr = 65.0 + 25.0 * s + 5.0 * torch.randn(n, 1, generator=g)
    phase = 2 * math.pi * torch.rand(n, 1, generator=g)
    bvp = 50.0 * torch.sin(2 * math.pi * hr / 60.0 * t + phase) + 10.0 * torch.randn(n, samples, generator=g)
    eda = 2.0 + 1.5 * s + 0.02 * s * t + 0.3 * torch.randn(n, 1, generator=g) + 0.05 * torch.randn(n, samples, generator=g)
    temp = 33.0 - 0.5 * s + 0.2 * torch.randn(n, 1, generator=g) + 0.02 * torch.randn(n, samples, generator=g)
    hr_series = hr + 2.0 * torch.randn(n, samples, generator=g)
    x = torch.stack([bvp, eda, temp, hr_series], dim=1).float()
    return PhysioBatch(features=x, labels=y, layout="channels_time", modality="wrist", band_names=CHANNELS,
                       subjects=torch.arange(n) // 4, source=SOURCE)


#: 10-s windows at 16 Hz (the shortest emozoo-wearable computes features on; the benchmark uses 60 s), a 4-8-8 FCN
FEATURE_CONFIG = {"window_samples": 160, "max_iter": 10, "max_leaf_nodes": 7, "min_samples_leaf": 3}
CNN_CONFIG = {"window_samples": 160, "filters": (4, 8, 8), "kernels": (8, 5, 3), "epochs": 2, "batch_size": 8}


def _example(config: dict, samples: int) -> Example:
    batch = toy_windows(32, samples=samples)
    return Example(config=dict(config), train=batch.index(slice(0, 24)), test=batch.index(slice(24, 32)))


def example_logreg() -> Example:
    """wearable-logreg on 24 generated 10-s windows."""
    return _example({"window_samples": 160}, 160)


def example_logreg_aug() -> Example:
    """wearable-logreg-aug: one augmented copy per window."""
    return _example({"window_samples": 160, "augment": True}, 160)


def example_gbt() -> Example:
    """wearable-gbt with 10 trees of at most 7 leaves."""
    return _example(FEATURE_CONFIG, 160)


def example_gbt_aug() -> Example:
    """wearable-gbt-aug: one augmented copy per window."""
    return _example({**FEATURE_CONFIG, "augment": True}, 160)


def example_cnn1d() -> Example:
    """wearable-cnn1d on 10-s windows with a 4-8-8 FCN."""
    return _example(CNN_CONFIG, 160)


def example_cnn1d_aug() -> Example:
    """wearable-cnn1d-aug: every batch augmented."""
    return _example({**CNN_CONFIG, "augment": True}, 160)
