"""Time per training epoch of the three speech baselines (emozoo-speech-cnn) vs a hand-written PyTorch loop, side by side.

Every loop trains the same network (emozoo's ``pooled_cnn``: 4 conv blocks 16-32-64-64 on log-mel [300, 64], 8 classes)
with cross-entropy, Adam(1e-3, weight decay 1e-4) and batch 32 on RAVDESS-sized data (``--n`` 1,000 utterances):

* ``speech-cnn`` and ``speech-cnn-specaugment`` fit on log-mel features [n, 300, 64]; the reference is a plain loop over
  shuffled index batches (and, for SpecAugment, calls the same ``spec_augment`` on each batch, so the ratio measures
  the framework's overhead; what the masks cost is timed on its own).
* ``speech-cnn-signalaug`` fits on n / 3 three-second waveforms with 2 augmented copies each (n rows in all); its
  epoch is compared with the plain reference over as many rows. The augmentation (noise, speed, pitch) and the
  log-mel front-end run once before training; they are timed separately and not part of the epoch.

Each run trains one epoch after a shared warm-up; runs alternate (plugin, reference, ...) for ``--repeats``. The ratio
is median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other jobs on a shared machine;
wall time is recorded too) and in wall time on CUDA; the target is <= 1.05.

    python benchmarks/speed_speech_cnn.py [--device cpu|cuda] [--repeats 3] [--n 1000] [--threads 1]

Writes benchmarks/results/speech/speed_speech_cnn.json and .md.
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

import numpy as np
import torch

from emozoo.bench.provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "speech"
FRAMES, MELS, CLASSES, BATCH, LR, WD, SR, SECONDS = 300, 64, 8, 32, 1e-3, 1e-4, 16000, 3.0


def make_features(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-mel-shaped [n, 300, 64] inputs (dB-like scale) and 8-class labels."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % CLASSES
    return -40.0 + 10.0 * torch.randn(n, FRAMES, MELS, generator=g), y


def make_waves(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` three-second 16 kHz "utterances" (a harmonic tone per class with vibrato, plus noise) and labels."""
    g = torch.Generator().manual_seed(1)
    y = torch.arange(n) % CLASSES
    t = torch.arange(int(SECONDS * SR)) / SR
    f0 = (120.0 + 20.0 * y.float())[:, None] * (1 + 0.02 * torch.sin(2 * math.pi * 5 * t))
    phase = 2 * math.pi * torch.cumsum(f0 / SR, dim=1)
    waves = sum(0.3 / k * torch.sin(k * phase) for k in range(1, 6)) + 0.01 * torch.randn(n, t.numel(), generator=g)
    return waves.float(), y


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


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def plugin_epoch(method: str, data, device: str, copies: int = 2) -> dict:
    """One epoch of ``emozoo.load(method).fit(data)``: epoch (wall, cpu) from the Runtime callback, and the whole fit."""
    import emozoo
    from emozoo.runtime import Runtime

    overrides = {"num_classes": CLASSES, "epochs": 1}
    if method == "speech-cnn-signalaug":
        overrides["signal"] = {"copies": copies}
    model = emozoo.load(method, **overrides)
    clock = EpochClock()
    start = (time.perf_counter(), time.process_time())
    model.fit(data, runtime=Runtime(device=device, progress=False), callbacks=[clock])
    _sync(device)
    return {"wall": clock.wall[0], "cpu": clock.cpu[0], "fit_wall": time.perf_counter() - start[0],
            "fit_cpu": time.process_time() - start[1], "rows": model.fit_report["train_samples"]}


def reference_epoch(x: torch.Tensor, y: torch.Tensor, device: str, specaugment: bool = False) -> dict:
    """One epoch of a plain PyTorch loop: the same network, Adam and batch size over shuffled index batches."""
    from emozoo.evaluation.classifiers import build_classifier
    from emozoo_speech_cnn.augment import SpecAugmentConfig, spec_augment

    torch.manual_seed(0)
    model = build_classifier("pooled_cnn", (FRAMES, MELS), CLASSES, seed=0).to(device)
    model.norm.fit(x)
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WD)
    policy, masks = SpecAugmentConfig(), torch.Generator().manual_seed(1)
    xd, yd = x.to(device), y.to(device)
    model.train()
    start = (time.perf_counter(), time.process_time())
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0)).to(device)
    for i in range(0, len(x), BATCH):
        idx = order[i : i + BATCH]
        xb, yb = xd[idx], yd[idx]
        if specaugment:
            xb = spec_augment(xb, policy, masks)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        _ = loss.item()  # the plugin logs the loss of every step
    _sync(device)
    return {"wall": time.perf_counter() - start[0], "cpu": time.process_time() - start[1]}


def specaugment_cost(x: torch.Tensor, device: str) -> dict:
    """Seconds that drawing and applying SpecAugment's masks takes over one epoch's batches, alone."""
    from emozoo_speech_cnn.augment import SpecAugmentConfig, spec_augment

    policy, g, xd = SpecAugmentConfig(), torch.Generator().manual_seed(1), x.to(device)
    start = (time.perf_counter(), time.process_time())
    for i in range(0, len(x), BATCH):
        spec_augment(xd[i : i + BATCH], policy, g)
    _sync(device)
    return {"wall": time.perf_counter() - start[0], "cpu": time.process_time() - start[1]}


def signal_cost(waves: torch.Tensor, copies: int) -> dict:
    """Seconds per utterance for the augmented copies (speed -> pitch -> noise) and for their log-mel front-end."""
    from emozoo_speech.frontends import LogMel
    from emozoo_speech_cnn.augment import SignalAugmentConfig
    from emozoo_speech_cnn.model import augmented_copies, default_frontend

    arrays = [w.numpy() for w in waves]
    t0 = time.process_time()
    made = augmented_copies(arrays, SR, SignalAugmentConfig(copies=copies), seed=0)
    t1 = time.process_time()
    frontend = LogMel(default_frontend())
    for batch in made:
        for w in batch:
            frontend(w, SR)
    t2 = time.process_time()
    n = len(arrays) * copies
    return {"copies": n, "augment_cpu_per_copy": (t1 - t0) / n, "logmel_cpu_per_copy": (t2 - t1) / n,
            "augment_cpu_total": t1 - t0, "logmel_cpu_total": t2 - t1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: fair on a shared machine)")
    parser.add_argument("--out", default=str(RESULTS / "speed_speech_cnn"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from emozoo.data.batches import AudioBatch

    copies = 2
    x, y = make_features(args.n)
    features = AudioBatch(inputs=x, labels=y, kind="features")
    waves, wy = make_waves(max(CLASSES, round(args.n / (1 + copies))))
    wave_batch = AudioBatch(inputs=waves, labels=wy, sample_rate=SR, kind="waveform")
    reference_epoch(x[: 4 * BATCH], y[: 4 * BATCH], args.device)  # warm-up: allocator, kernels, lazy imports
    plugin_epoch("speech-cnn", features.index(slice(0, 4 * BATCH)), args.device)
    primary = "wall" if args.device.startswith("cuda") else "cpu"
    runs: dict[str, list[dict]] = {k: [] for k in ("speech-cnn", "reference", "speech-cnn-specaugment", "reference+specaugment",
                                                  "speech-cnn-signalaug")}
    bench_start = time.process_time()
    for _ in range(args.repeats):  # alternate, so drifting load on the machine hits both alike
        runs["speech-cnn"].append(plugin_epoch("speech-cnn", features, args.device))
        runs["reference"].append(reference_epoch(x, y, args.device))
        runs["speech-cnn-specaugment"].append(plugin_epoch("speech-cnn-specaugment", features, args.device))
        runs["reference+specaugment"].append(reference_epoch(x, y, args.device, specaugment=True))
        runs["speech-cnn-signalaug"].append(plugin_epoch("speech-cnn-signalaug", wave_batch, args.device, copies))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")} for k, v in runs.items()}
    rows = runs["speech-cnn-signalaug"][0]["rows"]
    # the signal-aug epoch trains `rows` rows; the plain reference epoch is rescaled from args.n rows to as many
    scale = rows / args.n
    against = {"speech-cnn": ("reference", 1.0), "speech-cnn-specaugment": ("reference+specaugment", 1.0),
               "speech-cnn-signalaug": ("reference", scale)}
    ratios = {m: {k: med[m][k] / (med[ref][k] * s) for k in ("wall", "cpu")} for m, (ref, s) in against.items()}
    # per repeat, each plugin epoch over the reference epoch run next to it (same load on the machine)
    paired = {m: [p[primary] / (r[primary] * s) for p, r in zip(runs[m], runs[ref])] for m, (ref, s) in against.items()}
    overall = statistics.median([v for vs in paired.values() for v in vs])
    aug = {"specaugment_per_epoch": specaugment_cost(x, args.device), "signal": signal_cost(waves[: min(60, len(waves))], copies)}
    device_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or platform.machine()
    result = {
        "benchmark": "speech-cnn baselines: one training epoch through emozoo's Runtime vs a hand-written PyTorch loop",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "device": args.device,
        "device_name": device_name,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "torch": torch.__version__,
        "threads": args.threads,
        "data": {"n": args.n, "shape": [FRAMES, MELS], "classes": CLASSES, "signalaug_waveforms": len(waves),
                 "signalaug_rows": rows, "waveform_seconds": SECONDS, "synthetic": True},
        "config": {"network": "pooled_cnn channels (16, 32, 64, 64), dropout 0.3", "batch_size": BATCH, "lr": LR,
                   "weight_decay": WD, "specaugment": "F=22 m_F=2 T=24 m_T=2 p=1.0, mask = utterance mean",
                   "signal": f"copies {copies}: speed 0.9/1.0/1.1, pitch U[-2, 2] st, noise U[10, 30] dB"},
        "repeats": args.repeats,
        "epoch_seconds": runs,
        "median_epoch_seconds": med,
        "primary_measure": primary,
        "ratios": ratios,
        "ratio": {m: r[primary] for m, r in ratios.items()},
        "paired_ratios_per_repeat": paired,
        "overall_paired_median": overall,
        "augmentation_cost": aug,
        "target_ratio": 1.05,
        "benchmark_cpu_seconds": time.process_time() - bench_start,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    sig = aug["signal"]
    md = [
        "# speech-cnn baselines: time per training epoch",
        "",
        (
            f"{result['date']}, commit `{result['git_commit'][:12]}`, device {args.device} ({device_name}, {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s). "
            f"Synthetic RAVDESS-sized data: {args.n} x log-mel [{FRAMES}, {MELS}], {CLASSES} classes; signal augmentation on "
            f"{len(waves)} x {SECONDS:.0f}-s 16 kHz waveforms + {copies} copies each = {rows} rows. pooled_cnn (16-32-64-64), "
            f"Adam(1e-3, wd 1e-4), batch {BATCH}; {args.repeats} alternating repeats of one epoch each after a warm-up."
        ),
        "",
        "| loop | rows | median wall s/epoch | median CPU s/epoch | ratio (CPU) | ratio (wall) |",
        "|---|---|---|---|---|---|",
    ]
    for name in runs:
        r = ratios.get(name)
        n_rows = rows if name == "speech-cnn-signalaug" else args.n
        cells = f"{r['cpu']:.3f} | {r['wall']:.3f}" if r else "- | -"
        md.append(f"| {name} | {n_rows} | {med[name]['wall']:.3f} | {med[name]['cpu']:.3f} | {cells} |")
    md += [
        "",
        "Ratios: median plugin epoch / median reference epoch in the same run (target <= 1.05); speech-cnn-signalaug "
        f"against the plain reference rescaled to its {rows} rows (x {scale:.3f}); the reference for SpecAugment applies "
        "the same masks per batch. Per-repeat paired ratios (plugin epoch / the reference epoch run beside it, "
        f"{primary} time): "
        + "; ".join(f"{m} {', '.join(f'{v:.3f}' for v in vs)}" for m, vs in paired.items())
        + f". **Median of all paired ratios: {overall:.3f}.**",
        "",
        "Augmentation cost, outside the ratios:",
        f"- SpecAugment (draw + apply masks) over one epoch's batches: {aug['specaugment_per_epoch']['cpu']:.3f} s CPU "
        f"({100 * aug['specaugment_per_epoch']['cpu'] / med['speech-cnn']['cpu']:.1f} % of a plain epoch).",
        f"- Signal augmentation, once per fit: {1000 * sig['augment_cpu_per_copy']:.2f} ms CPU per augmented {SECONDS:.0f}-s copy "
        f"(speed + pitch + noise) and {1000 * sig['logmel_cpu_per_copy']:.2f} ms for its log-mel, measured on {sig['copies']} copies; "
        f"for {args.n} utterances x {copies} copies about {args.n * copies * (sig['augment_cpu_per_copy'] + sig['logmel_cpu_per_copy']):.1f} s.",
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
