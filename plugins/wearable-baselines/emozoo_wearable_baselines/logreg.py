"""``wearable-logreg``: handcrafted window features -> standardisation -> scikit-learn logistic regression.

Fitting uses scikit-learn (StandardScaler, LogisticRegression with lbfgs); prediction needs only the scaler's mean and
scale and the coefficients, kept as float64 buffers and applied in torch, so a saved model is plain safetensors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from emozoo.errors import ConfigError
from emozoo_wearable_baselines.feature_model import FeatureBaseline, FeatureConfig, link_probabilities
from emozoo_wearable_baselines.plugin import LOGREG_SPEC

__all__ = ["WearableLogReg", "WearableLogRegConfig"]


@dataclass
class WearableLogRegConfig(FeatureConfig):
    """Logistic regression settings (scikit-learn's defaults except where a comment says ours)."""

    C: float = 1.0  # inverse L2 strength, sklearn default
    #: "balanced" (ours): weights n / (K n_c), so the minority phase counts as much as the majority; None: unweighted
    class_weight: Literal["balanced"] | None = "balanced"
    max_iter: int = 1000  # ours (sklearn: 100), so lbfgs converges on ~100 correlated features

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.C > 0:
            raise ConfigError(f"WearableLogRegConfig.C must be > 0, got {self.C!r}")
        if self.class_weight not in ("balanced", None):
            raise ConfigError(f"WearableLogRegConfig.class_weight must be 'balanced' or None, got {self.class_weight!r}")


class WearableLogReg(FeatureBaseline):
    """Logistic regression on emozoo-wearable's window features.

    Example::

        model = emozoo.load("wearable-logreg-aug")
        model.fit(train)              # PhysioBatch(layout="channels_time", modality="wrist") [N, 4, 960]
        model.predict(test).labels
    """

    spec = LOGREG_SPEC
    config_class = WearableLogRegConfig

    def __init__(self, config: WearableLogRegConfig | dict | None = None) -> None:
        super().__init__(config)
        d, k = self.num_features, self.config.num_classes
        rows = 1 if k == 2 else k
        self.register_buffer("mean", torch.zeros(d, dtype=torch.float64))
        self.register_buffer("scale", torch.ones(d, dtype=torch.float64))
        self.register_buffer("coef", torch.zeros(rows, d, dtype=torch.float64))
        self.register_buffer("intercept", torch.zeros(rows, dtype=torch.float64))

    def _fit_features(self, feats: np.ndarray, labels: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        c = self.config
        finite = np.where(np.isfinite(feats), feats, np.nan)
        mean = np.nanmean(finite, axis=0)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        filled = np.where(np.isfinite(finite), finite, mean)  # a feature the data plugin could not compute: the training mean
        scaler = StandardScaler().fit(filled)
        z = scaler.transform(filled)
        clf = LogisticRegression(C=c.C, class_weight=c.class_weight, max_iter=c.max_iter, random_state=c.seed).fit(z, labels)
        self.mean = torch.from_numpy(scaler.mean_.astype(np.float64))
        self.scale = torch.from_numpy(scaler.scale_.astype(np.float64))
        self.coef = torch.from_numpy(clf.coef_.astype(np.float64))
        self.intercept = torch.from_numpy(clf.intercept_.astype(np.float64))
        self.fit_report_sklearn = {"n_iter": int(np.max(clf.n_iter_))}

    def decision_function(self, feats: torch.Tensor) -> torch.Tensor:
        """Raw scores [N, 1] (binary) or [N, K]: standardised features x coef^T + intercept (non-finite -> the mean)."""
        z = (feats.double() - self.mean) / self.scale
        z = torch.where(torch.isfinite(z), z, torch.zeros((), dtype=z.dtype))
        return z @ self.coef.T + self.intercept

    def _scores(self, feats: torch.Tensor) -> torch.Tensor:
        return link_probabilities(self.decision_function(feats))
