"""The model beyond the kit: output batch and scale, determinism, fit_generator vs fit, typed errors."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.data.batches import EEGBatch, PhysioBatch
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    NotFittedError,
    ShapeError,
)


@pytest.fixture(scope="module")
def small(toy, make_config):
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(make_config(epochs=2, classifier_epochs=2))
    model.fit(toy)
    return model


def test_generate_returns_the_training_batch_kind(small, toy):
    out = small.generate(10, condition=1, seed=0)
    assert isinstance(out, PhysioBatch) and out.features.shape == (10, 2, 128) and out.features.dtype == torch.float32
    assert out.layout == "channels_time" and out.modality == "wrist" and out.band_names == ("bvp", "eda")
    assert out.labels.dtype == torch.int64 and out.labels.tolist() == [1] * 10 and out.source == toy.source
    assert small.generate(5, seed=0).labels.tolist() == [0, 1, 0, 1, 0]
    assert small.generate(condition=[1, 0, 1], seed=0).labels.tolist() == [1, 0, 1]


def test_same_seed_same_windows_and_conditions_are_independent(small):
    a, b = small.generate(8, seed=1).features, small.generate(8, seed=1).features
    assert torch.equal(a, b)
    assert not torch.equal(a, small.generate(8, seed=2).features)
    # window i depends on its seed position and its class only: the class-1 rows equal a class-1-only call's rows
    mixed = small.generate(condition=[0, 1, 0, 1], seed=4).features
    ones = small.generate(condition=[1, 1, 1, 1], seed=4).features
    assert torch.equal(mixed[1], ones[1]) and torch.equal(mixed[3], ones[3])


def test_determinism_of_training(toy, make_config, small):
    from emozoo_biosignal_gan.model import BiosignalGAN

    again = BiosignalGAN(make_config(epochs=2, classifier_epochs=2))
    again.fit(toy, val=toy.index(list(range(20))))
    assert 0.0 <= again.fit_report["val"]["ACC"] <= 1.0
    for (name, a), (_, b) in zip(small.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name


def test_fit_generator_leaves_the_classifier_at_init(toy, make_config, small):
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(make_config(epochs=2, classifier_epochs=2))
    init = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    model.fit_generator(toy)
    assert all(torch.equal(init[k], v) for k, v in model.classifier.state_dict().items())
    assert torch.equal(model.generate(4, seed=0).features, small.generate(4, seed=0).features)  # fit = fit_generator + classifier


def test_channel_statistics_are_buffers_and_windows_come_back_on_the_input_scale(small, toy):
    assert torch.allclose(small.channel_mean, toy.features.mean((0, 2)))
    assert torch.allclose(small.channel_std, toy.features.std((0, 2), unbiased=False))
    assert {"channel_mean", "channel_std", "fitted"} <= set(dict(small.named_buffers()))
    noise = torch.zeros(1, small.num_steps, small.config.noise_dim)
    with torch.no_grad():
        z = small.generators[0](noise)
        assert torch.allclose(small(noise, 0), small._from_network(z))


def test_other_classifiers_and_tensor_inputs(toy, make_config):
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(make_config(epochs=1, classifier="mlp", classifier_options={"hidden": (8,)}, classifier_epochs=1))
    model.fit((toy.features, toy.labels))
    assert model.predict(toy.features[:3]).probabilities.shape == (3, 2)
    out = model.generate(2, seed=0)
    assert out.band_names == ("bvp", "eda") and out.layout == "channels_time"


def test_before_fit_raises(make_config):
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(make_config())
    with pytest.raises(NotFittedError, match="before fit"):
        model.generate(3)
    with pytest.raises(NotFittedError):
        model.predict(torch.zeros(2, 2, 128))


def test_bad_training_data_raises_typed_errors(make_config, toy):
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(make_config(epochs=1))
    x, y = toy.features[:8], toy.labels[:8]
    with pytest.raises(ShapeError, match="channels_time"):
        model.fit(PhysioBatch(features=x.flatten(1), labels=y, layout="flat", modality="wrist"))
    with pytest.raises(ShapeError, match=r"\[N, 2, 128\]"):
        model.fit((x[:, :, :64], y))
    with pytest.raises(ShapeError):
        model.fit((torch.zeros(8, 3, 128), y))
    with pytest.raises(ShapeError):
        model.fit((x.flatten(1), y))
    bad = x.clone()
    bad[2, 1, 5] = float("nan")
    with pytest.raises(NonFiniteError):
        model.fit((bad, y))
    with pytest.raises(EmptyInputError):
        model.fit((torch.zeros(0, 2, 128), torch.zeros(0, dtype=torch.long)))
    with pytest.raises(LabelError, match="0..1"):
        model.fit((x, torch.tensor([0, 1, 2, 0, 1, 0, 1, 0])))
    with pytest.raises(LabelError, match="stress"):
        model.fit((x, torch.zeros(8, dtype=torch.long)))  # no window of class 1 ("stress")
    with pytest.raises(LabelError, match="needs labels"):
        model.fit(x)
    with pytest.raises(DTypeError):
        model.fit((x, y.float()))
    with pytest.raises(ModalityError):
        model.fit(EEGBatch(features=x, labels=y, layout="channels_time"))
    with pytest.raises(ModalityError, match="channels"):
        model.fit(PhysioBatch(features=x, labels=y, layout="channels_time", modality="wrist", band_names=("eda", "bvp")))
    with pytest.raises(DTypeError):
        model.fit("windows.npz")


def test_bad_generate_and_predict_arguments_raise(small):
    with pytest.raises(LabelError):
        small.generate(3, condition=2)
    with pytest.raises(DTypeError):
        small.generate(3, condition=1.0)
    with pytest.raises(ShapeError):
        small.generate(3, condition=[0, 1])
    with pytest.raises(emozoo.EmozooError):
        small.generate(-1)
    with pytest.raises(ShapeError):
        small.predict(torch.zeros(2, 2, 127))
    with pytest.raises(NonFiniteError):
        small.predict(torch.full((2, 2, 128), float("inf")))


@pytest.mark.parametrize("field, value", [("window", 100), ("label_names", ("a",)), ("classifier", "pooled_cnn"),
                                          ("sequence_noise", 99), ("lr_generator", 0.0), ("channels", ()), ("patch", 0)])
def test_bad_config_raises(make_config, field, value):
    with pytest.raises(ConfigError):
        make_config(**{field: value})
