"""The AAE's networks (Makhzani et al. 2016, as Sahu et al. 2017 and Latif et al. 2020 use them): fully connected.

``Encoder`` q(z|x) (and, semi-supervised, q(y|x) as a second head), ``Decoder`` p(x|code) and ``Discriminator``
D(code[, one-hot label]). All are plain MLPs with ReLU hidden layers; the code and reconstruction layers are linear
(inputs are z-scored, so no sigmoid as in the MNIST original).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["Decoder", "Discriminator", "Encoder", "mlp"]


def mlp(in_dim: int, hidden: Sequence[int], out_dim: int | None = None) -> nn.Sequential:
    """Linear-ReLU stack over ``hidden``, then a linear layer to ``out_dim`` when given."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        in_dim = width
    if out_dim is not None:
        layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """x [N, D] -> style/code z [N, code_dim] (and class logits [N, K] when ``num_classes`` is set: semi-supervised).

    ``auxiliary`` adds one linear head per auxiliary task (name -> classes) on the shared last hidden layer
    (Latif et al.'s gender / speaker tasks).
    """

    def __init__(self, in_dim: int, hidden: Sequence[int], code_dim: int, num_classes: int | None = None,
                 auxiliary: dict[str, int] | None = None) -> None:
        super().__init__()
        self.body = mlp(in_dim, hidden)
        width = hidden[-1] if hidden else in_dim
        self.code = nn.Linear(width, code_dim)
        self.category = nn.Linear(width, num_classes) if num_classes else None
        self.auxiliary = nn.ModuleDict({name: nn.Linear(width, k) for name, k in sorted((auxiliary or {}).items())})

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, torch.Tensor]]:
        """(code z, class logits or None, {task: logits}) for ``x``."""
        h = self.body(x)
        logits = self.category(h) if self.category is not None else None
        return self.code(h), logits, {name: head(h) for name, head in self.auxiliary.items()}


class Decoder(nn.Module):
    """Code [N, code_in] -> reconstruction [N, D] (z-scored feature space)."""

    def __init__(self, code_in: int, hidden: Sequence[int], out_dim: int) -> None:
        super().__init__()
        self.net = mlp(code_in, hidden, out_dim)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        """The reconstruction of ``code``."""
        return self.net(code)


class Discriminator(nn.Module):
    """D(code[, one-hot label]) -> logit [N]: prior sample (1) vs encoder output (0).

    With ``num_labels`` the one-hot label is concatenated to the code (Makhzani et al. 2016, Sec. 2.3: the label
    tells the discriminator which mixture component a code must come from).
    """

    def __init__(self, code_dim: int, hidden: Sequence[int], num_labels: int = 0) -> None:
        super().__init__()
        self.num_labels = num_labels
        self.net = mlp(code_dim + num_labels, hidden, 1)

    def forward(self, code: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [N] that ``code`` was drawn from the prior (for ``labels``' components)."""
        if self.num_labels:
            if labels is None:
                raise ValueError("this discriminator is label-conditioned; pass the labels")
            code = torch.cat([code, nn.functional.one_hot(labels, self.num_labels).to(code.dtype)], 1)
        return self.net(code).squeeze(1)
