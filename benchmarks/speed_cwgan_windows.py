"""Time per GAN training epoch on wrist windows: cwgan (input_kind "channels_time") vs a hand-written PyTorch WGAN-GP loop.

Both train the same networks (emozoo_cwgan.networks.WindowGenerator / WindowCritic at the documented CPU width:
generator dense 32+K -> 64 x 15, transposed convs 64 -> 32 -> 16 -> 4 channels, critic convs 4 -> 16 -> 32 -> 64 ->
linear, kernel 25, stride 4, one-hot label as K constant channels at every layer) on the same wrist-shaped data
([N, 4, 960]: 60 s at 16 Hz, 2 classes, z-scored per channel) with the same updates per epoch: each loader batch of
``batch_size * n_critic`` windows gives ``n_critic`` critic updates (WGAN-GP, lambda 10) and one generator update,
Adam(1e-3, betas (0.5, 0.9)), batch 32, n_critic 5. The runs alternate (plugin, reference, ...); each trains
``--epochs`` epochs and drops its first as warm-up. The ratio is median(plugin epoch) / median(reference epoch) in
process CPU time on CPU (robust to other jobs on a shared machine) and in wall time on CUDA; the target is <= 1.05.
``generate`` throughput (windows/s, no selection) is the median of ``--repeats`` calls of ``--gen-n`` windows.

    python benchmarks/speed_cwgan_windows.py [--device cpu|cuda] [--repeats 5] [--epochs 3] [--n 1024] [--threads 1]

Writes benchmarks/results/wearable/speed_cwgan_windows.json and .md.
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

from emozoo.bench.provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "wearable"
CHANNELS, LENGTH, CLASSES = 4, 960, 2
SIZES = {
    "num_channels": CHANNELS, "window_length": LENGTH, "num_classes": CLASSES, "label_names": ("no_stress", "stress"),
    "latent_dim": 32, "generator_channels": (64, 32, 16), "critic_channels": (16, 32, 64), "kernel_size": 25, "stride": 4,
    "batch_size": 32, "n_critic": 5, "gp_weight": 10.0, "lr_generator": 1e-3, "lr_critic": 1e-3, "betas": (0.5, 0.9),
}


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Wrist-shaped windows [n, 4, 960] (a class-dependent sinusoid per channel, noise, channel scales) and labels [n]."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % CLASSES
    freqs = torch.tensor([[0.5, 1.0, 0.1, 0.05], [1.5, 0.3, 0.2, 0.1]])[labels][:, :, None]
    t = torch.arange(LENGTH) / 16.0
    x = torch.sin(2 * math.pi * freqs * t + 6.28 * torch.rand(n, CHANNELS, 1, generator=g)) + 0.3 * torch.randn(n, CHANNELS, LENGTH, generator=g)
    return x * torch.tensor([30.0, 0.5, 0.3, 8.0])[:, None] + torch.tensor([0.0, 2.0, 33.0, 80.0])[:, None], labels


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


def _config(epochs: int):
    from emozoo_cwgan.model import CWGANConfig

    return CWGANConfig(input_kind="channels_time", epochs=epochs, select=False, judge="cnn1d", classifier="cnn1d",
                       judge_epochs=0, classifier_epochs=0, synthetic_ratio=0.0, **SIZES)


def plugin_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float], object]:
    """(wall, cpu) seconds per epoch of CWGAN.fit_generator's GAN loop (selection off), and the fitted model."""
    from emozoo_cwgan.model import CWGAN

    from emozoo.data.batches import PhysioBatch
    from emozoo.runtime import Runtime

    clock = EpochClock()
    model = CWGAN(_config(epochs))
    batch = PhysioBatch(features=x, labels=y, modality="wrist", layout="channels_time", band_names=("bvp", "eda", "temp", "hr"))
    model.fit_generator(batch, runtime=Runtime(device=device, progress=False), callbacks=[clock])
    return clock.wall, clock.cpu, model


def reference_epochs(x: torch.Tensor, y: torch.Tensor, epochs: int, device: str) -> tuple[list[float], list[float], None]:
    """A plain PyTorch conditional WGAN-GP loop over the same networks and updates; (wall, cpu) seconds per epoch."""
    from emozoo_cwgan.networks import WindowCritic, WindowGenerator

    s = SIZES
    torch.manual_seed(0)
    gen = WindowGenerator(s["latent_dim"], CLASSES, CHANNELS, LENGTH, s["generator_channels"], s["kernel_size"], s["stride"]).to(device)
    critic = WindowCritic(CHANNELS, LENGTH, CLASSES, s["critic_channels"], s["kernel_size"], s["stride"]).to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=s["lr_generator"], betas=s["betas"])
    opt_c = torch.optim.Adam(critic.parameters(), lr=s["lr_critic"], betas=s["betas"])
    mean, std = x.mean((0, 2), keepdim=True), x.std((0, 2), unbiased=False, keepdim=True).clamp_min(1e-6)
    z = ((x - mean) / std).to(device)
    bs, n_critic, lam, latent = s["batch_size"], s["n_critic"], s["gp_weight"], s["latent_dim"]
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(z, y.to(device)), batch_size=bs * n_critic,
                                         shuffle=True, generator=torch.Generator().manual_seed(0))
    wall, cpu = [], []
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        for real_all, lab_all in loader:
            chunks = list(zip(real_all.split(bs), lab_all.split(bs)))
            for p in critic.parameters():
                p.requires_grad_(True)
            for real, lab in chunks:
                with torch.no_grad():
                    fake = gen(torch.randn(len(real), latent, device=device), lab)
                scores = critic(torch.cat([real, fake]), torch.cat([lab, lab]))
                alpha = torch.rand(len(real), 1, 1, device=device)
                x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
                (grad,) = torch.autograd.grad(critic(x_hat, lab).sum(), x_hat, create_graph=True)
                gp = ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
                loss_c = scores[len(real):].mean() - scores[: len(real)].mean() + lam * gp
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                opt_c.step()
                _ = (loss_c.item(), gp.item())  # the plugin logs these too
            for p in critic.parameters():
                p.requires_grad_(False)
            lab = chunks[0][1]
            loss_g = -critic(gen(torch.randn(len(lab), latent, device=device), lab), lab).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            _ = loss_g.item()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return wall, cpu, None


def generate_rate(model: object, n: int, repeats: int, device: str) -> dict[str, float]:
    """Median windows per second of ``model.generate(n, seed=i, select=False)`` (wall and CPU)."""
    wall, cpu = [], []
    for i in range(repeats):
        t = (time.perf_counter(), time.process_time())
        out = model.generate(n, seed=i, select=False)  # type: ignore[attr-defined]
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - t[0])
        cpu.append(time.process_time() - t[1])
        assert out.features.shape == (n, CHANNELS, LENGTH)
    return {"windows_per_s_wall": n / statistics.median(wall), "windows_per_s_cpu": n / statistics.median(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--gen-n", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: fair on a shared machine)")
    parser.add_argument("--out", default=str(RESULTS / "speed_cwgan_windows"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = make_data(args.n)
    runs = {"plugin": {"wall": [], "cpu": []}, "reference": {"wall": [], "cpu": []}}
    paired = []
    primary = "wall" if args.device.startswith("cuda") else "cpu"
    model = None
    for _ in range(args.repeats):  # alternate, so drifting load on the machine hits both alike
        this = {}
        for name, fn in (("plugin", plugin_epochs), ("reference", reference_epochs)):
            wall, cpu, fitted = fn(x, y, args.epochs, args.device)
            model = fitted or model
            runs[name]["wall"] += wall[1:]
            runs[name]["cpu"] += cpu[1:]
            this[name] = statistics.median({"wall": wall, "cpu": cpu}[primary][1:])
        paired.append(this["plugin"] / this["reference"])
    med = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in runs.items()}
    ratios = {k: med["plugin"][k] / med["reference"][k] for k in ("wall", "cpu")}
    rate = generate_rate(model, args.gen_n, args.repeats, args.device)
    device_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or platform.machine()
    result = {
        "benchmark": "cwgan (channels_time) GAN training epoch: plugin fit_generator vs hand-written PyTorch WGAN-GP loop; generate throughput",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "device": args.device,
        "device_name": device_name,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "torch": torch.__version__,
        "threads": args.threads,
        "data": {"n": args.n, "shape": [CHANNELS, LENGTH], "classes": CLASSES, "kind": "synthetic wrist-shaped sinusoids"},
        "updates_per_epoch": {"generator": -(-args.n // (SIZES["batch_size"] * SIZES["n_critic"])), "critic": -(-args.n // SIZES["batch_size"])},
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in SIZES.items()},
        "repeats": args.repeats,
        "timed_epochs_per_run": args.epochs - 1,
        "epoch_seconds": runs,
        "median_epoch_seconds": med,
        "ratio_wall": ratios["wall"],
        "ratio_cpu": ratios["cpu"],
        "primary_measure": primary,
        "ratio": ratios[primary],
        "paired_ratios_per_repeat": paired,
        "target_ratio": 1.05,
        "generate": {"n": args.gen_n, **rate},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# cwgan on wrist windows (input_kind channels_time): time per GAN training epoch, generate throughput",
        "",
        (
            f"{result['date']}, commit `{result['git_commit'][:12]}`, device {args.device} ({device_name}, {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s); "
            f"N={args.n} synthetic windows [4, 960], 2 classes; CPU config (generator 64/32/16, critic 16/32/64, kernel 25, "
            f"stride 4, latent 32), batch {SIZES['batch_size']}, n_critic {SIZES['n_critic']} "
            f"({result['updates_per_epoch']['critic']} critic + {result['updates_per_epoch']['generator']} generator updates "
            f"per epoch); {args.repeats} alternating repeats x {args.epochs - 1} timed epochs each (first epoch of each run dropped)."
        ),
        "",
        "| loop | median wall s/epoch | median CPU s/epoch | min wall | max wall |",
        "|---|---|---|---|---|",
    ]
    for name, label in (("plugin", "emozoo-cwgan `fit_generator` (Runtime)"), ("reference", "hand-written PyTorch WGAN-GP")):
        w = runs[name]["wall"]
        md.append(f"| {label} | {med[name]['wall']:.4f} | {med[name]['cpu']:.4f} | {min(w):.4f} | {max(w):.4f} |")
    md += [
        "",
        (
            f"**ratio plugin / reference = {result['ratio']:.3f}** ({primary} time; target <= 1.05). "
            f"Wall-time ratio {ratios['wall']:.3f}, CPU-time ratio {ratios['cpu']:.3f}; per-repeat paired ratios "
            f"{', '.join(f'{r:.3f}' for r in paired)}."
        ),
        "",
        (
            f"`generate({args.gen_n}, select=False)`: {rate['windows_per_s_wall']:.0f} windows/s wall, "
            f"{rate['windows_per_s_cpu']:.0f} windows/s CPU (median of {args.repeats})."
        ),
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
