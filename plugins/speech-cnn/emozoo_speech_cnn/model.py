"""The speech baselines: emozoo's ``pooled_cnn`` log-mel CNN trained with cross-entropy and Adam, without augmentation,
with SpecAugment on every training batch, or on waveforms plus signal-augmented copies.

The network is exactly :class:`emozoo.evaluation.classifiers.PooledCNNClassifier` and the training defaults are the
augmentation protocol's ``pooled_cnn`` settings, so ``speech-cnn`` fitted on log-mel features gives the same weights as
the protocol's downstream classifier under the same seed (a test checks it). Waveforms go through the speech data
plugin's log-mel front-end (``emozoo_speech.frontends.LogMel``), whose config this model's config carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from emozoo_speech.frontends import LogMel, LogMelConfig

from emozoo.config import SEED
from emozoo.data.batches import AudioBatch, as_float_tensor, as_label_tensor
from emozoo.errors import ConfigError, EmozooError, LabelError, ModalityError, NotFittedError, ShapeError
from emozoo.evaluation.augmentation import default_classifier_settings
from emozoo.evaluation.classifiers import BestOnVal, build_classifier, predict_logits
from emozoo.guards import check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, rows_loader, seed_everything
from emozoo_speech_cnn.augment import (
    SignalAugmentConfig,
    SpecAugmentConfig,
    augment_waveform,
    draw_masks,
    draw_signal,
    spec_augment,
)
from emozoo_speech_cnn.plugin import SPEC

__all__ = ["SpeechCNN", "SpeechCNNConfig", "default_frontend"]

_PROTOCOL = default_classifier_settings()["pooled_cnn"]
_VARIANTS = {"none": "speech-cnn", "specaugment": "speech-cnn-specaugment", "signal": "speech-cnn-signalaug"}


def default_frontend() -> LogMelConfig:
    """The log-mel front-end of the baselines: emozoo-speech's defaults with T fixed at 300 frames (3 s at a 10 ms hop)."""
    return LogMelConfig(n_frames=300)


@dataclass
class SpeechCNNConfig:
    """Hyper-parameters of the speech baselines; defaults are the augmentation protocol's pooled_cnn settings (card.md)."""

    num_classes: int = 8  # RAVDESS's eight emotions
    #: class names for predict(); () = the training data set's (from its DatasetSpec), else class0..classK-1
    label_names: tuple[str, ...] = ()
    frontend: LogMelConfig = field(default_factory=default_frontend)
    # the network: emozoo.evaluation.classifiers.PooledCNNClassifier with its own defaults
    channels: tuple[int, ...] = (16, 32, 64, 64)
    dropout: float = 0.3
    # training: emozoo.evaluation.augmentation.default_classifier_settings()["pooled_cnn"]
    epochs: int = _PROTOCOL.epochs
    lr: float = _PROTOCOL.lr
    batch_size: int = _PROTOCOL.batch_size
    weight_decay: float = _PROTOCOL.weight_decay
    #: with ``val`` given: keep the weights of the epoch with the best val UA (else those of the last epoch)
    select_best: bool = True
    #: with ``val`` given: stop after this many epochs without a better val UA (0: never stop early)
    patience: int = 0
    augment: Literal["none", "specaugment", "signal"] = "none"
    specaugment: SpecAugmentConfig = field(default_factory=SpecAugmentConfig)
    signal: SignalAugmentConfig = field(default_factory=SignalAugmentConfig)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        if self.num_classes < 2:
            raise ConfigError(f"SpeechCNNConfig.num_classes must be >= 2, got {self.num_classes}")
        if self.label_names and len(self.label_names) != self.num_classes:
            raise ConfigError(
                f"SpeechCNNConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class or ()"
            )
        if self.frontend.n_frames is None:
            raise ConfigError("SpeechCNNConfig.frontend.n_frames is None; the CNN needs a fixed number of frames, e.g. 300")
        for name, ok in (("dropout", 0.0 <= self.dropout < 1.0), ("lr", self.lr > 0), ("weight_decay", self.weight_decay >= 0),
                         ("batch_size", self.batch_size >= 1), ("channels", len(self.channels) >= 1)):
            if not ok:
                raise ConfigError(f"SpeechCNNConfig.{name} = {getattr(self, name)!r} is out of range; see card.md")


class SpeechCNN(EmotionModel):
    """Log-mel CNN (emozoo's pooled_cnn) for speech emotion recognition, with optional SpecAugment or signal augmentation.

    Args:
        config: a :class:`SpeechCNNConfig` (or a dict of its fields); ``augment`` picks the variant
            (``emozoo.load("speech-cnn-specaugment")`` / ``"speech-cnn-signalaug"`` set it).

    Example::

        model = emozoo.load("speech-cnn-specaugment", epochs=30)
        model.fit(train)                     # AudioBatch: kind "waveform" (+ sample_rate) or "features" [N, 300, 64]
        model.predict(test).label_strings()  # e.g. ["angry", "calm", ...] when train came from RAVDESS
    """

    spec = SPEC
    config_class = SpeechCNNConfig

    def __init__(self, config: SpeechCNNConfig | dict | None = None) -> None:
        super().__init__(config)
        c: SpeechCNNConfig = self.config
        self.input_shape = (c.frontend.n_frames, c.frontend.n_mels)
        if c.augment == "specaugment":  # fail at build time, not in the first training step
            draw_masks(1, *self.input_shape, c.specaugment, torch.Generator())
        self.classifier = build_classifier("pooled_cnn", self.input_shape, c.num_classes, seed=c.seed,
                                           channels=tuple(c.channels), dropout=c.dropout)
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._names_from_data = not c.label_names
        self._frontend: LogMel | None = None
        self.fit_report: dict[str, Any] = {}

    @property
    def variant(self) -> str:
        """The method id this config is the preset of (``method_id`` is the class's: ``speech-cnn``), for messages."""
        return _VARIANTS[self.config.augment]

    # --- inputs -----------------------------------------------------------------------------------------

    @property
    def frontend(self) -> LogMel:
        """The log-mel front-end of ``config.frontend`` (emozoo-speech's)."""
        if self._frontend is None:
            self._frontend = LogMel(self.config.frontend)
        return self._frontend

    def _logmel(self, waves: Sequence[np.ndarray], sample_rate: int) -> torch.Tensor:
        """Log-mel [N, n_frames, n_mels] float32 of mono waveforms of any lengths."""
        return torch.from_numpy(np.stack([np.asarray(self.frontend(w, sample_rate), dtype=np.float32) for w in waves]))

    def _check_features(self, x: torch.Tensor, what: str) -> torch.Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != self.input_shape:
            t, m = self.input_shape
            raise ShapeError(
                f"{what}: {self.variant} takes log-mel [N, {t}, {m}] (frontend.n_frames x frontend.n_mels), got {list(x.shape)}; "
                f"pass waveforms as AudioBatch(kind='waveform', sample_rate=...) or set frontend n_frames/n_mels to match"
            )
        return x.float()

    def _waveforms(self, batch: AudioBatch) -> list[np.ndarray]:
        """Each waveform of a kind-'waveform' batch, cut to its length (padding dropped)."""
        x = batch.inputs.detach().cpu().float().numpy()
        lengths = batch.lengths.tolist() if batch.lengths is not None else [x.shape[1]] * len(x)
        return [x[i, : int(n)] for i, n in enumerate(lengths)]

    def _features(self, data: Any, what: str, *, waveform_only: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(log-mel [N, T, M], labels or None) from an AudioBatch (waveform or features), an (x, y) pair or bare log-mel."""
        labels = None
        if isinstance(data, tuple) and len(data) == 2:
            data, labels = data
        if isinstance(data, AudioBatch):
            labels = data.labels if labels is None else labels
            if data.kind == "waveform":
                x = self._logmel(self._waveforms(data), data.sample_rate)
            elif data.kind == "features":
                if waveform_only:
                    raise ModalityError(self._waveform_only_message(what))
                x = self._check_features(data.inputs, what)
            else:
                raise ModalityError(
                    f"{what}: {self.variant} needs a time axis (log-mel frames), got AudioBatch kind 'functionals' [N, D]; "
                    "pass kind 'waveform' or 'features' [N, T, n_mels]"
                )
        elif isinstance(data, (torch.Tensor, np.ndarray, list)):
            if waveform_only:
                raise ModalityError(self._waveform_only_message(what))
            x = as_float_tensor(data, what, dtype=torch.float32)  # dtype and NaN checks first, then the shape
            x = self._check_features(x, what)
        else:
            raise ModalityError(
                f"{what}: {self.variant} is a speech method and takes an AudioBatch (kind 'waveform' or 'features') or log-mel "
                f"[N, T, n_mels], got {type(data).__name__}"
            )
        if labels is not None:
            labels = as_label_tensor(labels, f"{what}.labels", len(x))
            if labels.is_floating_point():
                raise LabelError(f"{what}.labels: {self.variant} classifies and needs int64 class ids, got float targets")
            k = self.config.num_classes
            if int(labels.max()) >= k:
                raise LabelError(f"{what}.labels: class id {int(labels.max())} is out of range for num_classes={k}; set num_classes")
        return x, labels

    def _waveform_only_message(self, what: str) -> str:
        return (
            f"{what}: {self.variant} augments waveforms (noise, speed, pitch) before the log-mel front-end, so log-mel "
            "features cannot be augmented; pass AudioBatch(kind='waveform', sample_rate=...) or use speech-cnn / speech-cnn-specaugment"
        )

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the CNN with cross-entropy + Adam through the Runtime; with ``val``, keep the best-val-UA epoch (card.md)."""
        c: SpeechCNNConfig = self.config
        signal = c.augment == "signal"
        x, y = self._training_set(train, signal)
        if y is None:
            raise LabelError(f"train: {self.variant} is supervised and needs labels; pass an AudioBatch with labels")
        val_xy = None
        if val is not None:
            val_xy = self._features(val, "val")
            if val_xy[1] is None:
                raise LabelError("val: needs labels to select the best epoch; pass a labelled AudioBatch or leave val out")
        if self._names_from_data:
            c.label_names = _label_names(getattr(train, "source", None), c.num_classes)
        runtime = runtime or Runtime(device="cpu", progress=False)
        # the protocol's fit_classifier, step by step: seed, standardise on the training inputs, Adam over shuffled batches
        seed_everything(c.seed)
        net = self.classifier
        net.norm.fit(x)
        loader = rows_loader(x, y, batch_size=c.batch_size, seed=c.seed)
        optimizer = torch.optim.Adam(net.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        self.to(runtime.device)
        net.train()
        prepared, optimizer, loader = runtime.prepare(net, optimizer, loader)
        masks_rng = torch.Generator().manual_seed(c.seed + 1) if c.augment == "specaugment" else None

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            inputs, targets = batch
            if masks_rng is not None:
                inputs = spec_augment(inputs, c.specaugment, masks_rng)
            with runtime.accumulate(prepared):
                with runtime.autocast():
                    loss = torch.nn.functional.cross_entropy(prepared(inputs).float(), targets)
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
            for record, ua in zip(history, monitor.scores):
                record["val_UA"] = ua
            if c.select_best and monitor.best_state is not None:
                net.load_state_dict(monitor.best_state)
            self.fit_report["best_epoch"] = monitor.best_epoch
        self.fit_report.update({"train_samples": len(x), "epochs_run": len(history)})
        with torch.no_grad():
            self.fitted.fill_(1)
        self.eval()
        return history

    def _training_set(self, train: Any, signal: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Log-mel of the training utterances; for ``augment='signal'`` plus ``copies`` augmented copies of each."""
        if not signal:
            return self._features(train, "train")
        data = train[0] if isinstance(train, tuple) and len(train) == 2 else train
        if not isinstance(data, AudioBatch) or data.kind != "waveform":
            self._features(train, "train", waveform_only=True)  # raises the typed error for what came
            raise ModalityError(self._waveform_only_message("train"))
        x, y = self._features(train, "train")
        if y is None:
            return x, None
        copies = augmented_copies(self._waveforms(data), data.sample_rate, self.config.signal, self.config.seed)
        xs = [x] + [self._logmel(waves, data.sample_rate) for waves in copies]
        self.fit_report["augmented"] = sum(len(w) for w in copies)
        return torch.cat(xs), y.repeat(len(xs))

    # --- prediction ---------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Class probabilities of the CNN for an AudioBatch (waveform or log-mel features) or bare log-mel [N, T, n_mels]."""
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.variant} cannot predict before fit(); call model.fit(train) or load a trained model with from_pretrained")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        names = tuple(self.config.label_names) or tuple(f"class{i}" for i in range(self.config.num_classes))
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N, num_classes] of log-mel [N, T, n_mels]."""
        return self.classifier(x)


def augmented_copies(waves: Sequence[np.ndarray], sample_rate: int, policy: SignalAugmentConfig, seed: int) -> list[list[np.ndarray]]:
    """``policy.copies`` lists of augmented waveforms; copy k of utterance i draws from the stream (seed, k, i) alone."""
    out = []
    for k in range(policy.copies):
        out.append([augment_waveform(w, sample_rate, draw_signal(policy, np.random.default_rng([seed, k, i]))) for i, w in enumerate(waves)])
    return out


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
