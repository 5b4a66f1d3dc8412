"""Speech front-ends: log-mel spectrograms (librosa) and eGeMAPS functionals (openSMILE), and batch extraction.

* :class:`LogMel` -> float32 ``[T, n_mels]``: ``librosa.feature.melspectrogram`` (Hann window, power 2, centred
  frames with zero padding, Slaney mel filters) -> ``10 log10(max(S, 10^(-top_db/10)))``: dB relative to a fixed
  reference of 1.0 (full-scale power), floored at ``-top_db`` dB. The floor is fixed, so a value never depends on
  the clip's own maximum (librosa's ``ref=np.max`` would make every clip peak at 0 dB), and silent audio gives the
  floor everywhere, never ``-inf``. Padding (``n_frames``, batches) uses the same floor value.
* :class:`EGeMAPS` -> float32 ``[88]``: openSMILE's eGeMAPSv02 functionals (Eyben et al. 2016).

Both take ``(wave [S], sample_rate)``; a wave at another rate than ``config.sample_rate`` is resampled with soxr
"HQ"; a clip shorter than the analysis window (LogMel: ``n_fft`` samples; eGeMAPS: 60 ms, its longest window) is
zero-padded at the end to that window. Each has ``kind`` (the :class:`~emozoo.data.batches.AudioBatch` kind it
produces) and ``config_dict()`` (canonical JSON-able, with the library version) that keys the feature cache.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from emozoo.config import validate_config
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    NonFiniteError,
    ShapeError,
)

from .audio import resample

__all__ = ["FRONTEND_VERSION", "EGeMAPS", "EGeMAPSConfig", "Frontend", "LogMel", "LogMelConfig", "extract", "make_frontend"]

#: Bumped whenever a front-end's output changes for the same config (it is part of every cache key).
FRONTEND_VERSION = 1


class Frontend(Protocol):
    """What :func:`extract` and the cache need of a front-end."""

    kind: str
    pad_value: float

    @property
    def sample_rate(self) -> int: ...

    def __call__(self, wave: np.ndarray, sample_rate: int) -> np.ndarray: ...

    def config_dict(self) -> dict[str, Any]: ...


def _wave(wave: Any, sample_rate: Any, target: int, owner: str) -> np.ndarray:
    """Validate a 1-D finite waveform and its rate; return it as float32 at ``target`` Hz."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or int(sample_rate) <= 0:
        raise InputError(f"{owner}: sample_rate must be a positive int (Hz), got {sample_rate!r}; e.g. 16000")
    if hasattr(wave, "detach"):  # a torch tensor
        wave = wave.detach().cpu().numpy()
    x = np.asarray(wave)
    if x.dtype.kind not in "biuf":
        raise DTypeError(f"{owner}: expected a numeric waveform, got dtype {x.dtype}; pass float samples in [-1, 1]")
    if x.ndim != 1:
        raise ShapeError(f"{owner}: expected a mono waveform [S], got shape {x.shape}; mix channels down first (x.mean(axis=1))")
    if x.size == 0:
        raise EmptyInputError(f"{owner}: the waveform has 0 samples; pass at least one sample")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise NonFiniteError(f"{owner}: the waveform holds {int((~np.isfinite(x)).sum())} NaN/inf sample(s); clean or drop the clip")
    return resample(x, int(sample_rate), target)


def _pad_to(x: np.ndarray, n: int) -> np.ndarray:
    """Zero-pad ``x`` at the end to at least ``n`` samples."""
    return x if x.shape[0] >= n else np.pad(x, (0, n - x.shape[0]))


# --- log-mel ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogMelConfig:
    """Log-mel spectrogram settings (defaults: 25 ms Hann windows, 10 ms hop, 64 Slaney mel bands at 16 kHz).

    Args:
        fmax: upper mel edge in Hz; None = sample_rate / 2.
        top_db: the fixed floor, ``-top_db`` dB re full-scale power 1.0 (not re the clip's maximum).
        trim_db: if set, leading and trailing silence quieter than ``trim_db`` below the clip's peak is cut first
            (``librosa.effects.trim`` with frames of ``win_length`` / ``hop_length``); a clip that is silence
            throughout is kept whole.
        n_frames: fixed output length: crop from the start of the (trimmed) utterance, or pad at the end with the
            floor; None keeps each clip's natural length.
    """

    sample_rate: int = 16000
    n_fft: int = 400
    win_length: int = 400
    hop_length: int = 160
    n_mels: int = 64
    fmin: float = 0.0
    fmax: float | None = None
    top_db: float = 80.0
    trim_db: float | None = None
    n_frames: int | None = None

    def __post_init__(self) -> None:
        """Refuse settings librosa would reject or silently misread, naming the field and the fix."""
        validate_config(self)
        for name in ("sample_rate", "n_fft", "win_length", "hop_length", "n_mels"):
            if getattr(self, name) < 1:
                raise ConfigError(f"LogMelConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.win_length > self.n_fft:
            raise ConfigError(f"LogMelConfig.win_length={self.win_length} exceeds n_fft={self.n_fft}; use win_length <= n_fft")
        fmax = self.resolved_fmax
        if not (math.isfinite(self.fmin) and 0 <= self.fmin < fmax <= self.sample_rate / 2):
            raise ConfigError(
                f"LogMelConfig: need 0 <= fmin < fmax <= sample_rate/2 = {self.sample_rate / 2}, got fmin={self.fmin}, "
                f"fmax={self.fmax}; lower fmax or raise sample_rate"
            )
        if not (math.isfinite(self.top_db) and self.top_db > 0):
            raise ConfigError(f"LogMelConfig.top_db must be a positive number of dB, got {self.top_db}")
        if self.trim_db is not None and not (math.isfinite(self.trim_db) and self.trim_db > 0):
            raise ConfigError(f"LogMelConfig.trim_db must be None or a positive number of dB, got {self.trim_db}")
        if self.n_frames is not None and self.n_frames < 1:
            raise ConfigError(f"LogMelConfig.n_frames must be None or >= 1, got {self.n_frames}")

    @property
    def resolved_fmax(self) -> float:
        """``fmax``, or the Nyquist frequency when it is None."""
        return float(self.sample_rate) / 2 if self.fmax is None else float(self.fmax)


class LogMel:
    """Log-mel spectrogram front-end: ``LogMel(LogMelConfig())(wave, 16000) -> float32 [T, n_mels]``.

        >>> feats = LogMel(LogMelConfig(n_frames=300))(wave, 48000)  # resampled to 16 kHz, then 300 frames
    """

    kind = "features"

    def __init__(self, config: LogMelConfig | None = None) -> None:
        """Build from a :class:`LogMelConfig` (default settings when None)."""
        if config is not None and not isinstance(config, LogMelConfig):
            raise ConfigError(f"LogMel: expected a LogMelConfig, got {type(config).__name__}; e.g. LogMel(LogMelConfig(n_mels=64))")
        self.config = config or LogMelConfig()
        self._filters: np.ndarray | None = None

    @property
    def sample_rate(self) -> int:
        """The rate every input is brought to before analysis."""
        return self.config.sample_rate

    @property
    def pad_value(self) -> float:
        """The log floor (-top_db dB), also used to pad frames."""
        return -float(self.config.top_db)

    @property
    def filters(self) -> np.ndarray:
        """The [n_mels, 1 + n_fft // 2] Slaney mel filter bank (librosa.filters.mel), built on first use."""
        if self._filters is None:
            import librosa

            c = self.config
            self._filters = librosa.filters.mel(sr=c.sample_rate, n_fft=c.n_fft, n_mels=c.n_mels, fmin=c.fmin, fmax=c.resolved_fmax)
        return self._filters

    def config_dict(self) -> dict[str, Any]:
        """Canonical settings (fmax resolved, library versions included) for cache keys and manifests."""
        import librosa

        d = dataclasses.asdict(self.config)
        d["fmax"] = self.config.resolved_fmax
        d["fmin"] = float(d["fmin"])
        d["top_db"] = float(d["top_db"])
        d["trim_db"] = None if d["trim_db"] is None else float(d["trim_db"])
        return {"frontend": "logmel", "version": FRONTEND_VERSION, "librosa": librosa.__version__, **d}

    def __call__(self, wave: np.ndarray, sample_rate: int) -> np.ndarray:
        """float32 [T, n_mels] log-mel frames of a mono waveform (any rate; resampled to config.sample_rate)."""
        import librosa

        c = self.config
        x = _wave(wave, sample_rate, c.sample_rate, "LogMel")
        if c.trim_db is not None:
            trimmed, _ = librosa.effects.trim(x, top_db=c.trim_db, frame_length=c.win_length, hop_length=c.hop_length)
            x = trimmed if trimmed.size else x  # all silence: nothing to trim against, keep the clip
        x = _pad_to(x, c.n_fft)
        # what librosa.feature.melspectrogram computes (|STFT|^2 through the Slaney mel filters), with the
        # filter bank built once per front-end instead of once per clip
        spec = librosa.stft(x, n_fft=c.n_fft, hop_length=c.hop_length, win_length=c.win_length, window="hann", center=True, pad_mode="constant")
        power = self.filters @ (spec.real**2 + spec.imag**2)
        db = 10.0 * np.log10(np.maximum(power, 10.0 ** (-c.top_db / 10.0)))
        out = np.maximum(db, self.pad_value).T.astype(np.float32)  # exactly -top_db at the floor
        if c.n_frames is not None:
            if out.shape[0] >= c.n_frames:
                out = out[: c.n_frames]
            else:
                out = np.concatenate([out, np.full((c.n_frames - out.shape[0], c.n_mels), self.pad_value, np.float32)])
        return np.ascontiguousarray(out)


# --- eGeMAPS ------------------------------------------------------------------------------------------------------

_EGEMAPS_WINDOW_S = 0.060  # eGeMAPSv02's longest analysis window (the F0 / jitter / shimmer path)
_LEVELS = {"functionals": "functionals", "lld": "features"}


@dataclass(frozen=True)
class EGeMAPSConfig:
    """openSMILE settings: ``feature_set`` (an ``opensmile.FeatureSet`` name) and ``level`` ("functionals" [88] or
    "lld", the 25 low-level descriptors per 10 ms frame [T, 25])."""

    feature_set: str = "eGeMAPSv02"
    level: str = "functionals"
    sample_rate: int = 16000

    def __post_init__(self) -> None:
        """Refuse unknown feature sets and levels, suggesting the known ones."""
        validate_config(self)
        import opensmile

        names = [m.name for m in opensmile.FeatureSet]
        if self.feature_set not in names:
            raise ConfigError(f"EGeMAPSConfig.feature_set={self.feature_set!r} is unknown; choose one of {names}")
        if self.level not in _LEVELS:
            raise ConfigError(f"EGeMAPSConfig.level={self.level!r} is unknown; choose one of {tuple(_LEVELS)}")
        if self.sample_rate < 1:
            raise ConfigError(f"EGeMAPSConfig.sample_rate must be >= 1, got {self.sample_rate}")


class EGeMAPS:
    """eGeMAPS front-end through openSMILE: ``EGeMAPS()(wave, 16000) -> float32 [88]`` (functionals).

    A clip shorter than 60 ms is zero-padded to 60 ms (openSMILE gives NaN for every feature below that).
    Functionals openSMILE leaves undefined are set to 0.0, its own value for voiced-only statistics of a clip with
    no voiced frame (e.g. silence), so the output is always finite.
    """

    def __init__(self, config: EGeMAPSConfig | None = None) -> None:
        """Build from an :class:`EGeMAPSConfig` (eGeMAPSv02 functionals when None)."""
        if config is not None and not isinstance(config, EGeMAPSConfig):
            raise ConfigError(f"EGeMAPS: expected an EGeMAPSConfig, got {type(config).__name__}")
        self.config = config or EGeMAPSConfig()
        self.kind = _LEVELS[self.config.level]
        self.pad_value = 0.0
        self._smile: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the openSMILE process object (worker processes rebuild it)."""
        return {**self.__dict__, "_smile": None}

    @property
    def sample_rate(self) -> int:
        """The rate every input is brought to before analysis."""
        return self.config.sample_rate

    @property
    def smile(self) -> Any:
        """The ``opensmile.Smile`` instance, built on first use."""
        if self._smile is None:
            import opensmile

            level = opensmile.FeatureLevel.Functionals if self.config.level == "functionals" else opensmile.FeatureLevel.LowLevelDescriptors
            self._smile = opensmile.Smile(feature_set=opensmile.FeatureSet[self.config.feature_set], feature_level=level)
        return self._smile

    @property
    def feature_names(self) -> list[str]:
        """openSMILE's names of the output columns."""
        return list(self.smile.feature_names)

    def config_dict(self) -> dict[str, Any]:
        """Canonical settings (with the opensmile version) for cache keys and manifests."""
        import opensmile

        return {"frontend": "egemaps", "version": FRONTEND_VERSION, "opensmile": opensmile.__version__, **dataclasses.asdict(self.config)}

    def __call__(self, wave: np.ndarray, sample_rate: int) -> np.ndarray:
        """float32 [88] functionals (or [T, 25] descriptors with level="lld") of a mono waveform at any rate."""
        x = _pad_to(_wave(wave, sample_rate, self.sample_rate, "EGeMAPS"), math.ceil(_EGEMAPS_WINDOW_S * self.sample_rate))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Segment too short": prevented by the padding above
            values = self.smile.process_signal(x, self.sample_rate).to_numpy(dtype=np.float64)
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
        return values[0] if self.config.level == "functionals" else values


# --- construction and batch extraction ----------------------------------------------------------------------------

FRONTENDS: dict[str, Callable[[dict[str, Any] | None], Frontend]] = {
    "logmel": lambda opts: LogMel(LogMelConfig(**(opts or {}))),
    "egemaps": lambda opts: EGeMAPS(EGeMAPSConfig(**(opts or {}))),
}


def make_frontend(name: str, options: dict[str, Any] | None = None) -> Frontend:
    """A front-end by name ("logmel" with LogMelConfig fields, "egemaps" with EGeMAPSConfig fields)."""
    if name not in FRONTENDS:
        raise ConfigError(f"frontend={name!r} is unknown; choose one of {tuple(FRONTENDS)} (or 'waveform' for raw audio)")
    try:
        return FRONTENDS[name](options)
    except TypeError as exc:
        raise ConfigError(f"frontend {name!r}: bad option(s) {sorted(options or {})} ({exc})") from exc


def stack_frames(arrays: list[np.ndarray], pad_value: float, n_frames: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """([N, T, D] padded at the end with ``pad_value`` to the longest or to ``n_frames``, lengths [N])."""
    if not arrays:
        raise EmptyInputError("stack_frames: got no arrays; pass at least one clip")
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    t = int(lengths.max()) if n_frames is None else int(n_frames)
    if t < lengths.max():
        raise InputError(f"stack_frames: n_frames={t} is shorter than the longest clip ({int(lengths.max())} frames)")
    out = np.full((len(arrays), t, arrays[0].shape[1]), pad_value, dtype=np.float32)
    for i, a in enumerate(arrays):
        out[i, : a.shape[0]] = a
    return out, lengths


def extract(batch: Any, frontend: Frontend, *, cache: bool = True) -> Any:
    """A waveform :class:`AudioBatch` -> a ``frontend.kind`` AudioBatch (same labels and source; frames padded to the
    longest clip with the front-end's floor and ``lengths`` set). With ``cache``, features are stored and reused
    keyed by each waveform's bytes and the front-end's config (:mod:`emozoo_speech.cache`)."""
    import torch

    from emozoo.data.batches import AudioBatch

    from .cache import FeatureCache

    if not isinstance(batch, AudioBatch):
        raise DTypeError(f"extract: expected an emozoo AudioBatch, got {type(batch).__name__}; build AudioBatch(inputs=..., sample_rate=...)")
    if batch.kind != "waveform":
        raise InputError(f"extract: the batch already holds {batch.kind!r}, not waveforms; extract features from kind='waveform' batches")
    store = FeatureCache() if cache else None
    waves = batch.inputs.detach().cpu().numpy()
    rate = int(batch.sample_rate)  # required for waveforms by AudioBatch
    feats = []
    for i in range(len(batch)):
        n = int(batch.lengths[i]) if batch.lengths is not None else waves.shape[1]
        w = np.ascontiguousarray(waves[i, :n], dtype=np.float32)
        feats.append(store.for_waveform(w, rate, frontend) if store is not None else frontend(w, rate))
    if frontend.kind == "functionals":
        return AudioBatch(inputs=torch.from_numpy(np.stack(feats)), labels=batch.labels, kind="functionals", source=batch.source)
    x, lengths = stack_frames(feats, frontend.pad_value)
    return AudioBatch(
        inputs=torch.from_numpy(x), labels=batch.labels, sample_rate=frontend.sample_rate, lengths=torch.from_numpy(lengths),
        kind="features", source=batch.source,
    )
