"""Shared pieces of the IMDer benchmarks: the synthetic MOSI-shaped data, the scaled-down config, provenance."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from emozoo_imder.missing import per_sample_masks
from emozoo_imder.model import IMDer, IMDerConfig, apply_masks
from emozoo_imder.toy import MOSI_DIMS, make_toy

from emozoo.metrics import sentiment_report

RESULTS = Path(__file__).parent / "results" / "imder"
DATA_NOTE = (
    "SYNTHETIC data in CMU-MOSI's published shapes (text 768, audio 5, vision 20, T = 50; labels in [-3, 3] on a 1/3 grid): "
    "a latent sentiment and a latent sequence drive all three modalities through fixed random maps plus noise. "
    "No MOSI/MOSEI features are available on this machine, so the paper's numbers were NOT reproduced here."
)

# What was scaled down from the official MOSI config, and why (2 shared CPU cores, <= 15 min).
SCALED = {
    "width": (32, 16),
    "fusion_layers": (4, 1),
    "memory_layers": (3, 1),
    "score_channels": ([32, 64, 128, 256], [16, 32]),
    "time_embed_dim": (256, 32),
    "score_attn_layers": (2, 1),
    "refine_blocks": (20, 2),
    "sample_steps / train_sample_steps (Euler-Maruyama)": (100, 10),
    "stage-1 / stage-2 epochs": ("early stop 20 on valid", "6 / 3, no model selection"),
    "training samples": (1284, 256),
}


def bench_config(**overrides: Any) -> IMDerConfig:
    """The scaled-down IMDer config of the benchmarks (official MOSI values otherwise)."""
    base: dict[str, Any] = {
        "feature_dims": MOSI_DIMS, "width": 16, "num_heads": 4, "fusion_layers": 1, "memory_layers": 1, "score_channels": (16, 32),
        "time_embed_dim": 32, "score_attn_layers": 1, "refine_blocks": 2, "sample_steps": 10, "train_sample_steps": 10,
        "pretrain_epochs": 6, "epochs": 3, "batch_size": 32,
    }
    base.update(overrides)
    return IMDerConfig(**base)


def data(n_train: int, n_test: int) -> tuple[Any, Any]:
    """Train and test splits of the synthetic MOSI-shaped data (fixed seeds)."""
    return make_toy(n_train, seed=100, dims=MOSI_DIMS, length=50, static=0.3), make_toy(n_test, seed=200, dims=MOSI_DIMS, length=50, static=0.3)


def test_masks(n: int, mr: float) -> np.ndarray:
    """The fixed per-sample test masks of one MR (seed 1000 + 10 * MR)."""
    return per_sample_masks(n, mr, seed=1000 + round(mr * 10))


def report(model: IMDer, test: Any, masks: np.ndarray) -> dict[str, float]:
    """sentiment_report (in %) of ``model`` on ``test`` with ``masks`` applied."""
    masked = apply_masks(test, masks)
    values = model.predict(masked).values.numpy()
    rep = sentiment_report(test.labels.numpy(), values)
    return {k: (v if k in ("MAE", "Corr") else 100.0 * v) for k, v in rep.items()}


def provenance(cfg: IMDerConfig, started: float) -> dict[str, Any]:
    """Versions, git commit, device, threads, config and wall time."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False, cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        commit = ""
    return {
        "git_commit": commit,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "device": "cpu",
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "config": json.loads(json.dumps(asdict(cfg))),
        "scaled_down": {k: list(v) for k, v in SCALED.items()},
        "wall_seconds": round(time.time() - started, 1),
        "data": DATA_NOTE,
    }


def mean_std(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
