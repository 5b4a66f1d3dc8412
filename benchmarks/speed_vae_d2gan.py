"""Time per training epoch: the vae-d2gan plugin's fit step (through emozoo.Runtime) vs a hand-written PyTorch loop.

Both do the same updates per batch on the same shapes, the plugin's current objective: fakes from the posterior and
the prior with the decoder's observation noise; one D1/D2 step (D2GAN losses on reals vs the detached fakes, one
Adam); then ONE encoder + generator step (one Adam) on the one joint loss kl·KL + recon·Gaussian NLL (learned
decoder variance) + adv·D2GAN generator term against the updated discriminators. Same network sizes, batch size and
Adam settings; both read out the same seven logged losses per step. Epochs alternate one by
one: after each plugin epoch (timed by the Runtime's History) an epoch-end callback runs one reference epoch (timed
here, outside the plugin's epoch), so both see the same machine load. Several repeats; the first epoch of every run
is warm-up and is not counted. Writes
benchmarks/results/speed_vae_d2gan.json and .md.

    python benchmarks/speed_vae_d2gan.py [--samples 2048] [--epochs 3] [--repeats 5] [--device auto] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from emozoo_eeg.layout import to_grid
from emozoo_vae_d2gan.model import VAED2GAN, VAED2GANConfig
from emozoo_vae_d2gan.networks import Discriminator, Encoder, Generator

from emozoo.data.batches import EEGBatch
from emozoo.runtime import Runtime

OUT = Path(__file__).resolve().parent / "results"


def toy_data(n: int, k: int = 3) -> EEGBatch:
    """Class-conditional Gaussian DE features [n, 62, 5]."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % k
    means = 4.0 + torch.randn(k, 62, 5, generator=g)
    return EEGBatch(features=means[labels] + 0.3 * torch.randn(n, 62, 5, generator=g), labels=labels)


class Interleave:
    """Epoch-end callback that runs one epoch of the reference loop between two plugin epochs."""

    def __init__(self, reference: Iterator[float]):
        self.reference, self.seconds = reference, []

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        self.seconds.append(next(self.reference))
        return False


def interleaved_run(cfg: VAED2GANConfig, data: EEGBatch, device: str) -> tuple[list[float], list[float]]:
    """(plugin, reference) seconds per epoch; the plugin's from its History, its classifier switched off."""
    model = VAED2GAN(cfg)
    interleave = Interleave(reference_epochs(cfg, data, device))
    history = model.fit(data, runtime=Runtime(device=device, progress=False), callbacks=[interleave])
    return [r["seconds"] for r in history], interleave.seconds


def reference_epochs(cfg: VAED2GANConfig, data: EEGBatch, device: str) -> Iterator[float]:
    """The same training written as a plain PyTorch loop (DCGAN-tutorial style); yields each epoch's seconds.

    The plugin's current objective (one loss, one optimiser for encoder + generator; see the module docstring),
    written out here from the equations, not through the plugin's step or loss functions."""
    torch.manual_seed(cfg.seed)
    dev = torch.device(device)
    k, grid = cfg.num_classes, (9, 9)
    enc = Encoder(cfg.num_bands, k, cfg.width, cfg.latent_dim, grid).to(dev)
    gen = Generator(cfg.num_bands, k, cfg.width, cfg.latent_dim, grid, learn_variance=cfg.learn_decoder_variance).to(dev)
    d1 = Discriminator(cfg.num_bands, k, cfg.width, grid).to(dev)
    d2 = Discriminator(cfg.num_bands, k, cfg.width, grid).to(dev)
    x = data.features
    mean, std = x.mean(0), x.std(0, unbiased=False).clamp_min(1e-6)
    grids = to_grid((x - mean) / std, "seed62")
    mask = to_grid(torch.ones(1, 62, 1), "seed62")[0, 0].to(dev)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(grids, data.labels), batch_size=cfg.batch_size, shuffle=True)
    betas = tuple(cfg.adam_betas)
    opt_eg = torch.optim.Adam(list(enc.parameters()) + list(gen.parameters()), lr=cfg.lr, betas=betas)
    d_params = list(d1.parameters()) + list(d2.parameters())
    opt_d = torch.optim.Adam(d_params, lr=cfg.lr, betas=betas)
    a, b = cfg.alpha, cfg.beta

    def log_d(logit: torch.Tensor) -> torch.Tensor:  # log softplus(l), linear far below 0 where softplus underflows
        return torch.where(logit < -15.0, logit, torch.log(F.softplus(logit.clamp_min(-15.0))))

    for _ in range(cfg.epochs):
        start = time.perf_counter()
        logs = []
        for xb, yb in loader:
            xb, yb = xb.to(dev), yb.to(dev)
            n = xb.shape[0]
            oh = F.one_hot(yb, k).float()
            mu, logvar = enc(xb, oh)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            recon = gen(z, oh, mask)
            kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1).mean()
            rec = 0.5 * (((recon - xb) ** 2 * torch.exp(-gen.log_var) + gen.log_var) * mask).sum() / n  # Gaussian NLL
            loss_vae = cfg.kl_weight * kl + cfg.recon_weight * rec

            # fakes from the posterior and the prior, with the decoder's observation noise
            oh2 = torch.cat([oh, oh])
            fake = torch.cat([recon, gen(torch.randn_like(mu), oh, mask)])
            if cfg.sample_decoder_noise:
                fake = fake + torch.exp(0.5 * gen.log_var) * torch.randn_like(fake) * mask
            both, both_oh = torch.cat([xb, fake.detach()]), torch.cat([oh, oh2])
            l1, l2 = d1(both, both_oh), d2(both, both_oh)
            loss_d1 = -a * log_d(l1[:n]).mean() + F.softplus(l1[n:]).mean()
            loss_d2 = F.softplus(l2[:n]).mean() - b * log_d(l2[n:]).mean()
            opt_d.zero_grad()
            (loss_d1 + loss_d2).backward()
            opt_d.step()

            # one loss, one optimiser: the VAE terms plus the adversarial term against the updated discriminators
            for p in d_params:
                p.requires_grad_(False)
            loss_g = -F.softplus(d1(fake, oh2)).mean() + b * log_d(d2(fake, oh2)).mean()
            loss = loss_vae + cfg.adv_weight * loss_g
            opt_eg.zero_grad()
            loss.backward()
            opt_eg.step()
            for p in d_params:
                p.requires_grad_(True)
            logs.append([t.item() for t in (loss, loss_vae, kl, rec, loss_d1, loss_d2, loss_g)])
        if dev.type == "cuda":
            torch.cuda.synchronize()
        yield time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    cfg = VAED2GANConfig(epochs=args.epochs, classifier_epochs=0, synthetic_ratio=0.0, device=device)
    data = toy_data(args.samples)
    load_start = os.getloadavg()[0]
    runs: dict[str, list[float]] = {"plugin": [], "reference": []}
    for _ in range(args.repeats):  # drop each run's first (warm-up) epoch
        plugin, reference = interleaved_run(cfg, data, device)
        runs["plugin"] += plugin[1:]
        runs["reference"] += reference[1:]
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratio = med["plugin"] / med["reference"]
    paired = statistics.median(p / r for p, r in zip(runs["plugin"], runs["reference"]))
    steps = -(-args.samples // cfg.batch_size)
    result = {
        "benchmark": "speed_vae_d2gan",
        "what": "seconds per training epoch of VAE-D2GAN (per batch: one D1/D2 update, one encoder + generator update on the joint loss)",
        "device": device if device == "cpu" else torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "samples": args.samples,
        "batch_size": cfg.batch_size,
        "steps_per_epoch": steps,
        "epochs_per_run": args.epochs,
        "repeats": args.repeats,
        "config": {k: getattr(cfg, k) for k in ("latent_dim", "width", "lr", "adam_betas", "alpha", "beta", "adv_weight", "learn_decoder_variance", "sample_decoder_noise")},
        "epoch_seconds": runs,
        "median_epoch_seconds": med,
        "ratio_plugin_over_reference": ratio,
        "median_paired_ratio": paired,
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
        "command": "python benchmarks/speed_vae_d2gan.py " + " ".join(sys.argv[1:]),
        "target_ratio": 1.0,
        "meets_target": ratio <= 1.0,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed_vae_d2gan.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# vae-d2gan: time per training epoch, plugin vs hand-written PyTorch loop",
        "",
        (
            f"Device: {result['device']} (torch {result['torch']}, {result['threads']} threads). {args.samples} samples, "
            f"batch {cfg.batch_size} ({steps} steps/epoch), width {cfg.width}, latent {cfg.latent_dim}; {args.repeats} repeats x "
            f"{args.epochs - 1} timed epochs each, plugin and reference epochs interleaved one by one."
        ),
        "",
        "| loop | median s/epoch | min | max |",
        "|---|---|---|---|",
        *(f"| {k} | {med[k]:.4f} | {min(v):.4f} | {max(v):.4f} |" for k, v in runs.items()),
        "",
        (
            f"**Ratio plugin / reference (medians): {ratio:.3f}** (target <= 1.0: {'met' if ratio <= 1.0 else 'not met'}); "
            f"median of the per-epoch paired ratios: {paired:.3f}."
        ),
        "",
        (
            f"1-minute load average {result['load_average_1min']['start']:.1f} at the start, "
            f"{result['load_average_1min']['end']:.1f} at the end (the machine is shared, hence the interleaving). "
            f"Produced by `{result['command']}`."
        ),
    ]
    (args.out / "speed_vae_d2gan.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print(json.dumps({"median_epoch_seconds": med, "ratio": ratio}, indent=2))


if __name__ == "__main__":
    main()
