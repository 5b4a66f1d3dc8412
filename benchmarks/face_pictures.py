"""Pictures of the face benchmark: generated faces per class for every generator and the translation strips (the
confusion matrices of the recognition baselines are written by the benchmark runner itself, ``OUT/recognition/``).

Reads only what the benchmark kept: ``OUT/generated/<method>.npz`` (generated images of the first fold and seed, 8
per class; ``strip`` for a translating generator: each row one source face translated into every class, the source
itself never kept). No real face is drawn: the photo caveat of the data
set (SOURCE.md) forbids publishing its photographs, and every picture here says it shows generated images only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emozoo.bench.plots import _pyplot

LABELS = ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]


def class_grid(arrays: dict[str, np.ndarray], path: Path, title: str) -> Path:
    """Rows = classes, columns = generated images of that class (grey, [0, 1])."""
    classes = sorted(int(k[5:]) for k in arrays if k.startswith("class"))
    per = max(len(arrays[f"class{c}"]) for c in classes)
    plt = _pyplot()
    fig, axes = plt.subplots(len(classes), per, figsize=(per * 0.9, len(classes) * 0.95), squeeze=False)
    for i, c in enumerate(classes):
        imgs = arrays[f"class{c}"]
        for j in range(per):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j < len(imgs):
                ax.imshow(imgs[j][0], cmap="gray", vmin=0.0, vmax=1.0)
        axes[i][0].set_ylabel(LABELS[c] if c < len(LABELS) else str(c), fontsize=7)
    fig.suptitle(title + " (generated images only)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def strip_grid(strip: np.ndarray, path: Path, title: str) -> Path:
    """``strip`` [sources, classes, C, H, W]: each row one (unshown) source translated into every class."""
    rows, cols = strip.shape[:2]
    plt = _pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.95, rows * 1.0), squeeze=False)
    for i in range(rows):
        for j in range(cols):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            ax.imshow(strip[i, j, 0], cmap="gray", vmin=0.0, vmax=1.0)
            if i == 0:
                ax.set_title(LABELS[j] if j < len(LABELS) else str(j), fontsize=7)
    fig.suptitle(title + " (translations only; the real source faces are not shown)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_pictures(out: Path) -> list[Path]:
    """Every picture the kept data allows, under ``out/pictures/``; returns the written paths."""
    pictures = out / "pictures"
    pictures.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for npz in sorted((out / "generated").glob("*.npz")):
        with np.load(npz, allow_pickle=False) as data:
            arrays: dict[str, Any] = {k: data[k] for k in data.files}
        method = npz.stem
        written.append(class_grid(arrays, pictures / f"{method}_per_class.png", f"{method}, fold 1, seed 0"))
        if "strip" in arrays:
            written.append(strip_grid(arrays["strip"], pictures / f"{method}_translations.png", f"{method}, fold 1"))
    return written
