"""StarGAN's objectives (Choi et al. 2018, Eqs. 1-7, WGAN-GP form of the official code) and LAUN's contextual loss
(Mechrez et al. 2018, which LAUN adds); each a pure function of tensors."""

from __future__ import annotations

import torch
from torch import nn


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN critic term of L_D: ``-E[D_src(x)] + E[D_src(G(x, c))]`` (patch scores averaged)."""
    return fake_scores.mean() - real_scores.mean()


def generator_adversarial_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN term of L_G: ``-E[D_src(G(x, c))]``."""
    return -fake_scores.mean()


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, alpha: torch.Tensor | None = None) -> torch.Tensor:
    """``E[(||grad_xhat D_src(xhat)||_2 - 1)^2]`` at ``xhat = alpha x + (1 - alpha) G(x, c)``, alpha ~ U(0, 1) per sample
    (Gulrajani et al. 2017); ``critic(x)`` returns the source scores (or a (scores, logits) pair)."""
    if alpha is None:
        alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    xhat = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(xhat)
    scores = out[0] if isinstance(out, tuple) else out
    (grad,) = torch.autograd.grad(scores, xhat, torch.ones_like(scores), create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def domain_classification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """L_cls^r (real images, their labels) and L_cls^f (translations, their targets): ``E[-log D_cls(c | x)]``.

    StarGAN's single-label data sets (RaFD) use softmax cross-entropy; facial expressions are single-label too.
    """
    return nn.functional.cross_entropy(logits, labels)


def cycle_reconstruction_loss(x: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    """L_rec = ``E[||x - G(G(x, c), c')||_1]`` (mean absolute error per pixel, as the official code)."""
    return (x - reconstruction).abs().mean()


def patch_features(x: torch.Tensor, size: int = 5, stride: int = 2) -> torch.Tensor:
    """Pixel patches as contextual-loss features: [N, C, H, W] -> [N, P, C * size^2] (ours; LAUN uses CNN features)."""
    return nn.functional.unfold(x, size, stride=stride).transpose(1, 2)


def contextual_loss(x: torch.Tensor, y: torch.Tensor, bandwidth: float = 0.5, eps: float = 1e-5) -> torch.Tensor:
    """Mechrez et al.'s contextual loss ``-log CX(X, Y)`` between feature sets x [N, P, D] and y [N, Q, D], averaged over N.

    d_ij = 1 - cos(x_i - mu_y, y_j - mu_y) (mu_y: the mean target feature), d~_ij = d_ij / (min_k d_ik + eps),
    w_ij = exp((1 - d~_ij) / h), CX_ij = w_ij / sum_l w_il; CX = mean_j max_i CX_ij.
    """
    mu = y.mean(1, keepdim=True)
    xn = nn.functional.normalize(x - mu, dim=2)
    yn = nn.functional.normalize(y - mu, dim=2)
    d = 1 - xn @ yn.transpose(1, 2)  # [N, P, Q]
    d_rel = d / (d.min(dim=2, keepdim=True).values + eps)
    w = torch.exp((1 - d_rel) / bandwidth)
    cx = w / w.sum(dim=2, keepdim=True)
    score = cx.max(dim=1).values.mean(dim=1)  # [N]
    return -torch.log(score.clamp_min(1e-12)).mean()
