"""The two augmentations of the speech baselines, as pure functions: SpecAugment on log-mel batches (Park et al. 2019)
and classical signal augmentation of waveforms (white noise at a drawn SNR, speed perturbation as in Ko et al. 2015,
pitch shift).

SpecAugment runs on the fly, per training batch, on the model's device; the signal augmentations run once at the start
of ``fit`` on CPU numpy waveforms, each copy drawn from its own seeded stream so that copies do not depend on order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from emozoo.errors import ConfigError, InputError, ShapeError

__all__ = [
    "SignalAugmentConfig",
    "SignalDraw",
    "SpecAugmentConfig",
    "SpecAugmentMasks",
    "add_white_noise",
    "apply_masks",
    "augment_waveform",
    "draw_masks",
    "draw_signal",
    "pitch_shift",
    "spec_augment",
    "speed_perturb",
    "time_warp",
]


# --- SpecAugment -----------------------------------------------------------------------------------------


@dataclass
class SpecAugmentConfig:
    """SpecAugment's policy (Park et al. 2019, Sec. 2): the LibriSpeech-double policy (LD) scaled to 64 mels x 300 frames.

    LD is W=80, F=27, m_F=2, T=100, p=1.0, m_T=2 on 80 mels and LibriSpeech utterances of 12.3 s (1,229 frames) on
    average. Widths are scaled so each mask covers the same share of the input: F = 27 * 64 / 80 = 21.6 -> 22 mel
    bins, T = 100 * 300 / 1229 = 24.4 -> 24 frames, W = 80 * 300 / 1229 = 19.5 -> 20 frames.
    """

    freq_masks: int = 2  # m_F
    freq_width: int = 22  # F: each width drawn uniformly from 0..F
    time_masks: int = 2  # m_T
    time_width: int = 24  # T: each width drawn uniformly from 0..min(T, floor(p * frames))
    time_ratio: float = 1.0  # p: a time mask is never wider than p times the number of frames
    #: W of the time warp; 0 (our default) switches it off: the paper found it the most expensive and least
    #: influential of the three, and it needs a sparse image warp (TensorFlow's) that we replace by a piecewise-linear one.
    warp_width: int = 0
    #: what masked cells are set to: the utterance's mean log-mel value (the paper masks with 0 after normalising each
    #: utterance to zero mean, which is the same thing), or 0 on the raw log-mel scale.
    mask_value: Literal["mean", "zero"] = "mean"

    def __post_init__(self) -> None:
        if not 0.0 <= self.time_ratio <= 1.0:
            raise ConfigError(f"SpecAugmentConfig.time_ratio (p) must lie in [0, 1], got {self.time_ratio!r}")
        if self.mask_value not in ("mean", "zero"):
            raise ConfigError(f"SpecAugmentConfig.mask_value must be 'mean' or 'zero', got {self.mask_value!r}")


@dataclass
class SpecAugmentMasks:
    """Drawn masks of a batch of B spectrograms: starts and widths [B, m_F] (mel bins) and [B, m_T] (frames)."""

    freq_start: torch.Tensor
    freq_width: torch.Tensor
    time_start: torch.Tensor
    time_width: torch.Tensor
    #: time-warp anchor and shift [B] (frames); None without warping
    warp_centre: torch.Tensor | None = None
    warp_shift: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> SpecAugmentMasks:
        """The same masks on ``device``."""
        move = (lambda t: None if t is None else t.to(device))
        return SpecAugmentMasks(*(move(getattr(self, f)) for f in self.__dataclass_fields__))

    def cells(self, n_frames: int, n_mels: int) -> torch.Tensor:
        """Bool [B, n_frames, n_mels]: True where a frequency or a time mask covers the cell."""
        dev = self.freq_start.device
        mel = torch.arange(n_mels, device=dev)
        frame = torch.arange(n_frames, device=dev)
        fmask = ((mel >= self.freq_start[..., None]) & (mel < (self.freq_start + self.freq_width)[..., None])).any(1)
        tmask = ((frame >= self.time_start[..., None]) & (frame < (self.time_start + self.time_width)[..., None])).any(1)
        return fmask[:, None, :] | tmask[:, :, None]


def _uniform_int(high: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Integers uniform on 0..high (inclusive), elementwise."""
    u = torch.rand(high.shape, generator=generator, dtype=torch.float64)
    return torch.floor(u * (high.double() + 1)).long().clamp_max(high)


def _start(span: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Starts uniform on [0, span) (the paper's [0, nu - f)); 0 where span is 0."""
    u = torch.rand(span.shape, generator=generator, dtype=torch.float64)
    return torch.floor(u * span.clamp_min(1).double()).long()


def draw_masks(n: int, n_frames: int, n_mels: int, policy: SpecAugmentConfig, generator: torch.Generator) -> SpecAugmentMasks:
    """Draw SpecAugment masks for ``n`` spectrograms [n_frames, n_mels] on CPU (Park et al. 2019, Sec. 2).

    Frequency mask: f ~ U{0..F}, f0 ~ U[0, nu - f). Time mask: t ~ U{0..min(T, floor(p * tau))}, t0 ~ U[0, tau - t).
    Masks of one kind may overlap, as in the paper.
    """
    if policy.freq_width > n_mels:
        raise ConfigError(f"SpecAugment F={policy.freq_width} exceeds the {n_mels} mel bins; use freq_width <= {n_mels}")
    t_max = min(policy.time_width, math.floor(policy.time_ratio * n_frames))
    f = _uniform_int(torch.full((n, policy.freq_masks), policy.freq_width), generator)
    f0 = _start(n_mels - f, generator)
    t = _uniform_int(torch.full((n, policy.time_masks), t_max), generator)
    t0 = _start(n_frames - t, generator)
    centre = shift = None
    if policy.warp_width > 0:
        w = policy.warp_width
        if n_frames <= 2 * w + 1:
            raise ConfigError(f"SpecAugment warp W={w} needs more than {2 * w + 1} frames, got {n_frames}; lower warp_width")
        centre = w + _start(torch.full((n,), n_frames - 2 * w), generator)  # in [W, tau - W)
        shift = _uniform_int(torch.full((n,), 2 * w), generator) - w  # in [-W, W]
    return SpecAugmentMasks(f0, f, t0, t, centre, shift)


def time_warp(x: torch.Tensor, centre: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Warp [B, T, M] along time: frame ``centre`` moves to ``centre + shift``, both ends stay, linear in between.

    The paper moves one point of the spectrogram's centre line with TensorFlow's ``sparse_image_warp`` (a spline);
    this is its piecewise-linear counterpart with the same anchor, shift and fixed ends.
    """
    b, t, _ = x.shape
    j = torch.arange(t, device=x.device, dtype=torch.float32)[None, :].expand(b, t)
    c = centre.to(x.device, torch.float32)[:, None]
    d = (centre + shift).to(x.device, torch.float32)[:, None]
    last = float(t - 1)
    src = torch.where(j <= d, j * c / d.clamp_min(1e-6), c + (j - d) * (last - c) / (last - d).clamp_min(1e-6))
    lo = src.floor().long().clamp(0, t - 1)
    hi = (lo + 1).clamp_max(t - 1)
    frac = (src - lo.float()).unsqueeze(-1).to(x.dtype)
    idx = lambda i: i.unsqueeze(-1).expand(-1, -1, x.shape[2])  # noqa: E731
    return x.gather(1, idx(lo)) * (1 - frac) + x.gather(1, idx(hi)) * frac


def apply_masks(x: torch.Tensor, masks: SpecAugmentMasks, mask_value: str = "mean") -> torch.Tensor:
    """``x`` [B, T, M] (log-mel) time-warped (if drawn), with the masked cells set to the utterance mean (or 0)."""
    if x.dim() != 3:
        raise ShapeError(f"SpecAugment expects log-mel batches [B, T, n_mels], got {list(x.shape)}")
    masks = masks.to(x.device)
    if masks.warp_centre is not None:
        x = time_warp(x, masks.warp_centre, masks.warp_shift)
    fill = x.mean((1, 2), keepdim=True) if mask_value == "mean" else torch.zeros((), dtype=x.dtype, device=x.device)
    return torch.where(masks.cells(x.shape[1], x.shape[2]), fill, x)


def spec_augment(x: torch.Tensor, policy: SpecAugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """One SpecAugment draw per spectrogram of the batch ``x`` [B, T, M] (masks drawn on CPU from ``generator``)."""
    masks = draw_masks(x.shape[0], x.shape[1], x.shape[2], policy, generator)
    return apply_masks(x, masks, policy.mask_value)


# --- signal augmentation ---------------------------------------------------------------------------------


@dataclass
class SignalAugmentConfig:
    """Classical waveform augmentation, applied in the order speed -> pitch -> noise to each augmented copy.

    ``copies`` augmented copies per training utterance are made once at the start of ``fit``; with 2 the training set
    triples, the size of Ko et al.'s (2015) three-speed set.
    """

    copies: int = 2
    #: speed perturbation factors, one drawn uniformly per copy (Ko et al. 2015: 0.9, 1.0, 1.1, by resampling)
    speed_factors: tuple[float, ...] = (0.9, 1.0, 1.1)
    #: pitch shift n_steps ~ U[-s, s] semitones (librosa.effects.pitch_shift; our range)
    pitch_semitones: float = 2.0
    #: white-noise SNR ~ U[low, high] dB (our range)
    snr_db: tuple[float, float] = (10.0, 30.0)
    #: probability that each copy gets each transform (1.0: all three, always)
    speed_prob: float = 1.0
    pitch_prob: float = 1.0
    noise_prob: float = 1.0

    def __post_init__(self) -> None:
        if not self.speed_factors or any(not (0.5 <= s <= 2.0) for s in self.speed_factors):
            raise ConfigError(f"SignalAugmentConfig.speed_factors must be non-empty factors in [0.5, 2], got {self.speed_factors!r}")
        if not 0.0 <= self.pitch_semitones <= 12.0:
            raise ConfigError(f"SignalAugmentConfig.pitch_semitones must lie in [0, 12], got {self.pitch_semitones!r}")
        if len(self.snr_db) != 2 or self.snr_db[0] > self.snr_db[1]:
            raise ConfigError(f"SignalAugmentConfig.snr_db must be (low, high) with low <= high, got {self.snr_db!r}")
        for name in ("speed_prob", "pitch_prob", "noise_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"SignalAugmentConfig.{name} must lie in [0, 1], got {getattr(self, name)!r}")


@dataclass(frozen=True)
class SignalDraw:
    """What one augmented copy got: speed factor, pitch shift in semitones, SNR in dB (None: transform not applied)."""

    speed: float | None = None
    semitones: float | None = None
    snr_db: float | None = None
    noise_seed: int = 0


def draw_signal(policy: SignalAugmentConfig, rng: np.random.Generator) -> SignalDraw:
    """Draw one copy's transforms from ``rng`` (a fixed number of draws, so streams stay aligned)."""
    u = rng.random(3)
    speed = float(policy.speed_factors[int(rng.integers(len(policy.speed_factors)))])
    semitones = float(rng.uniform(-policy.pitch_semitones, policy.pitch_semitones))
    snr = float(rng.uniform(*policy.snr_db))
    noise_seed = int(rng.integers(2**31))
    return SignalDraw(
        speed=speed if u[0] < policy.speed_prob and speed != 1.0 else None,
        semitones=semitones if u[1] < policy.pitch_prob and policy.pitch_semitones > 0 else None,
        snr_db=snr if u[2] < policy.noise_prob else None,
        noise_seed=noise_seed,
    )


def _wave(wave: np.ndarray) -> np.ndarray:
    wave = np.asarray(wave, dtype=np.float32)
    if wave.ndim != 1 or wave.size == 0:
        raise ShapeError(f"expected one mono waveform [S] with S >= 1, got shape {wave.shape}")
    return wave


def add_white_noise(wave: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """``wave`` plus Gaussian white noise scaled so that 10 log10(P_signal / P_noise) is exactly ``snr_db``."""
    wave = _wave(wave)
    power = float(np.mean(wave.astype(np.float64) ** 2))
    if power == 0.0:
        return wave.copy()  # silence has no SNR; leave it silent
    noise = rng.standard_normal(wave.shape)
    noise *= math.sqrt(power / 10.0 ** (snr_db / 10.0) / float(np.mean(noise**2)))
    return (wave + noise).astype(np.float32)


def speed_perturb(wave: np.ndarray, factor: float, sample_rate: int) -> np.ndarray:
    """Play ``wave`` ``factor`` times faster (tempo and pitch together, like sox ``speed``): resampled to
    ``sample_rate / factor`` with soxr and read at ``sample_rate``, so the length becomes ``len / factor``."""
    import soxr

    wave = _wave(wave)
    if factor <= 0:
        raise InputError(f"speed factor must be > 0, got {factor!r}")
    if factor == 1.0:
        return wave.copy()
    return soxr.resample(wave, sample_rate, sample_rate / factor, quality="HQ").astype(np.float32)


def pitch_shift(wave: np.ndarray, sample_rate: int, semitones: float) -> np.ndarray:
    """Shift the pitch by ``semitones`` (frequencies x 2**(semitones/12)), keeping the length (librosa's phase vocoder)."""
    import librosa

    wave = _wave(wave)
    if semitones == 0.0:
        return wave.copy()
    out = librosa.effects.pitch_shift(wave, sr=sample_rate, n_steps=float(semitones))
    return np.ascontiguousarray(out, dtype=np.float32)


def augment_waveform(wave: np.ndarray, sample_rate: int, draw: SignalDraw) -> np.ndarray:
    """Apply one :class:`SignalDraw` to ``wave``: speed, then pitch, then noise (last, so the SNR is exact)."""
    out = _wave(wave)
    if draw.speed is not None:
        out = speed_perturb(out, draw.speed, sample_rate)
    if draw.semitones is not None:
        out = pitch_shift(out, sample_rate, draw.semitones)
    if draw.snr_db is not None:
        out = add_white_noise(out, draw.snr_db, np.random.default_rng(draw.noise_seed))
    return out
