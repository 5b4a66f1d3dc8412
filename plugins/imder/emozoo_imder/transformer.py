"""MulT-style (cross-modal) transformer encoder used by IMDer's fusion and by its score networks' conditioning."""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoidal_positions(length: int, dim: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """[length, dim] sin/cos position table (positions start at 1, as fairseq/MulT do)."""
    half = dim // 2
    freq = torch.exp(-math.log(10000.0) * torch.arange(half, device=device, dtype=torch.float32) / max(half - 1, 1))
    pos = torch.arange(1, length + 1, device=device, dtype=torch.float32)[:, None] * freq[None, :]
    table = torch.cat([pos.sin(), pos.cos()], dim=1)
    if dim % 2:
        table = torch.cat([table, torch.zeros(length, 1, device=device)], dim=1)
    return table.to(dtype)


def future_mask(q_len: int, k_len: int, device: torch.device) -> torch.Tensor:
    """Bool [q_len, k_len] mask, True = blocked: key j is hidden from query i when j > i + |k_len - q_len| (MulT)."""
    i = torch.arange(q_len, device=device)[:, None]
    j = torch.arange(k_len, device=device)[None, :]
    return j > i + abs(k_len - q_len)


class _Layer(nn.Module):
    """Pre-norm attention (query from x, keys/values from kv, one shared LayerNorm) + pre-norm 4x feed-forward."""

    def __init__(self, dim: int, heads: int, attn_dropout: float, relu_dropout: float, res_dropout: float):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, dropout=attn_dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, 4 * dim), nn.ReLU(), nn.Dropout(relu_dropout), nn.Linear(4 * dim, dim))
        self.drop = nn.Dropout(res_dropout)

    def forward(self, x: torch.Tensor, kv: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        q, k = self.norm1(x), self.norm1(kv)
        x = x + self.drop(self.attn(q, k, k, attn_mask=mask, need_weights=False)[0])
        return x + self.drop(self.ffn(self.norm2(x)))


class CrossModalEncoder(nn.Module):
    """Stack of cross-modal layers: ``forward(x, kv)`` attends from ``x`` [N, Tq, C] to ``kv`` [N, Tk, C] (self if None)."""

    def __init__(
        self,
        dim: int,
        heads: int,
        layers: int,
        *,
        attn_dropout: float = 0.0,
        relu_dropout: float = 0.0,
        res_dropout: float = 0.0,
        embed_dropout: float = 0.0,
        causal: bool = True,
    ):
        super().__init__()
        heads = math.gcd(heads, dim)
        self.dim, self.causal = dim, causal
        self.layers = nn.ModuleList(_Layer(dim, heads, attn_dropout, relu_dropout, res_dropout) for _ in range(layers))
        self.embed_drop = nn.Dropout(embed_dropout)
        self.norm = nn.LayerNorm(dim)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed_drop(math.sqrt(self.dim) * x + sinusoidal_positions(x.shape[1], self.dim, x.device, x.dtype))

    def forward(self, x: torch.Tensor, kv: torch.Tensor | None = None) -> torch.Tensor:
        q = self._embed(x)
        k = q if kv is None else self._embed(kv)
        mask = future_mask(q.shape[1], k.shape[1], x.device) if self.causal else None
        for layer in self.layers:
            q = layer(q, k if kv is not None else q, mask)
        return self.norm(q)
