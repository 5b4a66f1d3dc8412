"""The cWGAN-GP generator and critic: fully connected nets on the flattened DE vector, conditioned by a one-hot label,
and (input kind ``"channels_time"``) 1-D convolutional ones on multichannel windows [B, C, T] after WaveGAN.

Conditioning follows the conditional GAN of Mirza & Osindero (2014), which Luo & Lu build on: the one-hot label is
concatenated to the noise (generator input) and to the sample (critic input). The critic has no batch
normalisation, as WGAN-GP requires (the penalty is per sample); the generator's output layer is linear because it
produces standardised (z-scored) features.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from emozoo.evaluation.classifiers import Standardize

__all__ = ["ChannelStandardize", "Critic", "Generator", "WindowClassifier", "WindowCritic", "WindowGenerator", "same_padding"]


def _mlp(width: int, hidden: Sequence[int], out: int, activation: type[nn.Module], **act_kwargs: float) -> nn.Sequential:
    """Linear -> activation blocks of the given widths, then a linear output layer."""
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(width, int(h)), activation(**act_kwargs)]
        width = int(h)
    layers.append(nn.Linear(width, out))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """``G(z, y)``: noise [B, latent_dim] and class ids [B] -> standardised DE vectors [B, out_dim]."""

    def __init__(self, latent_dim: int, num_classes: int, out_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.latent_dim, self.num_classes = int(latent_dim), int(num_classes)
        self.net = _mlp(self.latent_dim + self.num_classes, hidden, out_dim, nn.ReLU)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(z.dtype)
        return self.net(torch.cat([z, onehot], dim=1))


class Critic(nn.Module):
    """``D(x, y)``: DE vectors [B, in_dim] and class ids [B] -> unbounded scores [B] (no sigmoid, no batch norm)."""

    def __init__(self, in_dim: int, num_classes: int, hidden: Sequence[int], negative_slope: float = 0.2):
        super().__init__()
        self.num_classes = int(num_classes)
        self.net = _mlp(int(in_dim) + self.num_classes, hidden, 1, nn.LeakyReLU, negative_slope=negative_slope)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(x.dtype)
        return self.net(torch.cat([x, onehot], dim=1)).squeeze(1)


# --- multichannel time-series windows [B, C, T] (input_kind "channels_time") ------------------------------------------
#
# WaveGAN (Donahue, McAuley, Puckette, ICLR 2019, "Adversarial audio synthesis") is the WGAN-GP design for raw 1-D
# signals that we follow: DCGAN's 2-D (transposed) convolutions flattened to 1-D, long kernels (25) with stride 4, a
# dense layer from the noise to a short multichannel sequence, ReLU in the generator and LeakyReLU 0.2 in the critic,
# no batch normalisation anywhere, trained with the WGAN-GP loss (lambda 10, n_critic 5). Luo & Lu's conditioning is
# transposed with it: the one-hot label is concatenated to the noise (generator) and, broadcast over time as K constant
# channels, to the input of every (transposed) convolution of both networks (input-only conditioning left the generator
# class-blind on our toy). Widths, depth and the linear output (z-scored signals instead of tanh) are ours.


def same_padding(kernel_size: int, stride: int) -> tuple[int, int]:
    """(padding, output_padding) that make a stride-``s`` conv divide, and its transpose multiply, a length by exactly ``s``."""
    padding = math.ceil((kernel_size - stride) / 2)
    return padding, 2 * padding - (kernel_size - stride)


class WindowGenerator(nn.Module):
    """``G(z, y)``: noise [B, latent_dim] and class ids [B] -> standardised windows [B, C, T].

    Dense ``latent_dim + K -> channels[0] x T / stride^L``, then ``L = len(channels)`` transposed convolutions, each
    multiplying the length by ``stride`` (ReLU between, linear output). The one-hot label also enters every
    transposed convolution as K constant channels, so each stage is conditioned.
    """

    def __init__(self, latent_dim: int, num_classes: int, num_channels: int, window_length: int,
                 channels: Sequence[int] = (256, 128, 64), kernel_size: int = 25, stride: int = 4):
        super().__init__()
        self.latent_dim, self.num_classes = int(latent_dim), int(num_classes)
        self.channels = tuple(int(ch) for ch in channels)
        self.start_length = int(window_length) // int(stride) ** len(self.channels)
        self.project = nn.Linear(self.latent_dim + self.num_classes, self.channels[0] * self.start_length)
        padding, output_padding = same_padding(kernel_size, stride)
        widths = (*self.channels, int(num_channels))
        self.layers = nn.ModuleList(
            nn.ConvTranspose1d(c_in + self.num_classes, c_out, kernel_size, stride, padding, output_padding)
            for c_in, c_out in zip(widths[:-1], widths[1:])
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(z.dtype)
        h = F.relu(self.project(torch.cat([z, onehot], dim=1))).view(len(z), self.channels[0], self.start_length)
        for i, layer in enumerate(self.layers):
            h = layer(torch.cat([h, onehot[:, :, None].expand(-1, -1, h.shape[-1])], dim=1))
            if i < len(self.layers) - 1:
                h = F.relu(h)
        return h


class WindowCritic(nn.Module):
    """``D(x, y)``: windows [B, C, T] and class ids [B] -> unbounded scores [B] (no sigmoid, no batch norm).

    The one-hot label enters every one of the ``len(channels)`` stride-``stride`` convolutions as K constant input
    channels (LeakyReLU after each), then a linear layer scores the flattened ``channels[-1] x T / stride^L`` map.
    """

    def __init__(self, num_channels: int, window_length: int, num_classes: int, channels: Sequence[int] = (64, 128, 256),
                 kernel_size: int = 25, stride: int = 4, negative_slope: float = 0.2):
        super().__init__()
        self.num_classes, self.negative_slope = int(num_classes), float(negative_slope)
        padding, _ = same_padding(kernel_size, stride)
        widths = (int(num_channels), *(int(ch) for ch in channels))
        self.layers = nn.ModuleList(
            nn.Conv1d(c_in + self.num_classes, c_out, kernel_size, stride, padding) for c_in, c_out in zip(widths[:-1], widths[1:])
        )
        self.out = nn.Linear(widths[-1] * (int(window_length) // int(stride) ** len(channels)), 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(x.dtype)[:, :, None]
        h = x
        for layer in self.layers:
            h = F.leaky_relu(layer(torch.cat([h, onehot.expand(-1, -1, h.shape[-1])], dim=1)), self.negative_slope)
        return self.out(h.flatten(1)).squeeze(1)


class ChannelStandardize(Standardize):
    """Per-channel z-scoring of windows [N, C, T] (statistics over samples and time), kept as buffers [C, 1]."""

    def __init__(self, num_channels: int):
        super().__init__((int(num_channels), 1))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, eps: float = 1e-6) -> None:
        """Set mean/std per channel from training windows [N, C, T] (std floored at ``eps``)."""
        x = x.to(self.mean.device, self.mean.dtype)
        self.mean.copy_(x.mean((0, 2))[:, None])
        self.std.copy_(x.std((0, 2), unbiased=False).clamp_min(eps)[:, None])


class WindowClassifier(nn.Module):
    """Classifier kind ``"cnn1d"``, the judge / downstream classifier for windows: per-channel z-scoring ->
    [conv (same padding), BatchNorm, ReLU, max-pool 4] blocks -> global average pool -> dropout -> class logits.

    Global pooling makes it shift-invariant, so it keys on rhythm and amplitude rather than on where in the window
    an event falls. Trained by ``emozoo.evaluation.classifiers.fit_classifier`` like the core kinds.
    """

    def __init__(self, input_shape: tuple[int, int], num_classes: int, channels: Sequence[int] = (16, 32, 64),
                 kernel_size: int = 7, dropout: float = 0.3):
        super().__init__()
        self.input_shape = tuple(int(d) for d in input_shape)
        self.norm = ChannelStandardize(self.input_shape[0])
        blocks: list[nn.Module] = []
        c_in = self.input_shape[0]
        for ch in channels:
            blocks += [nn.Conv1d(c_in, int(ch), kernel_size, padding=kernel_size // 2), nn.BatchNorm1d(int(ch)), nn.ReLU(),
                       nn.MaxPool1d(4, ceil_mode=True)]
            c_in = int(ch)
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in, int(num_classes)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(self.norm(x)))
