"""Differential entropy against the Gaussian closed form on sinusoids and white noise of known variance."""

import numpy as np
import pytest
from scipy.signal import butter, sosfreqz

from emozoo.errors import ConfigError, InputError, NonFiniteError, ShapeError
from emozoo_eeg.de import differential_entropy, gaussian_de
from emozoo_eeg.layout import BAND_EDGES_HZ


def test_gaussian_de_closed_form():
    assert gaussian_de(1.0) == pytest.approx(0.5 * np.log(2 * np.pi * np.e))
    assert gaussian_de(4.0) - gaussian_de(1.0) == pytest.approx(np.log(2.0))


def test_sinusoid_lands_in_its_band_with_the_closed_form_value():
    fs, amp = 200.0, 3.0
    t = np.arange(int(20 * fs)) / fs
    sig = np.stack([amp * np.sin(2 * np.pi * 10.0 * t), 0.5 * amp * np.sin(2 * np.pi * 40.0 * t)])  # alpha, gamma
    de = differential_entropy(sig, fs)
    assert de.shape == (20, 2, 5) and de.dtype == np.float32
    inner = de[2:-2]  # away from the filter's edge transients
    # a sinusoid of amplitude A has variance A^2/2, so DE = 1/2 log(pi e A^2)
    np.testing.assert_allclose(inner[:, 0, 2], 0.5 * np.log(np.pi * np.e * amp**2), atol=0.02)
    np.testing.assert_allclose(inner[:, 1, 4], 0.5 * np.log(np.pi * np.e * (0.5 * amp) ** 2), atol=0.02)
    # other bands carry (almost) nothing: much lower DE
    assert (inner[:, 0, [0, 1, 3, 4]] < inner[:, 0, [2]] - 2.0).all()


def test_white_noise_matches_the_filtered_variance():
    fs, sigma2, order = 128.0, 4.0, 4
    rng = np.random.default_rng(0)
    sig = rng.normal(0, np.sqrt(sigma2), (4, int(120 * fs)))
    de = differential_entropy(sig, fs, window_s=2.0, order=order)
    assert de.shape == (60, 4, 5)
    for b, (lo, hi) in enumerate(BAND_EDGES_HZ):
        # forward-backward filtering applies |H|^2, so the output power is sigma2 * mean(|H|^4) over [0, fs/2]
        w, h = sosfreqz(butter(order, [lo, hi], btype="bandpass", fs=fs, output="sos"), worN=1 << 16, fs=fs)
        var = sigma2 * np.trapezoid(np.abs(h) ** 4, w) / (fs / 2)
        # invert DE per window back to a variance (unbiased, unlike the mean of the logs) and average
        recovered = np.exp(2.0 * de[:, :, b].astype(np.float64)) / (2 * np.pi * np.e)
        assert recovered.mean() == pytest.approx(var, rel=0.05)
        assert float(np.median(de[:, :, b])) == pytest.approx(float(gaussian_de(var)), abs=0.1)


def test_trailing_partial_window_is_dropped():
    de = differential_entropy(np.random.default_rng(0).normal(size=(2, 128 * 3 + 50)), 128.0)
    assert de.shape[0] == 3


def test_bad_input_raises_typed_errors():
    x = np.zeros((2, 400))
    with pytest.raises(ShapeError):
        differential_entropy(np.zeros(400), 200.0)
    with pytest.raises(ConfigError, match="fs/2"):
        differential_entropy(x, 64.0)  # gamma's 50 Hz edge is above Nyquist at 64 Hz
    bad = x.copy()
    bad[0, 3] = np.nan
    with pytest.raises(NonFiniteError):
        differential_entropy(bad, 200.0)
    with pytest.raises(InputError, match="shorter"):
        differential_entropy(np.ones((2, 100)), 200.0)
