"""VAE-D2GAN (Bao et al. 2021): a class-conditional VAE whose decoder is the generator of a dual-discriminator GAN,
learning differential-entropy (DE) features of five bands as 9x9 scalp maps, and the downstream classifier trained
on real plus synthetic features, through which the model predicts.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from emozoo_eeg.inputs import class_ids, eeg_features
from emozoo_eeg.layout import BANDS, GRID_SHAPE, LAYOUTS, from_grid, to_grid
from torch import nn

from emozoo.config import SEED
from emozoo.data.batches import EEGBatch, as_label_tensor
from emozoo.errors import (
    ConfigError,
    EmptyInputError,
    InputError,
    LabelError,
    NotFittedError,
)
from emozoo.evaluation.classifiers import (
    build_classifier,
    fit_classifier,
    predict_logits,
)
from emozoo.guards import check_generate, check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import Callback, History, Runtime, rows_loader, seeded_cpu_rng
from emozoo_vae_d2gan.networks import Discriminator, Encoder, Generator
from emozoo_vae_d2gan.plugin import SPEC
from emozoo_vae_d2gan.training import (
    LossWeights,
    make_optimizers,
    make_step,
)

#: Largest number of samples generated or classified in one forward pass.
_CHUNK = 4096


@dataclass
class VAED2GANConfig:
    """Architecture, loss weights, schedule and downstream-classifier settings (see card.md for what the paper fixes)."""

    num_classes: int = 3
    label_names: tuple[str, ...] = ("negative", "neutral", "positive")
    layout: str = "seed62"
    num_bands: int = 5
    latent_dim: int = 64
    width: int = 32
    alpha: float = 1.0  # D2GAN's α, β: the official D2GAN code's defaults; VAE-D2GAN's values are not known to us
    beta: float = 1.0
    kl_weight: float = 1.0
    recon_weight: float = 1.0
    adv_weight: float = 1.0  # 0: no discriminators, a plain conditional VAE (the `vae-d2gan-cvae` ablation)
    learn_decoder_variance: bool = True  # ours: a learned per-(band, cell) σ² of p(x | z, y); False: σ² = 1
    sample_decoder_noise: bool = True  # ours: generate() draws x ~ N(G(z, y), σ²), not the decoder mean G(z, y)
    lr: float = 2e-4
    adam_betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = 64
    epochs: int = 100
    synthetic_ratio: float = 1.0
    classifier: str = "cnn"
    classifier_epochs: int = 50
    classifier_lr: float = 1e-3
    classifier_batch_size: int = 64
    classifier_weight_decay: float = 0.0
    seed: int = field(default=0, metadata=SEED)
    device: str = "auto"


def _check_config(c: VAED2GANConfig) -> None:
    """Raise ConfigError for values the model cannot be built or trained with."""
    ints = {"num_classes": (c.num_classes, 2), "num_bands": (c.num_bands, 1), "latent_dim": (c.latent_dim, 1), "width": (c.width, 1),
            "batch_size": (c.batch_size, 1), "epochs": (c.epochs, 0), "classifier_epochs": (c.classifier_epochs, 0),
            "classifier_batch_size": (c.classifier_batch_size, 1)}  # fmt: skip
    for name, (value, low) in ints.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"VAED2GANConfig.{name} must be an int >= {low}, got {value!r}")
    if c.layout not in LAYOUTS:
        raise ConfigError(f"VAED2GANConfig.layout must be one of {sorted(LAYOUTS)}, got {c.layout!r}")
    if c.label_names and len(c.label_names) != c.num_classes:
        raise ConfigError(f"VAED2GANConfig.label_names has {len(c.label_names)} names for num_classes={c.num_classes}; give one per class or ()")
    for name in ("alpha", "beta"):
        value = getattr(c, name)
        if not 0 < value <= 1:
            raise ConfigError(f"VAED2GANConfig.{name} must be in (0, 1] (D2GAN's regularisation constant), got {value!r}")
    for name in ("kl_weight", "recon_weight", "adv_weight", "synthetic_ratio", "classifier_weight_decay"):
        if getattr(c, name) < 0:
            raise ConfigError(f"VAED2GANConfig.{name} must be >= 0, got {getattr(c, name)!r}")
    for name in ("lr", "classifier_lr"):
        if getattr(c, name) <= 0:
            raise ConfigError(f"VAED2GANConfig.{name} must be > 0, got {getattr(c, name)!r}")


class VAED2GAN(EmotionModel):
    """Encoder, generator, discriminators D1/D2, the feature normalisation and the downstream classifier, in one module."""

    spec = SPEC
    config_class = VAED2GANConfig

    def __init__(self, config: VAED2GANConfig | dict[str, Any] | None = None) -> None:
        super().__init__(config)
        c = self.config
        _check_config(c)
        self.num_channels = len(LAYOUTS[c.layout])
        bands, k = c.num_bands, c.num_classes
        with seeded_cpu_rng(c.seed):  # same config -> same initial weights, global RNG untouched
            self.encoder = Encoder(bands, k, c.width, c.latent_dim, GRID_SHAPE)
            self.generator = Generator(bands, k, c.width, c.latent_dim, GRID_SHAPE, learn_variance=c.learn_decoder_variance)
            self.d1 = Discriminator(bands, k, c.width, GRID_SHAPE)
            self.d2 = Discriminator(bands, k, c.width, GRID_SHAPE)
        self.classifier = build_classifier(c.classifier, self._classifier_shape(), k, seed=c.seed)
        self.register_buffer("feature_mean", torch.zeros(self.num_channels, bands))
        self.register_buffer("feature_std", torch.ones(self.num_channels, bands))
        self.register_buffer("fitted", torch.tensor(False))
        self.register_buffer("mask", to_grid(torch.ones(1, self.num_channels, 1), c.layout)[0, 0], persistent=False)

    # --- shapes and validation ---------------------------------------------------------------------

    @property
    def feature_shape(self) -> tuple[int, int]:
        """One sample's features: (channels, bands)."""
        return (self.num_channels, self.config.num_bands)

    def _classifier_shape(self) -> tuple[int, ...]:
        """The classifier's input: the (bands, 9, 9) map for the CNN, (channels, bands) otherwise."""
        return (self.config.num_bands, *GRID_SHAPE) if self.config.classifier == "cnn" else self.feature_shape

    def _classifier_input(self, x: torch.Tensor) -> torch.Tensor:
        """Features [N, C, B] in the classifier's input form."""
        return to_grid(x, self.config.layout) if self.config.classifier == "cnn" else x

    def _features(self, inputs: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(features [N, C, B] float32, labels or None) from an EEGBatch, an (x, y) pair or a tensor; typed errors otherwise."""
        return eeg_features(inputs, what, method="vae-d2gan", feature_shape=self.feature_shape, num_classes=self.config.num_classes)

    def _check_labels(self, labels: torch.Tensor, what: str) -> torch.Tensor:
        """Raise LabelError unless every class id is in [0, num_classes)."""
        return class_ids(labels, what, labels.shape[0] if labels.ndim else 1, self.config.num_classes)

    def _require_fitted(self, action: str) -> None:
        """Raise NotFittedError before fit() or from_pretrained()."""
        if not bool(self.fitted):
            raise NotFittedError(f"vae-d2gan cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    # --- training ----------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Sequence[Callback] = ()) -> History:
        """Train the VAE-D2GAN on labelled DE features [N, C, B], then the classifier on real + synthetic features.

        Returns the generator's per-epoch History; its last record also holds ``classifier_loss`` and, with ``val``,
        ``val_ACC`` (accuracy of the fitted classifier on ``val``).
        """
        c = self.config
        val_data = self._features(val, "val") if val is not None else None
        if val_data is not None and val_data[1] is None:
            raise LabelError("val: labels are required to score the classifier; pass an EEGBatch with labels")
        runtime = runtime or Runtime(device=c.device, seed=c.seed)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        x, y = self._features(train, "train")
        n_synthetic = round(c.synthetic_ratio * x.shape[0])
        synthetic = self.generate(n_synthetic, condition=_resample(y, n_synthetic, c.seed), seed=c.seed + 1) if n_synthetic else None
        x_all = x if synthetic is None else torch.cat([x, synthetic.features.cpu()])
        y_all = y if synthetic is None else torch.cat([y, synthetic.labels.cpu()])
        classifier_history = fit_classifier(
            self.classifier, self._classifier_input(x_all), y_all, epochs=c.classifier_epochs, lr=c.classifier_lr,
            batch_size=c.classifier_batch_size, weight_decay=c.classifier_weight_decay, seed=c.seed, runtime=runtime,
        )  # fmt: skip
        self.eval()
        if history:
            if classifier_history:
                history[-1]["classifier_loss"] = classifier_history[-1]["loss"]
            if val_data is not None:
                history[-1]["val_ACC"] = float((self.predict(val_data[0]).labels == val_data[1]).float().mean()) * 100.0
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Sequence[Callback] = ()) -> History:
        """Train what ``generate`` needs: the encoder, generator and both discriminators (no downstream classifier)."""
        c = self.config
        x, y = self._features(train, "train")
        if y is None:
            raise LabelError("train: labels are required (class-conditional generation); pass an EEGBatch with labels")
        if x.shape[0] < 2:
            raise EmptyInputError(f"train: got {x.shape[0]} sample; fitting needs at least 2")
        runtime = runtime or Runtime(device=c.device, seed=c.seed)
        if runtime.gradient_accumulation_steps != 1:
            raise InputError("vae-d2gan alternates two optimizer steps per batch, so gradient accumulation is not supported; use gradient_accumulation_steps=1")
        self.to(runtime.device)
        with torch.no_grad():
            self.feature_mean.copy_(x.mean(0))
            self.feature_std.copy_(x.std(0, unbiased=False).clamp_min(1e-6))
        grids = to_grid((x.to(runtime.device) - self.feature_mean) / self.feature_std, c.layout)
        loader = rows_loader(grids, y.to(runtime.device), batch_size=c.batch_size, seed=c.seed)
        history = self._train_gan(runtime, loader, callbacks)
        self.fitted.fill_(True)
        self.eval()
        return history

    def _train_gan(self, runtime: Runtime, loader: torch.utils.data.DataLoader, callbacks: Sequence[Callback]) -> History:
        """Prepare the four networks and the two players' optimizers through the runtime and run the epochs."""
        c = self.config
        opt_eg, opt_d = make_optimizers(self.encoder, self.generator, self.d1, self.d2, c.lr, tuple(c.adam_betas))
        self.train()
        encoder, generator, d1, d2, opt_eg, opt_d, loader = runtime.prepare(
            self.encoder, self.generator, self.d1, self.d2, opt_eg, opt_d, loader
        )
        noise = torch.Generator(device=runtime.device).manual_seed(c.seed)
        weights = LossWeights(c.alpha, c.beta, c.kl_weight, c.recon_weight, c.adv_weight)
        step = make_step(
            encoder, generator, d1, d2, (opt_eg, opt_d), runtime, weights, self.mask, c.num_classes, c.latent_dim, noise,
            sample_noise=c.sample_decoder_noise,
        )  # fmt: skip
        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc=self.method_id)

    # --- generation and prediction -----------------------------------------------------------------

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None, label: Any = None) -> EEGBatch:
        """``n`` synthetic DE feature samples [n, C, B] in the original feature scale, with their labels.

        ``condition`` (alias ``label``): a class id or name for all samples, or one id per sample; None cycles
        through the classes. ``seed`` fixes the random draws (same seed, same samples): z ~ N(0, I) and, with
        ``sample_decoder_noise`` (the default), the observation noise of p(x | z, y) = N(G(z, y), σ²) on top of the
        decoder mean, so samples spread like data rather than sitting on decoder means.
        """
        self._require_fitted("generate")
        if label is not None:
            if condition is not None:
                raise InputError("generate: pass the class as condition= or label=, not both")
            condition = label
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise InputError(f"generate: n must be an int >= 1 (number of samples), got {n!r}")
        check_generate(self.method_id, n, seed)
        n = int(n)
        labels = self._condition_labels(n, condition)
        rng = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        z = torch.randn((n, self.config.latent_dim), generator=rng)
        eps = torch.randn((n, self.config.num_bands, *GRID_SHAPE), generator=rng) if self.config.sample_decoder_noise else None
        device = self.feature_mean.device
        out = []
        for i in range(0, n, _CHUNK):
            zi, yi = z[i : i + _CHUNK].to(device), labels[i : i + _CHUNK].to(device)
            onehot = nn.functional.one_hot(yi, self.config.num_classes).float()
            maps = self.generator(zi, onehot, self.mask)
            if eps is not None:
                maps = self.generator.sample(maps, self.mask, eps[i : i + _CHUNK].to(device))
            out.append(from_grid(maps, self.config.layout) * self.feature_std + self.feature_mean)
        band_names = BANDS if self.config.num_bands == len(BANDS) else None
        return EEGBatch(features=torch.cat(out).cpu(), labels=labels, layout="channels_bands", band_names=band_names)

    def _condition_labels(self, n: int, condition: Any) -> torch.Tensor:
        """Per-sample class ids [n] from a condition: None, an id, a class name, or n ids."""
        k = self.config.num_classes
        if condition is None:
            return torch.arange(n) % k
        if isinstance(condition, str):
            if condition not in self.config.label_names:
                raise LabelError(f"generate: unknown class name {condition!r}; expected one of {self.config.label_names}")
            condition = self.config.label_names.index(condition)
        if isinstance(condition, torch.Tensor) and condition.ndim == 0 and not condition.is_floating_point():
            condition = int(condition)
        if isinstance(condition, numbers.Integral) and not isinstance(condition, bool):
            labels = torch.full((n,), int(condition), dtype=torch.long)
        else:
            labels = as_label_tensor(condition, "generate condition", n)
        return self._check_labels(labels.cpu(), "generate condition")

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Class labels and probabilities of the downstream classifier for DE features [N, C, B] (or an EEGBatch)."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "predict")
        logits = torch.cat([predict_logits(self.classifier, self._classifier_input(x[i : i + _CHUNK])) for i in range(0, len(x), _CHUNK)])
        probs = logits.softmax(-1)
        return Prediction(labels=probs.argmax(-1), probabilities=probs, label_names=tuple(self.config.label_names))


def _resample(labels: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """``n`` labels with the class proportions of ``labels`` (whole copies, then a seeded draw without replacement)."""
    whole, rest = divmod(n, len(labels))
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:rest]
    return torch.cat([labels.repeat(whole), labels[perm]])
