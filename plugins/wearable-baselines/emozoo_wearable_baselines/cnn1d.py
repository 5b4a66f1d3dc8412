"""``wearable-cnn1d``: the fully convolutional network (FCN) of Wang, Yan & Oates 2017 on raw wrist windows [N, C, T].

The network is exactly emozoo's ``fcn1d`` classifier (:class:`emozoo.evaluation.classifiers.FCN1DClassifier`: three
blocks [Conv1d (kernel 8, 5, 3; 128, 256, 128 filters; stride 1, 'same' padding) -> BatchNorm -> ReLU] -> global
average pooling over time -> linear softmax layer, inputs z-scored per channel with the training windows' statistics),
so this baseline and the augmentation protocol's downstream ``fcn1d`` are one network. Trained with cross-entropy and Adam through the Runtime; the ``-aug`` preset augments every
training batch afresh (emozoo_wearable.augment) before the standardisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from emozoo_wearable.augment import augment_windows
from torch import nn

from emozoo.errors import ConfigError, LabelError, NotFittedError
from emozoo.evaluation.classifiers import BestOnVal, build_classifier
from emozoo.guards import check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, rows_loader, seed_everything
from emozoo_wearable_baselines.common import WearableConfig, channel_std, label_names, read_inputs, require_every_class
from emozoo_wearable_baselines.plugin import CNN1D_SPEC

__all__ = ["WearableCNN1D", "WearableCNN1DConfig"]


@dataclass
class WearableCNN1DConfig(WearableConfig):
    """FCN and training settings: Wang et al. 2017's network; training settings as commented."""

    filters: tuple[int, ...] = (128, 256, 128)  # Wang et al.
    kernels: tuple[int, ...] = (8, 5, 3)  # Wang et al.
    lr: float = 1e-3  # Wang et al.: Adam, lr 0.001
    batch_size: int = field(default=16, metadata={"min": 1})  # Fawaz et al. 2019's FCN re-run (ours to adopt)
    epochs: int = field(default=30, metadata={"min": 0})  # ours (Wang et al.: 2,000 with plateau LR decay)
    weight_decay: float = 0.0
    #: with ``val`` given: keep the weights of the epoch with the best val UAR (else those of the last epoch)
    select_best: bool = True
    #: with ``val`` given: stop after this many epochs without a better val UAR (0: never stop early)
    patience: int = field(default=0, metadata={"min": 0})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.filters or len(self.filters) != len(self.kernels) or min(self.filters) < 1 or min(self.kernels) < 1:
            raise ConfigError(f"WearableCNN1DConfig: filters and kernels need one positive entry per block, got {self.filters!r}, {self.kernels!r}")
        if not self.lr > 0 or self.weight_decay < 0:
            raise ConfigError(f"WearableCNN1DConfig: lr must be > 0 and weight_decay >= 0, got {self.lr!r}, {self.weight_decay!r}")


class WearableCNN1D(EmotionModel):
    """Wang et al.'s FCN on raw wrist windows (BVP, EDA, TEMP, HR at one rate), optionally with classical augmentation.

    Example::

        model = emozoo.load("wearable-cnn1d-aug", epochs=20)
        model.fit(train, val)         # PhysioBatch(layout="channels_time", modality="wrist") [N, 4, 960]
        model.evaluate(test)["UAR"]
    """

    spec = CNN1D_SPEC
    config_class = WearableCNN1DConfig

    def __init__(self, config: WearableCNN1DConfig | dict | None = None) -> None:
        super().__init__(config)
        c = self.config
        self.net = build_classifier("fcn1d", (len(c.channels), c.window_samples), c.num_classes, seed=c.seed,
                                    filters=tuple(c.filters), kernels=tuple(c.kernels))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._names_from_data = not c.label_names
        self.fit_report: dict[str, Any] = {}

    @property
    def variant(self) -> str:
        """The method id of this config's preset, for messages."""
        return f"{self.method_id}-aug" if self.config.augment else self.method_id

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train with cross-entropy + Adam through the Runtime; with ``val``, keep the best-val-UAR epoch."""
        c = self.config
        _, x, y = read_inputs(self, train, "train", allow_flat=False)
        if y is None:
            raise LabelError(f"train: {self.variant} is supervised and needs labels; pass a PhysioBatch with labels")
        require_every_class(y, c.num_classes, self.variant)
        val_xy = None
        if val is not None:
            _, vx, vy = read_inputs(self, val, "val", allow_flat=False)
            if vy is None:
                raise LabelError("val: needs labels to select the best epoch; pass a labelled PhysioBatch or leave val out")
            val_xy = (vx, vy)
        if self._names_from_data:
            c.label_names = label_names(getattr(train, "source", None), c.num_classes)
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self.net.norm.fit(x)
        scale = channel_std(x)
        loader = rows_loader(x, y, batch_size=c.batch_size, seed=c.seed)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        self.to(runtime.device)
        self.net.train()
        prepared, optimizer, loader = runtime.prepare(self.net, optimizer, loader)
        rng = np.random.default_rng([c.seed, 1]) if c.augment else None

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            inputs, targets = batch
            if rng is not None:  # fresh draws for every batch, on the raw scale
                inputs = augment_windows(inputs, c.augmentation, rng, scale=scale)
            with runtime.accumulate(prepared):
                with runtime.autocast():
                    loss = nn.functional.cross_entropy(prepared(inputs).float(), targets)
                runtime.backward(loss)
                if runtime.sync_gradients:
                    optimizer.step()
                    optimizer.zero_grad()
            return {"loss": loss.detach()}

        monitor = None
        if val_xy is not None and (c.select_best or c.patience > 0):
            monitor = BestOnVal(self.net, val_xy[0], val_xy[1].cpu(), c.patience)
        history = runtime.train(step, loader, epochs=c.epochs, callbacks=(*tuple(callbacks), *((monitor,) if monitor else ())), desc=self.variant)
        if monitor is not None:
            for record, ua in zip(history, monitor.scores):
                record["val_UAR"] = ua
            if c.select_best and monitor.best_state is not None:
                self.net.load_state_dict(monitor.best_state)
            self.fit_report["best_epoch"] = monitor.best_epoch
        self.fit_report.update({"train_samples": len(x), "epochs_run": len(history)})
        with torch.no_grad():
            self.fitted.fill_(1)
        self.eval()
        return history

    @torch.no_grad()
    def logits(self, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Logits [N, K] of windows [N, C, T] in eval mode, in batches."""
        was = self.net.training
        self.net.eval()
        device = self.net.norm.mean.device
        out = torch.cat([self.net(x[i:i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)])
        self.net.train(was)
        return out

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Class probabilities for windows (PhysioBatch channels_time or a tensor [N, C, T])."""
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.variant} cannot predict before fit(); call model.fit(train) or load a trained model with from_pretrained")
        check_inputs(self.method_id, inputs)
        _, x, _ = read_inputs(self, inputs, "inputs", allow_flat=False)
        probs = self.logits(x).softmax(1)
        names = tuple(self.config.label_names) or tuple(f"class{i}" for i in range(self.config.num_classes))
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N, K] of windows [N, C, T]."""
        return self.net(x)
