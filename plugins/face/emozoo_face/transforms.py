"""Classical image augmentation for face batches, built on kornia's functional ops and driven by one ``torch.Generator``.

:func:`classical_augment` takes float images [N, C, H, W] in [0, 1] and returns the same shape, clamped to [0, 1]. Every
random parameter is drawn from the caller's generator (never from kornia.augmentation's global RNG), all of them for
every call and in a fixed order whatever is switched on, so switching one operation off leaves the draws of the others
unchanged. The work is vectorised over the batch (no Python loop per image).

The default policy is the training augmentation of Khaireddin & Chen 2021 ("Facial Emotion Recognition: State of the
Art Performance on FER2013", arXiv:2105.03588), as their released code (github.com/usef-kh/fer, ``data/fer2013.py``)
applies it to 48 x 48 FER2013 faces: a random shift/crop, a horizontal flip with p = 0.5, a rotation of up to +-10
degrees with p = 0.5, and random erasing with p = 0.5. Their code has no brightness or contrast jitter; both are here,
switched off by default, with torchvision-``ColorJitter``-like ranges. Each field says where its default comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from kornia.enhance import adjust_brightness, adjust_contrast_with_mean_subtraction
from kornia.geometry.transform import rotate

from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    NonFiniteError,
    ShapeError,
)

__all__ = ["AugmentDraw", "ClassicalAugmentConfig", "apply_draw", "classical_augment", "draw_params"]

_PADDING_MODES = ("zeros", "border", "reflection")


@dataclass
class ClassicalAugmentConfig:
    """The classical augmentation policy; defaults follow Khaireddin & Chen 2021's released FER2013 training transform."""

    #: horizontal mirror with probability ``flip_prob`` (theirs: RandomHorizontalFlip(), p = 0.5)
    flip: bool = True
    flip_prob: float = 0.5
    #: reflect-pad by ``crop_padding`` pixels, then crop back to H x W at a uniform offset: shifts of up to
    #: +-crop_padding pixels. Theirs: TenCrop(40) of 48 (crop offsets 0 / 4 / 8, i.e. +-4 px) after a shift of up to
    #: +-20 % with p = 0.5; we keep the +-4 px of the crop and the 48 x 48 size (our CNN takes the full image).
    crop: bool = True
    crop_padding: int = 4
    #: rotation by U[-rotation_degrees, +rotation_degrees] with probability ``rotation_prob``, bilinear, the corners
    #: filled per ``rotation_padding`` (theirs: RandomApply([RandomRotation(10)], p=0.5), filled with 0 = "zeros")
    rotation: bool = True
    rotation_degrees: float = 10.0
    rotation_prob: float = 0.5
    rotation_padding: Literal["zeros", "border", "reflection"] = "zeros"
    #: additive brightness shift U[-brightness_delta, +brightness_delta] on the [0, 1] scale (kornia adjust_brightness).
    #: Not in their code: off by default (ours: 0.1 = +-25 grey levels when on)
    brightness: bool = False
    brightness_delta: float = 0.1
    #: contrast factor U[1 - contrast_range, 1 + contrast_range] about each image's mean (kornia
    #: adjust_contrast_with_mean_subtraction, torchvision ColorJitter's definition). Not in their code: off by default
    #: (ours: 0.2, torchvision-style ColorJitter(contrast=0.2), when on)
    contrast: bool = False
    contrast_range: float = 0.2
    #: random erasing of one rectangle per image with probability ``erasing_prob``: area U[scale] x H x W, log aspect
    #: ratio U[log ratio], set to ``erasing_value`` (theirs: RandomErasing(p=0.5) with torchvision's defaults
    #: scale (0.02, 0.33), ratio (0.3, 3.3), value 0)
    erasing: bool = True
    erasing_prob: float = 0.5
    erasing_scale: tuple[float, float] = (0.02, 0.33)
    erasing_ratio: tuple[float, float] = (0.3, 3.3)
    erasing_value: float = 0.0

    def __post_init__(self) -> None:
        """Refuse out-of-range fields with a ConfigError naming the field."""
        for name in ("flip_prob", "rotation_prob", "erasing_prob", "brightness_delta", "contrast_range", "erasing_value"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"ClassicalAugmentConfig.{name} must be a number in [0, 1], got {value!r}")
        if isinstance(self.crop_padding, bool) or not isinstance(self.crop_padding, int) or self.crop_padding < 0:
            raise ConfigError(f"ClassicalAugmentConfig.crop_padding must be an int >= 0 (pixels), got {self.crop_padding!r}")
        if isinstance(self.rotation_degrees, bool) or not isinstance(self.rotation_degrees, (int, float)) or not 0 <= self.rotation_degrees <= 180:
            raise ConfigError(f"ClassicalAugmentConfig.rotation_degrees must lie in [0, 180], got {self.rotation_degrees!r}")
        if self.rotation_padding not in _PADDING_MODES:
            raise ConfigError(f"ClassicalAugmentConfig.rotation_padding must be one of {_PADDING_MODES}, got {self.rotation_padding!r}")
        lo, hi = _pair(self.erasing_scale, "erasing_scale")
        if not 0.0 < lo <= hi <= 1.0:
            raise ConfigError(f"ClassicalAugmentConfig.erasing_scale must be (low, high) with 0 < low <= high <= 1, got {self.erasing_scale!r}")
        lo, hi = _pair(self.erasing_ratio, "erasing_ratio")
        if not 0.0 < lo <= hi:
            raise ConfigError(f"ClassicalAugmentConfig.erasing_ratio must be (low, high) with 0 < low <= high, got {self.erasing_ratio!r}")
        for name in ("flip", "crop", "rotation", "brightness", "contrast", "erasing"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"ClassicalAugmentConfig.{name} switches an operation on or off and must be a bool, got {getattr(self, name)!r}")

    @classmethod
    def off(cls) -> ClassicalAugmentConfig:
        """Every operation switched off: :func:`classical_augment` returns its input unchanged."""
        return cls(flip=False, crop=False, rotation=False, brightness=False, contrast=False, erasing=False)


def _pair(value: object, name: str) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"ClassicalAugmentConfig.{name} must be a pair of numbers (low, high), got {value!r}")
    return float(value[0]), float(value[1])


@dataclass
class AugmentDraw:
    """The random parameters of one batch of N images (CPU tensors [N]); which of them apply depends on the config."""

    flip: torch.Tensor  # bool: mirror this image
    crop_top: torch.Tensor  # int64 in 0..2 * crop_padding: row offset into the padded image (crop_padding = no shift)
    crop_left: torch.Tensor  # int64 column offset
    rotate: torch.Tensor  # bool: rotate this image
    angle: torch.Tensor  # float degrees in [-rotation_degrees, rotation_degrees]
    brightness: torch.Tensor  # float additive shift
    contrast: torch.Tensor  # float factor
    erase: torch.Tensor  # bool: erase a rectangle of this image
    erase_top: torch.Tensor  # int64
    erase_left: torch.Tensor  # int64
    erase_height: torch.Tensor  # int64 in 1..H
    erase_width: torch.Tensor  # int64 in 1..W


def draw_params(n: int, height: int, width: int, config: ClassicalAugmentConfig, generator: torch.Generator) -> AugmentDraw:
    """Draw every parameter for ``n`` images of ``height`` x ``width`` from ``generator`` (same stream whatever is on)."""
    if not isinstance(generator, torch.Generator):
        raise DTypeError(f"generator must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), got {type(generator).__name__}")
    c = config
    u = torch.rand(11, n, generator=generator, dtype=torch.float64, device=generator.device).cpu()
    span = 2 * c.crop_padding + 1
    area = (c.erasing_scale[0] + (c.erasing_scale[1] - c.erasing_scale[0]) * u[8]) * height * width
    log_lo, log_hi = math.log(c.erasing_ratio[0]), math.log(c.erasing_ratio[1])
    ratio = torch.exp(log_lo + (log_hi - log_lo) * u[9])
    # torchvision re-draws a rectangle that does not fit (up to 10 times); we clamp it to the image instead
    eh = torch.sqrt(area * ratio).round().clamp(1, height).long()
    ew = torch.sqrt(area / ratio).round().clamp(1, width).long()
    v = torch.rand(2, n, generator=generator, dtype=torch.float64, device=generator.device).cpu()
    return AugmentDraw(
        flip=u[0] < c.flip_prob,
        crop_top=(u[1] * span).floor().long().clamp_max(span - 1),
        crop_left=(u[2] * span).floor().long().clamp_max(span - 1),
        rotate=u[3] < c.rotation_prob,
        angle=((2 * u[4] - 1) * c.rotation_degrees).float(),
        brightness=((2 * u[5] - 1) * c.brightness_delta).float(),
        contrast=(1 + (2 * u[6] - 1) * c.contrast_range).float(),
        erase=u[7] < c.erasing_prob,
        erase_top=(v[0] * (height - eh + 1)).floor().long().clamp_max(height - eh),
        erase_left=(v[1] * (width - ew + 1)).floor().long().clamp_max(width - ew),
        erase_height=eh,
        erase_width=ew,
    )


def _check_images(images: object) -> torch.Tensor:
    """Float [N, C, H, W] in [0, 1], or a typed error naming the problem and the fix."""
    if not isinstance(images, torch.Tensor):
        raise DTypeError(f"images: expected a float tensor [N, C, H, W] in [0, 1], got {type(images).__name__}")
    if images.dim() != 4:
        raise ShapeError(f"images: expected [N, C, H, W] (4 dims), got shape {list(images.shape)}; add a channel axis with .unsqueeze(1)")
    if not images.is_floating_point():
        raise DTypeError(
            f"images: expected float values in [0, 1], got {images.dtype}; convert with emozoo_face.frontend.prepare_images "
            "(or images.float() / 255)"
        )
    if images.shape[0] == 0:
        raise EmptyInputError("images: got 0 images; pass at least one")
    if not bool(torch.isfinite(images).all()):
        raise NonFiniteError("images: contain NaN or infinite values; drop or repair those images")
    lo, hi = float(images.min()), float(images.max())
    if lo < 0.0 or hi > 1.0:
        raise InputError(
            f"images: values must lie in [0, 1], got [{lo:g}, {hi:g}]; 0-255 pixels need / 255 "
            "(emozoo_face.frontend.prepare_images does it)"
        )
    return images


def apply_draw(images: torch.Tensor, draw: AugmentDraw, config: ClassicalAugmentConfig) -> torch.Tensor:
    """Apply the switched-on operations with the parameters of ``draw``: crop, flip, rotation, brightness, contrast, erasing."""
    c = config
    x = images
    n, _, h, w = x.shape
    dev = x.device

    def per_image(mask: torch.Tensor) -> torch.Tensor:
        return mask.to(dev).view(n, 1, 1, 1)

    if c.crop and c.crop_padding > 0:
        p = c.crop_padding
        if p >= min(h, w):
            raise ConfigError(f"ClassicalAugmentConfig.crop_padding = {p} needs images larger than {p} pixels for reflect padding, got {h} x {w}")
        padded = F.pad(x, (p, p, p, p), mode="reflect")
        rows = (draw.crop_top.to(dev)[:, None] + torch.arange(h, device=dev))[:, :, None]  # [N, H, 1]
        cols = (draw.crop_left.to(dev)[:, None] + torch.arange(w, device=dev))[:, None, :]  # [N, 1, W]
        x = padded[torch.arange(n, device=dev)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)  # [N, H, W, C] -> [N, C, H, W]
    if c.flip:
        x = torch.where(per_image(draw.flip), x.flip(-1), x)
    if c.rotation and c.rotation_degrees > 0 and bool(draw.rotate.any()):
        angle = torch.where(draw.rotate, draw.angle, torch.zeros_like(draw.angle)).to(dev, x.dtype)
        turned = rotate(x, angle, mode="bilinear", padding_mode=c.rotation_padding, align_corners=True)
        x = torch.where(per_image(draw.rotate), turned, x)  # images not drawn for rotation stay bit-exact
    if c.brightness:
        x = adjust_brightness(x, draw.brightness.to(dev, x.dtype), clip_output=True)
    if c.contrast:
        x = adjust_contrast_with_mean_subtraction(x, draw.contrast.to(dev, x.dtype))
    if c.erasing:
        r = torch.arange(h, device=dev)[None, :]
        q = torch.arange(w, device=dev)[None, :]
        top, left = draw.erase_top.to(dev)[:, None], draw.erase_left.to(dev)[:, None]
        in_rows = (r >= top) & (r < top + draw.erase_height.to(dev)[:, None])  # [N, H]
        in_cols = (q >= left) & (q < left + draw.erase_width.to(dev)[:, None])  # [N, W]
        box = in_rows[:, None, :, None] & in_cols[:, None, None, :] & per_image(draw.erase)  # [N, 1, H, W]
        x = torch.where(box, torch.as_tensor(c.erasing_value, dtype=x.dtype, device=dev), x)
    return x.clamp(0.0, 1.0)


def classical_augment(images: torch.Tensor, config: ClassicalAugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """Augment float images [N, C, H, W] in [0, 1] per ``config``; every random draw comes from ``generator``.

    Returns a new tensor of the same shape, dtype and device, clamped to [0, 1]. With every operation off it returns
    the input values unchanged. Same generator state, same output.
    """
    if not isinstance(config, ClassicalAugmentConfig):
        raise ConfigError(f"config must be a ClassicalAugmentConfig, got {type(config).__name__}")
    x = _check_images(images)
    draw = draw_params(x.shape[0], x.shape[2], x.shape[3], config, generator)
    return apply_draw(x, draw, config)
