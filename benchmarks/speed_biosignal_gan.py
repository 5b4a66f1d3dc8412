"""Time per training epoch of the biosignal-gan plugin vs a hand-written PyTorch loop, and generate throughput.

Both train the same networks (emozoo_biosignal_gan.networks: per class an LSTM generator, 64 hidden, and an LSTM
discriminator, 32 hidden, over windows [4, 960] cut into 30 steps of 32 samples; the benchmark's CPU configuration) on
the same toy windows (class-dependent sinusoids, 2 classes) with the same updates: per step and class, one
discriminator update (a real batch of 32 of that class and 32 generated, binary cross-entropy) and one generator
update (32 fresh noise sequences, non-saturating loss), Adam(G 2e-3, D 5e-4, betas (0.5, 0.999)) over all classes'
networks at once (the summed class losses: the same K separate updates), the discriminators' parameters frozen
during the generators' backward pass. The runs alternate (plugin, reference, ...);
each trains ``--epochs`` epochs and the first is dropped as warm-up. The ratio is median(plugin epoch) /
median(reference epoch) in process CPU time on CPU (robust to other jobs on a shared machine) and in wall time on
CUDA; the target is <= 1.05.

    python benchmarks/speed_biosignal_gan.py [--device cpu|cuda] [--repeats 3] [--epochs 3] [--n 512] [--threads 1]

Writes benchmarks/results/wearable/speed_biosignal_gan.json and .md.
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

RESULTS = Path(__file__).resolve().parent / "results" / "wearable"
CHANNELS, WINDOW, CLASSES, BATCH = ("bvp", "eda", "temp", "hr"), 960, 2, 32
SIZES = {
    "channels": CHANNELS, "window": WINDOW, "num_classes": CLASSES, "patch": 32, "noise_dim": 8, "sequence_noise": 8,
    "generator_hidden": 64, "generator_layers": 1, "discriminator_hidden": 32, "discriminator_layers": 1,
    "batch_size": BATCH, "lr_generator": 2e-3, "lr_discriminator": 5e-4, "betas": (0.5, 0.999), "output_range": 4.0,
}


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Toy wrist-shaped windows [n, 4, 960] at 16 Hz (class-dependent sinusoids) and labels [n]."""
    from emozoo_biosignal_gan.toy import sinusoid_windows

    return sinusoid_windows(n, window=WINDOW, channels=len(CHANNELS), seed=0)


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


def plugin_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[tuple[list[float], list[float]], object]:
    """((wall, cpu) seconds per epoch of BiosignalGAN.fit_generator, the fitted model)."""
    from emozoo_biosignal_gan.model import BiosignalGAN, BiosignalGANConfig

    from emozoo.data.batches import PhysioBatch
    from emozoo.runtime import Runtime

    clock = EpochClock()
    model = BiosignalGAN(BiosignalGANConfig(**SIZES, epochs=epochs, classifier_epochs=0))
    batch = PhysioBatch(features=x, labels=y, layout="channels_time", modality="wrist", band_names=CHANNELS)
    model.fit_generator(batch, runtime=Runtime(device=device, progress=False), callbacks=[clock])
    return (clock.wall, clock.cpu), model


def reference_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float]]:
    """The same per-class GAN updates as a plain PyTorch loop over the same networks; (wall, cpu) seconds per epoch."""
    from emozoo_biosignal_gan.networks import Discriminator, Generator, to_steps

    s = SIZES
    torch.manual_seed(0)
    c, patch = len(CHANNELS), s["patch"]
    steps, step_dim = WINDOW // patch, c * patch
    gens = [Generator(s["noise_dim"], s["generator_hidden"], 1, step_dim, s["sequence_noise"], s["output_range"]).to(device) for _ in range(CLASSES)]
    discs = [Discriminator(step_dim, s["discriminator_hidden"], 1).to(device) for _ in range(CLASSES)]
    # one Adam over every class's generator and one over every discriminator, as the plugin (exactly K separate updates)
    opt_g = torch.optim.Adam([p for g in gens for p in g.parameters()], lr=s["lr_generator"], betas=s["betas"])
    opt_d = torch.optim.Adam([p for d in discs for p in d.parameters()], lr=s["lr_discriminator"], betas=s["betas"])
    mean, std = x.mean((0, 2)), x.std((0, 2), unbiased=False)
    seqs = to_steps((x - mean[:, None]) / std[:, None], patch).to(device)
    groups = [seqs[y.to(device) == k] for k in range(CLASSES)]
    n_steps = max(math.ceil(len(g) / BATCH) for g in groups)
    g_rng = torch.Generator().manual_seed(1)

    def run_epoch() -> None:
        orders = [torch.randperm(len(g), generator=g_rng).repeat(2).to(device) for g in groups]
        d_params = [p for d in discs for p in d.parameters()]
        for i in range(n_steps):
            reals = []
            for k in range(CLASSES):
                m = min(BATCH, len(groups[k]))
                reals.append(groups[k][orders[k][(i * m) % len(groups[k]):][:m]])
            with torch.no_grad():
                fakes = [gens[k](torch.randn(len(r), steps, s["noise_dim"], device=device)) for k, r in enumerate(reals)]
            losses = []
            for k, r in enumerate(reals):
                lr, lf = discs[k](r), discs[k](fakes[k])
                losses.append(F.binary_cross_entropy_with_logits(lr, torch.ones_like(lr)) + F.binary_cross_entropy_with_logits(lf, torch.zeros_like(lf)))
            opt_d.zero_grad(set_to_none=True)
            torch.stack(losses).sum().backward()
            opt_d.step()
            for p in d_params:
                p.requires_grad_(False)
            g_losses = []
            for k, r in enumerate(reals):
                lg = discs[k](gens[k](torch.randn(len(r), steps, s["noise_dim"], device=device)))
                g_losses.append(F.binary_cross_entropy_with_logits(lg, torch.ones_like(lg)))
            opt_g.zero_grad(set_to_none=True)
            torch.stack(g_losses).sum().backward()
            opt_g.step()
            for p in d_params:
                p.requires_grad_(True)
            _ = torch.stack(losses).detach().tolist(), torch.stack(g_losses).detach().tolist()  # the plugin logs both

    wall, cpu = [], []
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        run_epoch()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = make_data(args.n)
    clock = 1 if args.device == "cpu" else 0  # CPU time on CPU, wall on CUDA
    plugin, reference = [], []
    model = None
    for _ in range(args.repeats):
        times, model = plugin_epochs(x, y, args.epochs, args.device)
        plugin += times[clock][1:]
        reference += reference_epochs(x, y, args.epochs, args.device)[clock][1:]
    p_med, r_med = statistics.median(plugin), statistics.median(reference)
    model.to("cpu")
    model.generate(64, seed=0)  # warm-up
    start = time.perf_counter()
    n_gen = 2048
    model.generate(n_gen, seed=1)
    per_s = n_gen / (time.perf_counter() - start)
    result = {
        "method": "biosignal-gan", "device": args.device, "threads": args.threads, "n_windows": args.n, "window": [len(CHANNELS), WINDOW],
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in SIZES.items()}, "epochs_per_run": args.epochs, "repeats": args.repeats,
        "clock": "process_cpu" if clock else "wall", "plugin_epoch_s": plugin, "reference_epoch_s": reference,
        "plugin_median_s": p_med, "reference_median_s": r_med, "ratio": p_med / r_med, "target_ratio": 1.05,
        "generate_windows_per_s": per_s, "torch": torch.__version__, "python": platform.python_version(),
        "git_commit": git_commit(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "speed_biosignal_gan.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = (
        "# biosignal-gan: training speed vs a plain PyTorch loop\n\n"
        f"{args.n} toy windows [4, 960], 2 classes, per-class LSTM GANs (patch 32 -> 30 steps, G 64 / D 32 hidden), batch {BATCH}; "
        f"device {args.device}, {args.threads} thread(s), {args.repeats} alternating runs x {args.epochs} epochs (first dropped), "
        f"{'process CPU' if clock else 'wall'} time.\n\n"
        "| | median epoch (s) |\n|---|---|\n"
        f"| plugin (`fit_generator`) | {p_med:.3f} |\n| hand-written loop | {r_med:.3f} |\n| ratio (target <= 1.05) | {p_med / r_med:.3f} |\n\n"
        f"`generate`: {per_s:.0f} windows/s (2048 windows, CPU).\n"
    )
    (out / "speed_biosignal_gan.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
