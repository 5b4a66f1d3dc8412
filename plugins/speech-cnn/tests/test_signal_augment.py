"""Signal augmentation: SNR of the noisy copy, speed perturbation (Ko et al. 2015), pitch shift, seeded draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emozoo.errors import ConfigError, ShapeError
from emozoo_speech_cnn.augment import (
    SignalAugmentConfig,
    SignalDraw,
    add_white_noise,
    augment_waveform,
    draw_signal,
    pitch_shift,
    speed_perturb,
)
from emozoo_speech_cnn.model import augmented_copies

SR = 16000


def _tone(freq: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(x: np.ndarray) -> float:
    """Frequency of the spectral peak, refined by parabolic interpolation of the log magnitude (Hann window)."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=8 * len(x)))
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1 : k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * SR / (8 * len(x))


@pytest.mark.parametrize("snr", [10.0, 17.3, 30.0])
def test_noisy_copy_has_the_drawn_snr(snr):
    clean = _tone(300.0) + 0.1 * _tone(1234.0)
    noisy = augment_waveform(clean, SR, SignalDraw(snr_db=snr, noise_seed=5))
    noise = noisy.astype(np.float64) - clean
    measured = 10 * math.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(noise**2))
    assert abs(measured - snr) < 0.5
    assert abs(np.mean(noise)) < 0.05 * np.std(noise)  # zero-mean white noise
    assert np.array_equal(add_white_noise(np.zeros(100), 10.0, np.random.default_rng(0)), np.zeros(100, np.float32))


def test_speed_perturbation_changes_the_length_by_the_factor():
    x = _tone(440.0, 2.0)
    fast, slow = speed_perturb(x, 1.1, SR), speed_perturb(x, 0.9, SR)
    assert abs(len(fast) - len(x) / 1.1) <= 1 and abs(len(slow) - len(x) / 0.9) <= 1
    # speed (not tempo): the pitch moves with it, as with sox's speed effect
    assert abs(_peak_hz(fast[2000:-2000]) / 440.0 - 1.1) < 0.002
    assert np.array_equal(speed_perturb(x, 1.0, SR), x)


@pytest.mark.parametrize("semitones", [2.0, -2.0, 0.7])
def test_pitch_shift_keeps_the_length_and_moves_a_tone_by_the_ratio(semitones):
    x = _tone(440.0)
    y = pitch_shift(x, SR, semitones)
    assert y.shape == x.shape and y.dtype == np.float32
    ratio = _peak_hz(y[2000:-2000]) / _peak_hz(x[2000:-2000])
    assert abs(ratio - 2.0 ** (semitones / 12.0)) < 0.003


def test_draws_are_seeded_and_respect_the_policy():
    policy = SignalAugmentConfig(speed_factors=(0.9, 1.1), pitch_semitones=1.5, snr_db=(12.0, 20.0))
    draws = [draw_signal(policy, np.random.default_rng([0, i])) for i in range(300)]
    assert draws == [draw_signal(policy, np.random.default_rng([0, i])) for i in range(300)]
    assert {d.speed for d in draws} == {0.9, 1.1}
    assert all(-1.5 <= d.semitones <= 1.5 and 12.0 <= d.snr_db <= 20.0 for d in draws)
    off = SignalAugmentConfig(speed_prob=0.0, pitch_prob=0.0, noise_prob=0.0)
    assert all(d.speed is None and d.semitones is None and d.snr_db is None for d in (draw_signal(off, np.random.default_rng(i)) for i in range(20)))


def test_copies_are_deterministic_and_each_depends_on_its_own_stream():
    waves = [_tone(200.0 + 50 * i, 0.25) for i in range(4)]
    a = augmented_copies(waves, SR, SignalAugmentConfig(copies=2), seed=7)
    assert len(a) == 2 and all(len(copy) == 4 for copy in a)
    again = augmented_copies(waves, SR, SignalAugmentConfig(copies=2), seed=7)
    assert all(np.array_equal(x, y) for ca, cb in zip(a, again) for x, y in zip(ca, cb))
    # copy k of utterance i draws from (seed, k, i) alone: fewer utterances or fewer copies change nothing else
    fewer = augmented_copies(waves[:2], SR, SignalAugmentConfig(copies=1), seed=7)
    assert all(np.array_equal(x, y) for x, y in zip(fewer[0], a[0][:2]))
    other = augmented_copies(waves, SR, SignalAugmentConfig(copies=2), seed=8)
    assert not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a[0], other[0]))
    assert not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a[0], a[1]))


def test_bad_policies_and_waveforms_raise_typed_errors():
    with pytest.raises(ConfigError, match="snr_db"):
        SignalAugmentConfig(snr_db=(30.0, 10.0))
    with pytest.raises(ConfigError, match="speed_factors"):
        SignalAugmentConfig(speed_factors=())
    with pytest.raises(ShapeError):
        speed_perturb(np.zeros((2, 100)), 1.1, SR)
