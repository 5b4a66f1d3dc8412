"""The denoiser (a class-conditional 1-D U-Net in the layout of Ho et al. 2020) and the downstream 1-D CNN.

The U-Net reads standardised windows [N, C, L] at diffusion step ``t`` and predicts their noise epsilon [N, C, L].
Ho et al.'s U-Net (PixelCNN++ backbone, Wide-ResNet blocks, GroupNorm, sinusoidal step embedding inside every
residual block (as IDDPM's scale-shift norm, see :class:`ResBlock`), self-attention at one resolution, dropout) is kept block for block with 2-D convolutions replaced by
1-D ones over time. The class enters through a learned embedding added to the step embedding; class index
``num_classes`` is the "no condition" token of classifier-free guidance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["AttentionBlock", "Downsample", "ResBlock", "UNet1d", "Upsample", "WindowCNN", "timestep_embedding"]


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [N, dim] of steps ``t`` [N] (Vaswani et al. 2017, as DDPM uses it)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
    return F.pad(emb, (0, 1)) if dim % 2 else emb


def _norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with DDPM's 32 groups at width >= 128, and at least 4 channels per group in narrower layers.

    With one channel per group GroupNorm is an instance norm: it removes every feature map's mean over time, so the
    network cannot read a window's level (e.g. an EDA offset) in its residual branches.
    """
    return nn.GroupNorm(math.gcd(32, max(1, channels // 4)), channels)


class ResBlock(nn.Module):
    """norm -> SiLU -> conv3 -> norm * (1 + scale) + shift from dense(emb) -> SiLU -> dropout -> conv3, plus a (1x1) skip.

    DDPM's ResnetBlock adds dense(emb) as a bias before the second GroupNorm; in a narrow layer GroupNorm has one
    channel per group and subtracts that bias again, erasing step and class. The embedding therefore enters after the
    norm as scale and shift (IDDPM's ``use_scale_shift_norm``, Nichol & Dhariwal 2021).
    """

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.conv1 = _norm(in_ch), nn.Conv1d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2, self.drop = _norm(out_ch), nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(out_ch, out_ch, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity (DDPM's zero-initialised last conv)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Identity() if in_ch == out_ch else nn.Conv1d(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.drop(F.silu(h)))
        return self.skip(x) + h


class AttentionBlock(nn.Module):
    """Single-head self-attention over the time positions of a feature map, with a residual connection."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm, self.qkv = _norm(channels), nn.Conv1d(channels, 3 * channels, 1)
        self.proj = nn.Conv1d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=1)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return x + self.proj(out.transpose(1, 2))


class Downsample(nn.Module):
    """Halve the time resolution with a stride-2 convolution (kernel 3)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    """Double the time resolution: nearest-neighbour upsampling, then a convolution (kernel 3)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNet1d(nn.Module):
    """Class-conditional 1-D U-Net epsilon-predictor over [N, C, L] windows; L must be a multiple of :attr:`multiple`.

    Args:
        in_channels: signal channels C (e.g. 4: BVP, EDA, TEMP, HR); the output has as many.
        num_classes: classes; the embedding holds one more row, the null class of classifier-free guidance.
        base_channels: width of the first level; level ``i`` has ``base_channels * channel_mult[i]`` channels.
        channel_mult: one entry per resolution level (``len - 1`` downsamplings by 2).
        num_res_blocks: residual blocks per level on the way down (one more on the way up, as in DDPM).
        attention_levels: per level, whether its blocks are followed by self-attention (the middle always has one).
        dropout: dropout inside the residual blocks (DDPM: 0.1).
        patch_size: ``patch_size`` consecutive samples of each channel are stacked as channels before the first
            convolution and put back after the last (a 1-D pixel unshuffle; ours, to make the net cheaper on CPU:
            1 is DDPM's full-resolution network).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        base_channels: int = 64,
        channel_mult: Sequence[int] = (1, 2, 2, 2),
        num_res_blocks: int = 2,
        attention_levels: Sequence[bool] = (False, False, True, False),
        dropout: float = 0.1,
        patch_size: int = 1,
    ) -> None:
        super().__init__()
        self.in_channels, self.num_classes, self.patch_size = in_channels, num_classes, patch_size
        self.multiple = patch_size * 2 ** (len(channel_mult) - 1)
        self.base_channels = base_channels
        emb_dim = 4 * base_channels
        self.time_mlp = nn.Sequential(nn.Linear(base_channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(num_classes + 1, emb_dim)
        self.inp = nn.Conv1d(in_channels * patch_size, base_channels, 3, padding=1)
        self.down = nn.ModuleList()
        skips, ch = [base_channels], base_channels
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                blocks: list[nn.Module] = [ResBlock(ch, base_channels * mult, emb_dim, dropout)]
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
        self.out_norm, self.out = _norm(ch), nn.Conv1d(ch, in_channels * patch_size, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def embed(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The joint step + class embedding [N, 4 * base_channels] every residual block reads."""
        return self.time_mlp(timestep_embedding(t, self.base_channels)) + self.class_emb(y)

    def _unshuffle(self, x: torch.Tensor) -> torch.Tensor:
        """[N, C, L] -> [N, C * p, L / p]: each channel's p consecutive samples become p channels."""
        n, c, length = x.shape
        p = self.patch_size
        return x.reshape(n, c, length // p, p).permute(0, 1, 3, 2).reshape(n, c * p, length // p)

    def _shuffle(self, x: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`_unshuffle`."""
        n, cp, short = x.shape
        p = self.patch_size
        return x.reshape(n, cp // p, p, short).permute(0, 1, 3, 2).reshape(n, cp // p, short * p)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Predicted noise [N, C, L] for noisy windows ``x`` at steps ``t`` [N] of classes ``y`` [N]."""
        emb = self.embed(t, y)
        h = self.inp(self._unshuffle(x) if self.patch_size > 1 else x)
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
        return self._shuffle(out) if self.patch_size > 1 else out


class WindowCNN(nn.Module):
    """Downstream classifier for windows [N, C, L]: per-channel z-scoring -> [conv7, BatchNorm, ReLU, max-pool 4] blocks
    -> global average pool -> dropout -> linear (a 1-D counterpart of emozoo's ``pooled_cnn``; ours, see card.md)."""

    def __init__(self, in_channels: int, num_classes: int, channels: Sequence[int] = (16, 32, 64), dropout: float = 0.3) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_channels, 1))
        self.register_buffer("std", torch.ones(in_channels, 1))
        blocks: list[nn.Module] = []
        c_in = in_channels
        for c in channels:
            blocks += [nn.Conv1d(c_in, int(c), 7, padding=3), nn.BatchNorm1d(int(c)), nn.ReLU(), nn.MaxPool1d(4, ceil_mode=True)]
            c_in = int(c)
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in, num_classes))

    @torch.no_grad()
    def set_statistics(self, x: torch.Tensor) -> None:
        """Per-channel mean and std of training windows [N, C, L] for the input z-scoring."""
        self.mean.copy_(x.mean((0, 2))[:, None])
        self.std.copy_(x.std((0, 2), unbiased=False).clamp_min(1e-6)[:, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits [N, num_classes]."""
        return self.head(self.features((x - self.mean) / self.std))
