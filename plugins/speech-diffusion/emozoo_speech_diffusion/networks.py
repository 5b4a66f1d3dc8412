"""The class-conditional U-Net of the denoiser, one class per block, in the layout of Ho et al. 2020 / Nichol & Dhariwal 2021.

The input is one log-mel map as a one-channel image [N, 1, T, n_mels] at diffusion step ``t``; the output is the
predicted noise epsilon [N, 1, T, n_mels] (and, with ``learn_sigma``, a second channel ``v`` that interpolates the
reverse-process log-variance between log beta_t and log beta-tilde_t, IDDPM Eq. 15). The step and the emotion enter
every residual block through one embedding (sinusoidal step embedding -> MLP, plus a learned class embedding), as
adaptive group-norm scale and shift (IDDPM's ``use_scale_shift_norm``). Class index ``num_classes`` is the "no
condition" token of classifier-free guidance.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["AttentionBlock", "Downsample", "ResBlock", "UNet", "Upsample", "timestep_embedding"]


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [N, dim] of (possibly fractional) steps ``t`` [N] (Vaswani et al. 2017, as DDPM uses it)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    return F.pad(emb, (0, 1)) if dim % 2 else emb


def _norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with up to 8 groups (32 in the papers; 8 suits our narrow layers)."""
    groups = math.gcd(8, channels)
    return nn.GroupNorm(groups, channels)


class ResBlock(nn.Module):
    """Two 3x3 convolutions with the step+class embedding as group-norm scale/shift, and a residual connection."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.conv1 = _norm(in_ch), nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2, self.drop = _norm(out_ch), nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity (IDDPM's zero_module)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Identity() if in_ch == out_ch else nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.drop(F.silu(h)))
        return self.skip(x) + h


class AttentionBlock(nn.Module):
    """Single-head self-attention over the (time x mel) positions of a feature map, with a residual connection."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm, self.qkv = _norm(channels), nn.Conv1d(channels, 3 * channels, 1)
        self.proj = nn.Conv1d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        n, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x).reshape(n, c, h * w)).chunk(3, dim=1)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return x + self.proj(out.transpose(1, 2)).reshape(n, c, h, w)


class Downsample(nn.Module):
    """Halve time and mel resolution with a stride-2 3x3 convolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    """Double time and mel resolution: nearest-neighbour upsampling, then a 3x3 convolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNet(nn.Module):
    """Class-conditional U-Net epsilon-predictor over [N, 1, H, W] maps; H and W must be multiples of :attr:`multiple`.

    Args:
        num_classes: emotion classes; the embedding holds one more row, the null class of classifier-free guidance.
        base_channels: width of the first level; level ``i`` has ``base_channels * channel_mult[i]`` channels.
        channel_mult: one entry per resolution level (``len - 1`` downsamplings).
        num_res_blocks: residual blocks per level on the way down (one more on the way up, as in DDPM).
        attention_levels: per level, whether its blocks are followed by self-attention.
        dropout: dropout inside the residual blocks.
        out_channels: 1 (epsilon) or 2 (epsilon and the variance interpolation ``v`` of IDDPM).
        patch_size: the map is cut into ``patch_size`` x ``patch_size`` patches stacked as channels (pixel unshuffle)
            before the first convolution and put back after the last (pixel shuffle); 2 makes the net ~4x cheaper
            on CPU (ours; the papers' U-Nets work at full resolution, ``patch_size=1``).
    """

    def __init__(
        self,
        num_classes: int,
        base_channels: int = 16,
        channel_mult: tuple[int, ...] = (1, 2, 2),
        num_res_blocks: int = 1,
        attention_levels: tuple[bool, ...] = (False, False, True),
        dropout: float = 0.0,
        out_channels: int = 1,
        patch_size: int = 1,
    ) -> None:
        super().__init__()
        self.num_classes, self.patch_size = num_classes, patch_size
        self.multiple = patch_size * 2 ** (len(channel_mult) - 1)
        emb_dim = 4 * base_channels
        self.base_channels = base_channels
        self.time_mlp = nn.Sequential(nn.Linear(base_channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(num_classes + 1, emb_dim)
        self.inp = nn.Conv2d(patch_size**2, base_channels, 3, padding=1)
        self.down = nn.ModuleList()
        skips, ch = [base_channels], base_channels
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                blocks = [ResBlock(ch, base_channels * mult, emb_dim, dropout)]
                ch = base_channels * mult
                if attention_levels[level]:
                    blocks.append(AttentionBlock(ch))
                self.down.append(nn.ModuleList(blocks))
                skips.append(ch)
            if level < len(channel_mult) - 1:
                self.down.append(nn.ModuleList([Downsample(ch)]))
                skips.append(ch)
        self.mid = nn.ModuleList([ResBlock(ch, ch, emb_dim, dropout), AttentionBlock(ch), ResBlock(ch, ch, emb_dim, dropout)])
        self.up = nn.ModuleList()
        for level, mult in reversed(list(enumerate(channel_mult))):
            for i in range(num_res_blocks + 1):
                blocks = [ResBlock(ch + skips.pop(), base_channels * mult, emb_dim, dropout)]
                ch = base_channels * mult
                if attention_levels[level]:
                    blocks.append(AttentionBlock(ch))
                if level > 0 and i == num_res_blocks:
                    blocks.append(Upsample(ch))
                self.up.append(nn.ModuleList(blocks))
        self.out_norm, self.out = _norm(ch), nn.Conv2d(ch, out_channels * patch_size**2, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def embed(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The joint step + class embedding [N, 4 * base_channels] every residual block reads."""
        return self.time_mlp(timestep_embedding(t, self.base_channels)) + self.class_emb(y)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Predicted noise (and ``v``) [N, out_channels, H, W] for noisy maps ``x`` at steps ``t`` of classes ``y``."""
        emb = self.embed(t, y)
        h = self.inp(F.pixel_unshuffle(x, self.patch_size) if self.patch_size > 1 else x)
        hs = [h]
        for blocks in self.down:
            for block in blocks:
                h = block(h, emb)
            hs.append(h)
        for block in self.mid:
            h = block(h, emb)
        for blocks in self.up:
            h = torch.cat([h, hs.pop()], dim=1)
            for block in blocks:
                h = block(h, emb)
        out = self.out(F.silu(self.out_norm(h)))
        return F.pixel_shuffle(out, self.patch_size) if self.patch_size > 1 else out
