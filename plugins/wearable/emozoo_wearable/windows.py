"""Alignment, windowing and the window cache of Stress-Predict: ``load_subjects(data_dir, WindowConfig())``.

* Alignment: every channel goes to one common ``rate`` (default 16 Hz) on the grid ``t0 + k / rate``. BVP (64 Hz) is
  low-pass filtered and decimated by ``scipy.signal.resample_poly`` (its Kaiser-windowed FIR anti-alias filter);
  EDA and TEMP (4 Hz) and HR (1 Hz) are up-sampled by linear interpolation (``np.interp``). The common span is
  [latest channel start, earliest channel end) (HR starts 10 s late, so t0 = HR's start).
* Windows: ``window_s`` long every ``step_s`` (default 60 s / 30 s, the window and overlap of the WESAD wrist
  benchmark, Schmidt et al., ICMI 2018, "60 s windows shifted by 0.25 s" there for features; 30 s steps here keep
  windows few and near-independent). A window's label is the majority label of its seconds (:mod:`.labels`);
  purity = majority seconds / window seconds, with unlabelled seconds counting against it; windows with purity
  below ``min_purity`` (default 0.8) or whose majority is "unlabelled" are dropped, and so is every window touching
  a masked (long-NaN) sample.
* Calibration: per subject, per channel mean and std over its first ``calibration_s`` seconds (capped at the first
  logged stress onset): the label-free baseline for per-subject normalisation.
* Cache: each subject's windows are stored under ``$EMOZOO_CACHE/wearable-windows`` keyed by sha256 over its files'
  bytes (through emozoo's stat-keyed hash cache), the time log's bytes and the config; ``EMOZOO_WEARABLE_CACHE=0``
  turns it off. Entries are uncompressed ``.npz`` read with ``allow_pickle=False``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emozoo._fileio import atomic_write_bytes, cache_dir, is_private, private_dir
from emozoo.errors import ConfigError

from .e4 import MAX_GAP_S, find_file, read_signal, read_tags
from .errors import TimelineError, WearableDataError
from .labels import Phase, read_time_logs, timeline

__all__ = ["CHANNELS", "SubjectWindows", "WindowConfig", "align", "cut_windows", "load_subject", "load_subjects", "subject_ids"]

CHANNELS: tuple[str, ...] = ("bvp", "eda", "temp", "hr")
_FORMAT = 2
CACHE_SUBDIR = "wearable-windows"


@dataclass(frozen=True)
class WindowConfig:
    """How sessions become windows (defaults: 16 Hz, 60 s windows, 30 s step, purity 0.8)."""

    rate: int = 16
    window_s: float = 60.0
    step_s: float = 30.0
    min_purity: float = 0.8
    max_gap_s: float = MAX_GAP_S
    tag_tolerance_s: float = 120.0
    calibration_s: float = 120.0
    bad_tags: str = "drop"  # tags outside the recording: "drop" (recorded) or "error"

    def __post_init__(self) -> None:
        """Check ranges; the window must hold a whole number of samples."""
        if isinstance(self.rate, bool) or not isinstance(self.rate, int) or not 1 <= self.rate <= 64:
            raise ConfigError(f"rate must be an int in 1..64 Hz (BVP is recorded at 64), got {self.rate!r}")
        for name in ("window_s", "step_s", "max_gap_s", "tag_tolerance_s", "calibration_s"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not (v > 0 or (name == "max_gap_s" and v == 0)):
                raise ConfigError(f"{name} must be a positive number of seconds, got {v!r}")
        if abs(self.window_s * self.rate - round(self.window_s * self.rate)) > 1e-9 or abs(self.step_s * self.rate - round(self.step_s * self.rate)) > 1e-9:
            raise ConfigError(f"window_s and step_s must be whole numbers of samples at {self.rate} Hz")
        if not 0.5 < self.min_purity <= 1:
            raise ConfigError(f"min_purity must be in (0.5, 1], got {self.min_purity!r}")
        if self.bad_tags not in ("drop", "error"):
            raise ConfigError(f"bad_tags must be 'drop' or 'error', got {self.bad_tags!r}")

    @property
    def length(self) -> int:
        """Samples per window (T)."""
        return int(round(self.window_s * self.rate))

    def to_dict(self) -> dict:
        """Canonical dict (cache key, manifests)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SubjectWindows:
    """One subject's windows: ``windows`` float32 [N, C, T], ``labels`` int64 [N], ``starts`` float64 [N] (unix s)."""

    subject: str
    windows: np.ndarray
    labels: np.ndarray
    starts: np.ndarray
    purity: np.ndarray
    calib_mean: np.ndarray
    calib_std: np.ndarray
    info: dict

    def __len__(self) -> int:
        return len(self.labels)


def align(signals: dict[str, "object"], rate: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(t0, [C, S] float64 on t0 + k / rate, valid mask [S]) for the signals named in CHANNELS order."""
    from scipy.signal import resample_poly

    t0 = max(s.start for s in signals.values())
    t1 = min(s.end for s in signals.values())
    n = int(math.floor((t1 - t0) * rate + 1e-9))
    if n <= 0:
        raise TimelineError("the signals do not overlap in time; check that all files come from one session")
    grid = t0 + np.arange(n) / rate
    rows, valid = [], np.ones(n, dtype=bool)
    for name in CHANNELS:
        s = signals[name]
        x = s.values
        if s.rate > rate:
            up, down = _ratio(rate, s.rate)
            y = resample_poly(x if s.mask.all() else _fill_for_filter(x, s.mask), up, down)
            ty = s.start + np.arange(len(y)) * down / (up * s.rate)
            row = np.interp(grid, ty, y)
        else:
            ts = s.start + np.arange(len(x)) / s.rate
            row = np.interp(grid, ts[s.mask], x[s.mask]) if s.mask.any() else np.full(n, np.nan)
        if not s.mask.all():  # samples near a long NaN run are invalid at the common rate too
            ts = s.start + np.arange(len(x)) / s.rate
            bad_t = ts[~s.mask]
            k = np.clip(np.searchsorted(grid, bad_t), 0, n - 1)
            valid[k] = False
            valid[np.clip(k - 1, 0, n - 1)] = False
        rows.append(row)
    return t0, np.stack(rows), valid


def _fill_for_filter(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked samples linearly bridged so the FIR filter sees no NaN (those samples stay invalid)."""
    idx = np.arange(len(x))
    return np.interp(idx, idx[mask], x[mask]) if mask.any() else np.zeros_like(x)


def _ratio(target: int, source: float) -> tuple[int, int]:
    from fractions import Fraction

    f = Fraction(target).limit_denominator(1000) / Fraction(source).limit_denominator(1000)
    return f.numerator, f.denominator


def cut_windows(data: np.ndarray, valid: np.ndarray, seconds_labels: np.ndarray, cfg: WindowConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(windows [N, C, T] float32, labels [N], start samples [N], purity [N]) by the window and purity rules."""
    T, step = cfg.length, int(round(cfg.step_s * cfg.rate))
    S = data.shape[1]
    starts = np.arange(0, S - T + 1, step)
    if len(starts) == 0:
        raise TimelineError(f"the recording holds {S / cfg.rate:.0f} s at the common span, shorter than one {cfg.window_s:g} s "
                            "window; use a shorter window_s or leave the subject out")
    sec = np.arange(S) // cfg.rate  # second of each sample from t0
    lab = np.where(sec < len(seconds_labels), seconds_labels[np.minimum(sec, len(seconds_labels) - 1)], -1)
    cum_bad = np.concatenate(([0], np.cumsum(~valid)))
    c0 = np.concatenate(([0], np.cumsum(lab == 0)))
    c1 = np.concatenate(([0], np.cumsum(lab == 1)))
    n0, n1 = c0[starts + T] - c0[starts], c1[starts + T] - c1[starts]
    major = (n1 > n0).astype(np.int64)  # ties go to no stress; a tie never reaches min_purity > 0.5 anyway
    share = np.maximum(n0, n1) / T
    ok = (cum_bad[starts + T] == cum_bad[starts]) & (np.maximum(n0, n1) > 0) & (share >= cfg.min_purity - 1e-12)
    keep, labels, purity = starts[ok], major[ok], share[ok]
    keep_a = np.asarray(keep, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    idx = keep_a[:, None] + np.arange(T)[None, :]
    windows = data[:, idx].transpose(1, 0, 2).astype(np.float32) if len(keep_a) else np.empty((0, data.shape[0], T), np.float32)
    return windows, labels, keep_a, np.asarray(purity, dtype=np.float64)


def subject_ids(data_dir: str | os.PathLike[str]) -> list[str]:
    """The subject folders under ``data_dir/raw`` (S01..S35), sorted."""
    raw = Path(data_dir) / "raw"
    if not raw.is_dir():
        raise WearableDataError(f"{str(data_dir)!r} has no raw/ folder; pass the Stress-Predict folder (e.g. ../shared/data/stress-predict)")
    return sorted(p.name for p in raw.iterdir() if p.is_dir() and p.name.startswith("S"))


def _files(folder: Path, subject: str) -> dict[str, Path]:
    files = {c: find_file(folder, c.upper(), subject) for c in CHANNELS}
    files["tags"] = find_file(folder, f"tags_{subject}", subject)
    return files  # IBI is optional: the windows do not use it


def compute_subject(folder: Path, subject: str, phases: list[Phase], cfg: WindowConfig) -> SubjectWindows:
    """Read, align, label and window one subject (no cache)."""
    files = _files(folder, subject)
    signals = {c: read_signal(files[c], subject, max_gap_s=cfg.max_gap_s) for c in CHANNELS}
    for c, s in signals.items():
        if s.end - s.start < cfg.window_s:
            raise TimelineError(f"{subject}: {files[c].name} holds {s.end - s.start:.0f} s, shorter than one {cfg.window_s:g} s "
                                "window; use a shorter window_s or leave the subject out")
    t0, data, valid = align(signals, cfg.rate)
    seconds = int(math.ceil(data.shape[1] / cfg.rate))
    start_all = min(s.start for s in signals.values())
    end_all = max(s.end for s in signals.values())
    tags, dropped = read_tags(files["tags"], subject, span=(start_all, end_all), outside="error" if cfg.bad_tags == "error" else "drop")
    labels_s = timeline(phases, tags, t0, seconds, subject=subject, tag_tolerance_s=cfg.tag_tolerance_s)
    windows, labels, starts, purity = cut_windows(data, valid, labels_s, cfg)
    onset = min((p.start for p in phases if p.label == 1), default=t0 + cfg.calibration_s)
    n_cal = max(cfg.rate, int(min(cfg.calibration_s, max(onset - t0, 1.0)) * cfg.rate))
    cal = data[:, :n_cal][:, valid[:n_cal]] if valid[:n_cal].any() else data[:, :n_cal]
    info = {"t0": t0, "seconds": seconds, "dropped_tags": dropped.tolist(), "calibration_s": n_cal / cfg.rate,
            "seconds_per_label": {"unlabelled": int((labels_s == -1).sum()), "no_stress": int((labels_s == 0).sum()),
                                  "stress": int((labels_s == 1).sum())}}
    return SubjectWindows(subject, windows, labels, t0 + starts / cfg.rate, purity, cal.mean(axis=1), cal.std(axis=1), info)


# --- cache ----------------------------------------------------------------------------------------


def _enabled() -> bool:
    from emozoo import _env

    return bool(_env.flag("EMOZOO_WEARABLE_CACHE", default=True))


def _key(digests: list[str], logs_digest: str, cfg: WindowConfig, subject: str) -> str:
    blob = json.dumps({"format": _FORMAT, "files": digests, "logs": logs_digest, "config": cfg.to_dict(), "subject": subject},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _get(root: Path, key: str) -> SubjectWindows | None:
    path = root / f"{key}.npz"
    try:
        if not (private_dir(root, create=False) and is_private(path.lstat(), stat.S_IFREG)):
            return None
        with np.load(path, allow_pickle=False) as z:
            info = json.loads(bytes(z["info"]).decode())
            return SubjectWindows(str(z["subject"]), z["windows"], z["labels"], z["starts"], z["purity"], z["calib_mean"], z["calib_std"], info)
    except (OSError, ValueError, KeyError):
        return None


def _put(root: Path, key: str, sw: SubjectWindows) -> None:
    if not private_dir(root, create=True):
        return
    buf = io.BytesIO()
    np.savez(buf, subject=np.array(sw.subject), windows=sw.windows, labels=sw.labels, starts=sw.starts, purity=sw.purity,
             calib_mean=sw.calib_mean, calib_std=sw.calib_std, info=np.frombuffer(json.dumps(sw.info).encode(), dtype=np.uint8))
    try:
        atomic_write_bytes(root / f"{key}.npz", buf.getvalue(), mode=0o600, fsync=False)
    except OSError:
        pass  # a full or read-only cache only costs speed


def load_subject(data_dir: str | os.PathLike[str], subject: str, cfg: WindowConfig | None = None, *,
                 phases: dict[str, list[Phase]] | None = None, cache: bool = True) -> SubjectWindows:
    """One subject's windows (through the cache)."""
    return load_subjects(data_dir, cfg, subjects=[subject], phases=phases, cache=cache)[0]


def load_subjects(data_dir: str | os.PathLike[str], cfg: WindowConfig | None = None, *, subjects: list[str] | None = None,
                  phases: dict[str, list[Phase]] | None = None, cache: bool = True, stats: dict | None = None) -> list[SubjectWindows]:
    """Every (or the named) subject's windows, read once and then served from the cache; ``stats`` gets hits/misses."""
    from emozoo.hash_cache import sha256_cached_many

    cfg = cfg or WindowConfig()
    root_dir = Path(data_dir)
    logs_path = root_dir / "processed" / "Time_logs.xlsx"
    ids = subject_ids(root_dir) if subjects is None else list(subjects)
    use_cache = cache and _enabled()
    croot = cache_dir() / CACHE_SUBDIR
    logs_digest = sha256_cached_many([logs_path])[0] if use_cache and logs_path.is_file() else ""
    out = []
    for sid in ids:
        folder = root_dir / "raw" / sid
        if not folder.is_dir():
            raise WearableDataError(f"{sid}: no folder {str(folder)!r}; pass an existing subject id (S01..S35)")
        key = None
        if use_cache:
            files = _files(folder, sid)
            key = _key(sha256_cached_many(list(files.values())), logs_digest, cfg, sid)
            hit = _get(croot, key)
            if hit is not None:
                out.append(hit)
                if stats is not None:
                    stats["hits"] = stats.get("hits", 0) + 1
                continue
        if phases is None:
            phases = read_time_logs(logs_path)
        if sid not in phases:
            raise WearableDataError(f"{sid}: no row in {logs_path.name}; add the subject's phase times or leave it out")
        sw = compute_subject(folder, sid, phases[sid], cfg)
        if stats is not None:
            stats["misses"] = stats.get("misses", 0) + 1
        if key is not None:
            _put(croot, key, sw)
        out.append(sw)
    return out
