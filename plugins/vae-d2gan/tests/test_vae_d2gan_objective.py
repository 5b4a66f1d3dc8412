"""The objective as the paper describes it: VAE and adversarial terms in one loss and one optimizer, ``adv_weight``
that matters, a decoder whose samples spread like the data, and the conditional-VAE ablation (``adv_weight`` 0)."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from emozoo_eeg.layout import from_grid
from emozoo_vae_d2gan import losses
from emozoo_vae_d2gan.model import VAED2GAN, VAED2GANConfig
from emozoo_vae_d2gan.training import LossWeights, make_optimizers, make_step

import emozoo
from emozoo.data.batches import EEGBatch
from emozoo.runtime import Runtime, seeded_cpu_rng

K = 3
SMALL = {"latent_dim": 8, "width": 8, "lr": 1e-2, "classifier_epochs": 0}


def trial_data(seed: int = 0, trials: int = 8, windows: int = 25) -> EEGBatch:
    """DE-like [N, 62, 5] windows with trial structure: class pattern + one offset per trial + per-window noise.

    Within a class most variance is window noise (std 1) around trial means (offset std 0.3), as DE windows of a
    SEED trial scatter around the trial's level: a decoder that returns means cannot reproduce it.
    """
    g = torch.Generator().manual_seed(seed)
    classes = 4.0 + 0.5 * torch.randn(K, 62, 5, generator=g)
    xs, ys = [], []
    for k in range(K):
        for _ in range(trials):
            trial_mean = classes[k] + 0.3 * torch.randn(62, 5, generator=g)
            xs.append(trial_mean + torch.randn(windows, 62, 5, generator=g))
            ys.append(torch.full((windows,), k))
    return EEGBatch(features=torch.cat(xs), labels=torch.cat(ys))


def real_data_classifier(batch: EEGBatch, steps: int = 300):
    """A softmax regression on z-scored features trained on real data; returns x -> predicted class ids."""
    x = batch.features.flatten(1)
    mean, std = x.mean(0), x.std(0)
    with seeded_cpu_rng(0):
        head = torch.nn.Linear(x.shape[1], K)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(head((x - mean) / std), batch.labels).backward()
        opt.step()
    return lambda v: head((v.flatten(1) - mean) / std).argmax(1)


def variance_outside_top_pcs(x: torch.Tensor, d: int) -> float:
    """Mean per-feature variance left after removing the top-``d`` principal directions of ``x`` [n, ...]."""
    flat = x.flatten(1)
    power = torch.linalg.svdvals(flat - flat.mean(0)) ** 2
    return float(power[d:].sum() / (len(flat) - 1) / flat.shape[1])


@pytest.fixture(scope="module")
def trial_fits():
    """{"vae-d2gan": model, "cvae": model}: the same networks, budget and seed, with and without the adversarial term."""
    train = trial_data()
    fits = {}
    for name, adv in (("vae-d2gan", 1.0), ("cvae", 0.0)):
        model = VAED2GAN(
            VAED2GANConfig(**SMALL, batch_size=32, epochs=20, adv_weight=adv)
        )
        model.fit_generator(train, runtime=Runtime(device="cpu", progress=False))
        fits[name] = model
    return train, fits


# --- samples spread like the data (not decoder means), and carry their class ---------------------------------


@pytest.mark.parametrize("name", ["vae-d2gan", "cvae"])
def test_samples_spread_like_the_data_within_class(trial_fits, name):
    train, fits = trial_fits
    model = fits[name]
    for k in range(K):
        real = train.features[train.labels == k]
        fake = model.generate(400, condition=k, seed=3).features
        ratio = float(fake.var(0).mean() / real.var(0).mean())
        assert 0.5 <= ratio <= 2.0, (k, ratio)
        # decoder means G(z, y) lie on a latent_dim-dimensional manifold; data (and sampled noise) do not
        d = model.config.latent_dim
        off_manifold = variance_outside_top_pcs(fake, d) / variance_outside_top_pcs(
            real, d
        )
        assert off_manifold >= 0.5, (k, off_manifold)


def test_label_fidelity_at_least_the_cvae(trial_fits):
    train, fits = trial_fits
    classify = real_data_classifier(train)
    fidelity = {}
    for name, model in fits.items():
        fake = model.generate(300 * K, condition=torch.arange(300 * K) % K, seed=5)
        fidelity[name] = float((classify(fake.features) == fake.labels).float().mean())
    assert fidelity["vae-d2gan"] >= fidelity["cvae"], fidelity
    assert fidelity["vae-d2gan"] >= 0.9, fidelity  # chance is 1/3


# --- one loss, one optimizer; adv_weight matters; adv_weight 0 is the conditional VAE --------------------------


def test_encoder_and_generator_share_one_optimizer_the_discriminators_another():
    model = VAED2GAN(VAED2GANConfig(**SMALL))
    opt_eg, opt_d = make_optimizers(
        model.encoder, model.generator, model.d1, model.d2, 1e-3, (0.5, 0.999)
    )

    def ids(*groups):
        return {id(p) for params in groups for p in params}

    assert ids(*(g["params"] for g in opt_eg.param_groups)) == ids(
        model.encoder.parameters(), model.generator.parameters()
    )
    assert ids(*(g["params"] for g in opt_d.param_groups)) == ids(
        model.d1.parameters(), model.d2.parameters()
    )
    assert (
        model.generator.log_var.requires_grad
    )  # the decoder variance is trained with the rest


def _generator_after_one_step(adv_weight: float) -> torch.Tensor:
    """All generator weights, flattened, after one fit step (one batch holding all the data) with ``adv_weight``."""
    model = VAED2GAN(
        VAED2GANConfig(**SMALL, batch_size=64, epochs=1, adv_weight=adv_weight)
    )
    model.fit_generator(
        trial_data(trials=2, windows=10), runtime=Runtime(device="cpu", progress=False)
    )
    return torch.cat([v.flatten() for v in model.generator.state_dict().values()])


def test_adv_weight_changes_the_generator_update():
    """A first Adam step moves each weight by about lr·sign(gradient), whatever the gradient's scale. With the
    adversarial term on its own Adam, scaling it changed nothing; in the joint loss it changes the gradient's
    direction, so a heavier adversarial term moves a good share of the weights the other way."""
    lr = SMALL["lr"]
    gap = (_generator_after_one_step(1.0) - _generator_after_one_step(100.0)).abs()
    moved_otherwise = float((gap > lr / 2).float().mean())
    assert moved_otherwise > 0.05, moved_otherwise


def test_adv_weight_zero_is_exactly_the_conditional_vae_step():
    config = VAED2GANConfig(**SMALL, adv_weight=0.0)
    model, reference = VAED2GAN(config), VAED2GAN(config)
    batch = trial_data(trials=2, windows=8)
    x = torch.randn(batch.features.shape[0], 5, 9, 9) * model.mask
    y, onehot = batch.labels, F.one_hot(batch.labels, K).float()
    d_before = {k: v.clone() for k, v in model.d1.state_dict().items()}
    weights = LossWeights(
        config.alpha,
        config.beta,
        config.kl_weight,
        config.recon_weight,
        config.adv_weight,
    )
    opts = make_optimizers(
        model.encoder, model.generator, model.d1, model.d2, config.lr, config.adam_betas
    )
    step = make_step(model.encoder, model.generator, model.d1, model.d2, opts, Runtime(device="cpu", progress=False),
                     weights, model.mask, K, config.latent_dim, torch.Generator().manual_seed(0))  # fmt: skip
    step((x, y))

    # the conditional VAE by hand: the negative ELBO with the Gaussian decoder, one Adam step
    enc, gen = reference.encoder, reference.generator
    opt = torch.optim.Adam(
        [*enc.parameters(), *gen.parameters()], lr=config.lr, betas=config.adam_betas
    )
    mu, logvar = enc(x, onehot)
    z = mu + torch.randn(
        mu.shape, generator=torch.Generator().manual_seed(0)
    ) * torch.exp(0.5 * logvar)
    sq = (gen(z, onehot, reference.mask) - x).pow(2) * torch.exp(
        -gen.log_var
    ) + gen.log_var
    elbo_loss = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean() + 0.5 * (
        sq * reference.mask
    ).sum() / len(x)
    opt.zero_grad()
    elbo_loss.backward()
    opt.step()

    for mine, hand in ((model.encoder, enc), (model.generator, gen)):
        for (name, a), b in zip(mine.state_dict().items(), hand.state_dict().values()):
            torch.testing.assert_close(a, b, msg=name)
    assert all(
        torch.equal(d_before[k], v) for k, v in model.d1.state_dict().items()
    )  # no discriminator is trained


def test_cvae_preset_is_vae_d2gan_without_the_adversarial_term():
    spec = emozoo.get_spec("vae-d2gan-cvae")
    assert (
        spec.preset == {"adv_weight": 0.0}
        and spec.model_class == emozoo.get_spec("vae-d2gan").model_class
    )
    model = emozoo.load("vae-d2gan-cvae", **SMALL)
    assert model.config == dataclasses.replace(VAED2GANConfig(**SMALL), adv_weight=0.0)


# --- the Gaussian decoder ----------------------------------------------------------------------------------------


def test_reconstruction_nll_with_variance_matches_torch():
    g = torch.Generator().manual_seed(2)
    recon, target = (
        torch.randn(4, 5, 3, 3, generator=g),
        torch.randn(4, 5, 3, 3, generator=g),
    )
    log_var, mask = (
        torch.randn(5, 3, 3, generator=g),
        (torch.rand(3, 3, generator=g) > 0.3).float(),
    )
    var = log_var.exp().expand_as(recon)
    keep = mask.bool().expand_as(recon)
    want = (
        F.gaussian_nll_loss(recon[keep], target[keep], var[keep], reduction="sum") / 4
    )
    torch.testing.assert_close(
        losses.reconstruction_loss(recon, target, mask, log_var), want
    )
    assert losses.reconstruction_loss(
        recon, target, mask, torch.zeros(5, 3, 3)
    ).item() == pytest.approx(
        losses.reconstruction_loss(recon, target, mask).item()
    )  # log σ² = 0 is the unit-variance form


def test_generate_adds_the_decoder_noise_only_when_asked(trial_fits):
    _, fits = trial_fits
    model = fits["vae-d2gan"]
    with torch.no_grad():
        z = torch.randn(
            (50, model.config.latent_dim), generator=torch.Generator().manual_seed(9)
        )
        means = model.generator(
            z, F.one_hot(torch.ones(50, dtype=torch.long), K).float(), model.mask
        )
    sampled = model.generate(50, condition=1, seed=9).features
    plain = VAED2GAN(dataclasses.replace(model.config, sample_decoder_noise=False))
    plain.load_state_dict(model.state_dict())
    expected = (
        from_grid(means, model.config.layout) * model.feature_std + model.feature_mean
    )
    torch.testing.assert_close(
        plain.generate(50, condition=1, seed=9).features, expected
    )
    assert not torch.allclose(sampled, expected)
