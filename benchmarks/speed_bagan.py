"""Time per training epoch of the bagan plugin (autoencoder phase and GAN phase) vs a hand-written PyTorch loop, and generate throughput.

Both train the same networks (emozoo_bagan.networks at a CPU-sized width: encoder 16-32-64-64, generator dense 256 ->
32-channel map -> 3x3 upsampling convs 32/16; the paper-sized defaults are ~40x heavier) on the same log-mel-shaped
data ([N, 128, 64], 4 classes) with the same updates: autoencoder epochs (MSE, Adam), then GAN epochs where each real
batch of 32 gives one discriminator update (32 real + 8 generated, K+1-way cross-entropy) and one generator update
(40 latents drawn from the class Gaussians), Adam(5e-5, betas (0.5, 0.999)). The runs alternate (plugin, reference,
...); each trains ``--epochs`` epochs per phase and the first epoch of each phase is dropped as warm-up. The ratio is
median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other jobs on a shared machine)
and in wall time on CUDA; the target is <= 1.05.

    python benchmarks/speed_bagan.py [--device cpu|cuda] [--repeats 3] [--epochs 3] [--n 128] [--threads 1]

Writes benchmarks/results/speech/speed_bagan.json and .md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch.nn import functional as F

from emozoo.bench.provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "speech"
FRAMES, MELS, CLASSES, BATCH, LR, BETAS = 128, 64, 4, 32, 5e-5, (0.5, 0.999)
SIZES = {
    "num_frames": FRAMES, "num_mels": MELS, "num_classes": CLASSES, "label_names": ("angry", "happy", "neutral", "sad"),
    "latent_dim": 100, "encoder_channels": (16, 32, 64, 64), "generator_dense": 256, "generator_map_channels": 32,
    "generator_channels": (32, 16), "generator_kernel": 3, "batch_size": BATCH, "lr": LR, "betas": BETAS,
}


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-mel-like dB spectrograms [n, 128, 64] with a mel profile per class, and labels [n]."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % CLASSES
    profiles = 10.0 * torch.randn(CLASSES, 1, MELS, generator=g) - 40.0
    return profiles[labels] + 3.0 * torch.randn(n, FRAMES, MELS, generator=g), labels


class EpochClock:
    """Runtime callback: wall and process-CPU seconds of each epoch (both phases, in order)."""

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


def plugin_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> dict[str, tuple[list[float], list[float]]]:
    """{phase: (wall, cpu) seconds per epoch} of BAGAN.fit_generator."""
    from emozoo_bagan.model import BAGAN, BAGANConfig

    from emozoo.data.batches import AudioBatch
    from emozoo.runtime import Runtime

    clock = EpochClock()
    model = BAGAN(BAGANConfig(**SIZES, epochs=epochs, autoencoder_epochs=epochs, classifier_epochs=0))
    model.fit_generator(AudioBatch(inputs=x, labels=y, kind="features"), runtime=Runtime(device=device, progress=False), callbacks=[clock])
    return {"autoencoder": (clock.wall[:epochs], clock.cpu[:epochs]), "gan": (clock.wall[epochs:], clock.cpu[epochs:])}


def reference_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> dict[str, tuple[list[float], list[float]]]:
    """The same two phases as a plain PyTorch loop over the same networks; {phase: (wall, cpu) seconds per epoch}."""
    from emozoo_bagan.networks import Discriminator, Encoder, Generator, Reconstructor, latent_grid

    torch.manual_seed(0)
    grid = latent_grid(FRAMES, MELS)
    enc = Reconstructor(Encoder(grid, SIZES["encoder_channels"], 0.3, 0.3), 100).to(device)
    gen = Generator(grid, 100, 256, 32, SIZES["generator_channels"], 3, 3.0).to(device)
    disc = Discriminator(Encoder(grid, SIZES["encoder_channels"], 0.3, 0.3), CLASSES).to(device)
    mean, std = x.mean((0, 1)), x.std((0, 1), unbiased=False)
    z = ((x - mean) / std).unsqueeze(1).to(device)
    y = y.to(device)
    g = torch.Generator().manual_seed(0)

    def batches():
        order = torch.randperm(len(y), generator=g).to(device)
        for i in range(0, len(y), BATCH):
            yield z[order[i:i + BATCH]], y[order[i:i + BATCH]]

    def timed(run_epoch) -> tuple[list[float], list[float]]:
        wall, cpu = [], []
        for _ in range(epochs):
            start = (time.perf_counter(), time.process_time())
            run_epoch()
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            wall.append(time.perf_counter() - start[0])
            cpu.append(time.process_time() - start[1])
        return wall, cpu

    opt = torch.optim.Adam([*enc.parameters(), *gen.parameters()], lr=LR, betas=BETAS)

    def ae_epoch() -> None:
        for real, _ in batches():
            loss = F.mse_loss(gen(enc(real)), real)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            _ = loss.item()  # the plugin logs it

    enc.train(), gen.train()
    ae = timed(ae_epoch)
    enc.eval()
    with torch.no_grad():
        codes = enc(z).double().cpu()
    means = torch.stack([codes[y.cpu() == c].mean(0) for c in range(CLASSES)]).float().to(device)
    chols = torch.stack([torch.linalg.cholesky(torch.cov(codes[y.cpu() == c].T) + 1e-4 * torch.eye(100, dtype=torch.float64)) for c in range(CLASSES)]).float().to(device)
    disc.features.load_state_dict(enc.features.state_dict())
    opt_d = torch.optim.Adam(disc.parameters(), lr=LR, betas=BETAS)
    opt_g = torch.optim.Adam(gen.parameters(), lr=LR, betas=BETAS)

    def latent(c: torch.Tensor) -> torch.Tensor:
        return means[c] + torch.einsum("nij,nj->ni", chols[c], torch.randn(len(c), 100, device=device))

    def gan_epoch() -> None:
        for real, lab in batches():
            m = math.ceil(len(real) / CLASSES)
            c = torch.randint(CLASSES, (m,), device=device)
            with torch.no_grad():
                fake = gen(latent(c))
            target = torch.cat([lab, torch.full((m,), CLASSES, device=device)])
            loss_d = F.cross_entropy(disc(torch.cat([real, fake])), target)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            for p in disc.parameters():
                p.requires_grad_(False)
            c = torch.randint(CLASSES, (m + len(real),), device=device)
            loss_g = F.cross_entropy(disc(gen(latent(c))), c)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            for p in disc.parameters():
                p.requires_grad_(True)
            _ = (loss_d.item(), loss_g.item())

    disc.train(), gen.train()
    return {"autoencoder": ae, "gan": timed(gan_epoch)}


def generate_throughput(x: torch.Tensor, y: torch.Tensor, n: int, device: str) -> float:
    """Samples per second of BAGAN.generate(n) (one warm-up call first)."""
    from emozoo_bagan.model import BAGAN, BAGANConfig

    from emozoo.data.batches import AudioBatch
    from emozoo.runtime import Runtime

    model = BAGAN(BAGANConfig(**SIZES, epochs=1, autoencoder_epochs=1, classifier_epochs=0))
    model.fit_generator(AudioBatch(inputs=x, labels=y, kind="features"), runtime=Runtime(device=device, progress=False))
    model.generate(32, seed=0)
    start = time.perf_counter()
    model.generate(n, seed=1)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--generate", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = make_data(args.n)
    measure = "wall" if args.device.startswith("cuda") else "cpu"
    runs: dict[str, dict[str, list[float]]] = {f"{w}/{p}/{k}": [] for w in ("plugin", "reference") for p in ("autoencoder", "gan") for k in ("wall", "cpu")}
    paired: dict[str, list[float]] = {"autoencoder": [], "gan": []}
    for _ in range(args.repeats):
        med = {}
        for who, fn in (("plugin", plugin_epochs), ("reference", reference_epochs)):
            for phase, (wall, cpu) in fn(x, y, args.epochs, args.device).items():
                runs[f"{who}/{phase}/wall"] += wall[1:]
                runs[f"{who}/{phase}/cpu"] += cpu[1:]
                med[(who, phase)] = statistics.median((wall if measure == "wall" else cpu)[1:])
        for phase in paired:
            paired[phase].append(med[("plugin", phase)] / med[("reference", phase)])
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = {p: medians[f"plugin/{p}/{measure}"] / medians[f"reference/{p}/{measure}"] for p in ("autoencoder", "gan")}
    throughput = generate_throughput(x, y, args.generate, args.device)
    steps = math.ceil(args.n / BATCH)
    result = {
        "benchmark": "speed_bagan", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
        "device": args.device, "machine": platform.machine(), "cpus": os.cpu_count(), "torch": torch.__version__,
        "threads": args.threads, "n": args.n, "shape": [FRAMES, MELS], "classes": CLASSES, "batch_size": BATCH,
        "steps_per_epoch": steps, "epochs": args.epochs, "repeats": args.repeats, "networks": SIZES, "measure": measure,
        "median_seconds_per_epoch": medians, "ratio": ratio, "paired_ratios": paired, "target": 1.05,
        "generate_samples_per_second": throughput, "generate_n": args.generate,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "speed_bagan"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# bagan-ser: time per training epoch and generate throughput",
        "",
        f"{result['date']}, commit `{(result['commit'] or 'unknown')[:12]}`, device {args.device} ({platform.machine()}, {os.cpu_count()} cores, "
        f"load average {result['load_average']:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s); N={args.n} "
        f"log-mel-shaped spectrograms [{FRAMES}, {MELS}], {CLASSES} classes, batch {BATCH} ({steps} steps per epoch and phase); "
        f"{args.repeats} alternating repeats x {args.epochs - 1} timed epochs per phase (first epoch of each phase dropped). "
        "CPU-sized networks (see the script's docstring); the paper-sized defaults cost about 40x more per sample.",
        "",
        "| phase | loop | median wall s/epoch | median CPU s/epoch |",
        "|---|---|---|---|",
    ]
    for phase in ("autoencoder", "gan"):
        for who, label in (("plugin", "emozoo-bagan `fit_generator` (Runtime)"), ("reference", "hand-written PyTorch loop")):
            md.append(f"| {phase} | {label} | {medians[f'{who}/{phase}/wall']:.4f} | {medians[f'{who}/{phase}/cpu']:.4f} |")
    md += [
        "",
        f"**ratio plugin / reference ({measure} time; target <= 1.05): autoencoder {ratio['autoencoder']:.3f}, GAN {ratio['gan']:.3f}.** "
        f"Per-repeat paired ratios: autoencoder {', '.join(f'{r:.3f}' for r in paired['autoencoder'])}; "
        f"GAN {', '.join(f'{r:.3f}' for r in paired['gan'])}.",
        "",
        f"generate({args.generate}): **{throughput:.0f} samples/s** ({args.device}, {args.threads} thread(s)).",
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
