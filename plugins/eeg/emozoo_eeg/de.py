"""Differential entropy (DE) features: band-pass each channel, cut non-overlapping windows, DE of a Gaussian.

For a band-limited signal assumed Gaussian with variance sigma^2, DE = 1/2 log(2 pi e sigma^2)
(Duan, Zhu & Lu 2013; Zheng & Lu 2015, SEED's feature). Filters are Butterworth band-passes run forwards
and backwards (zero phase, second-order sections for numerical stability at low cut-offs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emozoo.errors import ConfigError, InputError, NonFiniteError, ShapeError

from .layout import BAND_EDGES_HZ

__all__ = ["bandpass", "differential_entropy", "gaussian_de"]


def gaussian_de(variance: np.ndarray | float) -> np.ndarray:
    """DE of a Gaussian with the given variance: 1/2 log(2 pi e variance)."""
    return 0.5 * np.log(2.0 * np.pi * np.e * np.asarray(variance, dtype=np.float64))


def _check_bands(bands: Sequence[Sequence[float]], fs: float) -> list[tuple[float, float]]:
    """Validate band edges: 0 < low < high < fs/2."""
    out = []
    for band in bands:
        if len(band) != 2:
            raise ConfigError(f"bands: each band is (low_hz, high_hz), got {band!r}")
        lo, hi = float(band[0]), float(band[1])
        if not 0 < lo < hi < fs / 2:
            raise ConfigError(
                f"bands: band {band!r} must satisfy 0 < low < high < fs/2 = {fs / 2:g} Hz; "
                f"lower the high edge or use a higher sampling rate"
            )
        out.append((lo, hi))
    if not out:
        raise ConfigError("bands: got no bands; pass e.g. BAND_EDGES_HZ")
    return out


def bandpass(signal: np.ndarray, fs: float, low: float, high: float, *, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth band-pass of ``[C, S]`` along the sample axis."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(order, [low, high], btype="bandpass", fs=fs, output="sos")
    return sosfiltfilt(sos, signal, axis=-1)


def differential_entropy(
    signal: np.ndarray,
    fs: float,
    *,
    window_s: float = 1.0,
    bands: Sequence[Sequence[float]] = BAND_EDGES_HZ,
    order: int = 4,
) -> np.ndarray:
    """DE per window, channel and band of a ``[C, S]`` signal sampled at ``fs`` Hz: ``[W, C, B]`` float32.

    Windows are non-overlapping, ``window_s`` long; a trailing partial window is dropped.
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 2:
        raise ShapeError(f"signal: expected [C, S] (channels x samples), got shape {x.shape}; transpose or squeeze it")
    if not np.isfinite(x).all():
        raise NonFiniteError("signal: contains NaN/inf; interpolate or drop bad samples before computing DE")
    if not fs > 0:
        raise ConfigError(f"fs: sampling rate must be > 0 Hz, got {fs!r}")
    band_list = _check_bands(bands, float(fs))
    win = round(window_s * fs)
    if win < 2:
        raise ConfigError(f"window_s: {window_s} s at {fs} Hz gives {win} sample(s); use windows of >= 2 samples")
    n_win = x.shape[1] // win
    if n_win == 0:
        raise InputError(f"signal: {x.shape[1]} samples is shorter than one {window_s} s window ({win} samples)")
    out = np.empty((n_win, x.shape[0], len(band_list)), dtype=np.float64)
    for b, (lo, hi) in enumerate(band_list):
        filtered = bandpass(x, float(fs), lo, hi, order=order)[:, : n_win * win]
        windows = filtered.reshape(x.shape[0], n_win, win)
        var = windows.var(axis=-1)  # [C, W]
        out[:, :, b] = gaussian_de(np.maximum(var, np.finfo(np.float64).tiny)).T
    return out.astype(np.float32)
