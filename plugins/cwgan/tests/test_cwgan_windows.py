"""Input kind "channels_time": cWGAN-GP on multichannel windows [N, C, T] (issue #17).

The learnable toy: 2 channels x 128 samples at 16 Hz, a class-dependent sinusoid frequency per channel (class 0:
1 Hz / 4 Hz, class 1: 4 Hz / 1.5 Hz) with random phase and amplitude, noise, and a per-channel offset and scale (so
the per-channel standardisation and its inverse are exercised). A trained generator must produce windows that a
classifier trained on real toy windows labels as their condition, and whose spectra peak at the class frequencies.
"""

from __future__ import annotations

import math

import pytest
import torch

from emozoo.data.batches import AudioBatch, EEGBatch, PhysioBatch
from emozoo.errors import ConfigError, EmptyInputError, LabelError, ModalityError, NonFiniteError, ShapeError

RATE, T, C = 16, 128, 2
FREQS = torch.tensor([[1.0, 4.0], [4.0, 1.5]])  # [class, channel] in Hz
SCALE, OFFSET = torch.tensor([2.0, 0.5]), torch.tensor([5.0, -1.0])


def toy_windows(n: int, seed: int) -> PhysioBatch:
    """n labelled toy windows [n, 2, 128] (classes alternate), channels named like wrist signals."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    t = torch.arange(T) / RATE
    phase = 2 * math.pi * torch.rand(n, C, 1, generator=g)
    amp = 1 + 0.2 * torch.randn(n, C, 1, generator=g)
    x = amp * torch.sin(2 * math.pi * FREQS[y][:, :, None] * t + phase) + 0.2 * torch.randn(n, C, T, generator=g)
    x = x * SCALE[:, None] + OFFSET[:, None]
    return PhysioBatch(features=x, labels=y, modality="wrist", layout="channels_time", band_names=("bvp", "eda"))


def window_config(**overrides):
    """A CPU-small window config: 2 upsampling layers (4 -> 16 -> 64 ... ) with kernel 9, stride 4."""
    from emozoo_cwgan.model import CWGANConfig

    base = {
        "input_kind": "channels_time", "num_channels": C, "window_length": T, "num_classes": 2, "label_names": ("a", "b"),
        "latent_dim": 16, "generator_channels": (32, 16), "critic_channels": (16, 32), "kernel_size": 9, "stride": 4,
        "batch_size": 16, "n_critic": 5, "lr_generator": 2e-3, "lr_critic": 2e-3, "betas": (0.5, 0.9), "epochs": 2,
        "select": False, "judge": "cnn1d", "judge_options": {"channels": (8, 16)}, "judge_epochs": 10,
        "classifier": "cnn1d", "classifier_options": {"channels": (8, 16)}, "classifier_epochs": 3, "synthetic_ratio": 0.5,
    }
    base.update(overrides)
    return CWGANConfig(**base)


def spectral_peaks(x: torch.Tensor) -> torch.Tensor:
    """Frequency (Hz) of the largest FFT magnitude per window and channel [N, C] (DC removed)."""
    spec = torch.fft.rfft(x - x.mean(-1, keepdim=True)).abs()
    return spec.argmax(-1).float() * RATE / T


@pytest.fixture(scope="module")
def train_windows():
    return toy_windows(400, 0)


@pytest.fixture(scope="module")
def trained_windows(train_windows):
    """80 epochs on 400 windows (about 13 s on one core): enough for class-dependent spectra (the judge trains too)."""
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(window_config(epochs=80, select=True, selection_criteria=("classifier",), confidence_threshold=0.6))
    history = model.fit_generator(train_windows)
    return model, history


@pytest.fixture(scope="module")
def real_classifier(train_windows):
    """A 1-D CNN trained on real toy windows only (independent of the model's judge)."""
    from emozoo.evaluation.classifiers import fit_classifier
    from emozoo_cwgan.networks import WindowClassifier

    torch.manual_seed(1)
    clf = WindowClassifier((C, T), 2, channels=(8, 16))
    fit_classifier(clf, train_windows.features, train_windows.labels, epochs=10, lr=1e-3, batch_size=32, seed=1)
    return clf


def test_network_shapes_and_exact_lengths():
    from emozoo_cwgan.networks import WindowCritic, WindowGenerator, same_padding

    for k, s in ((25, 4), (24, 4), (9, 4), (5, 2)):
        p, op = same_padding(k, s)
        assert (100 + 2 * p - k) // s + 1 == 100 // s  # the conv divides exactly
        assert 99 * s - 2 * p + k + op == 100 * s and 0 <= op < s  # its transpose multiplies exactly
    gen = WindowGenerator(16, 3, 4, 960, (32, 16, 8), 25, 4)
    critic = WindowCritic(4, 960, 3, (8, 16, 32), 25, 4)
    y = torch.tensor([0, 1, 2])
    x = gen(torch.randn(3, 16), y)
    assert x.shape == (3, 4, 960) and critic(x, y).shape == (3,)
    z = torch.randn(3, 16)
    assert not torch.allclose(gen(z, torch.zeros(3, dtype=torch.long)), gen(z, torch.ones(3, dtype=torch.long)))
    assert not torch.allclose(critic(x, torch.zeros(3, dtype=torch.long)), critic(x, torch.ones(3, dtype=torch.long)))
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in critic.modules())


def test_training_logs_wgan_terms_and_the_estimate_falls(trained_windows):
    _, history = trained_windows
    assert len(history) == 80 and history[0]["steps"] == 5  # 400 / (16 x 5)
    w = history.series("wasserstein")
    assert all(math.isfinite(v) for v in w)
    assert sum(w[-10:]) / 10 < 0.8 * max(w[:20])


def test_generated_windows_are_labelled_as_their_condition(trained_windows, real_classifier):
    from emozoo.evaluation.classifiers import predict_logits

    model, _ = trained_windows
    held_out = toy_windows(200, 5)
    assert (predict_logits(real_classifier, held_out.features).argmax(1) == held_out.labels).float().mean() > 0.95
    out = model.generate(200, seed=0, select=False)
    acc = (predict_logits(real_classifier, out.features).argmax(1) == out.labels).float().mean().item()
    assert acc > 0.8, acc  # chance is 0.5
    untrained = type(model)(window_config(epochs=0, judge_epochs=0))
    untrained.fit_generator(toy_windows(400, 0))
    base = untrained.generate(200, seed=0)
    assert (predict_logits(real_classifier, base.features).argmax(1) == base.labels).float().mean().item() < 0.7


def test_spectra_peak_near_the_class_frequency(trained_windows):
    model, _ = trained_windows
    for k in range(2):
        out = model.generate(100, condition=k, seed=10 + k, select=False)
        near = ((spectral_peaks(out.features) - FREQS[k]).abs() <= 0.5).float().mean(0)
        assert bool((near > 0.75).all()), (k, near)


def test_output_on_the_input_scale_with_layout_and_channel_names(trained_windows, train_windows):
    model, _ = trained_windows
    out = model.generate(50, seed=2, select=False)
    assert isinstance(out, PhysioBatch) and out.layout == "channels_time" and out.modality == "wrist"
    assert out.band_names == ("bvp", "eda") and out.features.shape == (50, C, T) and out.features.dtype == torch.float32
    assert out.labels.tolist() == [0, 1] * 25  # class-balanced when no condition is given
    assert torch.allclose(out.features.mean((0, 2)), OFFSET, atol=0.3)
    ratio = out.features.std((0, 2)) / train_windows.features.std((0, 2))
    assert bool(((ratio > 0.6) & (ratio < 1.4)).all()), ratio
    assert torch.allclose(model.feature_mean, train_windows.features.mean((0, 2)))  # per-channel buffers [C]
    assert model.feature_mean.shape == (C,) and model.class_centroids.shape == (2, C * T)


def test_selection_keeps_only_windows_the_judge_accepts(trained_windows):
    model, _ = trained_windows
    out = model.generate(40, condition=[0, 1] * 20, seed=4)
    report = model.last_selection
    assert out.labels.tolist() == [0, 1] * 20 and report.requested == 40 and report.candidates >= 80
    checks = model._quality_tests(model._standardize(out.features).flatten(1), out.labels)
    assert set(checks) == {"classifier"} and bool(checks["classifier"].all())


def test_determinism_and_round_trip(train_windows, tmp_path):
    from emozoo_cwgan.model import CWGAN

    small = toy_windows(64, 3)
    a, b = CWGAN(window_config()), CWGAN(window_config())
    a.fit(small)
    b.fit(small)
    for (name, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(va, vb), name
    assert torch.equal(a.generate(8, seed=1).features, b.generate(8, seed=1).features)
    assert not torch.equal(a.generate(8, seed=1).features, a.generate(8, seed=2).features)
    a.save_pretrained(tmp_path)
    loaded = CWGAN.from_pretrained(tmp_path)
    assert torch.equal(loaded.generate(8, seed=1).features, a.generate(8, seed=1).features)
    assert loaded.generate(2, seed=0).layout == "channels_time"
    assert torch.equal(loaded.predict(small.features[:5]).probabilities, a.predict(small.features[:5]).probabilities)


def test_window_length_the_networks_cannot_take_names_the_fix():
    from emozoo_cwgan.model import CWGAN

    with pytest.raises(ConfigError, match=r"multiple of 4\*\*2 = 16.*crop or resample the windows to 96 or 112"):
        CWGAN(window_config(window_length=100))
    with pytest.raises(ConfigError, match="input_kind"):
        CWGAN(window_config(input_kind="waveform"))
    with pytest.raises(ConfigError, match="judge"):
        CWGAN(window_config(judge="cnn"))
    with pytest.raises(ConfigError, match="channel_names"):
        CWGAN(window_config(channel_names=("bvp",)))


def test_bad_window_inputs_raise_typed_errors():
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(window_config())
    x, y = torch.randn(4, C, T), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ShapeError, match="window_length=120"):
        model.fit((torch.randn(4, C, 120), y))
    with pytest.raises(ShapeError, match=r"\[N, C, T\]"):
        model.fit((torch.randn(4, C * T), y))
    with pytest.raises(ShapeError, match="layout"):
        model.fit(PhysioBatch(features=torch.randn(4, C, 5), labels=y, modality="eda", layout="channels_bands"))
    bad = x.clone()
    bad[0, 1, 2] = float("nan")
    with pytest.raises(NonFiniteError):
        model.fit((bad, y))
    with pytest.raises(EmptyInputError):
        model.fit((torch.empty(0, C, T), torch.empty(0, dtype=torch.long)))
    with pytest.raises(LabelError, match="out of range"):
        model.fit((x, torch.tensor([0, 1, 2, 0])))
    with pytest.raises(LabelError, match=r"no training window of class\(es\) \[1\] \['b'\]"):
        model.fit((x, torch.zeros(4, dtype=torch.long)))
    with pytest.raises(LabelError, match="needs labels"):
        model.fit(x)
    with pytest.raises(ModalityError):
        model.fit(AudioBatch(inputs=torch.randn(4, 16000), labels=y, kind="waveform", sample_rate=16000))


def test_the_de_model_refuses_windows_with_the_fix():
    from emozoo_cwgan.model import CWGAN

    model = CWGAN({"latent_dim": 8, "generator_hidden": (8,), "critic_hidden": (8,)})
    windows = PhysioBatch(features=torch.randn(4, 62, 64), labels=torch.tensor([0, 1, 2, 0]), layout="channels_time")
    with pytest.raises(ShapeError, match="input_kind='channels_time'"):
        model.fit(windows)
    with pytest.raises(ShapeError):  # the DE path is unchanged for DE batches
        model.fit(EEGBatch(features=torch.zeros(4, 32, 5), labels=torch.tensor([0, 1, 2, 0])))


def test_the_wrist_preset_builds_the_window_networks():
    import emozoo

    model = emozoo.load("cwgan-wrist")
    assert model.config.input_kind == "channels_time" and model.input_shape == (4, 960)
    out = model.generator(torch.randn(2, model.config.latent_dim), torch.tensor([0, 1]))
    assert out.shape == (2, 4, 960)
