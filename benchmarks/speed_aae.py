"""Time per AAE training epoch: the aae plugin's fit_generator vs a hand-written PyTorch AAE loop, side by side; and
generate throughput.

Both train the same networks (emozoo_aae.networks: encoder 88 -> 1000 -> 1000 -> 16, decoder 16 -> 1000 -> 1000 -> 88,
label-conditioned discriminator 16+8 -> 1000 -> 1000 -> 1) on the same RAVDESS-shaped eGeMAPS stand-in ([N, 88]
functionals, 8 classes) with the same per-mini-batch schedule (Makhzani et al.): reconstruction (MSE, Adam 1e-3 on
encoder + decoder), discriminator update against the class-mixture prior (BCE, Adam 2e-4), encoder-as-generator update
(non-saturating BCE, Adam 1e-3), batch 64, betas (0.5, 0.999). The runs alternate (plugin, reference, ...) for several
repeats; each run trains ``--epochs`` epochs and its first epoch is dropped as warm-up. The ratio is
median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other jobs on a shared machine;
wall time is recorded too) and wall time on CUDA; the target is <= 1.05.

    python benchmarks/speed_aae.py [--device cpu|cuda] [--repeats 5] [--epochs 3] [--n 1440] [--threads 1]

Writes benchmarks/results/speech/speed_aae.json and .md.
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

RESULTS = Path(__file__).resolve().parent / "results" / "speech"
DIM, CLASSES, CODE, HIDDEN, BATCH = 88, 8, 16, (1000, 1000), 64
LR_AE, LR_D, LR_G, BETAS, RADIUS, STD = 1e-3, 2e-4, 1e-3, (0.5, 0.999), 4.0, 1.0


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-conditional Gaussian stand-ins for eGeMAPS functionals [n, 88] and labels [n]."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % CLASSES
    means = 3.0 * torch.randn(CLASSES, DIM, generator=g) + 10.0
    return means[labels] + 2.0 * torch.randn(n, DIM, generator=g), labels


class EpochClock:
    """Runtime callback: wall and process-CPU seconds of each epoch."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def on_train_begin(self) -> None:
        self.start()

    def start(self) -> None:
        self._t = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        now = (time.perf_counter(), time.process_time())
        self.wall.append(now[0] - self._t[0])
        self.cpu.append(now[1] - self._t[1])
        self._t = now
        return False


def run_plugin(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> EpochClock:
    """The plugin's fit_generator (Runtime loop, seeded loader, three phases per batch)."""
    import emozoo
    from emozoo.data.batches import AudioBatch
    from emozoo.runtime import Runtime

    model = emozoo.load("aae-ser", epochs=epochs, batch_size=BATCH)
    clock = EpochClock()
    model.fit_generator(AudioBatch(inputs=x, labels=y, kind="functionals"), runtime=Runtime(device=device, progress=False),
                        callbacks=[clock])
    return clock


def run_reference(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> EpochClock:
    """A plain PyTorch AAE loop: same networks, losses, optimisers, batch size and schedule."""
    from torch.nn import functional as F

    from emozoo_aae.networks import Decoder, Discriminator, Encoder

    torch.manual_seed(0)
    enc, dec = Encoder(DIM, HIDDEN, CODE).to(device), Decoder(CODE, HIDDEN, DIM).to(device)
    disc = Discriminator(CODE, HIDDEN, CLASSES).to(device)
    means = torch.zeros(CLASSES, CODE, device=device)
    means[torch.arange(CLASSES), torch.arange(CLASSES)] = RADIUS
    opt_ae = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=LR_AE, betas=BETAS)
    opt_d = torch.optim.Adam(disc.parameters(), lr=LR_D, betas=BETAS)
    opt_g = torch.optim.Adam(enc.parameters(), lr=LR_G, betas=BETAS)
    v = ((x - x.mean(0)) / x.std(0, unbiased=False)).to(device)
    y = y.to(device)
    g = torch.Generator().manual_seed(1)
    clock = EpochClock()
    clock.start()
    for _ in range(epochs):
        order = torch.randperm(len(v))
        for i in range(0, len(v), BATCH):
            ix = order[i:i + BATCH].to(device)
            xb, yb = v[ix], y[ix]
            rec = F.mse_loss(dec(enc(xb)[0]), xb)
            opt_ae.zero_grad(set_to_none=True)
            rec.backward()
            opt_ae.step()
            with torch.no_grad():
                fake = enc(xb)[0]
            real = means[yb] + STD * torch.randn(len(yb), CODE, generator=g).to(device)
            r, f = disc(real, yb), disc(fake, yb)
            d_loss = (F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            f = disc(enc(xb)[0], yb)
            g_loss = F.binary_cross_entropy_with_logits(f, torch.ones_like(f))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            rec.detach().item(), d_loss.detach().item(), g_loss.detach().item()  # the plugin logs these each step
        clock.on_epoch_end(0, {})
    return clock


def generate_throughput(x: torch.Tensor, y: torch.Tensor, device: str, n: int = 20000) -> dict[str, float]:
    """Samples per second of generate(n) from a model fitted for one epoch (median of 3)."""
    import emozoo
    from emozoo.data.batches import AudioBatch
    from emozoo.runtime import Runtime

    model = emozoo.load("aae-ser", epochs=1)
    model.fit(AudioBatch(inputs=x, labels=y, kind="functionals"), runtime=Runtime(device=device, progress=False))
    model.generate(256, seed=0)
    times = []
    for seed in range(3):
        t = time.perf_counter()
        model.generate(n, seed=seed)
        times.append(time.perf_counter() - t)
    return {"n": n, "median_seconds": statistics.median(times), "samples_per_second": n / statistics.median(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--n", type=int, default=1440)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, y = make_data(args.n)
    runs: dict[str, list[EpochClock]] = {"plugin": [], "reference": []}
    for _ in range(args.repeats):
        runs["plugin"].append(run_plugin(x, y, args.epochs, args.device))
        runs["reference"].append(run_reference(x, y, args.epochs, args.device))
    measure = "cpu" if args.device == "cpu" else "wall"

    def epochs_of(name: str, kind: str) -> list[float]:
        return [t for clock in runs[name] for t in getattr(clock, kind)[1:]]

    summary = {name: {kind: {"median": statistics.median(epochs_of(name, kind)), "min": min(epochs_of(name, kind)),
                             "max": max(epochs_of(name, kind))} for kind in ("wall", "cpu")} for name in runs}
    ratio = summary["plugin"][measure]["median"] / summary["reference"][measure]["median"]
    paired = [statistics.median(getattr(p, measure)[1:]) / statistics.median(getattr(r, measure)[1:])
              for p, r in zip(runs["plugin"], runs["reference"])]
    gen = generate_throughput(x, y, args.device)
    steps = -(-args.n // BATCH)
    result = {
        "benchmark": "speed_aae", "time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
        "device": args.device, "machine": platform.machine(), "cpus": os.cpu_count(), "threads": args.threads,
        "torch": torch.__version__, "load_average": os.getloadavg()[0], "n": args.n, "dim": DIM, "classes": CLASSES,
        "batch_size": BATCH, "steps_per_epoch": steps, "repeats": args.repeats, "epochs": args.epochs, "measure": measure,
        "summary": summary, "ratio": ratio, "paired_ratios": paired, "target": 1.05, "generate": gen,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed_aae.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = [f"| {label} | {summary[k]['wall']['median']:.4f} | {summary[k]['cpu']['median']:.4f} | "
            f"{summary[k]['wall']['min']:.4f} | {summary[k]['wall']['max']:.4f} |"
            for k, label in (("plugin", "emozoo-aae `fit_generator` (Runtime)"), ("reference", "hand-written PyTorch AAE"))]
    md = "\n".join([
        "# aae: time per AAE training epoch, and generate throughput", "",
        f"{result['time']}, commit `{(result['commit'] or 'unknown')[:12]}`, device {args.device} ({platform.machine()}, "
        f"{os.cpu_count()} cores, load average {result['load_average']:.1f} at the end), torch {torch.__version__}, "
        f"{args.threads} thread(s); N={args.n} functionals [88], 8 classes; batch {BATCH} ({steps} steps x 3 phases per "
        f"epoch); {args.repeats} alternating repeats x {args.epochs - 1} timed epochs each (first epoch of each run dropped).", "",
        "| loop | median wall s/epoch | median CPU s/epoch | min wall | max wall |", "|---|---|---|---|---|", *rows, "",
        f"**ratio plugin / reference = {ratio:.3f}** ({measure} time; target <= 1.05). Per-repeat paired ratios "
        + ", ".join(f"{r:.3f}" for r in paired) + ".", "",
        f"generate: {gen['samples_per_second']:,.0f} samples/s ({gen['n']} samples in {gen['median_seconds']:.4f} s, median of 3).", "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).", "",
    ])
    (RESULTS / "speed_aae.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
