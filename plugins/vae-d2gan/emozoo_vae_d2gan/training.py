"""One VAE-D2GAN training step (VAE update, D1/D2 update, G update) as a ``step_fn`` for ``Runtime.train``, and its loader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from emozoo_vae_d2gan import losses


@dataclass(frozen=True)
class LossWeights:
    """Coefficients of the losses: D2GAN's α, β and the weights of the KL, reconstruction and adversarial terms."""

    alpha: float
    beta: float
    kl: float
    recon: float
    adv: float


class _GridData(torch.utils.data.Dataset):
    """In-memory (maps, labels); ``__getitems__`` gathers a whole batch with one indexing op instead of per-sample stacking."""

    def __init__(self, grids: torch.Tensor, labels: torch.Tensor):
        self.grids, self.labels = grids, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.grids[i], self.labels[i]

    def __getitems__(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        ix = torch.as_tensor(idx)
        return self.grids[ix], self.labels[ix]


def _as_batch(batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Collate for ``_GridData``: the batch is already gathered."""
    return batch


def make_loader(grids: torch.Tensor, labels: torch.Tensor, batch_size: int, seed: int) -> torch.utils.data.DataLoader:
    """A shuffled loader of (maps [b, B, H, W], labels [b]) whose order is fixed by ``seed``."""
    return torch.utils.data.DataLoader(
        _GridData(grids, labels),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
        collate_fn=_as_batch,
    )


def make_step(
    encoder: nn.Module,
    generator: nn.Module,
    d1: nn.Module,
    d2: nn.Module,
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer, torch.optim.Optimizer],
    runtime: Any,
    weights: LossWeights,
    mask: torch.Tensor,
    num_classes: int,
    latent_dim: int,
    noise: torch.Generator,
) -> Callable[[tuple[torch.Tensor, torch.Tensor]], dict[str, torch.Tensor]]:
    """Build ``step(batch)`` doing, per batch of real maps x with labels y:

    1. VAE (encoder + generator): minimise kl·KL(q(z|x,y) ‖ N(0,I)) + recon·½‖G(z,y) − x‖² with z = μ + σ·ε;
    2. D1, D2: minimise their D2GAN losses on x against the fakes G([z; z_p], [y; y]), z_p ~ N(0, I);
    3. generator: minimise adv·(−D1(fake) + β·log D2(fake)) on the same fakes against the updated discriminators.

    ``optimizers`` is (VAE: encoder + generator, G: generator, D: D1 + D2).
    """
    opt_vae, opt_g, opt_d = optimizers
    d1_plain, d2_plain = runtime.unwrap_model(d1), runtime.unwrap_model(d2)
    d_params = [p for m in (d1_plain, d2_plain) for p in m.parameters()]

    def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        x, y = batch
        n = x.shape[0]
        onehot = F.one_hot(y, num_classes).to(x.dtype)
        # 1. VAE update
        with runtime.autocast():
            mu, logvar = encoder(x, onehot)
            mu, logvar = mu.float(), logvar.float()
            eps = torch.randn(mu.shape, generator=noise, device=mu.device)
            z = mu + eps * torch.exp(0.5 * logvar)
            recon = generator(z, onehot, mask)
        kl = losses.kl_standard_normal(mu, logvar)
        rec = losses.reconstruction_loss(recon.float(), x, mask)
        vae_loss = weights.kl * kl + weights.recon * rec
        opt_vae.zero_grad(set_to_none=True)
        runtime.backward(vae_loss)
        opt_vae.step()
        # 2. D1 / D2 update on reals vs fakes from the posterior and the prior
        z_prior = torch.randn((n, latent_dim), generator=noise, device=x.device)
        onehot2 = torch.cat([onehot, onehot])
        with runtime.autocast():
            fake = generator(torch.cat([z.detach(), z_prior]), onehot2, mask)
            both = torch.cat([x, fake.detach()])
            both_onehot = torch.cat([onehot, onehot2])
            l1, l2 = d1(both, both_onehot).float(), d2(both, both_onehot).float()
        loss_d1 = losses.d1_loss(l1[:n], l1[n:], weights.alpha)
        loss_d2 = losses.d2_loss(l2[:n], l2[n:], weights.beta)
        opt_d.zero_grad(set_to_none=True)
        runtime.backward(loss_d1 + loss_d2)
        opt_d.step()
        # 3. generator update against the new discriminators (their weights get no gradient here)
        for p in d_params:
            p.requires_grad_(False)
        with runtime.autocast():
            g1, g2 = d1_plain(fake, onehot2).float(), d2_plain(fake, onehot2).float()
        loss_g = weights.adv * losses.generator_loss(g1, g2, weights.beta)
        opt_g.zero_grad(set_to_none=True)
        runtime.backward(loss_g)
        opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        return {
            "loss_vae": vae_loss.detach(),
            "kl": kl.detach(),
            "recon": rec.detach(),
            "loss_d1": loss_d1.detach(),
            "loss_d2": loss_d2.detach(),
            "loss_g": loss_g.detach(),
        }

    return step
