"""emozoo_face.transforms: classical augmentation on kornia's functional ops, every draw from one torch.Generator.

Images here are generated (random pixels and simple patterns); no real face is used."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from emozoo_face.transforms import (
    AugmentDraw,
    ClassicalAugmentConfig,
    apply_draw,
    classical_augment,
    draw_params,
)

from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    NonFiniteError,
    ShapeError,
)

torch.set_num_threads(1)

ONLY = {name: False for name in ("flip", "crop", "rotation", "brightness", "contrast", "erasing")}


def _images(n=8, c=1, size=16, seed=0):
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed))


def _only(name, **fields):
    return ClassicalAugmentConfig(**{**ONLY, name: True, **fields})


def _draw(n, **fields):
    """A draw that does nothing (no flip, centred crop, no rotation, no brightness/contrast change, no erasing), edited."""
    zeros = torch.zeros(n, dtype=torch.long)
    base = {"flip": torch.zeros(n, dtype=torch.bool), "crop_top": zeros, "crop_left": zeros, "rotate": torch.zeros(n, dtype=torch.bool),
            "angle": torch.zeros(n), "brightness": torch.zeros(n), "contrast": torch.ones(n), "erase": torch.zeros(n, dtype=torch.bool),
            "erase_top": zeros, "erase_left": zeros, "erase_height": zeros + 1, "erase_width": zeros + 1}
    base.update(fields)
    return AugmentDraw(**base)


def test_defaults_are_khaireddin_and_chens_recipe():
    c = ClassicalAugmentConfig()
    assert (c.flip, c.flip_prob, c.crop, c.crop_padding) == (True, 0.5, True, 4)
    assert (c.rotation, c.rotation_degrees, c.rotation_prob, c.rotation_padding) == (True, 10.0, 0.5, "zeros")
    assert (c.erasing, c.erasing_prob, c.erasing_scale, c.erasing_ratio, c.erasing_value) == (True, 0.5, (0.02, 0.33), (0.3, 3.3), 0.0)
    assert (c.brightness, c.contrast) == (False, False)  # not in their released code


def test_same_generator_same_output_and_another_seed_differs():
    x = _images(16)
    policy = ClassicalAugmentConfig(brightness=True, contrast=True)
    a = classical_augment(x, policy, torch.Generator().manual_seed(3))
    b = classical_augment(x, policy, torch.Generator().manual_seed(3))
    c = classical_augment(x, policy, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == x.shape and a.dtype == x.dtype
    g = torch.Generator().manual_seed(3)
    first, second = classical_augment(x, policy, g), classical_augment(x, policy, g)
    assert torch.equal(first, a) and not torch.equal(second, a)  # the generator advances


def test_everything_off_is_the_identity():
    x = _images(6, c=3)
    assert torch.equal(classical_augment(x, ClassicalAugmentConfig.off(), torch.Generator().manual_seed(0)), x)
    zero_probs = ClassicalAugmentConfig(flip_prob=0.0, crop_padding=0, rotation_prob=0.0, erasing_prob=0.0,
                                        brightness=True, brightness_delta=0.0, contrast=True, contrast_range=0.0)
    assert torch.allclose(classical_augment(x, zero_probs, torch.Generator().manual_seed(0)), x, atol=1e-6)


def test_the_draws_do_not_depend_on_what_is_switched_on():
    full = draw_params(32, 16, 16, ClassicalAugmentConfig(), torch.Generator().manual_seed(1))
    flip_only = draw_params(32, 16, 16, _only("flip"), torch.Generator().manual_seed(1))
    for f in dataclasses.fields(AugmentDraw):
        assert torch.equal(getattr(full, f.name), getattr(flip_only, f.name)), f.name


def test_flip_is_an_exact_mirror():
    x = _images(8, c=3)
    assert torch.equal(classical_augment(x, _only("flip", flip_prob=1.0), torch.Generator()), x.flip(-1))
    assert torch.equal(classical_augment(x, _only("flip", flip_prob=0.0), torch.Generator()), x)
    g = torch.Generator().manual_seed(7)
    draw = draw_params(8, 16, 16, _only("flip"), torch.Generator().manual_seed(7))
    out = classical_augment(x, _only("flip"), g)
    assert 0 < int(draw.flip.sum()) < 8
    for i in range(8):
        assert torch.equal(out[i], x[i].flip(-1) if draw.flip[i] else x[i])


def test_rotation_by_zero_is_the_identity_and_by_ninety_a_quarter_turn():
    x = _images(4)
    cfg = _only("rotation")
    turned = apply_draw(x, _draw(4, rotate=torch.ones(4, dtype=torch.bool)), cfg)  # angle 0 through kornia's rotate
    assert torch.allclose(turned, x, atol=1e-5)
    assert torch.equal(classical_augment(x, _only("rotation", rotation_degrees=0.0, rotation_prob=1.0), torch.Generator()), x)
    quarter = apply_draw(x, _draw(4, rotate=torch.ones(4, dtype=torch.bool), angle=torch.full((4,), 90.0)), cfg)
    assert torch.allclose(quarter, torch.rot90(x, 1, dims=(-2, -1)), atol=1e-5)  # positive angles turn anticlockwise
    # images not drawn for rotation stay bit-exact; drawn angles stay within +-rotation_degrees
    draw = draw_params(1000, 16, 16, cfg, torch.Generator().manual_seed(0))
    assert float(draw.angle.abs().max()) <= 10.0 and float(draw.angle.abs().max()) > 9.9
    assert 0.45 < float(draw.rotate.float().mean()) < 0.55
    mixed = _draw(4, rotate=torch.tensor([True, False, True, False]), angle=torch.full((4,), 7.0))
    out = apply_draw(x, mixed, cfg)
    assert torch.equal(out[1], x[1]) and torch.equal(out[3], x[3]) and not torch.allclose(out[0], x[0])


def test_crop_after_reflect_padding_shifts_by_the_offset():
    x = _images(2)
    p = 3
    cfg = _only("crop", crop_padding=p)
    same = apply_draw(x, _draw(2, crop_top=torch.full((2,), p), crop_left=torch.full((2,), p)), cfg)
    assert torch.equal(same, x)  # offset p into the padded image: no shift
    down = apply_draw(x, _draw(2, crop_top=torch.zeros(2, dtype=torch.long), crop_left=torch.full((2,), p)), cfg)
    assert torch.equal(down[..., p:, :], x[..., :-p, :])  # the image moved down by p pixels
    for i in range(p):  # the rows above are its reflection (without repeating the edge row)
        assert torch.equal(down[..., i, :], x[..., p - i, :])
    right = apply_draw(x, _draw(2, crop_top=torch.full((2,), p), crop_left=torch.full((2,), 2 * p)), cfg)
    assert torch.equal(right[..., :-p], x[..., p:])  # offset 2p: moved left by p
    draw = draw_params(2000, 16, 16, cfg, torch.Generator().manual_seed(0))
    assert set(draw.crop_top.unique().tolist()) == set(range(2 * p + 1))


def test_brightness_and_contrast_follow_kornias_definitions():
    x = 0.25 + 0.5 * _images(3)
    shift = apply_draw(x, _draw(3, brightness=torch.tensor([0.1, -0.1, 0.3])), _only("brightness"))
    assert torch.allclose(shift, (x + torch.tensor([0.1, -0.1, 0.3]).view(3, 1, 1, 1)).clamp(0, 1), atol=1e-6)
    factor = torch.tensor([0.8, 1.0, 1.2])
    out = apply_draw(x, _draw(3, contrast=factor), _only("contrast"))
    mean = x.mean((1, 2, 3), keepdim=True)
    assert torch.allclose(out, ((x - mean) * factor.view(3, 1, 1, 1) + mean).clamp(0, 1), atol=1e-6)
    d = draw_params(500, 16, 16, ClassicalAugmentConfig(), torch.Generator().manual_seed(0))
    assert float(d.brightness.abs().max()) <= 0.1 and float((d.contrast - 1).abs().max()) <= 0.2


def test_erasing_sets_one_rectangle_and_leaves_the_rest():
    x = 0.5 + 0.5 * _images(2)
    draw = _draw(2, erase=torch.tensor([True, False]), erase_top=torch.tensor([2, 2]), erase_left=torch.tensor([5, 5]),
                 erase_height=torch.tensor([3, 3]), erase_width=torch.tensor([4, 4]))
    out = apply_draw(x, draw, _only("erasing"))
    assert torch.equal(out[0, :, 2:5, 5:9], torch.zeros(1, 3, 4))
    keep = torch.ones(16, 16, dtype=torch.bool)
    keep[2:5, 5:9] = False
    assert torch.equal(out[0, :, keep], x[0, :, keep]) and torch.equal(out[1], x[1])
    d = draw_params(2000, 48, 48, ClassicalAugmentConfig(), torch.Generator().manual_seed(0))
    area = (d.erase_height * d.erase_width).float() / (48 * 48)
    assert float(area.min()) >= 0.01 and float(area.max()) <= 0.36  # U[0.02, 0.33] of the image, up to rounding
    assert int((d.erase_top + d.erase_height).max()) <= 48 and int((d.erase_left + d.erase_width).max()) <= 48


def test_values_stay_in_the_unit_interval_and_images_are_independent():
    x = _images(12, c=3, size=24)
    strong = ClassicalAugmentConfig(flip_prob=1.0, rotation_degrees=45.0, rotation_prob=1.0, rotation_padding="reflection",
                                    brightness=True, brightness_delta=0.5, contrast=True, contrast_range=0.9, erasing_value=1.0)
    out = classical_augment(x, strong, torch.Generator().manual_seed(0))
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0 and out.shape == x.shape
    # the batch is one vectorised call, and each image depends on its own draw alone
    draw = draw_params(12, 24, 24, strong, torch.Generator().manual_seed(0))
    whole = apply_draw(x, draw, strong)
    assert torch.equal(whole, out)
    one = apply_draw(x[5:6], AugmentDraw(**{f.name: getattr(draw, f.name)[5:6] for f in dataclasses.fields(AugmentDraw)}), strong)
    assert torch.allclose(one, whole[5:6], atol=1e-6)
    assert classical_augment(x.double(), strong, torch.Generator()).dtype == torch.float64


def test_bad_configs_and_inputs_raise_typed_errors():
    for fields in ({"flip_prob": 1.5}, {"crop_padding": -1}, {"rotation_degrees": 200}, {"rotation_padding": "wrap"},
                   {"erasing_scale": (0.5, 0.1)}, {"erasing_ratio": (0.0, 1.0)}, {"flip": "yes"}, {"brightness_delta": 2.0}):
        with pytest.raises(ConfigError, match=next(iter(fields))):
            ClassicalAugmentConfig(**fields)
    g, cfg = torch.Generator(), ClassicalAugmentConfig()
    with pytest.raises(ShapeError, match=r"\[N, C, H, W\]"):
        classical_augment(torch.rand(16, 16), cfg, g)
    with pytest.raises(ShapeError):
        classical_augment(torch.rand(2, 1, 1, 16, 16), cfg, g)
    with pytest.raises(DTypeError, match="prepare_images"):
        classical_augment(torch.zeros(2, 1, 16, 16, dtype=torch.uint8), cfg, g)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        classical_augment(255 * torch.rand(2, 1, 16, 16), cfg, g)
    with pytest.raises(NonFiniteError):
        classical_augment(torch.full((2, 1, 16, 16), float("nan")), cfg, g)
    with pytest.raises(EmptyInputError):
        classical_augment(torch.zeros(0, 1, 16, 16), cfg, g)
    with pytest.raises(DTypeError, match="Generator"):
        classical_augment(torch.rand(2, 1, 16, 16), cfg, 0)
    with pytest.raises(DTypeError):
        classical_augment([[0.5]], cfg, g)
    with pytest.raises(ConfigError, match="crop_padding"):
        classical_augment(torch.rand(2, 1, 4, 4), cfg, g)  # reflect padding of 4 px needs images larger than 4 px
    with pytest.raises(ConfigError, match="ClassicalAugmentConfig"):
        classical_augment(torch.rand(2, 1, 16, 16), {"flip": True}, g)
