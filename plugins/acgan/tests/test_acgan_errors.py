"""Typed errors that name the problem and the fix: bad images, labels, conditions and configs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emozoo.data.batches import AudioBatch, ImageBatch
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    NotFittedError,
    ShapeError,
)


@pytest.fixture(scope="module")
def fitted(make_config, toy):
    from emozoo_acgan.model import ACGAN

    model = ACGAN(make_config(epochs=1))
    model.fit_generator(ImageBatch(images=toy[0].images[:30], labels=toy[0].labels[:30]))
    return model


def test_uint8_images_are_a_dtype_error(fitted):
    with pytest.raises(DTypeError, match="uint8.*prepare_images"):
        fitted.predict(torch.zeros(2, 1, 32, 32, dtype=torch.uint8))
    with pytest.raises(DTypeError, match="uint8"):
        fitted.predict(np.zeros((2, 1, 32, 32), dtype=np.uint8))


def test_pixels_in_0_255_are_refused(fitted):
    batch = ImageBatch(images=torch.full((2, 1, 32, 32), 200, dtype=torch.uint8))  # the batch casts to float 0..255
    with pytest.raises(InputError, match=r"\[0, 1\].*divide by 255"):
        fitted.predict(batch)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        fitted.predict(torch.full((2, 1, 32, 32), -0.5))


@pytest.mark.parametrize("shape", [(2, 1, 48, 48), (2, 3, 32, 32), (2, 1, 32, 31)])
def test_wrong_size_or_channels_is_a_shape_error(fitted, shape):
    with pytest.raises(ShapeError, match=r"\[N, 1, 32, 32\].*image_size"):
        fitted.predict(torch.rand(shape))


def test_three_dims_is_a_shape_error(fitted):
    with pytest.raises(ShapeError):
        fitted.predict(torch.rand(2, 32, 32))


def test_nan_empty_and_modality(fitted):
    x = torch.rand(2, 1, 32, 32)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(NonFiniteError):
        fitted.predict(x)
    with pytest.raises(EmptyInputError):
        fitted.predict(torch.rand(0, 1, 32, 32))
    with pytest.raises(ModalityError, match="face images"):
        fitted.predict(AudioBatch(inputs=torch.rand(2, 16, 16), kind="features"))


def test_bad_labels(make_config, toy):
    from emozoo_acgan.model import ACGAN

    x = toy[0].images[:6]
    model = ACGAN(make_config(epochs=1))
    with pytest.raises(LabelError, match=r"0\.\.2"):
        model.fit_generator((x, torch.tensor([0, 1, 2, 3, 0, 1])))
    with pytest.raises(LabelError, match="needs labels"):
        model.fit_generator(x)
    with pytest.raises(LabelError, match=r"2 \(blob\)"):  # a class with no training image is named
        model.fit_generator((x, torch.tensor([0, 1, 0, 1, 0, 1])))
    with pytest.raises(DTypeError):
        model.fit_generator((x, torch.zeros(6)))


def test_generate_arguments(fitted):
    with pytest.raises(LabelError):
        fitted.generate(2, condition=3)
    with pytest.raises(ShapeError):
        fitted.generate(2, condition=[0, 1, 2])
    with pytest.raises(InputError):
        fitted.generate()
    with pytest.raises(InputError):
        fitted.generate(2, seed=-1)


def test_not_fitted(make_config):
    from emozoo_acgan.model import ACGAN

    model = ACGAN(make_config())
    with pytest.raises(NotFittedError, match="fit"):
        model.generate(2, seed=0)
    with pytest.raises(NotFittedError):
        model.predict(torch.rand(2, 1, 32, 32))


@pytest.mark.parametrize("override", [
    {"image_size": 44}, {"image_size": 72}, {"image_size": 24}, {"channels": 2}, {"predictor": "svm"},
    {"generator_objective": "hinge"}, {"fake_class_prior": "zipf"}, {"generator_widths": (8, 8)},
    {"discriminator_strides": (2, 1)}, {"generator_kernel": 4}, {"dropout": 1.0}, {"label_names": ("a", "b")},
])
def test_config_errors(make_config, override):
    from emozoo_acgan.model import ACGAN

    with pytest.raises(ConfigError):  # the dataclass or the core's int ranges (checked when the model is built)
        ACGAN(make_config(**override))
