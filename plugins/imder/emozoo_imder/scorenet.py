"""IMDer's conditional score network: a 1-D U-Net whose every level cross-attends to the available modalities."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from emozoo_imder.sde import marginal_std
from emozoo_imder.transformer import CrossModalEncoder


class GaussianFourierProjection(nn.Module):
    """Fixed random Fourier features of the diffusion time t (a persistent buffer, so it survives save/load)."""

    def __init__(self, dim: int, scale: float):
        super().__init__()
        self.register_buffer("W", torch.randn(dim // 2) * scale)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        proj = t[:, None] * self.W[None, :] * 2 * np.pi
        return torch.cat([proj.sin(), proj.cos()], dim=-1)


def _groups(channels: int, cap: int) -> int:
    return math.gcd(channels, cap)


class ScoreNet(nn.Module):
    """s(x_t, t | c) for x, c of shape [N, width, T]; levels halve T; output is divided by std(t) as in the paper."""

    def __init__(
        self,
        width: int,
        channels: tuple[int, ...],
        embed_dim: int,
        heads: int,
        attn_layers: int,
        fourier_scale: float,
        sigma: float,
        causal: bool,
    ):
        super().__init__()
        self.sigma, self.levels = sigma, len(channels)
        c = list(channels)

        def attn(dim: int) -> CrossModalEncoder:
            return CrossModalEncoder(dim, heads, attn_layers, causal=causal)

        self.time = nn.Sequential(GaussianFourierProjection(embed_dim, fourier_scale), nn.Linear(embed_dim, embed_dim))
        self.enc = nn.ModuleList([nn.Conv1d(width, c[0], 3, 1, 1, bias=False)])
        self.enc += [nn.Conv1d(c[i - 1], c[i], 3, 2, 1, bias=False) for i in range(1, len(c))]
        self.enc_cond = nn.ModuleList([nn.Identity() if width == c[0] else nn.Conv1d(width, c[0], 1, bias=False)])
        self.enc_cond += [nn.Conv1d(c[i - 1], c[i], 3, 2, 1, bias=False) for i in range(1, len(c))]
        self.enc_attn = nn.ModuleList(attn(ch) for ch in c)
        self.enc_dense = nn.ModuleList(nn.Linear(embed_dim, ch) for ch in c)
        self.enc_norm = nn.ModuleList(nn.GroupNorm(_groups(ch, 4 if i == 0 else 32), ch) for i, ch in enumerate(c))
        # decoder level i maps c[i] (deepest: no skip; others: concat skip) -> c[i-1]
        self.dec = nn.ModuleList(
            nn.ConvTranspose1d(c[i] * (1 if i == len(c) - 1 else 2), c[i - 1], 3, 2, 1, output_padding=1, bias=False)
            for i in range(len(c) - 1, 0, -1)
        )
        self.dec_cond = nn.ModuleList(
            nn.ConvTranspose1d(c[i], c[i - 1], 3, 2, 1, output_padding=1, bias=False) for i in range(len(c) - 1, 0, -1)
        )
        self.dec_attn = nn.ModuleList(attn(c[i - 1]) for i in range(len(c) - 1, 0, -1))
        self.dec_dense = nn.ModuleList(nn.Linear(embed_dim, c[i - 1]) for i in range(len(c) - 1, 0, -1))
        self.dec_norm = nn.ModuleList(nn.GroupNorm(_groups(c[i - 1], 32), c[i - 1]) for i in range(len(c) - 1, 0, -1))
        self.out = nn.ConvTranspose1d(c[0] * (2 if len(c) > 1 else 1), width, 3, 1, 1)
        self.out_cond = nn.ConvTranspose1d(c[0], width, 3, 1, 1)
        self.out_attn = attn(width)

    @staticmethod
    def _cross(block: CrossModalEncoder, h: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return h + block(h.transpose(1, 2), cond.transpose(1, 2)).transpose(1, 2)

    def forward(self, x: torch.Tensor, t: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        length = x.shape[-1]
        mult = 2 ** (self.levels - 1)
        pad = (-length) % mult
        if pad:
            x, condition = F.pad(x, (0, pad)), F.pad(condition, (0, pad))
        emb = F.silu(self.time(t))
        skips, h, cond = [], x, condition
        for i in range(self.levels):
            h, cond = self.enc[i](h), self.enc_cond[i](cond)
            h = self._cross(self.enc_attn[i], h, cond) + self.enc_dense[i](emb)[..., None]
            h = F.silu(self.enc_norm[i](h))
            skips.append(h)
        for j in range(self.levels - 1):
            inp = h if j == 0 else torch.cat([h, skips[self.levels - 1 - j]], dim=1)
            h, cond = self.dec[j](inp), self.dec_cond[j](cond)
            h = self._cross(self.dec_attn[j], h, cond) + self.dec_dense[j](emb)[..., None]
            h = F.silu(self.dec_norm[j](h))
        inp = torch.cat([h, skips[0]], dim=1) if self.levels > 1 else h
        h = self._cross(self.out_attn, self.out(inp), self.out_cond(cond))
        h = h / marginal_std(t, self.sigma)[:, None, None]
        return h[..., :length]
