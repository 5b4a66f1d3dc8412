"""One VAE-D2GAN training step (D1/D2 update, then one encoder + generator update on the joint loss) as a ``step_fn``
for ``Runtime.train``, its two optimizers and its loader."""

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


def make_optimizers(
    encoder: nn.Module, generator: nn.Module, d1: nn.Module, d2: nn.Module, lr: float, betas: tuple[float, float]
) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    """The two players' Adam optimizers: (encoder + generator, D1 + D2).

    One optimizer over the encoder and the generator minimises the one joint loss (VAE terms + adversarial term),
    so ``adv_weight`` trades the terms off inside each update; the discriminators are the other player.
    """
    opt_eg = torch.optim.Adam([*encoder.parameters(), *generator.parameters()], lr=lr, betas=betas)
    opt_d = torch.optim.Adam([*d1.parameters(), *d2.parameters()], lr=lr, betas=betas)
    return opt_eg, opt_d


def make_step(
    encoder: nn.Module,
    generator: nn.Module,
    d1: nn.Module,
    d2: nn.Module,
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
    runtime: Any,
    weights: LossWeights,
    mask: torch.Tensor,
    num_classes: int,
    latent_dim: int,
    noise: torch.Generator,
    sample_noise: bool = True,
) -> Callable[[tuple[torch.Tensor, torch.Tensor]], dict[str, torch.Tensor]]:
    """Build ``step(batch)`` doing, per batch of real maps x with labels y:

    1. fakes: G([z; z_p], [y; y]) with z = μ + σ·ε from q(z|x,y) and z_p ~ N(0, I), plus the decoder's observation
       noise when ``sample_noise`` (what ``generate`` returns);
    2. D1, D2 (their optimizer): minimise their D2GAN losses on x against the detached fakes;
    3. encoder + generator (one optimizer, one loss):
       kl·KL(q(z|x,y) ‖ N(0,I)) + recon·(−log N(x; G(z,y), σ²)) + adv·(−D1(fake) + β·log D2(fake)),
       the last term against the updated discriminators.

    With ``weights.adv == 0`` steps 1–2 are skipped: the loss is the negative ELBO of a plain conditional VAE.
    ``optimizers`` is (encoder + generator, D1 + D2), as ``make_optimizers`` builds them.
    """
    opt_eg, opt_d = optimizers
    g_plain = runtime.unwrap_model(generator)
    d1_plain, d2_plain = runtime.unwrap_model(d1), runtime.unwrap_model(d2)
    d_params = [p for m in (d1_plain, d2_plain) for p in m.parameters()]
    adversarial = weights.adv > 0

    def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        x, y = batch
        n = x.shape[0]
        onehot = F.one_hot(y, num_classes).to(x.dtype)
        with runtime.autocast():
            mu, logvar = encoder(x, onehot)
            mu, logvar = mu.float(), logvar.float()
            eps = torch.randn(mu.shape, generator=noise, device=mu.device)
            z = mu + eps * torch.exp(0.5 * logvar)
            recon = generator(z, onehot, mask)
        kl = losses.kl_standard_normal(mu, logvar)
        rec = losses.reconstruction_loss(recon.float(), x, mask, g_plain.log_var)
        loss = weights.kl * kl + weights.recon * rec  # the negative ELBO
        out = {"loss_vae": loss.detach(), "kl": kl.detach(), "recon": rec.detach()}
        if adversarial:
            # 1. fakes from the posterior (reconstructions) and from the prior, as samples of p(x | z, y)
            z_prior = torch.randn((n, latent_dim), generator=noise, device=x.device)
            onehot2 = torch.cat([onehot, onehot])
            with runtime.autocast():
                fake = torch.cat([recon, generator(z_prior, onehot, mask)]).float()
            if sample_noise:
                fake = g_plain.sample(fake, mask, torch.randn(fake.shape, generator=noise, device=x.device))
            # 2. D1 / D2 update on reals vs the detached fakes
            both, both_onehot = torch.cat([x, fake.detach()]), torch.cat([onehot, onehot2])
            with runtime.autocast():
                l1, l2 = d1(both, both_onehot).float(), d2(both, both_onehot).float()
            loss_d1 = losses.d1_loss(l1[:n], l1[n:], weights.alpha)
            loss_d2 = losses.d2_loss(l2[:n], l2[n:], weights.beta)
            opt_d.zero_grad(set_to_none=True)
            runtime.backward(loss_d1 + loss_d2)
            opt_d.step()
            # 3a. the generator's D2GAN term against the updated discriminators (their weights get no gradient)
            for p in d_params:
                p.requires_grad_(False)
            with runtime.autocast():
                g1, g2 = d1_plain(fake, onehot2).float(), d2_plain(fake, onehot2).float()
            loss_g = losses.generator_loss(g1, g2, weights.beta)
            loss = loss + weights.adv * loss_g
            out.update(loss_d1=loss_d1.detach(), loss_d2=loss_d2.detach(), loss_g=loss_g.detach())
        # 3. one update of encoder + generator on the joint loss
        opt_eg.zero_grad(set_to_none=True)
        runtime.backward(loss)
        opt_eg.step()
        if adversarial:
            for p in d_params:
                p.requires_grad_(True)
        return {"loss": loss.detach(), **out}

    return step
