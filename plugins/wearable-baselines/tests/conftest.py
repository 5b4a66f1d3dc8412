"""Shared set-up of the wearable-baselines tests: one CPU thread; a stand-in for emozoo_wearable.features while the data
plugin does not ship it (the real module is used whenever it imports)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import torch

torch.set_num_threads(1)

STATS = ("mean", "std", "min", "max", "slope", "absdiff")


def standin_window_features(windows: np.ndarray, channels: tuple[str, ...], rate: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per channel: mean, std, min, max, least-squares slope (per s), mean absolute first difference."""
    x = np.asarray(windows, dtype=np.float64)
    t = np.arange(x.shape[2]) / rate
    tc = t - t.mean()
    slope = ((x - x.mean(2, keepdims=True)) * tc).sum(2) / (tc**2).sum()
    stats = [x.mean(2), x.std(2), x.min(2), x.max(2), slope, np.abs(np.diff(x, axis=2)).mean(2)]
    feats = np.stack(stats, axis=2).reshape(len(x), -1).astype(np.float32)
    return feats, tuple(f"{ch}_{s}" for ch in channels for s in STATS)


try:
    from emozoo_wearable.features import window_features as _real  # noqa: F401

    REAL_FEATURES = True
except ImportError:
    REAL_FEATURES = False
    module = types.ModuleType("emozoo_wearable.features")
    module.window_features = standin_window_features
    sys.modules["emozoo_wearable.features"] = module
    import emozoo_wearable

    emozoo_wearable.features = module


@pytest.fixture(scope="session")
def toy():
    """The example's generator of wrist windows."""
    from emozoo_wearable_baselines.example import toy_windows

    return toy_windows
