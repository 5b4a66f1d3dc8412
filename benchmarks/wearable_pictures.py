"""Pictures and per-channel distribution checks of the wrist benchmark (issue #17), from what the benchmark kept.

* ``windows_<method>.png``: real vs generated windows per channel (rows) and class (column pairs), three of each;
* ``spectra_<method>.png`` / ``autocorr_<method>.png``: the class-wise mean Welch power spectrum and mean
  autocorrelation of every channel, real (fold 1's real training windows) against generated;
* ``distribution.json`` / ``distribution.md``: per channel and class, the RBF MMD² of the standardised windows, the mean
  absolute log10-PSD difference and the mean absolute autocorrelation difference (lags up to 30 s), each beside the
  same measure between two halves of the real training windows (the floor a perfect generator would reach);
* ``subjects_recognition.png`` / ``subjects_augmentation.png``: every test subject's score (UAR, mean over seeds) per
  method, and every subject's paired gain of each generator at each ratio over the real-only FCN.

Generated windows come from ``OUT/generated/<method>.npz`` (``benchmarks/wearable_stress.py`` keeps them on the first
fold and seed); real windows are read again through the same adapter and configuration.

    python benchmarks/wearable_pictures.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "wearable"
CONFIG = ROOT / "benchmarks" / "configs" / "wearable_stress.toml"
DATA = ROOT.parent / "shared" / "data" / "stress-predict"
CHANNELS = ("BVP", "EDA", "TEMP", "HR")
CLASSES = ("no stress", "stress")
RATE = 16  # Hz, the adapter's common rate
MAX_LAG = 30 * RATE  # autocorrelation lags up to 30 s


def welch_psd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, mean PSD per channel [C, F]) of windows [N, C, T] (Welch, 256-sample Hann segments)."""
    from scipy.signal import welch

    freqs, psd = welch(x, fs=RATE, nperseg=min(256, x.shape[-1]), axis=-1)
    return freqs, psd.mean(axis=0)


def autocorrelation(x: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """Mean autocorrelation per channel [C, max_lag + 1] of windows [N, C, T] (each window demeaned, lag 0 = 1;
    a constant window contributes zeros beyond lag 0)."""
    z = x - x.mean(axis=-1, keepdims=True)
    n = z.shape[-1]
    spec = np.fft.rfft(z, n=2 * n, axis=-1)
    acov = np.fft.irfft(spec * np.conj(spec), axis=-1)[..., : max_lag + 1]
    var = acov[..., :1]
    acf = np.divide(acov, var, out=np.zeros_like(acov), where=var > 0)
    acf[..., 0] = 1.0
    return acf.mean(axis=0)


def channel_measures(real: np.ndarray, synth: np.ndarray, channel: int, seed: int = 0) -> dict[str, float]:
    """MMD², log-PSD and autocorrelation distances of one channel's windows, standardised by the real statistics."""
    import torch

    from emozoo.evaluation.distribution import mmd_rbf

    r, s = real[:, channel : channel + 1], synth[:, channel : channel + 1]
    mu, sd = r.mean(), r.std() or 1.0
    mmd = mmd_rbf(torch.from_numpy((r - mu) / sd).float(), torch.from_numpy((s - mu) / sd).float(), max_samples=512, seed=seed)
    _, pr = welch_psd(r)
    _, ps = welch_psd(s)
    eps = 1e-12
    return {"MMD2": mmd, "logPSD_L1": float(np.mean(np.abs(np.log10(pr + eps) - np.log10(ps + eps)))),
            "ACF_L1": float(np.mean(np.abs(autocorrelation(r) - autocorrelation(s))))}


def real_halves(x: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint random halves of the real windows: the floor of every measure."""
    order = np.random.default_rng(seed).permutation(len(x))
    half = len(x) // 2
    return x[order[:half]], x[order[half : 2 * half]]


def load_real(cfg: dict[str, Any], data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Fold 1's real training windows [N, 4, T] and labels, exactly as the augmentation protocol trains on them."""
    from emozoo_wearable.adapters import StressPredictAdapter

    fold = next(iter(StressPredictAdapter().folds(data_dir=data_dir, protocol="augmentation", **{**cfg["dataset"], "folds": [1]})))
    return fold.train.features.numpy(), fold.train.labels.numpy()


def load_generated(out: Path) -> dict[str, dict[int, np.ndarray]]:
    found = {}
    for path in sorted((out / "generated").glob("*.npz")):
        with np.load(path, allow_pickle=False) as z:
            found[path.stem] = {int(k[5:]): z[k] for k in z.files if k.startswith("class")}
    return found


def distribution_report(real: np.ndarray, labels: np.ndarray, generated: dict[str, dict[int, np.ndarray]]) -> dict[str, Any]:
    """``{"floor": {class: {channel: measures}}, method: {class: {channel: measures}}}``."""
    out: dict[str, Any] = {"floor": {}}
    for c, name in enumerate(CLASSES):
        a, b = real_halves(real[labels == c])
        out["floor"][name] = {ch: channel_measures(a, b, i) for i, ch in enumerate(CHANNELS)}
    for method, classes in generated.items():
        out[method] = {CLASSES[c]: {ch: channel_measures(real[labels == c], synth, i) for i, ch in enumerate(CHANNELS)}
                       for c, synth in sorted(classes.items())}  # fmt: skip
    return out


def distribution_markdown(report: dict[str, Any]) -> str:
    lines = ["# Wrist benchmark: per-channel distribution checks (fold 1, seed 0)", "",
             "Generated windows (up to 256 per class, as the augmentation protocol drew them) against fold 1's real training "
             "windows of the same class; `floor` compares two disjoint halves of those real windows (what a perfect "
             "generator would reach). MMD²: RBF kernel, median bandwidth, on each channel's windows standardised by the "
             "real mean and std (512 windows per side at most); logPSD L1: mean |log10 PSD_real − log10 PSD_gen| of the "
             "class-mean Welch spectra (0–8 Hz); ACF L1: mean |ACF_real − ACF_gen| of the class-mean autocorrelation over "
             "lags 0–30 s. Lower is closer for all three.", "",
             "| source | class | channel | MMD² | logPSD L1 | ACF L1 |", "|---|---|---|---|---|---|"]
    for source, classes in report.items():
        for cls, channels in classes.items():
            for ch, m in channels.items():
                lines.append(f"| {source} | {cls} | {ch} | {m['MMD2']:.4f} | {m['logPSD_L1']:.3f} | {m['ACF_L1']:.3f} |")
    return "\n".join(lines) + "\n"


def window_grid(real: np.ndarray, labels: np.ndarray, synth: dict[int, np.ndarray], method: str, path: Path, k: int = 3) -> None:
    """Rows = channels; per class a real and a generated column of ``k`` overlaid windows (time in seconds)."""
    from emozoo.bench.plots import _pyplot

    plt = _pyplot()
    rng = np.random.default_rng(0)
    t = np.arange(real.shape[-1]) / RATE
    fig, axes = plt.subplots(len(CHANNELS), 2 * len(CLASSES), figsize=(12, 7), squeeze=False, sharex=True)
    for c, cls in enumerate(CLASSES):
        pools = {"real": real[labels == c], "generated": synth.get(c, np.zeros((0,) + real.shape[1:]))}
        for j, (kind, pool) in enumerate(pools.items()):
            picks = pool[rng.choice(len(pool), size=min(k, len(pool)), replace=False)] if len(pool) else pool
            for i, ch in enumerate(CHANNELS):
                ax = axes[i][2 * c + j]
                for w in picks:
                    ax.plot(t, w[i], linewidth=0.6)
                if i == 0:
                    ax.set_title(f"{cls}: {kind}", fontsize=8)
                if c == 0 and j == 0:
                    ax.set_ylabel(ch, fontsize=8)
                ax.tick_params(labelsize=6)
    for ax in axes[-1]:
        ax.set_xlabel("s", fontsize=7)
    fig.suptitle(f"{method}: real vs generated 60 s windows (fold 1 training data; physical units as the adapter reads them)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def curve_grid(real: np.ndarray, labels: np.ndarray, synth: dict[int, np.ndarray], method: str, path: Path, kind: str) -> None:
    """Class-mean Welch spectra (``kind="spectra"``, log scale) or autocorrelations (``"autocorr"``), real vs generated."""
    from emozoo.bench.plots import _pyplot

    plt = _pyplot()
    fig, axes = plt.subplots(len(CHANNELS), len(CLASSES), figsize=(9, 8), squeeze=False, sharex=True)
    for c, cls in enumerate(CLASSES):
        for label, x in (("real", real[labels == c]), ("generated", synth.get(c))):
            if x is None or not len(x):
                continue
            if kind == "spectra":
                xs, ys = welch_psd(x)
            else:
                ys = autocorrelation(x)
                xs = np.arange(ys.shape[-1]) / RATE
            for i, ch in enumerate(CHANNELS):
                ax = axes[i][c]
                ax.plot(xs, ys[i], label=label, linewidth=0.9)
                if kind == "spectra":
                    ax.set_yscale("log")
                ax.set_title(f"{ch}, {cls}", fontsize=8)
                ax.tick_params(labelsize=6)
    axes[0][0].legend(fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("Hz" if kind == "spectra" else "lag (s)", fontsize=7)
    what = "mean Welch power spectrum" if kind == "spectra" else "mean autocorrelation"
    fig.suptitle(f"{method}: {what} per channel and class, real vs generated (fold 1)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def subject_scores(cells_dir: Path, metric: str = "UAR") -> dict[tuple[str, str, Any], dict[str, float]]:
    """(method, condition, ratio) -> {subject: mean over seeds of ``metric``} from the ok cells' per-subject records."""
    acc: dict[tuple[str, str, Any], dict[str, list[float]]] = {}
    for path in sorted(cells_dir.glob("*.json")):
        cell = json.loads(path.read_text(encoding="utf-8"))
        if cell.get("status") != "ok":
            continue
        for r in cell["records"]:
            for subject, scores in (r.get("per_unit") or {}).items():
                if metric in scores:
                    acc.setdefault((cell["method"], r["condition"], r.get("ratio")), {}).setdefault(subject, []).append(scores[metric])
    return {k: {s: float(np.mean(v)) for s, v in by.items()} for k, by in acc.items()}


def subjects_plot(scores: dict[str, dict[str, float]], path: Path, title: str, ylabel: str, zero_line: bool = False) -> None:
    """One row of dots per series (label -> {subject: value}) over the subjects, with the series mean as a bar."""
    from emozoo.bench.plots import _pyplot

    plt = _pyplot()
    subjects = sorted({s for by in scores.values() for s in by}, key=lambda s: int(s))
    fig, ax = plt.subplots(figsize=(max(8, 0.28 * len(subjects)), 4))
    width = 0.8 / max(1, len(scores))
    for k, (label, by) in enumerate(scores.items()):
        xs = [i + (k - (len(scores) - 1) / 2) * width for i, s in enumerate(subjects) if s in by]
        ys = [by[s] for s in subjects if s in by]
        ax.scatter(xs, ys, s=12, label=f"{label} (mean {np.mean(ys):.3f}, {len(ys)} subjects)")
    if zero_line:
        ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xticks(range(len(subjects)))
    ax.set_xticklabels([f"S{int(s):02d}" for s in subjects], rotation=90, fontsize=6)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def subject_pictures(out: Path, pictures: Path) -> list[Path]:
    written = []
    rec = subject_scores(out / "recognition" / "cells")
    series = {m: by for (m, cond, _), by in sorted(rec.items()) if cond == "test"}
    if series:
        path = pictures / "subjects_recognition.png"
        subjects_plot(series, path, "Recognition: each test subject's UAR (mean over seeds), subject-grouped 5-fold", "UAR")
        written.append(path)
    aug = subject_scores(out / "augmentation" / "cells")
    gains = {}
    for (method, cond, ratio), by in sorted(aug.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)):
        real = aug.get((method, "real", None))
        if cond == "real+synthetic" and real:
            gains[f"{method} ×{ratio:g}"] = {s: v - real[s] for s, v in by.items() if s in real}
    if gains:
        path = pictures / "subjects_augmentation.png"
        subjects_plot(gains, path, "Augmentation: each test subject's UAR gain over the real-only FCN (paired, same fold and seed)",
                      "UAR gain", zero_line=True)  # fmt: skip
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--config", type=Path, default=CONFIG)
    p.add_argument("--data-dir", type=Path, default=DATA)
    args = p.parse_args(argv)
    from face_muxspace import load_config  # benchmarks/face_muxspace.py

    pictures = args.out / "pictures"
    pictures.mkdir(parents=True, exist_ok=True)
    written = subject_pictures(args.out, pictures)
    generated = load_generated(args.out)
    if generated:
        real, labels = load_real(load_config(args.config), args.data_dir)
        for method, synth in generated.items():
            for name, draw in (("windows", window_grid), ("spectra", curve_grid), ("autocorr", curve_grid)):
                path = pictures / f"{name}_{method}.png"
                if draw is curve_grid:
                    draw(real, labels, synth, method, path, name)
                else:
                    draw(real, labels, synth, method, path)
                written.append(path)
        report = distribution_report(real, labels, generated)
        (args.out / "distribution.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (args.out / "distribution.md").write_text(distribution_markdown(report), encoding="utf-8")
    print("\n".join(str(w.relative_to(args.out)) for w in written))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
