"""IMDer's refinement of recovered features (a residual channel-attention group) and its MulT fusion head."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from emozoo_imder.transformer import CrossModalEncoder


class _ChannelAttention(nn.Module):
    def __init__(self, channels: int, reduction: int):
        super().__init__()
        mid = max(1, channels // reduction)
        self.net = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Conv1d(channels, mid, 1), nn.ReLU(), nn.Conv1d(mid, channels, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.net(x)


class _RCAB(nn.Module):
    """Residual channel-attention block: x + CA(conv-relu-conv(x))."""

    def __init__(self, channels: int, reduction: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(channels, channels, 3, 1, 1), nn.ReLU(), nn.Conv1d(channels, channels, 3, 1, 1), _ChannelAttention(channels, reduction)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Refiner(nn.Module):
    """Refines a sampled modality [N, d, T]: x + (1x1 up to 2d, a residual group of RCABs, 1x1 back to d).

    The outer residual with a zero-initialised last 1x1 is ours: the refiner starts as the identity, so a short
    stage 2 cannot make a good sample worse (the official block has no outer residual)."""

    def __init__(self, width: int, blocks: int, reduction: int):
        super().__init__()
        wide = 2 * width
        self.up = nn.Conv1d(width, wide, 1)
        self.group = nn.Sequential(*[_RCAB(wide, reduction) for _ in range(blocks)], nn.Conv1d(wide, wide, 3, 1, 1))
        self.down = nn.Conv1d(wide, width, 1)
        nn.init.zeros_(self.down.weight)
        nn.init.zeros_(self.down.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.up(x)
        return x + self.down(h + self.group(h))


class MulTFusion(nn.Module):
    """Cross-modal transformers (each modality attends to the other two), self-attention memories, residual head."""

    def __init__(
        self,
        width: int,
        heads: int,
        layers: int,
        *,
        memory_layers: int,
        attn_dropout: float,
        attn_dropout_audio: float,
        attn_dropout_vision: float,
        relu_dropout: float,
        res_dropout: float,
        embed_dropout: float,
        output_dropout: float,
        causal: bool,
    ):
        super().__init__()
        drop_by_source = {"text": attn_dropout, "audio": attn_dropout_audio, "vision": attn_dropout_vision}
        common = {"relu_dropout": relu_dropout, "res_dropout": res_dropout, "embed_dropout": embed_dropout, "causal": causal}
        self.mods = ("text", "audio", "vision")
        self.cross = nn.ModuleDict(
            {
                f"{tgt}_{src}": CrossModalEncoder(width, heads, layers, attn_dropout=drop_by_source[src], **common)
                for tgt in self.mods
                for src in self.mods
                if src != tgt
            }
        )
        self.memory = nn.ModuleDict(
            {m: CrossModalEncoder(2 * width, heads, max(layers, memory_layers), attn_dropout=attn_dropout, **common) for m in self.mods}
        )
        combined = 6 * width
        self.proj1, self.proj2 = nn.Linear(combined, combined), nn.Linear(combined, combined)
        self.out = nn.Linear(combined, 1)
        self.output_dropout = output_dropout

    def forward(self, feats: dict[str, torch.Tensor]) -> torch.Tensor:
        """``feats``: modality -> [N, T, d]; returns the regression output [N]."""
        last = []
        for tgt in self.mods:
            others = [self.cross[f"{tgt}_{src}"](feats[tgt], feats[src]) for src in self.mods if src != tgt]
            last.append(self.memory[tgt](torch.cat(others, dim=-1))[:, -1])
        h = torch.cat(last, dim=-1)
        h = h + self.proj2(F.dropout(F.relu(self.proj1(h)), p=self.output_dropout, training=self.training))
        return self.out(h).squeeze(-1)
