"""Classical time-series augmentation of raw wearable windows [N, C, T] (Um et al. 2017): jitter, scaling, time warping.

Um, T. T. et al., "Data augmentation of wearable sensor data for Parkinson's disease monitoring using convolutional
neural networks", ICMI 2017 (arXiv:1706.00527). The defaults are those of the authors' example code
(terryum/Data-Augmentation-For-Wearable-Sensor-Data): jitter sigma 0.05, scaling sigma 0.1, time warp with a cubic
spline through 4 inner knots (6 points) of sigma 0.2. Every draw comes from the generator passed in (numpy or torch), in
a fixed order, so the result is fully determined by (windows, config, generator state). Everything is vectorised over
windows and channels; arithmetic is float64 and the result has the input's type and dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from emozoo.errors import ConfigError, DTypeError, NonFiniteError, ShapeError

__all__ = ["AugmentConfig", "augment_windows", "apply_time_warp", "time_warp_curves"]


@dataclass
class AugmentConfig:
    """Which transforms run and how strong they are; a sigma of 0 switches that transform off (all 0: identity)."""

    #: additive Gaussian noise, std = jitter x the channel's std (the window's own, or ``scale`` given to augment_windows)
    jitter: float = 0.05
    #: one factor per window and channel, ~ N(1, scaling)
    scaling: float = 0.1
    #: time warp: std of the speed curve's knots around 1 (0: no warp)
    warp_sigma: float = 0.2
    #: inner knots of the cubic spline (Um et al.: 4, i.e. 6 spline points from the first to the last sample)
    warp_knots: int = 4
    #: False (ours): one warp per window shared by its channels, so BVP, EDA, TEMP and HR stay aligned in time;
    #: True: one warp per channel as in Um et al.'s code (written for the three axes of one accelerometer)
    warp_per_channel: bool = False
    #: floor of the speed curve (ours): keeps the warp strictly increasing when a spline dips to or below 0
    min_speed: float = 0.05

    def __post_init__(self) -> None:
        for name in ("jitter", "scaling", "warp_sigma"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 10.0:
                raise ConfigError(f"AugmentConfig.{name} must be a float in [0, 10] (0 switches it off), got {value!r}")
        if isinstance(self.warp_knots, bool) or not isinstance(self.warp_knots, int) or not 1 <= self.warp_knots <= 64:
            raise ConfigError(f"AugmentConfig.warp_knots must be an int in [1, 64], got {self.warp_knots!r}; Um et al. use 4")
        if not 0.0 < float(self.min_speed) <= 1.0:
            raise ConfigError(f"AugmentConfig.min_speed must be in (0, 1], got {self.min_speed!r}")

    @property
    def enabled(self) -> bool:
        """True when at least one transform is on."""
        return self.jitter > 0 or self.scaling > 0 or self.warp_sigma > 0


def _normal(generator: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws of ``shape`` (float64) from a numpy or a torch generator."""
    if isinstance(generator, np.random.Generator):
        return generator.standard_normal(shape)
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(generator, torch.Generator):
        return torch.randn(shape, generator=generator, dtype=torch.float64).numpy()
    raise DTypeError(
        f"augment_windows: generator must be a numpy.random.Generator or a torch.Generator, got {type(generator).__name__}; "
        "pass numpy.random.default_rng(seed) or torch.Generator().manual_seed(seed)"
    )


def _as_array(windows: Any) -> tuple[np.ndarray, Any]:
    """(float64 copy of ``windows`` [N, C, T], a function giving a result of the input's type and dtype back)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(windows, torch.Tensor):
        if windows.is_complex() or not (windows.is_floating_point() or windows.dtype in (torch.int32, torch.int64)):
            raise DTypeError(f"augment_windows: windows must be real numbers, got a {windows.dtype} tensor")
        device, dtype = windows.device, windows.dtype if windows.is_floating_point() else torch.float32
        array = windows.detach().cpu().double().numpy()
        return array, lambda out: torch.from_numpy(out).to(device=device, dtype=dtype)
    array = np.asarray(windows)
    if array.dtype.kind not in "fiu":
        raise DTypeError(f"augment_windows: windows must be real numbers, got dtype {array.dtype}")
    dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)
    return array.astype(np.float64), lambda out: out.astype(dtype)


def time_warp_curves(n: int, length: int, channels: int, config: AugmentConfig, generator: Any) -> np.ndarray:
    """Warps [n, W, length] (W = channels if ``warp_per_channel`` else 1): where each original sample lands in time.

    A speed curve is a cubic spline (not-a-knot, as scipy's CubicSpline and Um et al.) through ``warp_knots + 2``
    equally spaced points from sample 0 to sample length-1 with values ~ N(1, warp_sigma), floored at ``min_speed``;
    its cumulative sum from 0, rescaled to end at length-1, is the warp: strictly increasing, w[0] = 0, w[-1] = length-1.
    """
    from scipy.interpolate import CubicSpline

    if length < 2:
        raise ShapeError(f"time warp needs at least 2 samples per window, got T={length}")
    w = channels if config.warp_per_channel else 1
    points = config.warp_knots + 2
    knots = 1.0 + config.warp_sigma * _normal(generator, (n, w, points))
    xs = np.linspace(0.0, length - 1.0, points)
    speed = CubicSpline(xs, knots.reshape(n * w, points).T, axis=0)(np.arange(length, dtype=np.float64)).T  # [n*w, T]
    speed = np.maximum(speed, config.min_speed)
    warp = np.concatenate([np.zeros((n * w, 1)), np.cumsum(speed[:, 1:], axis=1)], axis=1)
    warp *= (length - 1.0) / warp[:, -1:]
    warp[:, -1] = length - 1.0  # exact, whatever the rounding of the rescale
    return warp.reshape(n, w, length)


def apply_time_warp(x: np.ndarray, warps: np.ndarray) -> np.ndarray:
    """Resample ``x`` [N, C, T] so the sample at original time j moves to ``warps[n, c, j]`` (linear interpolation).

    out[n, c, t] = interp(t, warps[n, c], x[n, c]), as numpy.interp row by row (Um et al.'s DA_TimeWarp), done for
    all rows at once: each row's knots are offset by row * T so one sorted search serves every row.
    """
    n, c, t = x.shape
    rows = n * c if warps.shape[1] != 1 else n
    knots = warps.reshape(rows, t)
    offsets = (np.arange(rows, dtype=np.float64) * t)[:, None]
    query = np.arange(t, dtype=np.float64)[None, :]
    j = np.searchsorted((knots + offsets).ravel(), (query + offsets).ravel(), side="right").reshape(rows, t)
    j = np.clip(j - (np.arange(rows) * t)[:, None] - 1, 0, t - 2)
    lo, hi = np.take_along_axis(knots, j, 1), np.take_along_axis(knots, j + 1, 1)
    frac = np.clip((query - lo) / (hi - lo), 0.0, 1.0)
    if warps.shape[1] == 1:  # one warp per window: the same positions for every channel
        j, frac = np.broadcast_to(j[:, None, :], (n, c, t)), np.broadcast_to(frac[:, None, :], (n, c, t))
    else:
        j, frac = j.reshape(n, c, t), frac.reshape(n, c, t)
    left, right = np.take_along_axis(x, j, 2), np.take_along_axis(x, j + 1, 2)
    return left + frac * (right - left)


def augment_windows(windows: Any, config: AugmentConfig, generator: Any, *, scale: Any = None) -> Any:
    """Augmented copies of ``windows`` [N, C, T]: time warp, then scaling, then jitter (each only when its sigma > 0).

    Args:
        windows: numpy array or torch tensor [N, C, T]; the result has its type, dtype (floats) and device.
        config: an :class:`AugmentConfig`.
        generator: ``numpy.random.Generator`` or ``torch.Generator``; draws, in order: warp knots [N, W, knots + 2],
            scaling factors [N, C], jitter noise [N, C, T].
        scale: optional per-channel std [C] for the jitter (e.g. the training set's); None: each window's own std
            per channel (computed after warp and scaling).

    Example::

        out = augment_windows(x, AugmentConfig(), numpy.random.default_rng(0))   # x [N, 4, 960]
    """
    if not isinstance(config, AugmentConfig):
        raise ConfigError(f"augment_windows: config must be an AugmentConfig, got {type(config).__name__}")
    x, back = _as_array(windows)
    if x.ndim != 3:
        raise ShapeError(f"augment_windows: windows must be [N, C, T] (channels x time), got shape {list(x.shape)}; add the missing axis")
    if not np.isfinite(x).all():
        raise NonFiniteError("augment_windows: windows contain NaN or inf; fill or drop those samples first")
    n, c, t = x.shape
    if not config.enabled or n == 0:
        return back(x.copy())
    if config.warp_sigma > 0:
        x = apply_time_warp(x, time_warp_curves(n, t, c, config, generator))
    if config.scaling > 0:
        x = x * (1.0 + config.scaling * _normal(generator, (n, c)))[:, :, None]
    if config.jitter > 0:
        if scale is None:
            std = x.std(axis=2, keepdims=True)
        else:
            std = np.asarray(scale.detach().cpu() if hasattr(scale, "detach") else scale, dtype=np.float64).reshape(-1)
            if std.shape != (c,) or not np.isfinite(std).all() or (std < 0).any():
                raise ShapeError(f"augment_windows: scale must be {c} finite non-negative per-channel stds, got {std.tolist()[:8]}")
            std = std[None, :, None]
        x = x + config.jitter * std * _normal(generator, (n, c, t))
    return back(x)
