"""Time per training epoch of the face baselines (emozoo-fer-cnn) vs a hand-written PyTorch loop, side by side, and
``predict`` throughput.

Every loop trains the same network (emozoo's ``pooled_cnn``: 4 conv blocks 16-32-64-128 on grey 48 x 48 images, 8
classes) with cross-entropy, Adam(1e-3, weight decay 1e-4) and batch 32 on ``--n`` generated images (random pixels in
[0, 1]; no real face is used):

* ``fer-cnn`` against a plain loop over shuffled index batches;
* ``fer-cnn-classicaug`` against the same plain loop calling the same ``classical_augment`` on each batch (so the ratio
  measures the framework's overhead); what the augmentation costs is timed on its own.

Each run trains one epoch after a shared warm-up; runs alternate (plugin, reference, ...) for ``--repeats``. The ratio is
median(plugin epoch) / median(reference epoch) in process CPU time on CPU (robust to other jobs on a shared machine; wall
time is recorded too) and in wall time on CUDA; the target is <= 1.05. ``predict`` throughput (images/s) is measured at
batch 1 and 256 on a fitted ``fer-cnn``.

    python benchmarks/speed_fer_cnn.py [--device cpu|cuda] [--repeats 5] [--n 1000] [--threads 1]

Writes benchmarks/results/face/speed_fer_cnn.json and .md.
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
SIZE, CLASSES, BATCH, LR, WD = 48, 8, 32, 1e-3, 1e-4
CHANNELS = (16, 32, 64, 128)


def make_images(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Grey [n, 1, 48, 48] images in [0, 1] (random pixels) and 8-class labels."""
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, SIZE, SIZE, generator=g), torch.arange(n) % CLASSES


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


def plugin_epoch(method: str, data, device: str):
    """One epoch of ``emozoo.load(method).fit(data)``: epoch (wall, cpu) from the Runtime callback, and the whole fit."""
    import emozoo
    from emozoo.runtime import Runtime

    model = emozoo.load(method, num_classes=CLASSES, epochs=1, channels=CHANNELS)
    clock = EpochClock()
    start = (time.perf_counter(), time.process_time())
    model.fit(data, runtime=Runtime(device=device, progress=False), callbacks=[clock])
    _sync(device)
    return {"wall": clock.wall[0], "cpu": clock.cpu[0], "fit_wall": time.perf_counter() - start[0],
            "fit_cpu": time.process_time() - start[1]}, model


def reference_epoch(x: torch.Tensor, y: torch.Tensor, device: str, augment: bool = False) -> dict:
    """One epoch of a plain PyTorch loop: the same network, Adam and batch size over shuffled index batches."""
    from emozoo_face.transforms import ClassicalAugmentConfig, classical_augment

    from emozoo.evaluation.classifiers import build_classifier

    torch.manual_seed(0)
    model = build_classifier("pooled_cnn", (1, SIZE, SIZE), CLASSES, seed=0, channels=CHANNELS).to(device)
    model.norm.fit(x)
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WD)
    policy, rng = ClassicalAugmentConfig(), torch.Generator().manual_seed(1)
    xd, yd = x.to(device), y.to(device)
    model.train()
    start = (time.perf_counter(), time.process_time())
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0)).to(device)
    for i in range(0, len(x), BATCH):
        idx = order[i : i + BATCH]
        xb, yb = xd[idx], yd[idx]
        if augment:
            xb = classical_augment(xb, policy, rng)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        _ = loss.item()  # the plugin logs the loss of every step
    _sync(device)
    return {"wall": time.perf_counter() - start[0], "cpu": time.process_time() - start[1]}


def augment_cost(x: torch.Tensor, device: str) -> dict:
    """Seconds that drawing and applying the classical augmentation takes over one epoch's batches, alone."""
    from emozoo_face.transforms import ClassicalAugmentConfig, classical_augment

    policy, g, xd = ClassicalAugmentConfig(), torch.Generator().manual_seed(1), x.to(device)
    start = (time.perf_counter(), time.process_time())
    for i in range(0, len(x), BATCH):
        classical_augment(xd[i : i + BATCH], policy, g)
    _sync(device)
    return {"wall": time.perf_counter() - start[0], "cpu": time.process_time() - start[1]}


def predict_throughput(model, x: torch.Tensor, batch: int, seconds: float = 3.0) -> dict:
    """Images/s of ``model.predict`` on batches of ``batch`` images (input checks included), for about ``seconds``."""
    from emozoo.data.batches import ImageBatch

    chunk = ImageBatch(images=x[:batch])
    model.predict(chunk)  # warm-up
    calls, start = 0, time.perf_counter()
    cpu0 = time.process_time()
    while time.perf_counter() - start < seconds or calls < 3:
        model.predict(chunk)
        calls += 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return {"batch": batch, "calls": calls, "images_per_s_wall": calls * batch / wall, "images_per_s_cpu": calls * batch / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: fair on a shared machine)")
    parser.add_argument("--out", default=str(RESULTS / "speed_fer_cnn"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from emozoo.data.batches import ImageBatch

    x, y = make_images(args.n)
    data = ImageBatch(images=x, labels=y)
    reference_epoch(x[: 4 * BATCH], y[: 4 * BATCH], args.device)  # warm-up: allocator, kernels, lazy imports
    plugin_epoch("fer-cnn-classicaug", data.index(slice(0, 4 * BATCH)), args.device)
    primary = "wall" if args.device.startswith("cuda") else "cpu"
    runs: dict[str, list[dict]] = {k: [] for k in ("fer-cnn", "reference", "fer-cnn-classicaug", "reference+classicaug")}
    bench_start = time.process_time()
    fitted = None
    for _ in range(args.repeats):  # alternate, so drifting load on the machine hits both alike
        record, fitted = plugin_epoch("fer-cnn", data, args.device)
        runs["fer-cnn"].append(record)
        runs["reference"].append(reference_epoch(x, y, args.device))
        runs["fer-cnn-classicaug"].append(plugin_epoch("fer-cnn-classicaug", data, args.device)[0])
        runs["reference+classicaug"].append(reference_epoch(x, y, args.device, augment=True))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")} for k, v in runs.items()}
    against = {"fer-cnn": "reference", "fer-cnn-classicaug": "reference+classicaug"}
    ratios = {m: {k: med[m][k] / med[ref][k] for k in ("wall", "cpu")} for m, ref in against.items()}
    paired = {m: [p[primary] / r[primary] for p, r in zip(runs[m], runs[ref])] for m, ref in against.items()}
    overall = statistics.median([v for vs in paired.values() for v in vs])
    aug = augment_cost(x, args.device)
    throughput = [predict_throughput(fitted, x, b) for b in (1, 256)]
    device_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or platform.machine()
    result = {
        "benchmark": "fer-cnn baselines: one training epoch through emozoo's Runtime vs a hand-written PyTorch loop; predict throughput",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "device": args.device,
        "device_name": device_name,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "torch": torch.__version__,
        "threads": args.threads,
        "data": {"n": args.n, "shape": [1, SIZE, SIZE], "classes": CLASSES, "synthetic": True},
        "config": {"network": f"pooled_cnn channels {CHANNELS}, dropout 0.3", "batch_size": BATCH, "lr": LR, "weight_decay": WD,
                   "classicaug": "ClassicalAugmentConfig() defaults: reflect-pad 4 + crop, flip 0.5, rotation +-10 deg p 0.5, erasing p 0.5"},
        "repeats": args.repeats,
        "epoch_seconds": runs,
        "median_epoch_seconds": med,
        "primary_measure": primary,
        "ratios": ratios,
        "ratio": {m: r[primary] for m, r in ratios.items()},
        "paired_ratios_per_repeat": paired,
        "overall_paired_median": overall,
        "augmentation_cost_per_epoch": aug,
        "predict_throughput": throughput,
        "target_ratio": 1.05,
        "benchmark_cpu_seconds": time.process_time() - bench_start,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# fer-cnn baselines: time per training epoch and predict throughput",
        "",
        (
            f"{result['date']}, commit `{result['git_commit'][:12]}`, device {args.device} ({device_name}, {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at the end), torch {torch.__version__}, {args.threads} thread(s). "
            f"Generated data: {args.n} grey 48 x 48 images of random pixels, {CLASSES} classes. pooled_cnn "
            f"({'-'.join(map(str, CHANNELS))}), Adam(1e-3, wd 1e-4), batch {BATCH}; {args.repeats} alternating repeats of one "
            "epoch each after a warm-up."
        ),
        "",
        "| loop | median wall s/epoch | median CPU s/epoch | ratio (CPU) | ratio (wall) |",
        "|---|---|---|---|---|",
    ]
    for name in runs:
        r = ratios.get(name)
        cells = f"{r['cpu']:.3f} | {r['wall']:.3f}" if r else "- | -"
        md.append(f"| {name} | {med[name]['wall']:.3f} | {med[name]['cpu']:.3f} | {cells} |")
    md += [
        "",
        "Ratios: median plugin epoch / median reference epoch in the same run (target <= 1.05); the reference for "
        "fer-cnn-classicaug calls the same classical_augment per batch. Per-repeat paired ratios (plugin epoch / the "
        f"reference epoch run beside it, {primary} time): "
        + "; ".join(f"{m} {', '.join(f'{v:.3f}' for v in vs)}" for m, vs in paired.items())
        + f". **Median of all paired ratios: {overall:.3f}.**",
        "",
        (f"Classical augmentation alone (draw + apply, default policy) over one epoch's batches: {aug['cpu']:.3f} s CPU "
         f"({100 * aug['cpu'] / med['fer-cnn']['cpu']:.1f} % of a plain epoch)."),
        "",
        "| predict batch | images/s (wall) | images/s (CPU) |",
        "|---|---|---|",
        *(f"| {t['batch']} | {t['images_per_s_wall']:.0f} | {t['images_per_s_cpu']:.0f} |" for t in throughput),
        "",
        "On a CPU shared with other jobs, process CPU time is the primary measure (wall time includes waiting for a core).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
