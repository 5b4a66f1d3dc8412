"""The image front-end: every documented conversion rule, and every refusal with its typed error."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from emozoo_face.frontend import ValueRangeError, prepare_images, to_image_batch

from emozoo.data.batches import ImageBatch
from emozoo.errors import DTypeError, EmptyInputError, InputError, NonFiniteError, ShapeError


def _rgb(n=2, h=48, w=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 3, h, w), dtype=np.uint8)


def test_uint8_grey_is_divided_by_255_exactly() -> None:
    x = np.random.default_rng(0).integers(0, 256, (3, 48, 48), dtype=np.uint8)
    out = prepare_images(x)
    assert out.images.shape == (3, 1, 48, 48) and out.images.dtype == torch.float32
    assert torch.equal(out.images[:, 0], torch.from_numpy(x.astype(np.float32) / 255.0))
    assert "uint8 / 255" in out.actions and not any("resized" in a for a in out.actions)


def test_float_scales_are_decided_per_batch() -> None:
    x = np.random.default_rng(1).random((2, 48, 48)).astype(np.float32)
    assert torch.equal(prepare_images(x).images[:, 0], torch.from_numpy(x))  # [0, 1] kept bit-exact
    out = prepare_images(x * 255.0)
    assert torch.allclose(out.images[:, 0], torch.from_numpy(x), atol=1e-6) and "float in [0, 255] / 255" in out.actions
    assert torch.allclose(prepare_images((x * 65535).astype(np.uint16)).images[:, 0], torch.from_numpy(x), atol=1e-4)


def test_rgb_to_grey_uses_bt601_luma_and_channels_last_is_the_same() -> None:
    x = _rgb()
    out = prepare_images(x)
    f = x.astype(np.float32) / 255.0
    luma = 0.299 * f[:, 0] + 0.587 * f[:, 1] + 0.114 * f[:, 2]
    assert np.allclose(out.images[:, 0].numpy(), luma, atol=1e-6)
    assert torch.equal(prepare_images(np.moveaxis(x, 1, 3)).images, out.images)
    assert any("channels-last" in a for a in prepare_images(np.moveaxis(x, 1, 3)).actions)


def test_rgba_is_composited_over_black_and_grey_replicates_to_rgb() -> None:
    rgba = np.concatenate([_rgb(1), np.zeros((1, 1, 48, 48), np.uint8)], axis=1)
    rgba[0, 3, :24] = 255  # top half opaque, bottom half transparent
    out = prepare_images(rgba, channels=3)
    assert torch.equal(out.images[0, :, 24:], torch.zeros(3, 24, 48))
    assert torch.allclose(out.images[0, :, :24], torch.from_numpy(rgba[0, :3, :24].astype(np.float32) / 255))
    grey = prepare_images(np.full((1, 48, 48), 128, np.uint8), channels=3)
    assert grey.images.shape == (1, 3, 48, 48) and torch.equal(grey.images[0, 0], grey.images[0, 2])


def test_other_sizes_are_centre_cropped_and_resized() -> None:
    x = np.zeros((1, 60, 40), np.uint8)
    x[:, 10:50] = 255  # the centre 40 x 40 square is all white, the 10-row bands above and below black
    out = prepare_images(x)
    assert out.images.shape == (1, 1, 48, 48)
    assert torch.allclose(out.images, torch.ones(1, 1, 48, 48), atol=1e-5)  # the black bands were cropped away
    assert any("centre-cropped 60x40 -> 40x40" in a for a in out.actions) and any("-> 48x48" in a for a in out.actions)
    small = prepare_images(np.random.default_rng(0).integers(0, 256, (2, 96, 96), dtype=np.uint8), size=32)
    assert small.images.shape == (2, 1, 32, 32) and 0 <= small.images.min() and small.images.max() <= 1


def test_a_list_of_images_of_any_sizes_and_layouts() -> None:
    imgs = [np.zeros((30, 30), np.uint8), torch.rand(3, 64, 80), np.full((50, 50, 4), 255, np.uint8)]
    out = prepare_images(imgs)
    assert out.images.shape == (3, 1, 48, 48)
    assert out.actions[0] == "list of 3 images"
    assert torch.allclose(out.images[2], torch.ones(1, 48, 48), atol=1e-5)


def test_constant_images_are_kept_and_reported() -> None:
    x = np.random.default_rng(0).integers(0, 256, (4, 48, 48), dtype=np.uint8)
    x[1] = 0  # all black
    x[3] = 200
    out = prepare_images(x)
    assert out.constant == (1, 3) and torch.equal(out.images[1], torch.zeros(1, 48, 48))
    assert any("constant image" in a for a in out.actions)


@pytest.mark.parametrize(
    "images, error, match",
    [
        (np.full((1, 48, 48), np.nan, np.float32), NonFiniteError, "NaN"),
        (np.full((1, 48, 48), -0.5, np.float32), ValueRangeError, "normalisation"),
        (np.full((1, 48, 48), 300.0, np.float32), ValueRangeError, "reach 300"),
        (np.zeros((1, 48, 48), bool), DTypeError, "masks"),
        (np.zeros((1, 48, 48), np.int32), DTypeError, "uint8"),
        (np.array(["a"]), DTypeError, "numeric"),
        (np.zeros((0, 48, 48), np.uint8), EmptyInputError, "0 images"),
        ([], EmptyInputError, "0 images"),
        (np.zeros((1, 1, 1, 48, 48), np.uint8), ShapeError, "5-D"),
        (np.zeros((1, 2, 48, 48), np.uint8), ShapeError, "1, 3 or 4 channels"),
        (np.zeros((2, 3, 8, 4), np.uint8), ShapeError, "could be"),
        (np.zeros(5, np.uint8), ShapeError, "1-D"),
    ],
)
def test_bad_images_are_refused(images, error, match) -> None:
    with pytest.raises(error, match=match):
        prepare_images(images)


@pytest.mark.parametrize("kw", [{"size": 4}, {"size": 48.0}, {"channels": 2}, {"channels": 4}])
def test_bad_targets_are_refused(kw) -> None:
    with pytest.raises(InputError):
        prepare_images(np.zeros((1, 48, 48), np.uint8), **kw)


def test_to_image_batch_checks_labels() -> None:
    b = to_image_batch(np.zeros((2, 48, 48), np.uint8), [0, 5])
    assert isinstance(b, ImageBatch) and b.labels.tolist() == [0, 5]
    with pytest.raises(InputError):
        to_image_batch(np.zeros((2, 48, 48), np.uint8), [0, 1, 2])
