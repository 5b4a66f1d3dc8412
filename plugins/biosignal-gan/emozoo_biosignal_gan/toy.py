"""A learnable toy for tests, the kit's example and the speed script: class-dependent sinusoids per channel."""

from __future__ import annotations

import math

import torch

#: per class: (frequency in Hz, amplitude) of every channel; channel j adds j * 0.5 Hz
TOY_CLASSES: tuple[tuple[float, float], ...] = ((1.0, 1.0), (3.0, 2.0), (2.0, 0.5))


def sinusoid_windows(n: int, *, window: int = 128, channels: int = 2, rate: float = 16.0, num_classes: int = 2,
                     noise: float = 0.1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(windows [n, channels, window] float32, labels [n] int64, classes in turn): channel j of class k is
    amp_k * sin(2 pi (f_k + 0.5 j) t + phase) + offset j, random phase per window and channel, Gaussian noise sd ``noise``."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    freq = torch.tensor([TOY_CLASSES[k][0] for k in range(num_classes)])[labels][:, None] + 0.5 * torch.arange(channels)[None, :]
    amp = torch.tensor([TOY_CLASSES[k][1] for k in range(num_classes)])[labels][:, None]
    phase = 2 * math.pi * torch.rand(n, channels, generator=g)
    t = torch.arange(window) / rate
    x = amp[..., None] * torch.sin(2 * math.pi * freq[..., None] * t + phase[..., None]) + torch.arange(channels)[None, :, None]
    return (x + noise * torch.randn(n, channels, window, generator=g)).float(), labels


def peak_frequency(x: torch.Tensor, rate: float = 16.0) -> torch.Tensor:
    """Frequency (Hz) of the largest non-DC bin of the mean power spectrum per channel: x [n, C, T] -> [C]."""
    power = torch.fft.rfft(x - x.mean(-1, keepdim=True)).abs().square().mean(0)
    freqs = torch.fft.rfftfreq(x.shape[-1], 1.0 / rate)
    return freqs[power[:, 1:].argmax(-1) + 1]
