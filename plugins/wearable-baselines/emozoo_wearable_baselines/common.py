"""What the three wearable baselines share: the window settings of their configs, reading and checking inputs, the
handcrafted features (emozoo-wearable's) and the augmented training copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from emozoo_wearable.augment import AugmentConfig, augment_windows

from emozoo.config import SEED
from emozoo.data.batches import PhysioBatch, as_float_tensor, as_label_tensor
from emozoo.errors import ConfigError, EmozooError, LabelError, ModalityError, ShapeError

__all__ = ["WearableConfig", "augmented_copies", "channel_std", "read_inputs", "require_every_class", "window_features"]

#: PhysioBatch modalities a wrist baseline accepts
MODALITIES = ("wrist", "ppg", "eda")


@dataclass
class WearableConfig:
    """Window settings every wearable baseline shares; the defaults are the stress-predict benchmark's windows."""

    num_classes: int = field(default=2, metadata={"min": 2, "max": 1000})  # no stress / stress
    #: class names for predict(); () = the training data set's (from its DatasetSpec), else class0..classK-1
    label_names: tuple[str, ...] = ()
    #: channel names in input order (PhysioBatch.band_names); the data plugin resamples all of them to ``rate``
    channels: tuple[str, ...] = ("bvp", "eda", "temp", "hr")
    rate: float = 16.0  # Hz, emozoo-wearable's default common rate
    window_samples: int = field(default=960, metadata={"min": 2})  # 60 s at 16 Hz
    #: the ``-aug`` presets: classical augmentation (emozoo_wearable.augment) of the raw training windows
    augment: bool = False
    augmentation: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        name = type(self).__name__
        if self.label_names and len(self.label_names) != self.num_classes:
            raise ConfigError(f"{name}.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class or ()")
        if not self.channels or len(set(self.channels)) != len(self.channels):
            raise ConfigError(f"{name}.channels must be distinct channel names, e.g. ('bvp', 'eda', 'temp', 'hr'), got {self.channels!r}")
        if not 0 < float(self.rate) <= 10000:
            raise ConfigError(f"{name}.rate must be a sampling rate in Hz in (0, 10000], got {self.rate!r}")


def read_inputs(model: Any, data: Any, what: str, *, allow_flat: bool) -> tuple[str, torch.Tensor, torch.Tensor | None]:
    """(kind "windows" or "features", float32 tensor [N, C, T] or [N, D], labels or None) of what a baseline was given.

    Accepts a PhysioBatch (layout "channels_time", or "flat" where ``allow_flat``), an ``(x, y)`` pair, or a bare tensor /
    array ([N, C, T] windows; [N, D] features where ``allow_flat``); anything else is a typed error naming the fix.
    """
    c = model.config
    labels = None
    if isinstance(data, tuple) and len(data) == 2:
        data, labels = data
    if isinstance(data, PhysioBatch):
        labels = data.labels if labels is None else labels
        if data.modality not in MODALITIES:
            raise ModalityError(f"{what}: {model.variant} takes wrist signals (modality one of {MODALITIES}), got PhysioBatch modality {data.modality!r}")
        if data.layout == "channels_time":
            if data.band_names is not None and tuple(data.band_names) != tuple(c.channels):
                raise ShapeError(
                    f"{what}: channels {tuple(data.band_names)} do not match the model's {tuple(c.channels)}; "
                    "reorder the batch's channels or set config.channels"
                )
            x, kind = data.features, "windows"
        elif data.layout == "flat" and allow_flat:
            x, kind = data.features, "features"
        else:
            wanted = "'channels_time' [N, C, T] or 'flat' [N, D]" if allow_flat else "'channels_time' [N, C, T]"
            raise ShapeError(f"{what}: {model.variant} takes PhysioBatch layout {wanted}, got layout {data.layout!r}; pass raw windows")
        x = as_float_tensor(x, what, dtype=torch.float32)
    elif isinstance(data, (torch.Tensor, np.ndarray, list)):
        x = as_float_tensor(data, what, dtype=torch.float32)  # dtype and NaN checks first, then the shape
        if x.ndim == 3:
            kind = "windows"
        elif x.ndim == 2 and allow_flat:
            kind = "features"
        else:
            wanted = "windows [N, C, T] or features [N, D]" if allow_flat else "windows [N, C, T]"
            raise ShapeError(f"{what}: {model.variant} takes {wanted}, got shape {list(x.shape)}")
    else:
        raise ModalityError(
            f"{what}: {model.variant} is a wearable method and takes a PhysioBatch(layout='channels_time', modality='wrist') "
            f"or windows [N, C, T], got {type(data).__name__}"
        )
    if len(x) == 0:
        from emozoo.errors import EmptyInputError

        raise EmptyInputError(f"{what}: no samples; pass at least one window")
    if kind == "windows" and tuple(x.shape[1:]) != (len(c.channels), c.window_samples):
        raise ShapeError(
            f"{what}: {model.variant} takes windows [N, {len(c.channels)}, {c.window_samples}] (channels {tuple(c.channels)} x "
            f"window_samples at {c.rate:g} Hz), got {list(x.shape)}; cut windows to that length or set channels / window_samples"
        )
    if labels is not None:
        labels = as_label_tensor(labels, f"{what}.labels", len(x))
        if int(labels.max()) >= c.num_classes:
            raise LabelError(f"{what}.labels: class id {int(labels.max())} is out of range for num_classes={c.num_classes} (0..{c.num_classes - 1}); set num_classes")
    return kind, x, labels


def require_every_class(labels: torch.Tensor, num_classes: int, variant: str) -> None:
    """LabelError naming the classes with no training window (a classifier cannot learn a class it never sees)."""
    counts = torch.bincount(labels.long().cpu(), minlength=num_classes)
    missing = [i for i in range(num_classes) if int(counts[i]) == 0]
    if missing:
        raise LabelError(
            f"train: {variant} has no training window of class {missing[0]}" + (f" (nor of {missing[1:]})" if len(missing) > 1 else "")
            + f"; every class 0..{num_classes - 1} needs at least one, or lower num_classes"
        )


def window_features(windows: torch.Tensor, channels: tuple[str, ...], rate: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """emozoo-wearable's handcrafted features of raw windows: (float64 [N, D], names)."""
    from emozoo_wearable.features import window_features as compute

    feats, names = compute(windows.detach().cpu().numpy().astype(np.float32), tuple(channels), float(rate))
    feats = np.asarray(feats, dtype=np.float64)
    if feats.ndim != 2 or feats.shape[0] != len(windows) or feats.shape[1] != len(names):
        raise ShapeError(f"emozoo_wearable.features.window_features returned {list(feats.shape)} for {len(windows)} windows and {len(names)} names")
    return feats, tuple(str(n) for n in names)


def channel_std(windows: torch.Tensor) -> torch.Tensor:
    """Per-channel std [C] over all training windows and samples (float64): the jitter's scale."""
    return windows.double().transpose(0, 1).reshape(windows.shape[1], -1).std(dim=1, unbiased=False)


def augmented_copies(windows: torch.Tensor, config: AugmentConfig, copies: int, seed: int, scale: torch.Tensor) -> list[torch.Tensor]:
    """``copies`` augmented copies of the training windows; copy k draws from numpy.random.default_rng([seed, k]) alone."""
    return [augment_windows(windows, config, np.random.default_rng([seed, k]), scale=scale) for k in range(copies)]


def label_names(source: Any, k: int) -> tuple[str, ...]:
    """The class names of the data set ``source`` names (its DatasetSpec's, when registered with k names), else generic ones."""
    dataset = getattr(source, "dataset", None)
    if dataset:
        from emozoo import get_registry

        try:
            names = tuple(get_registry().get_dataset(dataset).label_names)
        except EmozooError:
            names = ()
        if len(names) == k:
            return names
    return tuple(f"class{i}" for i in range(k))
