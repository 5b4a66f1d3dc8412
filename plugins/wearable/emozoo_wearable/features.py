"""Handcrafted wrist-stress features per window through NeuroKit2: ``window_features(windows, channels, rate)``.

Per window (names in :data:`FEATURE_NAMES` order, for the channels present):

* EDA (µS): ``nk.eda_phasic(method="highpass")`` splits tonic / phasic; tonic -> ``eda_scl_mean``, ``eda_scl_slope``
  (least-squares slope, µS/s); phasic -> ``nk.eda_peaks`` -> ``eda_scr_count`` (peaks per minute) and
  ``eda_scr_amp_mean`` (mean amplitude; 0 when no peak);
* BVP: up-sampled x4 by ``scipy.signal.resample_poly`` (BVP is band-limited below the common rate's Nyquist, so the
  up-sampled curve locates beats to sub-sample precision), ``nk.ppg_clean`` -> ``nk.ppg_peaks`` (no artefact correction: it tripled the time and left the medians as they were) -> ``nk.hrv_time``:
  ``hrv_mean_nn`` (ms), ``hrv_sdnn``, ``hrv_rmssd``, ``hrv_pnn50`` (%), ``hrv_mean_hr`` (60000 / mean NN);
* TEMP (°C): ``temp_mean``, ``temp_slope`` (°C/s);
* HR (the E4's own 1 Hz estimate): ``hr_mean``, ``hr_std``, ``hr_min``, ``hr_max``.

The E4's IBI file is not used: windows carry no beat list, and the E4 drops IBIs during motion (S02 has 360 beats
in an hour). A feature that cannot be computed (too few beats, a flat EDA trace, a NeuroKit error) is NaN here; the
adapter fills it with the training split's median of that feature (:func:`fill_nan`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from emozoo.errors import EmptyInputError, ShapeError

__all__ = ["FEATURE_NAMES", "fill_nan", "fit_fill", "window_features"]

FEATURE_NAMES: dict[str, tuple[str, ...]] = {
    "eda": ("eda_scl_mean", "eda_scl_slope", "eda_scr_count", "eda_scr_amp_mean"),
    "bvp": ("hrv_mean_nn", "hrv_sdnn", "hrv_rmssd", "hrv_pnn50", "hrv_mean_hr"),
    "temp": ("temp_mean", "temp_slope"),
    "hr": ("hr_mean", "hr_std", "hr_min", "hr_max"),
}
FEATURES_VERSION = 1


def _slope(x: np.ndarray, rate: float) -> float:
    t = np.arange(len(x)) / rate
    return float(np.polyfit(t, x, 1)[0])


def _eda(x: np.ndarray, rate: float) -> list[float]:
    import neurokit2 as nk

    tonic_mean, tonic_slope, count, amp = np.nan, np.nan, np.nan, np.nan
    try:
        parts = nk.eda_phasic(x, sampling_rate=rate, method="highpass")
        tonic = parts["EDA_Tonic"].to_numpy()
        tonic_mean, tonic_slope = float(tonic.mean()), _slope(tonic, rate)
        _, info = nk.eda_peaks(parts["EDA_Phasic"].to_numpy(), sampling_rate=rate, method="neurokit")
        peaks = np.asarray(info["SCR_Peaks"])
        amps = np.asarray(info["SCR_Amplitude"], dtype=float)
        count = len(peaks) * 60.0 / (len(x) / rate)
        amp = float(np.nanmean(amps)) if len(amps) and np.isfinite(amps).any() else 0.0
    except Exception:  # noqa: BLE001 - NeuroKit raises many kinds on degenerate windows; the fill rule covers them
        pass
    return [tonic_mean, tonic_slope, count, amp]


def _bvp(x: np.ndarray, rate: float) -> list[float]:
    import neurokit2 as nk
    from scipy.signal import resample_poly

    try:
        up = 4 if rate < 64 else 1
        y = resample_poly(x, up, 1) if up > 1 else x
        fs = rate * up
        clean = nk.ppg_clean(y, sampling_rate=fs)
        _, info = nk.ppg_peaks(clean, sampling_rate=fs)
        peaks = np.asarray(info["PPG_Peaks"])
        if len(peaks) < 4:
            return [np.nan] * 5
        h = nk.hrv_time(peaks, sampling_rate=fs)
        mean_nn = float(h["HRV_MeanNN"].iloc[0])
        return [mean_nn, float(h["HRV_SDNN"].iloc[0]), float(h["HRV_RMSSD"].iloc[0]), float(h["HRV_pNN50"].iloc[0]), 60000.0 / mean_nn]
    except Exception:  # noqa: BLE001
        return [np.nan] * 5


def window_features(windows: np.ndarray, channels: Sequence[str], rate: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """(features float32 [N, D], names) of raw windows [N, C, T] at ``rate`` Hz; NaN where one cannot be computed."""
    x = np.asarray(windows, dtype=np.float64)
    chans = tuple(str(c).lower() for c in channels)
    if x.ndim != 3:
        raise ShapeError(f"windows: expected [N, C, T], got shape {x.shape}; stack windows as N x channels x samples")
    if x.shape[0] == 0:
        raise EmptyInputError("windows: got 0 windows; pass at least one")
    if len(chans) != x.shape[1]:
        raise ShapeError(f"channels: {len(chans)} names for {x.shape[1]} channels; name every channel of dim 1")
    unknown = [c for c in chans if c not in FEATURE_NAMES]
    if unknown:
        raise ShapeError(f"channels: {unknown} unknown; window_features knows {tuple(FEATURE_NAMES)}")
    if x.shape[2] < 10 * rate:
        raise ShapeError(f"windows: {x.shape[2]} samples at {rate} Hz is under 10 s; HRV and SCR features need longer windows")
    names = tuple(n for c in chans for n in FEATURE_NAMES[c])
    out = np.full((x.shape[0], len(names)), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(x.shape[0]):
            row: list[float] = []
            for j, c in enumerate(chans):
                s = x[i, j]
                if c == "eda":
                    row += _eda(s, rate)
                elif c == "bvp":
                    row += _bvp(s, rate)
                elif c == "temp":
                    row += [float(s.mean()), _slope(s, rate)]
                else:
                    row += [float(s.mean()), float(s.std()), float(s.min()), float(s.max())]
            out[i] = row
    out[~np.isfinite(out)] = np.nan
    return out.astype(np.float32), names


def fit_fill(train_features: np.ndarray) -> np.ndarray:
    """Per-feature median of the training windows (NaN ignored; 0 where a feature is NaN in every window)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(np.asarray(train_features, dtype=np.float64), axis=0)
    return np.where(np.isfinite(med), med, 0.0).astype(np.float32)


def fill_nan(features: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """Features with each NaN replaced by that feature's training median."""
    f = np.asarray(features, dtype=np.float32).copy()
    bad = np.isnan(f)
    f[bad] = np.broadcast_to(medians, f.shape)[bad]
    return f
