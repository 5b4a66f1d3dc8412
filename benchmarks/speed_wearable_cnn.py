"""Time per training epoch of ``wearable-cnn1d`` and ``wearable-cnn1d-aug`` vs a hand-written PyTorch loop, side by side.

Both loops train the same network (emozoo's ``fcn1d``, the benchmark's widths 32-64-32 by default) with cross-entropy,
Adam(1e-3) and batch 32 on Stress-Predict-sized synthetic windows (``--n`` 1,400 windows [4, 960]: 60 s at 16 Hz).
The reference for ``-aug`` calls the same ``augment_windows`` (jitter, scaling, time warping) on every batch, so the
ratio measures the framework's overhead; what the augmentation itself costs is timed on its own.

Runs alternate (plugin, reference, ...) for ``--repeats`` after a shared warm-up. The ratio is the median of the
per-repeat paired ratios (plugin epoch / the reference epoch run beside it) in process CPU time on CPU, wall time on
CUDA; the target is <= 1.05.

    python benchmarks/speed_wearable_cnn.py [--device cpu] [--repeats 3] [--n 1400] [--threads 1]

Writes benchmarks/results/wearable/speed_wearable_cnn.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from emozoo.bench.provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "wearable"
CHANNELS, SAMPLES, CLASSES, BATCH, LR = 4, 960, 2, 32, 1e-3
FILTERS, KERNELS = (32, 64, 32), (8, 5, 3)


def make_windows(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Wrist-like windows [n, 4, 960] on physical scales (BVP ~ 60, EDA ~ 1, TEMP ~ 31, HR ~ 80) and 2-class labels."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % CLASSES
    scale = torch.tensor([60.0, 1.0, 0.5, 10.0])[None, :, None]
    offset = torch.tensor([0.0, 1.0, 31.0, 80.0])[None, :, None]
    return offset + scale * torch.randn(n, CHANNELS, SAMPLES, generator=g) + 0.3 * y.float()[:, None, None], y


def plugin_epoch(method: str, batch, device: str) -> dict:
    """One epoch of ``emozoo.load(method).fit(batch)``, timed by the Runtime callback."""
    from speed_speech_cnn import EpochClock  # benchmarks/speed_speech_cnn.py

    import emozoo
    from emozoo.runtime import Runtime

    model = emozoo.load(method, num_classes=CLASSES, epochs=1, batch_size=BATCH, filters=FILTERS, kernels=KERNELS)
    clock = EpochClock()
    model.fit(batch, runtime=Runtime(device=device, progress=False), callbacks=[clock])
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return {"wall": clock.wall[0], "cpu": clock.cpu[0]}


def reference_epoch(x: torch.Tensor, y: torch.Tensor, device: str, augment: bool = False) -> dict:
    """One epoch of a plain loop: the same network, optimiser and batch size over shuffled index batches."""
    from emozoo_wearable.augment import AugmentConfig, augment_windows
    from emozoo_wearable_baselines.common import channel_std

    from emozoo.evaluation.classifiers import build_classifier

    torch.manual_seed(0)
    model = build_classifier("fcn1d", (CHANNELS, SAMPLES), CLASSES, seed=0, filters=FILTERS, kernels=KERNELS).to(device)
    model.norm.fit(x)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    policy, rng, scale = AugmentConfig(), np.random.default_rng([0, 1]), channel_std(x)
    xd, yd = x.to(device), y.to(device)
    model.train()
    start = (time.perf_counter(), time.process_time())
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0)).to(device)
    for i in range(0, len(x), BATCH):
        idx = order[i : i + BATCH]
        xb, yb = xd[idx], yd[idx]
        if augment:
            xb = augment_windows(xb, policy, rng, scale=scale)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        _ = loss.item()  # the plugin logs the loss of every step
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return {"wall": time.perf_counter() - start[0], "cpu": time.process_time() - start[1]}


def augment_cost(x: torch.Tensor) -> dict:
    """CPU seconds that jitter + scaling + time warping take over one epoch's batches, alone."""
    from emozoo_wearable.augment import AugmentConfig, augment_windows
    from emozoo_wearable_baselines.common import channel_std

    policy, rng, scale = AugmentConfig(), np.random.default_rng(3), channel_std(x)
    start = time.process_time()
    for i in range(0, len(x), BATCH):
        augment_windows(x[i : i + BATCH], policy, rng, scale=scale)
    return {"cpu": time.process_time() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=1400)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: fair on a shared machine)")
    parser.add_argument("--out", default=str(RESULTS / "speed_wearable_cnn"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from emozoo.data.batches import PhysioBatch

    x, y = make_windows(args.n)
    batch = PhysioBatch(features=x, labels=y, layout="channels_time", modality="wrist", band_names=("bvp", "eda", "temp", "hr"))
    for method, augment in (("wearable-cnn1d", False), ("wearable-cnn1d-aug", True)):  # warm-up: allocator, kernels, lazy imports
        reference_epoch(x[: 4 * BATCH], y[: 4 * BATCH], args.device, augment=augment)
        plugin_epoch(method, batch.index(slice(0, 4 * BATCH)), args.device)
    primary = "wall" if args.device.startswith("cuda") else "cpu"
    pairs: dict[str, bool] = {"wearable-cnn1d": False, "wearable-cnn1d-aug": True}
    runs: dict[str, list[dict]] = {k: [] for m in pairs for k in (m, f"reference for {m}")}
    for _ in range(args.repeats):  # alternate, so drifting load on the machine hits both alike
        for method, augment in pairs.items():
            runs[method].append(plugin_epoch(method, batch, args.device))
            runs[f"reference for {method}"].append(reference_epoch(x, y, args.device, augment=augment))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")} for k, v in runs.items()}
    paired = {m: [p[primary] / r[primary] for p, r in zip(runs[m], runs[f"reference for {m}"])] for m in pairs}
    ratio = {m: statistics.median(v) for m, v in paired.items()}
    aug = augment_cost(x)
    device_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or platform.machine()
    result = {
        "benchmark": "wearable-cnn1d baselines: one training epoch through emozoo's Runtime vs a hand-written PyTorch loop",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "git_commit": git_commit(), "device": args.device,
        "device_name": device_name, "cpu_count": os.cpu_count(), "load_average_at_end": os.getloadavg(), "torch": torch.__version__,
        "threads": args.threads, "data": {"n": args.n, "shape": [CHANNELS, SAMPLES], "classes": CLASSES, "synthetic": True},
        "config": {"network": f"fcn1d filters {FILTERS} kernels {KERNELS}", "batch_size": BATCH, "lr": LR,
                   "augmentation": "emozoo_wearable.augment defaults (jitter, scaling, time warping)"},
        "repeats": args.repeats, "epoch_seconds": runs, "median_epoch_seconds": med, "primary_measure": primary,
        "paired_ratios_per_repeat": paired, "ratio": ratio, "augmentation_cpu_seconds_per_epoch": aug["cpu"], "target_ratio": 1.05,
    }  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = ["# wearable-cnn1d baselines: time per training epoch", "",
          f"{result['date']}, commit `{result['git_commit'][:12]}`, device {args.device} ({device_name}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s). Synthetic "
          f"Stress-Predict-sized data: {args.n} windows [{CHANNELS}, {SAMPLES}], {CLASSES} classes; fcn1d {FILTERS}, Adam({LR}), "
          f"batch {BATCH}; {args.repeats} alternating repeats of one epoch each after a warm-up.", "",
          "| loop | median wall s/epoch | median CPU s/epoch | paired ratios | median ratio |", "|---|---|---|---|---|"]  # fmt: skip
    for name in runs:
        r = f"{', '.join(f'{v:.3f}' for v in paired[name])} | **{ratio[name]:.3f}**" if name in paired else "- | -"
        md.append(f"| {name} | {med[name]['wall']:.3f} | {med[name]['cpu']:.3f} | {r} |")
    md += ["", f"Ratio: plugin epoch / the reference epoch run beside it ({primary} time), median over repeats; target <= 1.05. "
           f"The augmentation alone (jitter + scaling + time warping over one epoch's batches) costs {aug['cpu']:.3f} s CPU "
           f"({100 * aug['cpu'] / med['wearable-cnn1d']['cpu']:.1f} % of a plain epoch) and is inside both -aug loops.", ""]  # fmt: skip
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
