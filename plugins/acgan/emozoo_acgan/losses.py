"""ACGAN's objectives (Odena et al. 2017, eqs. 2-3), as losses to minimise, from D's logits.

L_S = E[log P(S=real | X_real)] + E[log P(S=fake | X_fake)]     (source log-likelihood)
L_C = E[log P(C=c | X_real)] + E[log P(C=c | X_fake)]           (class log-likelihood)
D maximises L_S + L_C; G maximises L_C - L_S.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["class_log_likelihood", "discriminator_loss", "generator_loss", "source_log_likelihood"]


def source_log_likelihood(real_source: torch.Tensor, fake_source: torch.Tensor) -> torch.Tensor:
    """L_S (eq. 2) from source logits: mean log sigmoid(real) + mean log(1 - sigmoid(fake))."""
    return F.logsigmoid(real_source).mean() + F.logsigmoid(-fake_source).mean()


def class_log_likelihood(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """One term of L_C (eq. 3): mean log softmax(class_logits)[label]."""
    return -F.cross_entropy(class_logits, labels)


def discriminator_loss(real_source: torch.Tensor, real_classes: torch.Tensor, real_labels: torch.Tensor,
                       fake_source: torch.Tensor, fake_classes: torch.Tensor, fake_labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """-(L_S + L_C), D's loss; also returns its parts ``source`` (-L_S) and ``classes`` (-L_C)."""
    source = -source_log_likelihood(real_source, fake_source)
    classes = -(class_log_likelihood(real_classes, real_labels) + class_log_likelihood(fake_classes, fake_labels))
    return {"loss": source + classes, "source": source, "classes": classes}


def generator_loss(fake_source: torch.Tensor, fake_classes: torch.Tensor, fake_labels: torch.Tensor,
                   objective: str = "non_saturating") -> dict[str, torch.Tensor]:
    """G's loss from D's outputs on G(z, c); ``source`` and ``classes`` are its parts.

    ``"minimax"``: -(L_C - L_S) restricted to the terms that depend on G, i.e. CE(fake) + mean log(1 - D(fake)),
    eq. 2-3 as written. ``"non_saturating"`` (default, as in Goodfellow et al. 2014 and ACGAN's released code):
    the source term becomes -mean log D(fake), which has the same fixed point and strong early gradients.
    """
    classes = F.cross_entropy(fake_classes, fake_labels)
    if objective == "minimax":
        source = F.logsigmoid(-fake_source).mean()
    elif objective == "non_saturating":
        source = -F.logsigmoid(fake_source).mean()
    else:
        raise ValueError(f"unknown generator objective {objective!r}; expected 'non_saturating' or 'minimax'")
    return {"loss": source + classes, "source": source, "classes": classes}
