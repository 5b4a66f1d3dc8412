"""The networks: the paper's LSTM generator and LSTM discriminator (one pair per class), and the downstream 1-D CNN.

The LSTMs run over *patched* windows: a window [C, T] is cut into T / patch steps, each step holding the C x patch
samples of that stretch of time (``to_steps`` / ``from_steps``, exact inverses). With patch = 1 this is the paper's
sample-by-sample LSTM; at 16 Hz a patch of 16 makes one LSTM step per second (60 steps for a 60 s window).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from emozoo.evaluation.classifiers import Standardize


def to_steps(x: torch.Tensor, patch: int) -> torch.Tensor:
    """Windows [N, C, T] -> LSTM sequences [N, T / patch, C * patch] (step s holds samples s*patch .. s*patch+patch-1 of every channel)."""
    n, c, t = x.shape
    return x.reshape(n, c, t // patch, patch).permute(0, 2, 1, 3).reshape(n, t // patch, c * patch)


def from_steps(s: torch.Tensor, channels: int, patch: int) -> torch.Tensor:
    """LSTM sequences [N, S, C * patch] -> windows [N, C, S * patch]; the inverse of :func:`to_steps`."""
    n, steps, _ = s.shape
    return s.reshape(n, steps, channels, patch).permute(0, 2, 1, 3).reshape(n, channels, steps * patch)


class Generator(nn.Module):
    """G: a noise sequence [N, S, noise_dim] -> stacked LSTM -> per-step linear layer -> a sequence [N, S, step_dim].

    The first ``sequence_noise`` noise features of step 0 are repeated over every step (one draw per window: its
    phase, amplitude and level), the rest stay i.i.d. per step; with ``output_range`` > 0 the output is
    ``output_range * tanh(.)`` (z-scores bounded), else linear.
    """

    def __init__(self, noise_dim: int, hidden: int, layers: int, step_dim: int, sequence_noise: int = 0, output_range: float = 0.0) -> None:
        super().__init__()
        self.sequence_noise = int(sequence_noise)
        self.output_range = float(output_range)
        self.lstm = nn.LSTM(noise_dim, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, step_dim)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        if self.sequence_noise:
            k = self.sequence_noise
            noise = torch.cat([noise[:, :1, :k].expand(-1, noise.shape[1], -1), noise[:, :, k:]], 2)
        h, _ = self.lstm(noise)
        y = self.out(h)
        return self.output_range * torch.tanh(y) if self.output_range > 0 else y


class Discriminator(nn.Module):
    """D: a sequence [N, S, step_dim] -> stacked LSTM -> per-step real/fake logit, averaged over the steps -> [N]."""

    def __init__(self, step_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(step_dim, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(seq)
        return self.out(h).squeeze(-1).mean(1)


class Classifier1D(nn.Module):
    """The downstream classifier: standardise -> [conv1d k, BatchNorm, ReLU, max-pool] blocks -> global average pool -> dropout -> FC.

    ``norm`` and ``input_shape`` follow the core's classifiers, so ``emozoo.evaluation.classifiers.fit_classifier``
    trains it (standardisation statistics from the training windows, cross-entropy, Adam).
    """

    def __init__(self, input_shape: tuple[int, int], num_classes: int, channels: Sequence[int] = (16, 32, 64),
                 kernel: int = 7, pool: int = 4, dropout: float = 0.3) -> None:
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.norm = Standardize(self.input_shape)
        blocks: list[nn.Module] = []
        c_in = self.input_shape[0]
        for c in channels:
            blocks += [nn.Conv1d(c_in, int(c), kernel, padding=kernel // 2), nn.BatchNorm1d(int(c)), nn.ReLU(), nn.MaxPool1d(pool, ceil_mode=True)]
            c_in = int(c)
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(self.norm(x)))
