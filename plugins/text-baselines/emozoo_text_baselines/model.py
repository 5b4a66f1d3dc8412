"""``tfidf-logreg`` (and ``-aug``): word uni- and bigram TF-IDF -> a linear model, for every kind of text target.

* single-label data (``TextBatch.labels`` [N]): multinomial logistic regression (scikit-learn, lbfgs);
* multi-label data (labels [N, K] 0/1, e.g. GoEmotions): one binary logistic regression per class (one-vs-rest); a
  text's labels are the classes whose probability reaches the threshold (tuned on the validation split when one is
  given: the value in 0.05, 0.10, ..., 0.95 with the best macro-F1; else ``threshold``), and the top class when none does;
* dimensional data (``targets`` [N, D], e.g. EmoBank's V, A, D): ridge regression.

scikit-learn fits; prediction needs only the vocabulary, the idf weights and the coefficients, kept as buffers, so a
saved model is plain safetensors. ``-aug`` adds token-level augmented copies of every training text first
(:mod:`emozoo_text_baselines.augment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from emozoo.data.batches import TextBatch
from emozoo.errors import ConfigError, DTypeError, LabelError, ModalityError, NotFittedError
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History
from emozoo_text_baselines.augment import TokenAugmentConfig, augment_texts
from emozoo_text_baselines.plugin import TFIDF_LOGREG
from emozoo_text_baselines.vectoriser import decode_vocabulary, encode_vocabulary, vectoriser

__all__ = ["TASKS", "TfidfLinear", "TfidfLinearConfig"]

TASKS: tuple[str, ...] = ("single", "multilabel", "dimensional")
THRESHOLDS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))
ABSENT_LOGIT = -30.0  # a class with no positive training text: its score, so it is never predicted (recorded in fit_report)


@dataclass
class TfidfLinearConfig:
    """Vectoriser, model and augmentation settings; ``task`` and the sizes are set by ``fit`` from the data."""

    task: str = "multilabel"  # set by fit: "single", "multilabel" or "dimensional"
    num_classes: int = 28  # classes of labelled data (set by fit)
    num_targets: int = 3  # rating dimensions of dimensional data (set by fit)
    label_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    ngram_max: int = 2  # ours: uni- and bigrams, the usual strong TF-IDF setting
    min_df: int = 2  # ours: a term seen in one training text only is dropped
    max_features: int = 50_000  # ours: the most frequent terms kept
    sublinear_tf: bool = True  # ours: 1 + log(tf)
    C: float = 1.0  # inverse L2 strength of the logistic regressions (scikit-learn's default)
    max_iter: int = 1000  # ours (scikit-learn: 100), so lbfgs converges on 50k sparse columns
    ridge_alpha: float = 1.0  # L2 strength of the ridge regression (scikit-learn's default)
    threshold: float = 0.5  # multi-label decision threshold when no validation split is given to fit
    augment: bool = False  # the -aug preset: token-level augmented copies of the training texts
    augmentation: TokenAugmentConfig = field(default_factory=TokenAugmentConfig)
    seed: int = 0
    vocab_size: int = 0  # set by fit: terms kept (fixes the weights' shapes)
    vocab_bytes: int = 0  # set by fit: bytes of the stored vocabulary

    def __post_init__(self) -> None:
        if isinstance(self.augmentation, dict):
            self.augmentation = TokenAugmentConfig(**self.augmentation)
        if self.task not in TASKS:
            raise ConfigError(f"TfidfLinearConfig.task must be one of {TASKS}, got {self.task!r}")
        for name, low in (("num_classes", 2), ("num_targets", 1), ("ngram_max", 1), ("min_df", 1), ("max_features", 1), ("max_iter", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"TfidfLinearConfig.{name} must be an int >= {low}, got {value!r}")
        for name in ("C", "ridge_alpha"):
            if not isinstance(getattr(self, name), (int, float)) or not getattr(self, name) > 0:
                raise ConfigError(f"TfidfLinearConfig.{name} must be a number > 0, got {getattr(self, name)!r}")
        if not isinstance(self.threshold, (int, float)) or not 0.0 < float(self.threshold) < 1.0:
            raise ConfigError(f"TfidfLinearConfig.threshold must be in (0, 1), got {self.threshold!r}")
        self.label_names, self.target_names = tuple(self.label_names), tuple(self.target_names)

    @property
    def outputs(self) -> int:
        """Rows of the coefficient matrix: classes, or rating dimensions."""
        return self.num_targets if self.task == "dimensional" else self.num_classes


def read_batch(method: str, data: Any, what: str) -> TextBatch:
    """``data`` as a TextBatch (a list of str is wrapped); anything else is a typed error naming the fix."""
    if isinstance(data, TextBatch):
        return data
    if isinstance(data, (list, tuple)) and data and all(isinstance(t, str) for t in data):
        return TextBatch(texts=tuple(data))
    if hasattr(data, "coarse_modality") or hasattr(data, "shape"):
        raise ModalityError(f"{what}: {method} reads texts; got {type(data).__name__}. Pass a TextBatch (emozoo-text's adapters "
                            "give one) or a list of str")  # fmt: skip
    raise DTypeError(f"{what}: {method} expected a TextBatch or a list of str, got {type(data).__name__}")


class TfidfLinear(EmotionModel):
    """TF-IDF features and a linear model, for single-label, multi-label and dimensional text data.

    Example::

        model = emozoo.load("tfidf-logreg")
        model.fit(fold.train, fold.val)      # GoEmotions TextBatch: labels [N, 28] 0/1; dev tunes the threshold
        model.predict(fold.test).labels      # [N, 28] 0/1
    """

    spec = TFIDF_LOGREG
    config_class = TfidfLinearConfig

    def __init__(self, config: TfidfLinearConfig | dict | None = None) -> None:
        super().__init__(config)
        c = self.config
        self.register_buffer("vocab", torch.zeros(c.vocab_bytes, dtype=torch.uint8))
        self.register_buffer("idf", torch.zeros(c.vocab_size, dtype=torch.float64))
        self.register_buffer("coef", torch.zeros(c.outputs, c.vocab_size, dtype=torch.float32))
        self.register_buffer("intercept", torch.zeros(c.outputs, dtype=torch.float64))
        self.register_buffer("decision_threshold", torch.full((1,), float(c.threshold), dtype=torch.float64))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.fit_report: dict[str, Any] = {}

    @property
    def variant(self) -> str:
        """The method id of this config's preset, for messages."""
        return f"{self.method_id}-aug" if self.config.augment else self.method_id

    # --- fit -----------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> History:
        """Fit the vectoriser and the linear model on ``train`` (plus augmented copies for -aug); ``val`` tunes the
        multi-label threshold."""
        c = self.config
        batch = read_batch(self.variant, train, "train")
        task, y = self._targets(batch, "train")
        texts = list(batch.texts)
        if c.augment:
            copies, sources = augment_texts(batch.texts, c.augmentation, c.seed)
            texts += copies
            y = np.concatenate([y, y[sources]])
        vec = vectoriser(c.ngram_max, c.min_df, c.max_features, c.sublinear_tf)
        try:
            x = vec.fit_transform(texts)
        except ValueError as exc:  # scikit-learn: "empty vocabulary" (no term reaches min_df)
            raise ConfigError(f"train: no term is left after min_df={c.min_df} ({exc}); lower min_df or pass more texts") from None
        c.task, c.vocab_size = task, len(vec.vocabulary_)
        if task == "dimensional":
            c.num_targets, c.target_names = y.shape[1], tuple(batch.target_names or ())
        else:
            c.num_classes = batch.num_classes
            c.label_names = tuple(batch.label_names or ())
        coef, intercept, absent = self._fit_linear(task, x, y)
        vocab = encode_vocabulary(vec.vocabulary_)
        c.vocab_bytes = int(vocab.numel())
        self.vocab, self.idf = vocab, torch.from_numpy(vec.idf_.astype(np.float64))
        self.coef, self.intercept = torch.from_numpy(coef.astype(np.float32)), torch.from_numpy(intercept.astype(np.float64))
        self.decision_threshold = torch.full((1,), float(c.threshold), dtype=torch.float64)
        with torch.no_grad():
            self.fitted.fill_(1)
        if task == "multilabel" and val is not None:
            self.decision_threshold.fill_(self._tune_threshold(read_batch(self.variant, val, "val")))
        self.fit_report = {"train_texts": len(texts), "vocabulary": c.vocab_size, "task": task,
                           "classes_without_positives": absent, "threshold": float(self.decision_threshold[0])}  # fmt: skip
        self.eval()
        return History([{"epoch": 0, "steps": 1, "train_samples": len(texts)}])

    def _targets(self, batch: TextBatch, what: str) -> tuple[str, np.ndarray]:
        if batch.labels is not None:
            y = batch.labels.numpy()
            return ("multilabel" if batch.multi_label else "single"), (y.astype(np.int64) if batch.multi_label else y)
        if batch.targets is not None:
            return "dimensional", batch.targets.double().numpy()
        raise LabelError(f"{what}: {self.variant} is supervised; pass a TextBatch with labels or targets")

    def _fit_linear(self, task: str, x: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
        from sklearn.linear_model import LogisticRegression, Ridge

        c = self.config
        if task == "dimensional":
            model = Ridge(alpha=c.ridge_alpha).fit(x, y)
            return np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_), []
        k = c.num_classes
        coef, intercept = np.zeros((k, x.shape[1])), np.full(k, ABSENT_LOGIT)
        names = c.label_names or tuple(f"class{i}" for i in range(k))
        if task == "multilabel":
            absent = []
            for j in range(k):
                if y[:, j].min() == y[:, j].max():  # every text or none carries class j: no decision to learn
                    absent.append(names[j])
                    intercept[j] = ABSENT_LOGIT if y[0, j] == 0 else -ABSENT_LOGIT
                    continue
                model = LogisticRegression(C=c.C, max_iter=c.max_iter, random_state=c.seed).fit(x, y[:, j])
                coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
            return coef, intercept, absent
        present = np.unique(y)
        if len(present) < 2:
            raise LabelError(f"train: every text has class {names[int(present[0])]!r}; a classifier needs at least two classes")
        model = LogisticRegression(C=c.C, max_iter=c.max_iter, random_state=c.seed).fit(x, y)
        rows = [int(v) for v in model.classes_]
        if len(rows) == 2:  # scikit-learn's binary model: one row w; softmax over [0, w] is its sigmoid
            coef[rows[1]], intercept[rows[1]], intercept[rows[0]] = model.coef_[0], model.intercept_[0], 0.0
        else:
            coef[rows], intercept[rows] = model.coef_, model.intercept_
        return coef, intercept, [names[j] for j in range(k) if j not in rows]

    def _tune_threshold(self, val: TextBatch) -> float:
        from emozoo.metrics import multilabel_report

        if val.labels is None or not val.multi_label or val.labels.shape[1] != self.config.num_classes:
            raise LabelError(f"val: tuning the multi-label threshold needs labels [N, {self.config.num_classes}] 0/1")
        probs = torch.sigmoid(self.decision_function(val)).numpy()
        truth = val.labels.numpy().astype(np.int64)
        scores = [multilabel_report(truth, _decide(probs, t))["MF1"] for t in THRESHOLDS]
        return THRESHOLDS[int(np.argmax(scores))]  # the first of equal scores: the lowest threshold

    # --- predict -------------------------------------------------------------------------------------

    def decision_function(self, data: Any) -> torch.Tensor:
        """Raw scores [N, K] (or ratings [N, D]): TF-IDF features x coef^T + intercept, in float64."""
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.variant} cannot predict before fit(); call model.fit(train) or load a trained model")
        batch = read_batch(self.variant, data, "inputs")
        c = self.config
        vec = vectoriser(c.ngram_max, c.min_df, c.max_features, c.sublinear_tf, decode_vocabulary(self.vocab, c.vocab_size))
        vec.idf_ = self.idf.numpy()
        x = vec.transform(list(batch.texts))
        return torch.from_numpy(np.asarray(x @ self.coef.double().numpy().T) + self.intercept.numpy())

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Probabilities and labels (classification) or ``values`` (dimensional) for a TextBatch or a list of str."""
        raw = self.decision_function(inputs)
        c = self.config
        if c.task == "dimensional":
            return Prediction(values=raw.float())
        names = c.label_names or tuple(f"class{i}" for i in range(c.num_classes))
        if c.task == "single":
            probs = torch.softmax(raw, dim=1)
            return Prediction(labels=probs.argmax(1), probabilities=probs.float(), label_names=names)
        probs = torch.sigmoid(raw)
        labels = torch.from_numpy(_decide(probs.numpy(), float(self.decision_threshold[0])))
        return Prediction(labels=labels, probabilities=probs.float(), label_names=names)


def _decide(probs: np.ndarray, threshold: float) -> np.ndarray:
    """int64 [N, K] 0/1: the classes at or above ``threshold``, and each row's top class when none is."""
    out = (probs >= threshold).astype(np.int64)
    empty = out.sum(1) == 0
    out[np.flatnonzero(empty), probs[empty].argmax(1)] = 1
    return out
