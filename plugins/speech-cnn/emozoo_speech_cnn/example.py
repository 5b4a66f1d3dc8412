"""The conformance kit's examples: tiny tone "utterances" (one pitch per class) and a tiny CNN, seconds on one core."""

from __future__ import annotations

import math

import torch

from emozoo.data.batches import AudioBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example

#: a small front-end and network: 32 frames x 16 mels, two conv blocks of 4 and 8 channels
TINY = {"num_classes": 3, "frontend": {"n_mels": 16, "n_frames": 32}, "channels": (4, 8), "epochs": 2, "batch_size": 8}
SOURCE = DataSource("tones", name="generated tones", license="CC0-1.0", synthetic=True)


def tones(n: int, *, seconds: float = 0.4, sample_rate: int = 16000, seed: int = 0) -> AudioBatch:
    """``n`` noisy sine tones, class ``i % 3`` at 220 / 440 / 880 Hz, random phase and length (0.75-1 x ``seconds``)."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    s = int(seconds * sample_rate)
    t = torch.arange(s) / sample_rate
    freq = torch.tensor([220.0, 440.0, 880.0])[labels]
    phase = 2 * math.pi * torch.rand(n, 1, generator=g)
    waves = 0.5 * torch.sin(2 * math.pi * freq[:, None] * t + phase) + 0.01 * torch.randn(n, s, generator=g)
    lengths = (s * (0.75 + 0.25 * torch.rand(n, generator=g))).long()
    waves = waves * (torch.arange(s)[None, :] < lengths[:, None])
    return AudioBatch(inputs=waves.float(), labels=labels, sample_rate=sample_rate, lengths=lengths, kind="waveform", source=SOURCE)


def example() -> Example:
    """speech-cnn on waveforms (the method's own log-mel front-end)."""
    batch = tones(30)
    return Example(config=dict(TINY), train=batch.index(slice(0, 24)), test=batch.index(slice(24, 30)))


def example_specaugment() -> Example:
    """speech-cnn-specaugment on log-mel features [N, 32, 16] (class-dependent bright bands)."""
    g = torch.Generator().manual_seed(1)
    labels = torch.arange(30) % 3
    x = torch.randn(30, 32, 16, generator=g)
    x[torch.arange(30), :, 4 * labels + 2] += 3.0
    batch = AudioBatch(inputs=x, labels=labels, kind="features", source=SOURCE)
    config = {**TINY, "specaugment": {"freq_width": 4, "time_width": 6}}
    return Example(config=config, train=batch.index(slice(0, 24)), test=batch.index(slice(24, 30)))


def example_signalaug() -> Example:
    """speech-cnn-signalaug on waveforms: one augmented copy per utterance."""
    batch = tones(30, seed=2)
    config = {**TINY, "signal": {"copies": 1}}
    return Example(config=config, train=batch.index(slice(0, 24)), test=batch.index(slice(24, 30)))
