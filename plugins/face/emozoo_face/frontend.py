"""The image front-end: any face images (grey / RGB / RGBA, uint8 / uint16 / float, any size) to the float [N, C, S, S]
in [0, 1] that every emozoo face method takes, saying what it converted.

The rules, applied to the whole batch (never guessed per image, so one batch keeps one scale):

* layout: 2-D = one grey image [H, W]; 3-D = grey images [N, H, W]; 4-D = [N, C, H, W] when dim 1 is 1, 3 or 4, else
  [N, H, W, C] when the last dim is 1, 3 or 4 (both possible, e.g. [N, 3, 8, 3], is refused as ambiguous); a list
  of arrays = images of any sizes, each converted alone, then stacked;
* values: uint8 / 255; uint16 / 65535; bool and other integers refused; float in [0, 1] kept; float with max in
  (1, 255] divided by 255 ("float in [0, 255]"); negative values, values above 255 and NaN / inf refused;
* channels: RGBA is composited over black (rgb x alpha) then treated as RGB; RGB -> grey by ITU-R BT.601 luma
  (0.299 R + 0.587 G + 0.114 B, kornia's rgb_to_grayscale); grey -> RGB by replication;
* size: a non-square image is centre-cropped to a square (the face set's own preprocessing), then resized to
  ``size`` x ``size`` with antialiased bilinear interpolation (kornia); images already that size are not touched;
* constant images (all black, all white, any single value) are kept: they are valid images, listed in ``constant``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from emozoo.errors import DTypeError, EmptyInputError, InputError, NonFiniteError, ShapeError

__all__ = ["PreparedImages", "ValueRangeError", "prepare_images", "to_image_batch"]

_CHANNELS = (1, 3, 4)
_FIX = "convert with emozoo_face.frontend.prepare_images (see its rules)"


class ValueRangeError(InputError):
    """Pixel values outside every range the front-end knows ([0, 1], [0, 255], uint8, uint16)."""


@dataclass(frozen=True)
class PreparedImages:
    """Images as float32 [N, C, size, size] in [0, 1], what was done to them, and which ones are constant."""

    images: torch.Tensor
    actions: tuple[str, ...]
    constant: tuple[int, ...] = ()


def _as_array(x: Any, what: str) -> np.ndarray:
    """A numpy view of a tensor / array / nested list, with dtype checks that name the fix."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype == np.bool_:
        raise DTypeError(f"{what}: boolean images are masks, not pictures; pass uint8 (0-255) or float in [0, 1]")
    if arr.dtype.kind not in "uif":
        raise DTypeError(f"{what}: images must be numeric (uint8, uint16 or float), got dtype {arr.dtype}")
    return arr


def _layout(arr: np.ndarray, what: str) -> tuple[np.ndarray, str]:
    """[N, C, H, W] and the name of the layout it came in."""
    if arr.ndim == 2:
        return arr[None, None], "one grey image [H, W]"
    if arr.ndim == 3:
        return arr[:, None], "grey images [N, H, W]"
    if arr.ndim == 4:
        first, last = arr.shape[1] in _CHANNELS, arr.shape[3] in _CHANNELS
        if first and last and arr.shape[1] != arr.shape[3]:
            raise ShapeError(
                f"{what}: shape {list(arr.shape)} could be [N, C, H, W] or [N, H, W, C]; pass channels-first [N, C, H, W] "
                "images whose width is not 1, 3 or 4, or convert one image at a time"
            )
        if first:
            return arr, "[N, C, H, W]"
        if last:
            return np.moveaxis(arr, 3, 1), "channels-last [N, H, W, C] -> [N, C, H, W]"
        raise ShapeError(f"{what}: 4-D images need 1, 3 or 4 channels at dim 1 ([N, C, H, W]) or dim 3 ([N, H, W, C]), got {list(arr.shape)}")
    raise ShapeError(f"{what}: expected [H, W], [N, H, W], [N, C, H, W] or [N, H, W, C] images, got {arr.ndim}-D shape {list(arr.shape)}")


def _scale(arr: np.ndarray, what: str) -> tuple[np.ndarray, str]:
    """float32 in [0, 1] and the rule used."""
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0, "uint8 / 255"
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) / 65535.0, "uint16 / 65535"
    if arr.dtype.kind in "iu":
        raise DTypeError(f"{what}: integer images must be uint8 (0-255) or uint16 (0-65535), got {arr.dtype}; cast first")
    x = arr.astype(np.float32)
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).sum())
        raise NonFiniteError(f"{what}: {bad} pixel value(s) are NaN or inf; fix or drop those images before converting")
    low, high = float(x.min()), float(x.max())
    if low < 0:
        raise ValueRangeError(f"{what}: pixel values go down to {low:g}; expected float in [0, 1] or [0, 255] (undo any mean/std normalisation first)")
    if high <= 1.0:
        return x, "float in [0, 1] kept"
    if high <= 255.0:
        return x / 255.0, "float in [0, 255] / 255"
    raise ValueRangeError(f"{what}: pixel values reach {high:g}; expected float in [0, 1] or [0, 255], uint8 or uint16")


def _channels(x: torch.Tensor, channels: int) -> tuple[torch.Tensor, list[str]]:
    """Composite RGBA, then convert to ``channels`` (1 or 3)."""
    notes: list[str] = []
    if x.shape[1] == 4:
        x = x[:, :3] * x[:, 3:4]
        notes.append("RGBA composited over black")
    if x.shape[1] == 3 and channels == 1:
        from kornia.color import rgb_to_grayscale

        x = rgb_to_grayscale(x)
        notes.append("RGB -> grey (BT.601 luma)")
    elif x.shape[1] == 1 and channels == 3:
        x = x.expand(-1, 3, -1, -1).contiguous()
        notes.append("grey -> RGB (replicated)")
    return x, notes


def _resize(x: torch.Tensor, size: int) -> tuple[torch.Tensor, list[str]]:
    """Centre-crop to a square, then antialiased bilinear resize to size x size."""
    notes: list[str] = []
    h, w = x.shape[-2:]
    if h != w:
        s = min(h, w)
        top, left = (h - s) // 2, (w - s) // 2
        x = x[..., top : top + s, left : left + s]
        notes.append(f"centre-cropped {h}x{w} -> {s}x{s}")
    if x.shape[-1] != size:
        from kornia.geometry.transform import resize

        before = x.shape[-1]
        x = resize(x, (size, size), interpolation="bilinear", antialias=True).clamp_(0.0, 1.0)
        notes.append(f"resized {before}x{before} -> {size}x{size} (bilinear, antialiased)")
    return x, notes


def _check_target(size: Any, channels: Any) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise InputError(f"prepare_images: size must be an int >= 8 (pixels per side), got {size!r}")
    if channels not in (1, 3):
        raise InputError(f"prepare_images: channels must be 1 (grey) or 3 (RGB), got {channels!r}")


def _prepare_array(arr: np.ndarray, size: int, channels: int, what: str) -> tuple[torch.Tensor, list[str]]:
    x, layout = _layout(arr, what)
    if x.shape[0] == 0:
        raise EmptyInputError(f"{what}: got 0 images; pass at least one")
    if min(x.shape[-2:]) < 1:
        raise ShapeError(f"{what}: images of size {x.shape[-2]}x{x.shape[-1]} hold no pixels")
    x, rule = _scale(x, what)
    t = torch.from_numpy(np.ascontiguousarray(x))
    t, colour = _channels(t, channels)
    t, size_notes = _resize(t, size)
    return t.contiguous(), [layout, rule, *colour, *size_notes]


def prepare_images(images: Any, *, size: int = 48, channels: int = 1) -> PreparedImages:
    """Convert face images by the module's rules to float32 [N, channels, size, size] in [0, 1]; refuse the rest.

    ``images``: an array / tensor (see the layout rule) or a sequence of single images of any sizes.
    """
    _check_target(size, channels)
    what = "prepare_images"
    if isinstance(images, Sequence) and not isinstance(images, (str, bytes)) and len(images) and not np.isscalar(images[0]) \
            and not isinstance(images[0], Sequence):
        # a list of single images (arrays / tensors), possibly of different sizes
        parts, notes = [], []
        for i, one in enumerate(images):
            arr = _as_array(one, f"{what}: image {i}")
            if arr.ndim == 4 and arr.shape[0] == 1:
                arr = arr[0]
            if arr.ndim == 3 and (arr.shape[-1] in _CHANNELS or arr.shape[0] in _CHANNELS):
                arr = arr[None]  # one [H, W, C] or [C, H, W] image
            t, n = _prepare_array(arr, size, channels, f"{what}: image {i}")
            if len(t) != 1:
                raise ShapeError(f"{what}: item {i} of the list holds {len(t)} images; a list must hold single images")
            parts.append(t)
            notes += [f"image {i}: {note}" for note in n[1:] if not note.endswith("kept")]
        x = torch.cat(parts)
        actions = (f"list of {len(parts)} images", *notes)
    else:
        if isinstance(images, Sequence) and not len(images):
            raise EmptyInputError(f"{what}: got 0 images; pass at least one")
        x, notes = _prepare_array(_as_array(images, what), size, channels, what)
        actions = tuple(notes)
    flat = x.flatten(1)
    constant = tuple(int(i) for i in torch.nonzero(flat.amax(1) == flat.amin(1)).flatten().tolist())
    if constant:
        actions = (*actions, f"{len(constant)} constant image(s) (e.g. all black) kept: indices {list(constant[:10])}")
    return PreparedImages(images=x, actions=actions, constant=constant)


def to_image_batch(images: Any, labels: Any = None, *, size: int = 48, channels: int = 1, source: Any = None) -> Any:
    """``prepare_images`` then an :class:`emozoo.data.batches.ImageBatch` (labels checked there); the actions are dropped."""
    from emozoo.data.batches import ImageBatch

    return ImageBatch(images=prepare_images(images, size=size, channels=channels).images, labels=labels, source=source)
