"""Shared pieces of the IMDer benchmarks: the synthetic MOSI-shaped data, the scaled-down config, provenance."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from emozoo_imder.missing import per_sample_masks
from emozoo_imder.model import IMDer, IMDerConfig, apply_masks
from emozoo_imder.toy import (
    MOSI_DIMS,
    make_toy,
    speaker_folds,
    speaker_split,
    speaker_unit,
)

from emozoo.metrics import sentiment_report

RESULTS = Path(__file__).parent / "results" / "imder"
DATA_NOTE = (
    "SYNTHETIC data in CMU-MOSI's published shapes (text 768, audio 5, vision 20, T = 50; labels in [-3, 3] on a 1/3 grid): "
    "sentiment = u_shared + u_text + u_audio + u_vision; every modality observes a shared latent sequence (with u_shared) "
    "and its own private one (with its u_m) through fixed random maps plus noise, so a missing modality is only partly "
    "recoverable and each modality carries label information the others lack (emozoo_imder.toy). Every utterance belongs "
    "to a speaker whose own offset shifts the shared latent; train and test speakers are disjoint and the speaker is the "
    "independent unit of the intervals. "
    "No MOSI/MOSEI features are available on this machine, so the paper's numbers were NOT reproduced here."
)

# What was scaled down from the official MOSI config / our defaults, and why (2 shared CPU cores, ~30 min).
SCALED = {
    "width": (32, 16),
    "fusion_layers": (4, 1),
    "memory_layers": (3, 1),
    "score_channels": ([32, 64, 128, 256], [16, 32]),
    "time_embed_dim": (256, 32),
    "score_attn_layers": (2, 1),
    "refine_blocks": (20, 2),
    "sample_steps / train_sample_steps (pf_ode; defaults 20 / 20, official 100 EM)": ("20 / 20", "10 / 5"),
    "stage1_steps / stage2_steps (defaults 4000 / 2000)": ("4000 / 2000", "1000 / 100"),
    "score_repeats": (1, 4),
    "training samples (speakers x utterances)": (1284, "256 (16 x 16)"),
}


def bench_config(**overrides: Any) -> IMDerConfig:
    """The scaled-down IMDer config of the benchmarks (defaults otherwise: sigma 5, pf_ode, clean condition)."""
    base: dict[str, Any] = {
        "feature_dims": MOSI_DIMS, "width": 16, "num_heads": 4, "fusion_layers": 1, "memory_layers": 1, "score_channels": (16, 32),
        "time_embed_dim": 32, "score_attn_layers": 1, "refine_blocks": 2, "sample_steps": 10, "train_sample_steps": 5,
        "stage1_steps": 1000, "stage2_steps": 100, "batch_size": 32, "score_repeats": 4,
    }
    base.update(overrides)
    return IMDerConfig(**base)


def data(n_train: int, n_test: int) -> tuple[Any, Any]:
    """Train and test splits of the synthetic MOSI-shaped data without speakers (fixed seeds; the old sweep's data)."""
    return make_toy(n_train, seed=100, dims=MOSI_DIMS, length=50, static=0.3), make_toy(n_test, seed=200, dims=MOSI_DIMS, length=50, static=0.3)


def speaker_data(train_speakers: int, test_speakers: int, per_speaker: int) -> tuple[Any, Any, dict[str, np.ndarray]]:
    """(train, whole test split, {unit: its test rows}) of the speaker-grouped synthetic data.

    The units and rows are those of :func:`emozoo_imder.toy.speaker_folds` (one fold per test speaker, ``Fold.unit`` =
    the speaker; checked here), so scoring the whole test split once and slicing it per unit gives each fold's cell."""
    kw = {"dims": MOSI_DIMS, "length": 50, "static": 0.3}
    train, test, _, test_who = speaker_split(train_speakers, test_speakers, per_speaker, **kw)
    units = {speaker_unit(s): np.flatnonzero(test_who == s) for s in np.unique(test_who)}
    for fold in speaker_folds(train_speakers, test_speakers, per_speaker, **kw):
        rows = units[fold.unit]
        assert all(torch.equal(fold.test.features[m], test.features[m][rows]) for m in test.features), fold.unit
    return train, test, units


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
    """emozoo's run provenance (versions, git commit, device, machine) plus threads, config and wall time."""
    from emozoo.bench.provenance import environment

    return {
        **environment("cpu"),
        "torch_threads": torch.get_num_threads(),
        "config": json.loads(json.dumps(asdict(cfg))),
        "scaled_down": {k: list(v) for k, v in SCALED.items()},
        "wall_seconds": round(time.time() - started, 1),
        "data": DATA_NOTE,
    }


def mean_std(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
