"""Classical augmentation of raw windows (Um et al. 2017): determinism, identity when off, the warp's properties, the
statistics of jitter and scaling against their sigmas, typed errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emozoo.errors import ConfigError, DTypeError, NonFiniteError, ShapeError
from emozoo_wearable.augment import AugmentConfig, apply_time_warp, augment_windows, time_warp_curves


def _windows(n: int = 16, c: int = 4, t: int = 240, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    time = np.arange(t) / 16.0
    base = np.sin(2 * np.pi * rng.uniform(0.5, 2.0, (n, c, 1)) * time) * rng.uniform(0.5, 3.0, (n, c, 1))
    return (base + rng.uniform(-5, 5, (n, c, 1))).astype(np.float32)


def test_same_generator_state_same_output_numpy_and_torch():
    x = _windows()
    a = augment_windows(x, AugmentConfig(), np.random.default_rng(3))
    b = augment_windows(x, AugmentConfig(), np.random.default_rng(3))
    c = augment_windows(x, AugmentConfig(), np.random.default_rng(4))
    assert a.dtype == np.float32 and a.shape == x.shape
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    xt = torch.from_numpy(x)
    ta = augment_windows(xt, AugmentConfig(), torch.Generator().manual_seed(3))
    tb = augment_windows(xt, AugmentConfig(), torch.Generator().manual_seed(3))
    assert isinstance(ta, torch.Tensor) and ta.dtype == torch.float32 and torch.equal(ta, tb)
    assert not torch.equal(ta, xt)


def test_identity_when_every_transform_is_off():
    x = _windows()
    off = AugmentConfig(jitter=0.0, scaling=0.0, warp_sigma=0.0)
    assert not off.enabled
    out = augment_windows(x, off, np.random.default_rng(0))
    assert np.array_equal(out, x) and out is not x
    # a flat speed curve (sigma 0 knots) is the identity warp exactly
    warp = time_warp_curves(3, 50, 2, AugmentConfig(warp_sigma=0.0), np.random.default_rng(0))
    assert np.array_equal(warp[:, 0], np.broadcast_to(np.arange(50.0), (3, 50)))
    y = x[:3, :2, :50].astype(np.float64)
    assert np.array_equal(apply_time_warp(y, warp), y)


def test_warp_is_monotone_with_fixed_endpoints():
    cfg = AugmentConfig(warp_sigma=0.6, warp_knots=4)
    warp = time_warp_curves(200, 120, 3, cfg, np.random.default_rng(1))
    assert warp.shape == (200, 1, 120)
    assert np.all(np.diff(warp, axis=-1) > 0)
    assert np.all(warp[..., 0] == 0.0) and np.all(warp[..., -1] == 119.0)
    per_channel = time_warp_curves(5, 120, 3, AugmentConfig(warp_per_channel=True), np.random.default_rng(1))
    assert per_channel.shape == (5, 3, 120) and not np.array_equal(per_channel[:, 0], per_channel[:, 1])
    # a ramp through the warp is the inverse warp: monotone, same ends, and numpy.interp row by row agrees
    ramp = np.broadcast_to(np.arange(120.0), (200, 2, 120)).copy()
    out = apply_time_warp(ramp, warp)
    assert np.all(np.diff(out, axis=-1) > 0) and np.allclose(out[..., 0], 0) and np.allclose(out[..., -1], 119)
    for i in (0, 57, 199):
        assert np.allclose(out[i, 1], np.interp(np.arange(120.0), warp[i, 0], ramp[i, 1]), atol=1e-9)
    # the warp really moves samples: a mean displacement of a few samples at sigma 0.6
    assert np.abs(warp - np.arange(120.0)).mean() > 1.0


def test_shared_warp_keeps_channels_aligned():
    x = np.broadcast_to(_windows(8, 1, 200)[:, :1], (8, 3, 200)).copy()
    out = augment_windows(x, AugmentConfig(jitter=0.0, scaling=0.0, warp_sigma=0.3), np.random.default_rng(0))
    assert np.array_equal(out[:, 0], out[:, 1]) and np.array_equal(out[:, 1], out[:, 2])
    assert not np.allclose(out, x)


def test_scaling_factors_have_mean_one_and_std_sigma():
    x = np.ones((4000, 3, 20), dtype=np.float64) * np.array([1.0, -2.0, 5.0])[None, :, None]
    out = augment_windows(x, AugmentConfig(jitter=0.0, warp_sigma=0.0, scaling=0.1), np.random.default_rng(0))
    factors = out / x
    assert np.allclose(factors, factors[:, :, :1])  # one factor per window and channel
    f = factors[:, :, 0].ravel()
    assert abs(f.mean() - 1.0) < 0.005 and abs(f.std() - 0.1) < 0.005
    assert np.corrcoef(factors[:, 0, 0], factors[:, 1, 0])[0, 1] < 0.1  # channels draw separately


def test_jitter_is_white_noise_relative_to_each_channels_std():
    rng = np.random.default_rng(5)
    stds = np.array([0.5, 2.0, 10.0])
    x = rng.standard_normal((500, 3, 400)) * stds[None, :, None]
    out = augment_windows(x, AugmentConfig(jitter=0.05, scaling=0.0, warp_sigma=0.0), np.random.default_rng(1))
    noise = out - x
    measured = noise.std(axis=(0, 2)) / (0.05 * x.std(axis=2).mean(axis=0))
    assert np.allclose(measured, 1.0, atol=0.01)
    assert abs(noise.mean()) < 0.01 * noise.std()
    # an explicit per-channel scale (e.g. the training set's) replaces the window's own std
    fixed = augment_windows(x, AugmentConfig(jitter=0.1, scaling=0.0, warp_sigma=0.0), np.random.default_rng(1), scale=[1.0, 1.0, 1.0])
    assert np.allclose((fixed - x).std(axis=(0, 2)), 0.1, rtol=0.01)


def test_bad_configs_and_inputs_raise_typed_errors():
    with pytest.raises(ConfigError, match="jitter"):
        AugmentConfig(jitter=-0.1)
    with pytest.raises(ConfigError, match="warp_knots"):
        AugmentConfig(warp_knots=0)
    with pytest.raises(ShapeError, match=r"\[N, C, T\]"):
        augment_windows(np.zeros((4, 10)), AugmentConfig(), np.random.default_rng(0))
    bad = _windows(2)
    bad[0, 0, 0] = np.nan
    with pytest.raises(NonFiniteError):
        augment_windows(bad, AugmentConfig(), np.random.default_rng(0))
    with pytest.raises(DTypeError, match="generator"):
        augment_windows(_windows(2), AugmentConfig(), 0)
    with pytest.raises(DTypeError):
        augment_windows(np.zeros((2, 2, 5), dtype=complex), AugmentConfig(), np.random.default_rng(0))
    with pytest.raises(ShapeError, match="scale"):
        augment_windows(_windows(2), AugmentConfig(), np.random.default_rng(0), scale=[1.0])
