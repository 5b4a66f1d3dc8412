"""PNG plots of a benchmark: metric vs augmentation ratio or missing rate per method; confusion matrices."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from emozoo.metrics import is_percent


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def curve_plot(rows: list[dict[str, Any]], metric: str, condition: str, xlabel: str, path: Path, title: str) -> Path | None:
    """One line per (method, classifier): ``metric`` mean ± std against the rows' ratio."""
    series: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for row in rows:
        if row["condition"] != condition or row["ratio"] is None or metric not in row["metrics"]:
            continue
        label = row["method"] + (f" ({row['classifier']})" if row["classifier"] else "")
        stat = row["metrics"][metric]
        series[label].append((float(row["ratio"]), stat["mean"], stat["std"]))
    if not series:
        return None
    scale = 100.0 if is_percent(metric) else 1.0
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, points in sorted(series.items()):
        points.sort()
        xs = [p[0] for p in points]
        ax.errorbar(xs, [p[1] * scale for p in points], yerr=[p[2] * scale for p in points], marker="o", capsize=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric + (" (%)" if scale == 100.0 else ""))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def confusion_plot(matrix: list[list[int]], labels: list[str], path: Path, title: str) -> Path:
    """A row-normalised confusion matrix with counts in the cells."""
    import numpy as np

    plt = _pyplot()
    counts = np.asarray(matrix, dtype=float)
    norm = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    names = labels or [str(i) for i in range(len(counts))]
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(names), 0.8 + 0.7 * len(names)))
    ax.imshow(norm, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, int(counts[i, j]), ha="center", va="center", fontsize=7, color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_plots(protocol: str, rows: list[dict[str, Any]], cells: list[dict[str, Any]], out_dir: Path, headline: str | None = None) -> list[str]:
    """All plots the protocol calls for; returns the written file names. ``headline``: the data set's metric (default ACC)."""
    from emozoo.metrics import canonical

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path | None] = []
    if protocol == "augmentation":
        metric = canonical(headline or "ACC")
        name = "accuracy_vs_ratio.png" if metric == "ACC" else f"{metric.lower()}_vs_ratio.png"
        written.append(curve_plot(rows, metric, "real+synthetic", "synthetic : real ratio", out_dir / name,
                                  f"{headline or 'ACC'} with synthetic data (mean ± std over folds and seeds)"))
    if protocol == "completion":
        for metric in ("Acc-2", "MAE"):
            written.append(curve_plot(rows, metric, "missing_rate", "missing rate", out_dir / f"{metric.lower()}_vs_missing_rate.png",
                                      f"{metric} vs missing rate"))
    if protocol == "recognition":
        summed: dict[str, Any] = {}
        for cell in cells:
            if cell.get("status") != "ok":
                continue
            for record in cell["records"]:
                if "confusion" in record:
                    prev = summed.get(cell["method"])
                    matrix = record["confusion"]
                    summed[cell["method"]] = (
                        [[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(prev[0], matrix)] if prev else matrix,
                        record.get("label_names") or [],
                    )
        for method, (matrix, labels) in sorted(summed.items()):
            written.append(confusion_plot(matrix, labels, out_dir / f"confusion_{method}.png", f"{method}: confusion (all folds, seeds)"))
    return [p.name for p in written if p is not None]
