"""Input checks shared by EEG methods: one place turns what users pass into validated DE features and labels."""

from __future__ import annotations

from typing import Any

import torch

from emozoo.data.batches import PhysioBatch, as_float_tensor, as_label_tensor
from emozoo.errors import (
    DTypeError,
    EmptyInputError,
    LabelError,
    ModalityError,
    ShapeError,
)


def class_ids(labels: Any, what: str, n: int, num_classes: int) -> torch.Tensor:
    """Validated int64 class ids [n] in 0..num_classes-1 (LabelError names the bad id and the fix)."""
    y = as_label_tensor(labels, what, n)
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        bad = int(y.max()) if int(y.max()) >= num_classes else int(y.min())
        raise LabelError(f"{what}: class id {bad} is out of range for num_classes={num_classes}; map labels to 0..{num_classes - 1}")
    return y


def eeg_features(
    data: Any, what: str, *, method: str, feature_shape: tuple[int, int], num_classes: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(features [N, C, B] float32, labels [N] int64 or None) from an EEGBatch, an (x, y) pair or a tensor."""
    labels = None
    if isinstance(data, PhysioBatch):
        if data.modality != "eeg":
            raise ModalityError(f"{what}: {method} models EEG, got a {data.modality!r} batch; pass an EEGBatch")
        if data.layout != "channels_bands":
            raise ShapeError(
                f"{what}: expected layout 'channels_bands' [N, C, B], got {data.layout!r}; "
                "convert grids with emozoo_eeg.layout.from_grid"
            )
        x, labels = data.features, data.labels
    elif isinstance(data, tuple) and len(data) == 2:
        x, labels = data
    elif isinstance(data, (str, bytes, dict)) or data is None:
        raise DTypeError(f"{what}: expected an EEGBatch, an (x, y) pair or a float tensor [N, C, B], got {type(data).__name__}")
    else:
        x = data
    x = as_float_tensor(x, f"{what} features", 3, dims="[N, C, B]", dtype=torch.float32)
    if x.shape[0] == 0:
        raise EmptyInputError(f"{what}: got 0 samples; pass at least one")
    if tuple(x.shape[1:]) != tuple(feature_shape):
        raise ShapeError(
            f"{what}: expected features [N, {feature_shape[0]}, {feature_shape[1]}] (channels x bands), got "
            f"{list(x.shape)}; build the model with the matching channels/bands or fix the layout"
        )
    if labels is not None:
        labels = class_ids(labels, f"{what} labels", len(x), num_classes)
    return x, labels
