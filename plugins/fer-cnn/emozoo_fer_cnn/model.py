"""The face baselines: emozoo's ``pooled_cnn`` image CNN trained with cross-entropy and Adam, plain, with classical
augmentation of every training batch (``emozoo_face.transforms.classical_augment``), or with class rebalancing
(inverse-frequency weighted cross-entropy, or class-balanced oversampling).

The network is exactly :class:`emozoo.evaluation.classifiers.PooledCNNClassifier` and the training defaults are the
augmentation protocol's ``pooled_cnn`` settings, so ``fer-cnn`` gives the same weights as the protocol's downstream
classifier under the same seed (a test checks it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from emozoo_face.transforms import ClassicalAugmentConfig, classical_augment

from emozoo.config import SEED
from emozoo.data.batches import ImageBatch, as_float_tensor, as_label_tensor
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmozooError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NotFittedError,
    ShapeError,
)
from emozoo.evaluation.augmentation import default_classifier_settings
from emozoo.evaluation.classifiers import BestOnVal, build_classifier, predict_logits
from emozoo.guards import check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, TensorRows, rows_loader, seed_everything
from emozoo_fer_cnn.plugin import SPEC

__all__ = ["FERCNN", "BalancedSampler", "FERCNNConfig", "balanced_counts", "class_weights", "weighted_cross_entropy"]

_PROTOCOL = default_classifier_settings()["pooled_cnn"]


@dataclass
class FERCNNConfig:
    """Hyper-parameters of the face baselines; defaults are the augmentation protocol's pooled_cnn settings (card.md)."""

    num_classes: int = 8  # the muxspace set's eight expressions
    #: class names for predict(); () = the training data set's (from its DatasetSpec), else class0..classK-1
    label_names: tuple[str, ...] = ()
    #: input images are [N, image_channels, image_size, image_size] float in [0, 1] (the benchmark: grey 48 x 48)
    image_size: int = 48
    image_channels: int = 1
    # the network: emozoo.evaluation.classifiers.PooledCNNClassifier with its own defaults
    channels: tuple[int, ...] = (16, 32, 64, 64)
    dropout: float = 0.3
    # training: emozoo.evaluation.augmentation.default_classifier_settings()["pooled_cnn"]
    epochs: int = _PROTOCOL.epochs
    lr: float = _PROTOCOL.lr
    batch_size: int = _PROTOCOL.batch_size
    weight_decay: float = _PROTOCOL.weight_decay
    #: with ``val`` given: keep the weights of the epoch with the best val UAR (else those of the last epoch)
    select_best: bool = True
    #: with ``val`` given: stop after this many epochs without a better val UAR (0: never stop early)
    patience: int = 0
    #: "classical": every training batch goes through emozoo_face.transforms.classical_augment (fer-cnn-classicaug)
    augment: Literal["none", "classical"] = "none"
    classical: ClassicalAugmentConfig = field(default_factory=ClassicalAugmentConfig)
    #: class rebalancing (fer-cnn-rebalanced): "weighted" inverse-frequency cross-entropy, or "oversample" class-balanced
    #: epochs drawn with replacement
    rebalance: Literal["none", "weighted", "oversample"] = "none"
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int) or self.num_classes < 2:
            raise ConfigError(f"FERCNNConfig.num_classes must be an int >= 2, got {self.num_classes!r}")
        if self.label_names and len(self.label_names) != self.num_classes:
            raise ConfigError(
                f"FERCNNConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class or ()"
            )
        if self.image_channels not in (1, 3):
            raise ConfigError(f"FERCNNConfig.image_channels must be 1 (grey) or 3 (RGB), got {self.image_channels!r}")
        if self.augment not in ("none", "classical"):
            raise ConfigError(f"FERCNNConfig.augment must be 'none' or 'classical', got {self.augment!r}")
        if self.rebalance not in ("none", "weighted", "oversample"):
            raise ConfigError(f"FERCNNConfig.rebalance must be 'none', 'weighted' or 'oversample', got {self.rebalance!r}")
        for name, ok in (("dropout", 0.0 <= self.dropout < 1.0), ("lr", self.lr > 0), ("weight_decay", self.weight_decay >= 0),
                         ("batch_size", self.batch_size >= 1), ("channels", len(self.channels) >= 1),
                         ("image_size", self.image_size >= 2 ** max(1, len(self.channels))), ("epochs", self.epochs >= 0),
                         ("patience", self.patience >= 0)):
            if not ok:
                raise ConfigError(f"FERCNNConfig.{name} = {getattr(self, name)!r} is out of range; see card.md")


# --- rebalancing ------------------------------------------------------------------------------------------


def class_weights(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Inverse-frequency class weights w_c = N / (K * n_c) [K] float32: they average 1 over the N training samples.

    Every class 0..K-1 must occur in ``labels`` (a class with no training image has no frequency): a LabelError names it.
    """
    counts = torch.bincount(labels.long().cpu(), minlength=num_classes)[:num_classes]
    _require_every_class(counts)
    return (len(labels) / (num_classes * counts.double())).float()


def weighted_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(1 / B) * sum_i w[y_i] * CE_i: per-sample cross-entropy scaled by its class weight, averaged over the batch.

    Not PyTorch's ``cross_entropy(weight=w)``, which divides by sum_i w[y_i] instead of B; with weights that average 1
    over the training set, this loss has the plain cross-entropy's scale in expectation over batches.
    """
    per_sample = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
    return (weights[targets] * per_sample).mean()


def balanced_counts(n: int, num_classes: int, generator: torch.Generator) -> torch.Tensor:
    """How many of ``n`` draws each class gets [K]: n // K each, the n % K extra ones to classes chosen at random."""
    counts = torch.full((num_classes,), n // num_classes, dtype=torch.long)
    extra = torch.randperm(num_classes, generator=generator)[: n % num_classes]
    counts[extra] += 1
    return counts


class BalancedSampler(torch.utils.data.Sampler[int]):
    """Class-balanced epochs: each pass draws ``len(labels)`` indices with replacement, equally many from every class.

    Per epoch: :func:`balanced_counts` per class, then that many indices uniformly from the class's samples (with
    replacement), shuffled together. All draws come from the sampler's own generator (seeded), so epochs are
    reproducible and independent of the global RNG. ``epochs_drawn`` keeps every epoch's indices for inspection.
    """

    def __init__(self, labels: torch.Tensor, num_classes: int, seed: int) -> None:
        self.labels = labels.long().cpu()
        self.num_classes = int(num_classes)
        _require_every_class(torch.bincount(self.labels, minlength=self.num_classes)[: self.num_classes])
        self.members = [torch.nonzero(self.labels == c).flatten() for c in range(self.num_classes)]
        self.generator = torch.Generator().manual_seed(int(seed))
        self.epochs_drawn: list[torch.Tensor] = []

    def __len__(self) -> int:
        return len(self.labels)

    def draw(self) -> torch.Tensor:
        """One epoch's indices [N] (class-balanced, with replacement, shuffled)."""
        counts = balanced_counts(len(self.labels), self.num_classes, self.generator)
        picks = [m[torch.randint(len(m), (int(k),), generator=self.generator)] for m, k in zip(self.members, counts.tolist())]
        order = torch.cat(picks)
        return order[torch.randperm(len(order), generator=self.generator)]

    def __iter__(self) -> Iterator[int]:
        order = self.draw()
        self.epochs_drawn.append(order)
        return iter(order.tolist())


def _require_every_class(counts: torch.Tensor) -> None:
    missing = [c for c, k in enumerate(counts.tolist()) if k == 0]
    if missing:
        raise LabelError(
            f"train: class id(s) {missing} have no training image, so they cannot be rebalanced (no frequency to invert, "
            f"nothing to oversample); add images of those classes, merge them, or set num_classes to the classes present"
        )


class FERCNN(EmotionModel):
    """Small VGG-style CNN (emozoo's pooled_cnn) for facial expression recognition, plain, augmented or rebalanced.

    Args:
        config: a :class:`FERCNNConfig` (or a dict of its fields); ``augment`` / ``rebalance`` pick the variant
            (``emozoo.load("fer-cnn-classicaug")`` / ``"fer-cnn-rebalanced"`` set them).

    Example::

        model = emozoo.load("fer-cnn-classicaug", epochs=30)
        model.fit(train)                     # ImageBatch [N, 1, 48, 48] float in [0, 1] with labels
        model.predict(test).label_strings()  # e.g. ["happiness", "neutral", ...] when train came from muxspace-faces
    """

    spec = SPEC
    config_class = FERCNNConfig

    def __init__(self, config: FERCNNConfig | dict | None = None) -> None:
        super().__init__(config)
        c: FERCNNConfig = self.config
        self.input_shape = (c.image_channels, c.image_size, c.image_size)
        self.classifier = build_classifier("pooled_cnn", self.input_shape, c.num_classes, seed=c.seed,
                                           channels=tuple(c.channels), dropout=c.dropout)
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._names_from_data = not c.label_names
        self.fit_report: dict[str, Any] = {}

    @property
    def variant(self) -> str:
        """The method id this config is the preset of (``method_id`` is the class's: ``fer-cnn``), for messages."""
        c = self.config
        if c.rebalance != "none":
            return "fer-cnn-rebalanced"
        return "fer-cnn-classicaug" if c.augment == "classical" else "fer-cnn"

    # --- inputs -----------------------------------------------------------------------------------------

    def _expected(self) -> str:
        c, s = self.config, self.config.image_size
        return f"[N, {c.image_channels}, {s}, {s}] float in [0, 1]"

    def _images(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(images [N, C, S, S] float32 in [0, 1], labels or None) from an ImageBatch, an (images, labels) pair or a tensor."""
        labels = None
        if isinstance(data, tuple) and len(data) == 2:
            data, labels = data
        if isinstance(data, ImageBatch):
            labels = data.labels if labels is None else labels
            data = data.images
        elif not isinstance(data, (torch.Tensor, np.ndarray, list)):
            raise ModalityError(
                f"{what}: {self.variant} is a face method and takes an ImageBatch, an (images, labels) pair or images "
                f"{self._expected()}, got {type(data).__name__}"
            )
        dtype = getattr(data, "dtype", None)
        if dtype is not None and not _is_float_dtype(dtype) and not _is_complex_dtype(dtype):
            raise DTypeError(
                f"{what}: {self.variant} expected {self._expected()}, got {dtype}; convert with "
                "emozoo_face.frontend.prepare_images (or images.float() / 255)"
            )
        x = as_float_tensor(data, what, dtype=None if isinstance(data, torch.Tensor) else torch.float32)  # complex, NaN first
        if x.dim() != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ShapeError(
                f"{what}: {self.variant} expected {self._expected()}, got shape {list(x.shape)}; convert with "
                f"emozoo_face.frontend.prepare_images(images, size={self.config.image_size}, channels={self.config.image_channels}) "
                f"or build the model with image_size=... / image_channels=..."
            )
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 images; pass at least one")
        lo, hi = float(x.min()), float(x.max())
        if lo < 0.0 or hi > 1.0:
            raise InputError(
                f"{what}: {self.variant} expected {self._expected()}, got values in [{lo:g}, {hi:g}]; 0-255 pixels need / 255 "
                "(emozoo_face.frontend.prepare_images does it)"
            )
        x = x.float()
        if labels is not None:
            labels = as_label_tensor(labels, f"{what}.labels", len(x))
            k = self.config.num_classes
            if int(labels.max()) >= k:
                raise LabelError(f"{what}.labels: class id {int(labels.max())} is out of range for num_classes={k} (0..{k - 1}); set num_classes")
        return x, labels

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the CNN with (weighted) cross-entropy + Adam through the Runtime; with ``val``, keep the best-val-UAR epoch."""
        c: FERCNNConfig = self.config
        x, y = self._images(train, "train")
        if y is None:
            raise LabelError(f"train: {self.variant} is supervised and needs labels; pass an ImageBatch with labels or (images, labels)")
        val_xy = None
        if val is not None:
            val_xy = self._images(val, "val")
            if val_xy[1] is None:
                raise LabelError("val: needs labels to select the best epoch; pass a labelled ImageBatch or leave val out")
        weights = class_weights(y, c.num_classes) if c.rebalance == "weighted" else None
        sampler = BalancedSampler(y, c.num_classes, c.seed + 2) if c.rebalance == "oversample" else None
        if self._names_from_data:
            c.label_names = _label_names(getattr(train, "source", None), c.num_classes)
        runtime = runtime or Runtime(device="cpu", progress=False)
        # the protocol's fit_classifier, step by step: seed, standardise on the training inputs, Adam over shuffled batches
        seed_everything(c.seed)
        net = self.classifier
        net.norm.fit(x)
        if sampler is None:
            loader = rows_loader(x, y, batch_size=c.batch_size, seed=c.seed)
        else:
            loader = torch.utils.data.DataLoader(TensorRows(x, y), batch_size=c.batch_size, sampler=sampler,
                                                 collate_fn=_already_stacked)
        optimizer = torch.optim.Adam(net.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        self.to(runtime.device)
        net.train()
        prepared, optimizer, loader = runtime.prepare(net, optimizer, loader)
        augment_rng = torch.Generator().manual_seed(c.seed + 1) if c.augment == "classical" else None
        w = None if weights is None else weights.to(runtime.device)

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            inputs, targets = batch
            if augment_rng is not None:
                inputs = classical_augment(inputs, c.classical, augment_rng)
            with runtime.accumulate(prepared):
                with runtime.autocast():
                    logits = prepared(inputs).float()
                    loss = (torch.nn.functional.cross_entropy(logits, targets) if w is None
                            else weighted_cross_entropy(logits, targets, w))
                runtime.backward(loss)
                if runtime.sync_gradients:
                    optimizer.step()
                    optimizer.zero_grad()
            return {"loss": loss.detach()}

        monitor = None
        if val_xy is not None and (c.select_best or c.patience > 0):
            monitor = BestOnVal(net, val_xy[0], val_xy[1].cpu(), c.patience)
        history = runtime.train(step, loader, epochs=c.epochs, callbacks=(*tuple(callbacks), *((monitor,) if monitor else ())),
                                desc=self.variant)
        if monitor is not None:
            for record, uar in zip(history, monitor.scores):
                record["val_UAR"] = uar
            if c.select_best and monitor.best_state is not None:
                net.load_state_dict(monitor.best_state)
            self.fit_report["best_epoch"] = monitor.best_epoch
        self.fit_report.update({"train_samples": len(x), "epochs_run": len(history)})
        if weights is not None:
            self.fit_report["class_weights"] = weights.tolist()
        if sampler is not None:  # the class counts of every epoch the sampler drew (a JSON-ready record)
            self.fit_report["oversampled_class_counts"] = [
                torch.bincount(y.cpu()[order], minlength=c.num_classes).tolist() for order in sampler.epochs_drawn
            ]
        with torch.no_grad():
            self.fitted.fill_(1)
        self.eval()
        return history

    # --- prediction ---------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Class probabilities of the CNN for an ImageBatch, an (images, labels) pair or images [N, C, S, S] in [0, 1]."""
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.variant} cannot predict before fit(); call model.fit(train) or load a trained model with from_pretrained")
        check_inputs(self.method_id, inputs)
        x, _ = self._images(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        names = tuple(self.config.label_names) or tuple(f"class{i}" for i in range(self.config.num_classes))
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N, num_classes] of images [N, C, S, S]."""
        return self.classifier(x)


def _already_stacked(batch: Any) -> Any:
    """Collate of TensorRows batches (``__getitems__`` stacked them already)."""
    return batch


def _is_float_dtype(dtype: Any) -> bool:
    return (isinstance(dtype, torch.dtype) and dtype.is_floating_point) or (isinstance(dtype, np.dtype) and dtype.kind == "f")


def _is_complex_dtype(dtype: Any) -> bool:
    return (isinstance(dtype, torch.dtype) and dtype.is_complex) or (isinstance(dtype, np.dtype) and dtype.kind == "c")


def _label_names(source: Any, k: int) -> tuple[str, ...]:
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
