"""The networks of StarGAN (Choi et al. 2018) and of LAUN's generator (Wang et al. 2020): one class each.

``ResNetGenerator`` is StarGAN's G (down-sampling, residual blocks, up-sampling); ``AttentionUNetGenerator`` is LAUN's
replacement (an Attention U-Net, Oktay et al. 2018: the same path with skip connections gated by attention); both take
the image with the target label broadcast as extra input channels. ``PatchDiscriminator`` is StarGAN's D: a PatchGAN
source head (real/fake per patch) and a domain-classification head on one shared trunk.
"""

from __future__ import annotations

import torch
from torch import nn


def _norm(channels: int) -> nn.InstanceNorm2d:
    """StarGAN's instance norm (affine); instance statistics at train and test time (ours: no running statistics)."""
    return nn.InstanceNorm2d(channels, affine=True, track_running_stats=False)


def label_maps(x: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``[x, one_hot(c)]`` [N, C + K, H, W]: the target label broadcast over the image, StarGAN's generator input."""
    onehot = nn.functional.one_hot(labels.long(), num_classes).to(x.dtype)
    return torch.cat([x, onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])], dim=1)


class ResidualBlock(nn.Module):
    """conv3x3 -> IN -> ReLU -> conv3x3 -> IN, plus the input (StarGAN's bottleneck block)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), _norm(channels), nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), _norm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _down(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), _norm(c_out), nn.ReLU(inplace=True))


def _up(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), _norm(c_out), nn.ReLU(inplace=True))


class ResNetGenerator(nn.Module):
    """StarGAN's G: conv7x7 (g) -> ``downsamplings`` x stride-2 conv (x2 channels) -> residual blocks -> up -> conv7x7 -> tanh."""

    def __init__(self, channels: int, num_classes: int, conv_dim: int = 64, res_blocks: int = 6, downsamplings: int = 2) -> None:
        super().__init__()
        self.num_classes = num_classes
        layers: list[nn.Module] = [nn.Conv2d(channels + num_classes, conv_dim, 7, 1, 3, bias=False), _norm(conv_dim), nn.ReLU(inplace=True)]
        dim = conv_dim
        for _ in range(downsamplings):
            layers.append(_down(dim, dim * 2))
            dim *= 2
        layers += [ResidualBlock(dim) for _ in range(res_blocks)]
        for _ in range(downsamplings):
            layers.append(_up(dim, dim // 2))
            dim //= 2
        layers += [nn.Conv2d(dim, channels, 7, 1, 3, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Images [N, C, H, W] in [-1, 1] and target class ids [N] -> translated images [N, C, H, W] in [-1, 1]."""
        return self.main(label_maps(x, labels, self.num_classes))


class AttentionGate(nn.Module):
    """Oktay et al.'s additive attention gate: ``x * sigmoid(psi(relu(W_x x + W_g g)))``, one weight per pixel.

    ``x`` is the encoder's skip feature, ``g`` the decoder's gating feature at the same resolution (ours: the up-sampled
    decoder map, so no resampling inside the gate).
    """

    def __init__(self, skip_channels: int, gate_channels: int, inter_channels: int) -> None:
        super().__init__()
        self.w_x = nn.Conv2d(skip_channels, inter_channels, 1, bias=False)
        self.w_g = nn.Conv2d(gate_channels, inter_channels, 1, bias=True)
        self.psi = nn.Conv2d(inter_channels, 1, 1, bias=True)

    def attention(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """The attention coefficients alpha [N, 1, H, W] in (0, 1)."""
        return torch.sigmoid(self.psi(torch.relu(self.w_x(x) + self.w_g(g))))

    def forward(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        return x * self.attention(x, g)


class AttentionUNetGenerator(nn.Module):
    """LAUN's G: StarGAN's down / residual / up path as a U-Net whose skip connections pass through attention gates.

    Encoder: conv7x7 (g) then ``downsamplings`` stride-2 convs (x2 channels each); bottleneck: ``res_blocks`` residual
    blocks; decoder: per level a transposed conv, the gated skip of the same resolution concatenated, a conv3x3 fusing
    both; out: conv7x7 -> tanh.
    """

    def __init__(self, channels: int, num_classes: int, conv_dim: int = 64, res_blocks: int = 6, downsamplings: int = 2) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.stem = nn.Sequential(nn.Conv2d(channels + num_classes, conv_dim, 7, 1, 3, bias=False), _norm(conv_dim), nn.ReLU(inplace=True))
        dims = [conv_dim * 2**i for i in range(downsamplings + 1)]
        self.downs = nn.ModuleList(_down(dims[i], dims[i + 1]) for i in range(downsamplings))
        self.bottleneck = nn.Sequential(*[ResidualBlock(dims[-1]) for _ in range(res_blocks)])
        self.ups = nn.ModuleList(_up(dims[i + 1], dims[i]) for i in reversed(range(downsamplings)))
        self.gates = nn.ModuleList(AttentionGate(dims[i], dims[i], max(dims[i] // 2, 1)) for i in reversed(range(downsamplings)))
        self.fuse = nn.ModuleList(
            nn.Sequential(nn.Conv2d(2 * dims[i], dims[i], 3, 1, 1, bias=False), _norm(dims[i]), nn.ReLU(inplace=True))
            for i in reversed(range(downsamplings))
        )
        self.head = nn.Sequential(nn.Conv2d(conv_dim, channels, 7, 1, 3, bias=False), nn.Tanh())

    def forward(self, x: torch.Tensor, labels: torch.Tensor, *, return_attention: bool = False) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Images [N, C, H, W] in [-1, 1] and target class ids [N] -> translated images (and each gate's map, finest last)."""
        h = self.stem(label_maps(x, labels, self.num_classes))
        skips = [h]
        for down in self.downs:
            h = down(h)
            skips.append(h)
        h = self.bottleneck(h)
        maps = []
        for up, gate, fuse, skip in zip(self.ups, self.gates, self.fuse, reversed(skips[:-1])):
            h = up(h)
            alpha = gate.attention(skip, h)
            maps.append(alpha)
            h = fuse(torch.cat([h, skip * alpha], dim=1))
        out = self.head(h)
        return (out, maps) if return_attention else out


class PatchDiscriminator(nn.Module):
    """StarGAN's D: ``repeat`` stride-2 4x4 convs (LeakyReLU 0.01, x2 channels) -> source head conv3x3 [N, 1, h, w]
    (a PatchGAN critic score per patch) and class head conv(h x w) [N, K] on the same trunk."""

    def __init__(self, channels: int, image_size: int, num_classes: int, conv_dim: int = 64, repeat: int = 4) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, conv_dim, 4, 2, 1), nn.LeakyReLU(0.01)]
        dim = conv_dim
        for _ in range(1, repeat):
            layers += [nn.Conv2d(dim, dim * 2, 4, 2, 1), nn.LeakyReLU(0.01)]
            dim *= 2
        self.main = nn.Sequential(*layers)
        side = image_size // 2**repeat
        self.src = nn.Conv2d(dim, 1, 3, 1, 1, bias=False)
        self.cls = nn.Conv2d(dim, num_classes, side, bias=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images [N, C, H, W] in [-1, 1] -> (critic scores [N, 1, h, w], class logits [N, K])."""
        h = self.main(x)
        return self.src(h), self.cls(h).flatten(1)


GENERATORS = {"attention_unet": AttentionUNetGenerator, "resnet": ResNetGenerator}
