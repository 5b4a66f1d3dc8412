"""``wearable-gbt``: handcrafted window features -> scikit-learn HistGradientBoostingClassifier.

Fitting is scikit-learn's; its fitted trees (``_predictors``: one TreePredictor per iteration and class score, each a
structured array of nodes) are copied into fixed-shape tensors [max_iter, K', 2 * max_leaf_nodes - 1] and predicted by
:func:`tree_scores`, which walks them exactly as scikit-learn's ``_predict_from_raw_data`` does (NaN follows
``missing_go_to_left``; ``x <= threshold`` goes left) and sums the leaf values in scikit-learn's order, so the raw scores
are bit-identical to ``HistGradientBoostingClassifier._raw_predict``. No pickle: the model is plain safetensors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from emozoo.errors import ConfigError
from emozoo_wearable_baselines.feature_model import FeatureBaseline, FeatureConfig, link_probabilities
from emozoo_wearable_baselines.plugin import GBT_SPEC

__all__ = ["WearableGBT", "WearableGBTConfig", "tree_scores", "trees_from_sklearn"]


@dataclass
class WearableGBTConfig(FeatureConfig):
    """HistGradientBoostingClassifier settings (scikit-learn's defaults except where a comment says ours)."""

    max_iter: int = field(default=100, metadata={"min": 1, "max": 10000})
    learning_rate: float = 0.1
    max_leaf_nodes: int = field(default=31, metadata={"min": 2, "max": 4096})
    max_depth: int | None = None
    min_samples_leaf: int = field(default=20, metadata={"min": 1})
    l2_regularization: float = 0.0
    max_bins: int = field(default=255, metadata={"min": 2, "max": 255})
    #: ours: "balanced" as for wearable-logreg; None: unweighted
    class_weight: Literal["balanced"] | None = "balanced"
    # early stopping is always off (ours): a fixed number of trees fixes the saved tensors' shapes

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.learning_rate > 0 or self.l2_regularization < 0:
            raise ConfigError(f"WearableGBTConfig: learning_rate must be > 0 and l2_regularization >= 0, got {self.learning_rate!r}, {self.l2_regularization!r}")
        if self.class_weight not in ("balanced", None):
            raise ConfigError(f"WearableGBTConfig.class_weight must be 'balanced' or None, got {self.class_weight!r}")


_FIELDS = ("value", "feature", "threshold", "missing_left", "left", "right", "is_leaf")


def trees_from_sklearn(model: Any, max_nodes: int) -> dict[str, torch.Tensor]:
    """The fitted trees of a HistGradientBoostingClassifier as tensors [iterations, K', max_nodes] (+ baseline [K']).

    Padding nodes are leaves of value 0 that no path reaches. Categorical splits are refused (the features are numeric).
    """
    iters, per = len(model._predictors), len(model._predictors[0])
    out = {
        "value": torch.zeros(iters, per, max_nodes, dtype=torch.float64),
        "feature": torch.zeros(iters, per, max_nodes, dtype=torch.int64),
        "threshold": torch.zeros(iters, per, max_nodes, dtype=torch.float64),
        "missing_left": torch.zeros(iters, per, max_nodes, dtype=torch.bool),
        "left": torch.zeros(iters, per, max_nodes, dtype=torch.int64),
        "right": torch.zeros(iters, per, max_nodes, dtype=torch.int64),
        "is_leaf": torch.ones(iters, per, max_nodes, dtype=torch.bool),
    }
    for i, trees in enumerate(model._predictors):
        for k, tree in enumerate(trees):
            nodes = tree.nodes
            m = len(nodes)
            if m > max_nodes:
                raise ConfigError(f"a boosted tree has {m} nodes, more than 2 * max_leaf_nodes - 1 = {max_nodes}; set max_leaf_nodes")
            if nodes["is_categorical"].any():
                raise ConfigError("categorical splits cannot be exported; the window features must be numeric")
            out["value"][i, k, :m] = torch.from_numpy(nodes["value"].astype(np.float64))
            out["feature"][i, k, :m] = torch.from_numpy(nodes["feature_idx"].astype(np.int64))
            out["threshold"][i, k, :m] = torch.from_numpy(nodes["num_threshold"].astype(np.float64))
            out["missing_left"][i, k, :m] = torch.from_numpy(nodes["missing_go_to_left"].astype(bool))
            out["left"][i, k, :m] = torch.from_numpy(nodes["left"].astype(np.int64))
            out["right"][i, k, :m] = torch.from_numpy(nodes["right"].astype(np.int64))
            out["is_leaf"][i, k, :m] = torch.from_numpy(nodes["is_leaf"].astype(bool))
    out["baseline"] = torch.from_numpy(np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1))
    return out


def tree_scores(x: torch.Tensor, trees: dict[str, torch.Tensor]) -> torch.Tensor:
    """Raw boosting scores [N, K'] (float64) of features ``x`` [N, D]: baseline + every tree's leaf, in sklearn's order."""
    x = x.double()
    n = len(x)
    iters, per, _ = trees["value"].shape
    flat = {k: v.reshape(iters * per, -1) for k, v in trees.items() if k != "baseline"}
    t = iters * per
    tree_ix = torch.arange(t)[None, :].expand(n, t)
    node = torch.zeros(n, t, dtype=torch.int64)
    for _ in range(flat["value"].shape[1]):  # a path visits each node at most once
        leaf = flat["is_leaf"][tree_ix, node]
        if bool(leaf.all()):
            break
        xv = x.gather(1, flat["feature"][tree_ix, node])
        left = torch.where(torch.isnan(xv), flat["missing_left"][tree_ix, node], xv <= flat["threshold"][tree_ix, node])
        step = torch.where(left, flat["left"][tree_ix, node], flat["right"][tree_ix, node])
        node = torch.where(leaf, node, step)
    leaves = flat["value"][tree_ix, node].reshape(n, iters, per)
    raw = torch.zeros(n, per, dtype=torch.float64)
    raw += trees["baseline"]
    for i in range(iters):  # the same additions, in the same order, as sklearn's _predict_iterations
        raw += leaves[:, i, :]
    return raw


class WearableGBT(FeatureBaseline):
    """Histogram gradient-boosted trees on emozoo-wearable's window features, saved and predicted as tensors.

    Example::

        model = emozoo.load("wearable-gbt")
        model.fit(train)              # PhysioBatch(layout="channels_time", modality="wrist") [N, 4, 960]
        model.predict(test).probabilities
    """

    spec = GBT_SPEC
    config_class = WearableGBTConfig

    def __init__(self, config: WearableGBTConfig | dict | None = None) -> None:
        super().__init__(config)
        c = self.config
        per = 1 if c.num_classes == 2 else c.num_classes
        shape = (c.max_iter, per, 2 * c.max_leaf_nodes - 1)
        dtypes = {"value": torch.float64, "feature": torch.int64, "threshold": torch.float64, "missing_left": torch.bool,
                  "left": torch.int64, "right": torch.int64, "is_leaf": torch.bool}
        for name in _FIELDS:
            self.register_buffer(f"tree_{name}", torch.zeros(shape, dtype=dtypes[name]))
        self.register_buffer("baseline", torch.zeros(per, dtype=torch.float64))

    @property
    def trees(self) -> dict[str, torch.Tensor]:
        """The boosted trees as tensors (see :func:`tree_scores`)."""
        return {**{name: getattr(self, f"tree_{name}") for name in _FIELDS}, "baseline": self.baseline}

    def _fit_features(self, feats: np.ndarray, labels: np.ndarray) -> None:
        from sklearn.ensemble import HistGradientBoostingClassifier

        c = self.config
        clf = HistGradientBoostingClassifier(
            learning_rate=c.learning_rate, max_iter=c.max_iter, max_leaf_nodes=c.max_leaf_nodes, max_depth=c.max_depth,
            min_samples_leaf=c.min_samples_leaf, l2_regularization=c.l2_regularization, max_bins=c.max_bins,
            early_stopping=False, class_weight=c.class_weight, random_state=c.seed,
        )
        clf.fit(np.where(np.isfinite(feats), feats, np.nan), labels)  # inf -> missing; NaN is handled by the trees
        trees = trees_from_sklearn(clf, 2 * c.max_leaf_nodes - 1)
        if trees["value"].shape[0] != c.max_iter:  # cannot happen with early stopping off; zero trees add exactly 0
            raise ConfigError(f"HistGradientBoostingClassifier stopped after {trees['value'].shape[0]} of {c.max_iter} iterations")
        for name in _FIELDS:
            setattr(self, f"tree_{name}", trees[name])
        self.baseline = trees["baseline"]
        self.sklearn_model = clf  # kept in memory only (never saved): tests compare against it

    def _scores(self, feats: torch.Tensor) -> torch.Tensor:
        feats = torch.where(torch.isinf(feats), torch.full((), float("nan"), dtype=feats.dtype), feats)
        return link_probabilities(tree_scores(feats, self.trees))
