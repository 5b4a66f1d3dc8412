"""The part the two feature baselines share: features from raw windows (or given flat), augmented copies, checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from emozoo.errors import ConfigError, LabelError, NotFittedError, ShapeError
from emozoo.guards import check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History
from emozoo_wearable_baselines.common import (
    WearableConfig,
    augmented_copies,
    channel_std,
    label_names,
    read_inputs,
    require_every_class,
    window_features,
)


@dataclass
class FeatureConfig(WearableConfig):
    """Window settings plus what the feature baselines add."""

    #: set by fit(): the names of the features the model was trained on (their count fixes the weights' shapes)
    feature_names: tuple[str, ...] = ()
    #: ``-aug``: augmented copies of every raw training window, made once before the features (ours: 1)
    copies: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.copies, bool) or not isinstance(self.copies, int) or not 1 <= self.copies <= 100:
            raise ConfigError(f"{type(self).__name__}.copies must be an int in [1, 100], got {self.copies!r}")


class FeatureBaseline(EmotionModel):
    """A classifier on handcrafted window features; subclasses implement ``_fit_features`` and ``_scores``."""

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._names_from_data = not self.config.label_names
        self.fit_report: dict[str, Any] = {}

    @property
    def variant(self) -> str:
        """The method id of this config's preset (the class's id, plus ``-aug`` when augmenting), for messages."""
        return f"{self.method_id}-aug" if self.config.augment else self.method_id

    @property
    def num_features(self) -> int:
        """D: how many features the fitted model takes (0 before fit)."""
        return len(self.config.feature_names)

    def features(self, data: Any, what: str) -> tuple[np.ndarray, torch.Tensor | None]:
        """(float64 features [N, D], labels or None) of windows (through emozoo-wearable) or of flat features."""
        kind, x, labels = read_inputs(self, data, what, allow_flat=True)
        if kind == "features":
            return x.double().numpy(), labels
        feats, names = window_features(x, self.config.channels, self.config.rate)
        if self.num_features and names != tuple(self.config.feature_names):
            raise ShapeError(f"{what}: the data plugin's features {names[:4]}... differ from the {self.num_features} the model was trained on; "
                             "use the emozoo-wearable version the model was trained with")
        return feats, labels

    def fit(self, train: Any, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> History:
        """Fit on window features (``-aug``: of the windows plus ``copies`` augmented copies); val is not used."""
        c = self.config
        kind, x, y = read_inputs(self, train, "train", allow_flat=True)
        if y is None:
            raise LabelError(f"train: {self.variant} is supervised and needs labels; pass a PhysioBatch with labels")
        require_every_class(y, c.num_classes, self.variant)
        if kind == "features":
            if c.augment:
                raise ShapeError(f"train: {self.variant} augments raw windows before the features; pass PhysioBatch(layout='channels_time') "
                                 f"windows, or use {self.method_id} for flat features")
            feats, names = x.double().numpy(), tuple(f"f{i}" for i in range(x.shape[1]))
        else:
            windows = [x]
            if c.augment:
                windows += augmented_copies(x, c.augmentation, c.copies, c.seed, channel_std(x))
            feats, names = window_features(torch.cat(windows), c.channels, c.rate)
            y = y.repeat(len(windows))
        if self._names_from_data:
            c.label_names = label_names(getattr(train, "source", None), c.num_classes)
        c.feature_names = names
        self._fit_features(feats, y.numpy())
        with torch.no_grad():
            self.fitted.fill_(1)
        self.fit_report = {"train_samples": len(feats), "features": len(names)}
        self.eval()
        return History([{"epoch": 0, "steps": 1, "train_samples": len(feats)}])

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Class probabilities for windows (PhysioBatch channels_time or [N, C, T]) or flat features [N, D]."""
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.variant} cannot predict before fit(); call model.fit(train) or load a trained model with from_pretrained")
        check_inputs(self.method_id, inputs)
        feats, _ = self.features(inputs, "inputs")
        if feats.shape[1] != self.num_features:
            raise ShapeError(f"inputs: {self.variant} was trained on {self.num_features} features, got [N, {feats.shape[1]}]; "
                             "pass raw windows or the same feature set")
        probs = self._scores(torch.from_numpy(feats))
        names = tuple(self.config.label_names) or tuple(f"class{i}" for i in range(self.config.num_classes))
        return Prediction(labels=probs.argmax(1), probabilities=probs.float(), label_names=names)

    def _fit_features(self, feats: np.ndarray, labels: np.ndarray) -> None:
        raise NotImplementedError

    def _scores(self, feats: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def link_probabilities(raw: torch.Tensor) -> torch.Tensor:
    """[N, K] float64 probabilities of raw scores: sigmoid for one binary score [N, 1], softmax for [N, K]."""
    if raw.shape[1] == 1:
        p = torch.sigmoid(raw[:, 0])
        return torch.stack([1.0 - p, p], dim=1)
    return torch.softmax(raw, dim=1)
