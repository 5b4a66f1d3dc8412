"""Time per training epoch of the acgan plugin vs a hand-written PyTorch loop, and generate throughput.

Both train the same networks (emozoo_acgan.networks at the CPU configuration of the face benchmark: generator
widths 96-48-24, discriminator 16-32-32-64-64-128; the paper-sized defaults cost about 5x more) on the same
48 x 48 grey toy images (8 classes) with the same updates: per real batch of 32, 32 fakes G(z, c) with c uniform;
one discriminator step on -(L_S + L_C) (separate real and fake passes), then one generator step on the
non-saturating -(L_C - L_S) through the updated discriminator (its parameters frozen), Adam(2e-4, (0.5, 0.999)).
The runs alternate (plugin, reference, ...); each trains ``--epochs`` epochs and the first is dropped as warm-up.
The ratio is median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other jobs on a
shared machine) and in wall time on CUDA; the target is <= 1.05. Generate throughput is measured at batch 1 and 256.

    python benchmarks/speed_acgan.py [--device cpu|cuda] [--repeats 3] [--epochs 3] [--n 256] [--threads 1]

Writes benchmarks/results/face/speed_acgan.json and .md.
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
from torch.nn import functional as F

from emozoo.bench.provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "face"
SIZE, CLASSES, BATCH, LR, BETAS, LATENT = 48, 8, 32, 2e-4, (0.5, 0.999), 100
SIZES = {
    "image_size": SIZE, "channels": 1, "num_classes": CLASSES, "latent_dim": LATENT, "generator_widths": (96, 48, 24),
    "discriminator_widths": (16, 32, 32, 64, 64, 128), "batch_size": BATCH, "lr": LR, "betas": BETAS,
}


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Toy grey images [n, 1, 48, 48] in [0, 1] (a class-specific blob position; never real faces) and labels [n]."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % CLASSES
    r = torch.arange(SIZE, dtype=torch.float32)
    centres = 8 + 4 * torch.stack([labels % 4, labels // 4 * 2], 1).float() + 2 * torch.randn(n, 2, generator=g)
    blob = torch.exp(-((r[None, :, None] - centres[:, 0, None, None]) ** 2 + (r[None, None, :] - centres[:, 1, None, None]) ** 2) / 40)
    return (0.2 + 0.6 * blob + 0.05 * torch.randn(n, SIZE, SIZE, generator=g)).clamp(0, 1).unsqueeze(1), labels


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
    """(wall, cpu) seconds per epoch of ACGAN.fit_generator."""
    from emozoo_acgan.model import ACGAN, ACGANConfig

    from emozoo.data.batches import ImageBatch
    from emozoo.runtime import Runtime

    clock = EpochClock()
    model = ACGAN(ACGANConfig(**SIZES, epochs=epochs))
    model.fit_generator(ImageBatch(images=x, labels=y), runtime=Runtime(device=device, progress=False), callbacks=[clock])
    return clock.wall, clock.cpu


def reference_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float]]:
    """The same training as a plain PyTorch loop over the same networks; (wall, cpu) seconds per epoch."""
    from emozoo_acgan.networks import Discriminator, Generator, init_weights

    torch.manual_seed(0)
    gen = Generator(CLASSES, LATENT, SIZE, 1, SIZES["generator_widths"]).to(device)
    disc = Discriminator(CLASSES, SIZE, 1, SIZES["discriminator_widths"]).to(device)
    init_weights(gen), init_weights(disc)
    real_all, y = (x * 2 - 1).to(device), y.to(device)
    opt_d = torch.optim.Adam(disc.parameters(), lr=LR, betas=BETAS)
    opt_g = torch.optim.Adam(gen.parameters(), lr=LR, betas=BETAS)
    g = torch.Generator().manual_seed(0)
    gen.train(), disc.train()

    def epoch() -> None:
        order = torch.randperm(len(y), generator=g).to(device)
        for i in range(0, len(y), BATCH):
            real, labels = real_all[order[i:i + BATCH]], y[order[i:i + BATCH]]
            b = len(real)
            z = torch.randn(b, LATENT, device=device)
            c = torch.randint(CLASSES, (b,), device=device)
            fake = gen(z, c)
            rs, rc = disc(real)
            fs, fc = disc(fake.detach())
            loss_d = (-(F.logsigmoid(rs).mean() + F.logsigmoid(-fs).mean())
                      + F.cross_entropy(rc, labels) + F.cross_entropy(fc, c))
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            for p in disc.parameters():
                p.requires_grad_(False)
            gs, gc = disc(fake)
            loss_g = -F.logsigmoid(gs).mean() + F.cross_entropy(gc, c)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            for p in disc.parameters():
                p.requires_grad_(True)
            _ = (loss_d.item(), loss_g.item(), (rc.argmax(1) == labels).float().mean().item())  # the plugin logs these

    wall, cpu = [], []
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        epoch()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return wall, cpu


def generate_throughput(x: torch.Tensor, y: torch.Tensor, device: str) -> dict[str, float]:
    """Images per second of ACGAN.generate at batch 1 (median of 50 calls) and batch 256 (median of 5)."""
    from emozoo_acgan.model import ACGAN, ACGANConfig

    from emozoo.data.batches import ImageBatch
    from emozoo.runtime import Runtime

    model = ACGAN(ACGANConfig(**SIZES, epochs=1))
    model.fit_generator(ImageBatch(images=x, labels=y), runtime=Runtime(device=device, progress=False))
    out = {}
    for n, calls in ((1, 50), (256, 5)):
        model.generate(n, seed=0)
        times = []
        for i in range(calls):
            start = time.perf_counter()
            model.generate(n, seed=i)
            times.append(time.perf_counter() - start)
        out[str(n)] = n / statistics.median(times)
    return out


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
    throughput = generate_throughput(x, y, args.device)
    steps = -(-args.n // BATCH)
    result = {
        "benchmark": "speed_acgan", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
        "device": args.device, "machine": platform.machine(), "cpus": os.cpu_count(), "torch": torch.__version__,
        "threads": args.threads, "n": args.n, "shape": [1, SIZE, SIZE], "classes": CLASSES, "batch_size": BATCH,
        "steps_per_epoch": steps, "epochs": args.epochs, "repeats": args.repeats, "networks": SIZES, "measure": measure,
        "median_seconds_per_epoch": medians, "ratio": ratio, "paired_ratios": paired, "target": 1.05,
        "generate_images_per_second": throughput,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "speed_acgan"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# acgan-fer: time per training epoch and generate throughput",
        "",
        f"{result['date']}, commit `{(result['commit'] or 'unknown')[:12]}`, device {args.device} ({platform.machine()}, {os.cpu_count()} cores, "
        f"load average {result['load_average']:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s); N={args.n} "
        f"toy grey images [1, {SIZE}, {SIZE}] (generated, not faces), {CLASSES} classes, batch {BATCH} ({steps} steps per epoch); "
        f"{args.repeats} alternating repeats x {args.epochs - 1} timed epochs (first epoch dropped). CPU-configuration networks "
        "(see the script's docstring).",
        "",
        "| loop | median wall s/epoch | median CPU s/epoch |",
        "|---|---|---|",
    ]
    for who, label in (("plugin", "emozoo-acgan `fit_generator` (Runtime)"), ("reference", "hand-written PyTorch loop")):
        md.append(f"| {label} | {medians[f'{who}/wall']:.4f} | {medians[f'{who}/cpu']:.4f} |")
    md += [
        "",
        f"**ratio plugin / reference ({measure} time; target <= 1.05): {ratio:.3f}.** "
        f"Per-repeat paired ratios: {', '.join(f'{r:.3f}' for r in paired)}.",
        "",
        f"generate: **{throughput['1']:.0f} images/s at batch 1, {throughput['256']:.0f} images/s at batch 256** "
        f"({args.device}, {args.threads} thread(s)).",
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
