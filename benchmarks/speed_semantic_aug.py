"""Time per training epoch of the semantic-aug plugin (VAE-GAN phase) vs a hand-written PyTorch loop, and generate throughput.

Both train the same networks (emozoo_semantic_aug.networks at the documented CPU width: latent 64, encoder 16-32-64 +
256 hidden, generator 64-32-16, discriminator 8-16-32-64 + 128 hidden) on the same 48 x 48 grey toy faces (8 classes,
generated shapes, no real pixels) with the same updates: per batch of 64 one discriminator step (hinge loss on real vs
reconstructions and prior samples) and one encoder+generator step (Gaussian reconstruction + KLD + generator hinge loss),
Adam(2e-4, betas (0.5, 0.999)). Runs alternate (plugin, reference, ...); each trains ``--epochs`` epochs and the first is
dropped as warm-up. The ratio is median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other
jobs on a shared machine) and in wall time on CUDA; the target is <= 1.05. ``generate`` throughput at batch 1 and 256.

    python benchmarks/speed_semantic_aug.py [--device cpu|cuda] [--repeats 3] [--epochs 3] [--n 256] [--threads 1]

Writes benchmarks/results/face/speed_semantic_aug.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from emozoo.bench.provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "face"
SIZE, CLASSES, BATCH, LR, BETAS, STD = 48, 8, 64, 2e-4, (0.5, 0.999), 0.1
CPU_WIDTHS = {
    "latent_dim": 64, "encoder_channels": (16, 32, 64), "encoder_hidden": 256, "generator_channels": (64, 32, 16),
    "discriminator_channels": (8, 16, 32, 64), "discriminator_hidden": 128,
}
SIZES = {**CPU_WIDTHS, "image_size": SIZE, "batch_size": BATCH, "lr": LR, "betas": BETAS, "decoder_std": STD}


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Toy faces [n, 1, 48, 48] in [0, 1] (a class-specific shape each) and labels [n]."""
    from emozoo_semantic_aug.example import toy_faces

    labels = torch.arange(n) % CLASSES
    return toy_faces(labels, SIZE, seed=0), labels


class EpochClock:
    """Runtime callback: wall and process-CPU seconds of each epoch."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def on_train_begin(self) -> None:
        self._t = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        now = (time.perf_counter(), time.process_time())
        self.wall.append(now[0] - self._t[0])
        self.cpu.append(now[1] - self._t[1])
        self._t = now
        return False


def plugin_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float]]:
    """(wall, cpu) seconds per epoch of SemanticAugFER.fit_generator's VAE-GAN phase."""
    from emozoo_semantic_aug.model import SemanticAugFER, SemanticAugFERConfig

    from emozoo.data.batches import ImageBatch
    from emozoo.runtime import Runtime

    clock = EpochClock()
    model = SemanticAugFER(SemanticAugFERConfig(**SIZES, epochs=epochs, classifier_epochs=0))
    model.fit_generator(ImageBatch(images=x, labels=y), runtime=Runtime(device=device, progress=False), callbacks=[clock])
    return clock.wall, clock.cpu


def reference_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float]]:
    """The same VAE-GAN training as a plain PyTorch loop over the same networks; (wall, cpu) seconds per epoch."""
    from emozoo_semantic_aug.networks import Discriminator, Encoder, Generator
    from torch.nn import functional as F

    torch.manual_seed(0)
    w = CPU_WIDTHS
    enc = Encoder(1, SIZE, w["encoder_channels"], w["encoder_hidden"], w["latent_dim"]).to(device)
    gen = Generator(1, SIZE, w["generator_channels"], w["latent_dim"]).to(device)
    disc = Discriminator(1, SIZE, w["discriminator_channels"], w["discriminator_hidden"]).to(device)
    opt_eg = torch.optim.Adam([*enc.parameters(), *gen.parameters()], lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(disc.parameters(), lr=LR, betas=BETAS)
    x = x.to(device)
    g = torch.Generator().manual_seed(0)
    wall, cpu = [], []
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), BATCH):
            real = x[order[i:i + BATCH].to(device)]
            mu, logvar = enc(real)
            rec = gen(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
            prior = gen(torch.randn_like(mu))
            loss_d = F.relu(1 - disc(real)).mean() + 0.5 * (F.relu(1 + disc(rec.detach())).mean() + F.relu(1 + disc(prior.detach())).mean())
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            for p in disc.parameters():
                p.requires_grad_(False)
            loss_rec = (rec - real).pow(2).flatten(1).sum(1).mean() / (2 * STD * STD)
            loss_kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean()
            loss_g = -0.5 * (disc(rec).mean() + disc(prior).mean())
            loss = loss_rec + loss_kl + loss_g
            opt_eg.zero_grad(set_to_none=True)
            loss.backward()
            opt_eg.step()
            for p in disc.parameters():
                p.requires_grad_(True)
            _ = (loss_d.item(), loss_g.item(), loss_rec.item(), loss_kl.item(), loss.item())  # the plugin logs them
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return wall, cpu


def generate_throughput(x: torch.Tensor, y: torch.Tensor, batch: int, total: int, device: str) -> float:
    """Images per second of SemanticAugFER.generate(batch) called until ``total`` images (one warm-up call first)."""
    from emozoo_semantic_aug.model import SemanticAugFER, SemanticAugFERConfig

    from emozoo.data.batches import ImageBatch
    from emozoo.runtime import Runtime

    model = SemanticAugFER(SemanticAugFERConfig(**SIZES, epochs=1, classifier_epochs=0))
    model.fit_generator(ImageBatch(images=x, labels=y), runtime=Runtime(device=device, progress=False))
    model.generate(batch, seed=0)
    calls = max(1, total // batch)
    start = time.perf_counter()
    for i in range(calls):
        model.generate(batch, seed=i + 1)
    return calls * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = make_data(args.n)
    measure = "wall" if args.device.startswith("cuda") else "cpu"
    runs: dict[str, list[float]] = {f"{w}/{k}": [] for w in ("plugin", "reference") for k in ("wall", "cpu")}
    paired: list[float] = []
    for _ in range(args.repeats):
        med = {}
        for who, fn in (("plugin", plugin_epochs), ("reference", reference_epochs)):
            wall, cpu = fn(x, y, args.epochs, args.device)
            runs[f"{who}/wall"] += wall[1:]
            runs[f"{who}/cpu"] += cpu[1:]
            med[who] = statistics.median((wall if measure == "wall" else cpu)[1:])
        paired.append(med["plugin"] / med["reference"])
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = medians[f"plugin/{measure}"] / medians[f"reference/{measure}"]
    throughput = {str(b): generate_throughput(x, y, b, t, args.device) for b, t in ((1, 64), (256, 1024))}
    steps = -(-args.n // BATCH)
    per_image = medians[f"plugin/{measure}"] / args.n
    result = {
        "benchmark": "speed_semantic_aug", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
        "device": args.device, "machine": platform.machine(), "cpus": os.cpu_count(), "torch": torch.__version__,
        "threads": args.threads, "n": args.n, "shape": [1, SIZE, SIZE], "classes": CLASSES, "batch_size": BATCH,
        "steps_per_epoch": steps, "epochs": args.epochs, "repeats": args.repeats, "networks": SIZES, "measure": measure,
        "median_seconds_per_epoch": medians, "ratio": ratio, "paired_ratios": paired, "target": 1.05,
        "extrapolated_seconds_per_epoch_5000_images": per_image * 5000,
        "generate_images_per_second": throughput,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "speed_semantic_aug"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# semantic-aug-fer: time per training epoch and generate throughput",
        "",
        (f"{result['date']}, commit `{(result['commit'] or 'unknown')[:12]}`, device {args.device} ({platform.machine()}, {os.cpu_count()} cores, "
        f"load average {result['load_average']:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s); N={args.n} "
        f"toy grey faces [1, {SIZE}, {SIZE}] (generated shapes, no real pixels), {CLASSES} classes, batch {BATCH} ({steps} steps per epoch); "
        f"{args.repeats} alternating repeats x {args.epochs - 1} timed epochs (first epoch dropped). CPU-width networks (the script's docstring)."),
        "",
        "| loop | median wall s/epoch | median CPU s/epoch |",
        "|---|---|---|",
    ]
    for who, label in (("plugin", "emozoo-semantic-aug `fit_generator` (Runtime)"), ("reference", "hand-written PyTorch loop")):
        md.append(f"| {label} | {medians[f'{who}/wall']:.4f} | {medians[f'{who}/cpu']:.4f} |")
    md += [
        "",
        (f"**ratio plugin / reference ({measure} time; target <= 1.05): {ratio:.3f}.** Per-repeat paired ratios: "
         f"{', '.join(f'{r:.3f}' for r in paired)}."),
        "",
        f"Extrapolated: {per_image * 5000:.0f} s ({measure}) per epoch on 5,000 images at these widths.",
        "",
        (f"generate: **{throughput['1']:.0f} images/s** at batch 1, **{throughput['256']:.0f} images/s** at batch 256 "
         f"({args.device}, {args.threads} thread(s))."),
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
