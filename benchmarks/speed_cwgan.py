"""Time per GAN training epoch: the cwgan plugin's fit step vs a hand-written PyTorch WGAN-GP loop, side by side.

Both train the same networks (fully connected generator 128+K -> 256 -> 512 -> 310 and critic 310+K -> 512 -> 256 -> 1,
one-hot conditioning) on the same SEED-shaped data ([N, 62, 5] DE features, 3 classes) with the same updates per
epoch: each loader batch of ``batch_size * n_critic`` rows gives ``n_critic`` critic updates (WGAN-GP, lambda 10) and
one generator update, Adam(1e-4, betas (0, 0.9)). The runs alternate (plugin, reference, plugin, ...) for several
repeats; each run trains ``--epochs`` epochs and its first epoch is dropped as warm-up. The ratio is
median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other jobs on a shared
machine; wall time is recorded too) and in wall time on CUDA; the target is <= 1.0.

    python benchmarks/speed_cwgan.py [--device cpu|cuda] [--repeats 5] [--epochs 4] [--n 2048] [--threads 1]

Writes benchmarks/results/speed_cwgan.json and .md.
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
from torch import nn
from torch.nn import functional as F

RESULTS = Path(__file__).resolve().parent / "results"
LATENT, G_HIDDEN, C_HIDDEN, BATCH, N_CRITIC, LAMBDA, LR, BETAS = 128, (256, 512), (512, 256), 64, 5, 10.0, 1e-4, (0.0, 0.9)
CLASSES, SHAPE = 3, (62, 5)


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """SEED-shaped class-conditional Gaussian DE features [n, 62, 5] and labels [n]."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % CLASSES
    means = 2.0 * torch.randn(CLASSES, *SHAPE, generator=g) + 5.0
    return means[labels] + torch.randn(n, *SHAPE, generator=g), labels


class EpochClock:
    """Runtime callback: wall and process-CPU seconds of each epoch (CPU time is robust to other load on the machine)."""

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
    """(wall, cpu) seconds per epoch of CWGAN.fit's GAN loop; selection and classifiers switched off."""
    from emozoo_cwgan.model import CWGAN, CWGANConfig

    from emozoo.data.batches import EEGBatch
    from emozoo.runtime import Runtime

    config = CWGANConfig(
        latent_dim=LATENT, generator_hidden=G_HIDDEN, critic_hidden=C_HIDDEN, batch_size=BATCH, n_critic=N_CRITIC,
        gp_weight=LAMBDA, lr_generator=LR, lr_critic=LR, betas=BETAS, epochs=epochs, select=False,
        judge_epochs=0, classifier_epochs=0, synthetic_ratio=0.0,
    )
    clock = EpochClock()
    CWGAN(config).fit(EEGBatch(features=x, labels=y), runtime=Runtime(device=device, progress=False), callbacks=[clock])
    return clock.wall, clock.cpu


def _mlp(width: int, hidden: tuple[int, ...], out: int, act: nn.Module) -> nn.Sequential:
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(width, h), act]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, out))


def reference_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float]]:
    """A plain PyTorch conditional WGAN-GP loop with the same updates; (wall, cpu) seconds per epoch."""
    torch.manual_seed(0)
    dim = x[0].numel()
    gen = _mlp(LATENT + CLASSES, G_HIDDEN, dim, nn.ReLU()).to(device)
    critic = _mlp(dim + CLASSES, C_HIDDEN, 1, nn.LeakyReLU(0.2)).to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=LR, betas=BETAS)
    opt_c = torch.optim.Adam(critic.parameters(), lr=LR, betas=BETAS)
    flat = x.flatten(1)
    z = ((flat - flat.mean(0)) / flat.std(0, unbiased=False).clamp_min(1e-6)).to(device)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(z, y.to(device)), batch_size=BATCH * N_CRITIC, shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )

    def d(inp: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
        return critic(torch.cat([inp, F.one_hot(lab, CLASSES).float()], 1)).squeeze(1)

    def g(noise: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
        return gen(torch.cat([noise, F.one_hot(lab, CLASSES).float()], 1))

    wall, cpu = [], []
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        for real_all, lab_all in loader:
            chunks = list(zip(real_all.split(BATCH), lab_all.split(BATCH)))
            for p in critic.parameters():
                p.requires_grad_(True)
            for real, lab in chunks:
                with torch.no_grad():
                    fake = g(torch.randn(len(real), LATENT, device=device), lab)
                alpha = torch.rand(len(real), 1, device=device)
                x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
                (grad,) = torch.autograd.grad(d(x_hat, lab).sum(), x_hat, create_graph=True)
                gp = ((grad.norm(2, dim=1) - 1) ** 2).mean()
                loss_c = d(fake, lab).mean() - d(real, lab).mean() + LAMBDA * gp
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                opt_c.step()
                _ = (loss_c.item(), gp.item())  # the plugin logs these too
            for p in critic.parameters():
                p.requires_grad_(False)
            lab = chunks[0][1]
            loss_g = -d(g(torch.randn(len(lab), LATENT, device=device), lab), lab).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            _ = loss_g.item()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: fair on a shared machine)")
    parser.add_argument("--out", default=str(RESULTS / "speed_cwgan"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = make_data(args.n)
    runs = {"plugin": {"wall": [], "cpu": []}, "reference": {"wall": [], "cpu": []}}
    paired = []  # per repeat: median plugin epoch / median reference epoch, in the primary measure
    primary = "wall" if args.device.startswith("cuda") else "cpu"
    for _ in range(args.repeats):  # alternate, so drifting load on the machine hits both alike
        this = {}
        for name, fn in (("plugin", plugin_epochs), ("reference", reference_epochs)):
            wall, cpu = fn(x, y, args.epochs, args.device)
            runs[name]["wall"] += wall[1:]  # the first epoch is warm-up
            runs[name]["cpu"] += cpu[1:]
            this[name] = statistics.median({"wall": wall, "cpu": cpu}[primary][1:])
        paired.append(this["plugin"] / this["reference"])
    med = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in runs.items()}
    ratios = {k: med["plugin"][k] / med["reference"][k] for k in ("wall", "cpu")}
    device_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or platform.machine()
    result = {
        "benchmark": "cwgan GAN training epoch: plugin fit step vs hand-written PyTorch WGAN-GP loop",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "device": args.device,
        "device_name": device_name,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "torch": torch.__version__,
        "threads": args.threads,
        "data": {"n": args.n, "shape": list(SHAPE), "classes": CLASSES},
        "updates_per_epoch": {"generator": -(-args.n // (BATCH * N_CRITIC)), "critic": -(-args.n // BATCH)},
        "config": {"latent": LATENT, "generator_hidden": G_HIDDEN, "critic_hidden": C_HIDDEN, "batch_size": BATCH,
                   "n_critic": N_CRITIC, "gp_weight": LAMBDA, "lr": LR, "betas": BETAS},
        "repeats": args.repeats,
        "timed_epochs_per_run": args.epochs - 1,
        "epoch_seconds": runs,
        "median_epoch_seconds": med,
        "ratio_wall": ratios["wall"],
        "ratio_cpu": ratios["cpu"],
        "primary_measure": primary,
        "ratio": ratios[primary],
        "paired_ratios_per_repeat": paired,
        "target_ratio": 1.0,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# cwgan: time per GAN training epoch",
        "",
        (
            f"{result['date']}, commit `{result['git_commit'][:12]}`, device {args.device} ({device_name}, {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s); "
            f"N={args.n} samples [62, 5], 3 classes; batch {BATCH}, n_critic {N_CRITIC} "
            f"({result['updates_per_epoch']['critic']} critic + {result['updates_per_epoch']['generator']} generator updates "
            f"per epoch); {args.repeats} alternating repeats x {args.epochs - 1} timed epochs each (first epoch of each run dropped)."
        ),
        "",
        "| loop | median wall s/epoch | median CPU s/epoch | min wall | max wall |",
        "|---|---|---|---|---|",
    ]
    for name, label in (("plugin", "emozoo-cwgan `fit` (Runtime)"), ("reference", "hand-written PyTorch WGAN-GP")):
        w = runs[name]["wall"]
        md.append(f"| {label} | {med[name]['wall']:.4f} | {med[name]['cpu']:.4f} | {min(w):.4f} | {max(w):.4f} |")
    md += [
        "",
        (
            f"**ratio plugin / reference = {result['ratio']:.3f}** ({primary} time; target <= 1.0). "
            f"Wall-time ratio {ratios['wall']:.3f}, CPU-time ratio {ratios['cpu']:.3f}; per-repeat paired ratios "
            f"{', '.join(f'{r:.3f}' for r in paired)}."
        ),
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
