"""ACGAN's networks (Odena, Olah, Shlens 2017, appendix: the CIFAR-10 32 x 32 models), sized for any side 8 * s.

The generator maps ``[z, one-hot(c)]`` through a linear layer to a ``widths[0] x s x s`` map and three 5 x 5
transposed convolutions of stride 2 (batch norm + ReLU, tanh at the end), so a side of ``8 * s`` comes out
(32 -> s = 4 as in the paper; 48 -> 6). The discriminator is the appendix's six 3 x 3 convolutions (strides
2, 1, 2, 1, 2, 1; widths 16 ... 512; LeakyReLU 0.2; dropout 0.5; batch norm from the second) and one linear
layer with 1 + K outputs: the source logit (the "soft-sigmoid" unit) and the K class logits (softmax).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["Discriminator", "Generator", "init_weights"]


def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """ACGAN appendix: every conv / linear weight ~ N(0, 0.02), biases 0 (batch-norm affine parameters keep 1 / 0)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Generator(nn.Module):
    """G(z, c): noise [N, latent_dim] and class ids [N] -> images [N, channels, 8s, 8s] in [-1, 1] (tanh)."""

    def __init__(self, num_classes: int, latent_dim: int = 100, image_size: int = 48, channels: int = 1,
                 widths: Sequence[int] = (384, 192, 96), kernel: int = 5) -> None:
        super().__init__()
        if image_size % 8:
            raise ValueError(f"image_size must be a multiple of 8, got {image_size}")
        self.num_classes, self.latent_dim = int(num_classes), int(latent_dim)
        self.start = image_size // 8
        w0, w1, w2 = (int(w) for w in widths)
        self.w0 = w0
        self.fc = nn.Linear(self.latent_dim + self.num_classes, w0 * self.start * self.start)
        pad = (kernel - 1) // 2
        out_pad = 2 - kernel + 2 * pad  # (in - 1) * 2 - 2 * pad + kernel + out_pad = 2 * in
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(w0, w1, kernel, 2, pad, output_padding=out_pad, bias=False), nn.BatchNorm2d(w1), nn.ReLU(),
            nn.ConvTranspose2d(w1, w2, kernel, 2, pad, output_padding=out_pad, bias=False), nn.BatchNorm2d(w2), nn.ReLU(),
            nn.ConvTranspose2d(w2, channels, kernel, 2, pad, output_padding=out_pad), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = nn.functional.one_hot(labels, self.num_classes).to(z.dtype)
        h = torch.relu(self.fc(torch.cat([z, onehot], 1)))
        return self.deconv(h.view(len(z), self.w0, self.start, self.start))


class Discriminator(nn.Module):
    """D(x): images [N, channels, H, W] in [-1, 1] -> (source logits [N] (real > 0), class logits [N, K])."""

    def __init__(self, num_classes: int, image_size: int = 48, channels: int = 1,
                 widths: Sequence[int] = (16, 32, 64, 128, 256, 512), strides: Sequence[int] = (2, 1, 2, 1, 2, 1),
                 dropout: float = 0.5, negative_slope: float = 0.2) -> None:
        super().__init__()
        if len(widths) != len(strides):
            raise ValueError(f"discriminator widths {tuple(widths)} and strides {tuple(strides)} differ in length")
        layers: list[nn.Module] = []
        c_in, side = channels, image_size
        for i, (w, s) in enumerate(zip(widths, strides)):
            layers.append(nn.Conv2d(c_in, int(w), 3, int(s), 1, bias=i == 0))
            if i > 0:
                layers.append(nn.BatchNorm2d(int(w)))
            layers += [nn.LeakyReLU(negative_slope), nn.Dropout(dropout)]
            c_in, side = int(w), (side - 1) // int(s) + 1
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.num_classes = int(num_classes)
        self.head = nn.Linear(c_in * side * side, 1 + self.num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.head(self.features(x))
        return out[:, 0], out[:, 1:]
