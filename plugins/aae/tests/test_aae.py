"""What Sahu et al. / Makhzani et al. specify: the objectives, the class-mixture prior, the two-phase schedule, the
SVM on the code, class-conditional generation by decoding prior samples; and Latif et al.'s semi-supervised preset."""

from __future__ import annotations

import math

import pytest
import torch

import emozoo
from emozoo.data.batches import AudioBatch
from emozoo.errors import ConfigError, DTypeError, InputError, LabelError, ModalityError, NotFittedError, ShapeError
from emozoo_aae.losses import discriminator_loss, generator_loss, mixture_means, reconstruction_loss, sample_mixture
from emozoo_aae.model import _fit_time, _unfit_time


# --- objectives and prior, by hand ---------------------------------------------------------------------------


def test_gan_losses_by_hand():
    """D(.) = sigmoid(0) = 1/2 everywhere: each BCE term is log 2; D(.) = sigmoid(+-big) gives 0 when right."""
    zero = torch.zeros(5)
    assert discriminator_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert generator_loss(zero).item() == pytest.approx(math.log(2))
    assert discriminator_loss(torch.full((3,), 30.0), torch.full((3,), -30.0)).item() == pytest.approx(0.0, abs=1e-6)
    # D(fake) = sigmoid(1): generator loss = -log sigmoid(1) = log(1 + e^-1)
    assert generator_loss(torch.ones(4)).item() == pytest.approx(math.log1p(math.exp(-1)))
    assert reconstruction_loss(torch.zeros(2, 2), torch.tensor([[1.0, 1.0], [3.0, 1.0]])).item() == pytest.approx(3.0)


def test_mixture_means_one_mode_per_class():
    axes = mixture_means(3, 5, radius=4.0)
    assert torch.equal(axes, torch.tensor([[4.0, 0, 0, 0, 0], [0, 4.0, 0, 0, 0], [0, 0, 4.0, 0, 0]]))
    circle = mixture_means(4, 2, radius=2.0)  # fewer dims than classes: Makhzani's modes on a circle
    assert torch.allclose(circle, torch.tensor([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]]), atol=1e-6)
    g = torch.Generator().manual_seed(0)
    z = sample_mixture(torch.full((20000,), 1), axes, 0.5, g)
    assert torch.allclose(z.mean(0), axes[1], atol=0.02) and torch.allclose(z.std(0), torch.full((5,), 0.5), atol=0.02)


def test_time_fitting_round_trips_exactly_when_padding():
    x = torch.randn(2, 5, 3)
    padded = _fit_time(x, 8)
    assert padded.shape == (2, 8, 3) and torch.equal(padded[:, 5:], torch.zeros(2, 3, 3))
    assert torch.equal(_unfit_time(padded, 5), x)
    longer = torch.randn(2, 12, 3)
    assert _fit_time(longer, 8).shape == (2, 8, 3) and _unfit_time(_fit_time(longer, 8), 12).shape == (2, 12, 3)


# --- the supervised AAE (Sahu et al.) learns the toy -----------------------------------------------------------


def test_losses_logged_and_reconstruction_falls(supervised):
    _, history = supervised
    assert len(history) == 60 and history[0]["steps"] == 10  # 300 rows / batch 32
    rec = history.series("reconstruction_loss")
    assert sum(rec[-5:]) / 5 < 0.6 * sum(rec[:3]) / 3
    for name in ("discriminator_loss", "generator_loss"):
        assert all(math.isfinite(v) for v in history.series(name))
    # the adversarial game stays balanced: D is neither perfect (loss -> 0) nor lost (loss >> 2 log 2)
    d_final = sum(history.series("discriminator_loss")[-5:]) / 5
    assert 0.3 < d_final < 2.0


def test_codes_cluster_at_their_class_mode(supervised, toy):
    """The label-conditioned discriminator pulls each class's codes to its own mixture component."""
    model, _ = supervised
    codes = model.encode(toy[1])
    dist = torch.cdist(codes, model.prior_means)
    assert (dist.argmin(1) == toy[1].labels).float().mean() > 0.9


def test_svm_on_the_code_classifies_and_matches_sklearn(supervised, toy):
    from sklearn.svm import LinearSVC

    model, _ = supervised
    test = toy[1]
    assert model.evaluate(test)["UAR"] > 0.9
    train_codes = model.encode(toy[0]).double().numpy()
    ref = LinearSVC(C=model.config.svm_c, max_iter=model.config.svm_max_iter, random_state=model.config.seed, dual="auto")
    ref.fit(train_codes, toy[0].labels.numpy())
    codes = model.encode(test)
    ours = model.decision_function(codes)
    assert torch.allclose(ours.double(), torch.as_tensor(ref.decision_function(codes.double().numpy())), atol=1e-4)
    assert torch.equal(model.predict(test).labels, torch.as_tensor(ref.predict(codes.double().numpy())))


def test_generated_samples_carry_their_class_and_keep_variance(supervised, toy):
    """Samples decoded from class c's mode are labelled c by a classifier trained on real data; spread is kept."""
    from sklearn.linear_model import LogisticRegression

    model, _ = supervised
    train = toy[0]
    judge = LogisticRegression(max_iter=2000).fit(train.features.numpy(), train.labels.numpy())
    fake = model.generate(300, seed=0)
    assert isinstance(fake, AudioBatch) and fake.kind == "functionals" and fake.features.shape == (300, 12)
    assert fake.labels.tolist() == [0, 1, 2] * 100  # class-balanced round robin
    acc = (torch.as_tensor(judge.predict(fake.features.numpy())) == fake.labels).float().mean()
    assert acc > 0.85  # chance is 1/3
    for c in range(3):
        real_std = train.features[train.labels == c].std(0)
        fake_std = fake.features[fake.labels == c].std(0)
        assert (fake_std / real_std).median() > 0.3  # not collapsed to the class mean
    # on the original scale: the class means land near the real ones (inputs were offset by 10 and scaled by 2)
    for c in range(3):
        gap = (fake.features[fake.labels == c].mean(0) - train.features[train.labels == c].mean(0)).abs().mean()
        assert gap < 1.5


def test_generate_condition_and_seed(supervised):
    model, _ = supervised
    a = model.generate(7, condition=2, seed=3)
    assert a.labels.tolist() == [2] * 7
    assert torch.equal(a.features, model.generate(7, condition=2, seed=3).features)
    assert not torch.equal(a.features, model.generate(7, condition=2, seed=4).features)
    assert model.generate(condition=[0, 2, 1], seed=0).labels.tolist() == [0, 2, 1]
    with pytest.raises(LabelError):
        model.generate(2, condition=3)
    with pytest.raises(ShapeError):
        model.generate(3, condition=[0, 1])
    with pytest.raises(DTypeError):
        model.generate(2, condition=1.0)


def test_fit_generator_trains_only_the_aae(toy, small):
    model = emozoo.load("aae-ser", **{**small, "epochs": 2})
    model.fit_generator(toy[0])
    assert model.generate(3, seed=0).features.shape == (3, 12)
    assert int(model.svm_fitted[0]) == 0 and torch.count_nonzero(model.svm_coef) == 0
    with pytest.raises(NotFittedError, match="SVM"):
        model.predict(toy[1])


def test_binary_svm_scores_are_antisymmetric(small):
    from emozoo_aae.example import toy_functionals

    data = toy_functionals(90)
    keep = data.labels < 2
    two = data.index(keep)
    model = emozoo.load("aae-ser", **{**small, "num_classes": 2, "label_names": ("a", "b"), "epochs": 3})
    model.fit(two)
    scores = model.decision_function(model.encode(two))
    assert torch.allclose(scores[:, 0], -scores[:, 1])


def test_class_absent_from_training_is_never_predicted(toy, small):
    model = emozoo.load("aae-ser", **{**small, "epochs": 2})
    model.fit(toy[0].index(toy[0].labels < 2))
    assert int(model.predict(toy[1]).labels.max()) <= 1
    assert model.generate(3, condition=2, seed=0).labels.tolist() == [2, 2, 2]  # its mode still exists in the prior


# --- frame features ------------------------------------------------------------------------------------------


def test_frame_features_any_length(small):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(24) % 3
    x = torch.randn(24, 6, 16, generator=g) - 40.0 + 3.0 * y[:, None, None]  # like log-mel dB: 6 frames x 16 mels
    cfg = {**small, "input_dim": 16, "num_frames": 8, "epochs": 2}
    model = emozoo.load("aae-ser", **cfg)
    model.fit(AudioBatch(inputs=x, labels=y, kind="features"))
    out = model.generate(5, seed=0)
    assert out.kind == "features" and out.features.shape == (5, 6, 16)  # the training T, not the network's 8
    assert abs(out.features.mean().item() - x.mean().item()) < 5.0  # original dB scale
    assert model.predict(torch.randn(3, 20, 16) - 40.0).labels.shape == (3,)  # a longer utterance is resampled
    with pytest.raises(ShapeError, match="num_frames"):
        model.predict(torch.randn(3, 16))


# --- the semi-supervised preset (Latif et al.) ---------------------------------------------------------------


def test_semi_supervised_classifies_with_the_categorical_code(semi, toy):
    model, history = semi
    assert model.semi_supervised and model.encoder.category is not None and model.category_discriminator is not None
    assert model.evaluate(toy[1])["UAR"] > 0.9
    ce = history.series("classification_loss")
    assert sum(ce[-5:]) / 5 < 0.3 * ce[0]


def test_semi_supervised_auxiliary_gender_head_learns(semi, toy, gender):
    model, history = semi
    g = history.series("gender_loss")
    assert sum(g[-5:]) / 5 < 0.5 * g[0]
    with torch.no_grad():
        heads = model.encoder(model._to_vectors(toy[1].features))[2]
    acc = (heads["gender"].argmax(1) == gender(toy[1].features)).float().mean()
    assert acc > 0.8


def test_semi_supervised_generation_follows_the_one_hot(semi, toy):
    from sklearn.linear_model import LogisticRegression

    model, _ = semi
    train = toy[0]
    judge = LogisticRegression(max_iter=2000).fit(train.features.numpy(), train.labels.numpy())
    fake = model.generate(150, seed=1)
    assert (torch.as_tensor(judge.predict(fake.features.numpy())) == fake.labels).float().mean() > 0.8


def test_semi_supervised_uses_unlabelled_rows(toy, small):
    model = emozoo.load("aae-ser-semisupervised", **{**small, "epochs": 2})
    model.fit(toy[0].index(slice(0, 30)), unlabelled=toy[0].features[30:])
    assert model.fit_report["unlabelled"] == 270 and model.fit_report["train"] == 30
    with pytest.raises(InputError, match="semi"):
        emozoo.load("aae-ser", **{**small, "epochs": 1}).fit(toy[0], unlabelled=toy[0].features)


# --- typed errors --------------------------------------------------------------------------------------------


def test_bad_inputs_raise_typed_errors(supervised, toy, small):
    model, _ = supervised
    with pytest.raises(ModalityError, match="waveform"):
        model.predict(AudioBatch(inputs=torch.zeros(2, 1600), sample_rate=16000))
    with pytest.raises(ShapeError, match="input_dim"):
        model.predict(torch.zeros(2, 13))
    fresh = emozoo.load("aae-ser", **{**small, "epochs": 1})
    with pytest.raises(DTypeError):
        fresh.fit((toy[0].features, toy[0].labels.float()))
    with pytest.raises(LabelError):
        fresh.fit((toy[0].features, toy[0].labels + 1))
    with pytest.raises(LabelError):
        fresh.fit(toy[0].features)
    with pytest.raises(InputError, match="not configured"):
        fresh.fit(toy[0], auxiliary={"speaker": torch.zeros(300, dtype=torch.long)})
    with pytest.raises(NotFittedError):
        fresh.generate(2)


@pytest.mark.parametrize("field, value", [("label_names", ("a",)), ("lr_generator", 0.0), ("auxiliary_classes", {"g": 1}),
                                          ("mode", "unsupervised"), ("encoder_hidden", (0,))])
def test_bad_config_raises(field, value, small):
    with pytest.raises(ConfigError):
        emozoo.load("aae-ser", **{**small, field: value})


def test_preset_and_aliases(small):
    assert emozoo.get_spec("sahu2018").id == "aae-ser"
    spec = emozoo.get_spec("latif2020")
    assert spec.id == "aae-ser-semisupervised" and spec.preset["mode"] == "semi_supervised"
    assert emozoo.load("latif2020", **small).config.auxiliary_classes == {"gender": 2}
