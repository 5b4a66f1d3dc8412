"""Biosignal GAN augmentation (Haradal, Hayashi & Uchida, EMBC 2018) for multichannel wrist windows [N, C, T].

``fit_generator`` follows the paper's recipe: one GAN per class, each with an LSTM generator and an LSTM
discriminator, trained on that class's raw windows only (here standardised per channel with training statistics kept
as buffers, and cut into patches of ``patch`` samples per LSTM step, see ``networks.to_steps``). Every class's GAN
gets the same number of updates per epoch (the largest class's number of batches), so a class with few windows still
trains its own GAN. ``generate(condition=c)`` runs class c's generator and returns windows on the input's scale.
``fit`` then trains the downstream classifier on the real windows plus ``synthetic_ratio`` synthetic windows per real
one of each class (the paper's use: add the synthetic sequences to the classifier's training set); ``predict`` goes
through that classifier. card.md lists every choice and divergence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from emozoo.config import SEED
from emozoo.data.batches import PhysioBatch, as_float_tensor, as_label_tensor
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    LabelError,
    ModalityError,
    NotFittedError,
    ShapeError,
)
from emozoo.evaluation.classifiers import (
    build_classifier,
    fit_classifier,
    predict_logits,
)
from emozoo.guards import check_generate, check_inputs, condition_labels
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, seed_everything, seeded_cpu_rng
from emozoo_biosignal_gan.losses import discriminator_loss, generator_loss
from emozoo_biosignal_gan.networks import (
    Classifier1D,
    Discriminator,
    Generator,
    from_steps,
    to_steps,
)
from emozoo_biosignal_gan.plugin import SPEC

__all__ = ["BiosignalGAN", "BiosignalGANConfig"]

_POS = {"min": 1}
CLASSIFIERS = ("cnn1d", "mlp", "logreg", "svm")
#: PhysioBatch modalities taken: a wrist device's several signals, or one of its signals alone
BATCH_MODALITIES = ("wrist", "ppg", "eda", "ecg")


@dataclass
class BiosignalGANConfig:
    """Hyper-parameters; the paper's design (per-class GANs, LSTM G and D, Adam) with our sizes where the paper was unreachable (card.md)."""

    # data: raw wrist windows [C, T] (emozoo-wearable: bvp, eda, temp, hr resampled to 16 Hz, 60 s windows)
    channels: tuple[str, ...] = ("bvp", "eda", "temp", "hr")
    window: int = field(default=960, metadata={"min": 2})  # samples per window (T)
    num_classes: int = field(default=2, metadata={"min": 2})
    label_names: tuple[str, ...] = ("no_stress", "stress")
    # networks: one (G, D) pair per class; LSTM steps of `patch` samples x C channels (ours: patch 1 = the paper's per-sample LSTM)
    patch: int = field(default=16, metadata=_POS)  # ours: 1 s per step at 16 Hz -> 60 LSTM steps per 60 s window
    noise_dim: int = field(default=16, metadata=_POS)  # ours: N(0, 1) noise features per LSTM step
    sequence_noise: int = field(default=8, metadata={"min": 0})  # ours: of them, how many are drawn once per window (held over the steps)
    output_range: float = 4.0  # ours: generator output 4 * tanh in z-scores (0: linear)
    generator_hidden: int = field(default=128, metadata=_POS)  # ours
    generator_layers: int = field(default=1, metadata=_POS)  # ours
    discriminator_hidden: int = field(default=64, metadata=_POS)  # ours
    discriminator_layers: int = field(default=1, metadata=_POS)  # ours
    # training (standard GAN objective, Adam; ours: the paper's values were unreachable; a slower D (two time-scale rule)
    # is what kept the LSTM GAN from collapsing on the toy, see card.md)
    lr_generator: float = 2e-3
    lr_discriminator: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = field(default=32, metadata=_POS)
    epochs: int = 150  # ours; epochs of the largest class (every class's GAN gets that many updates)
    # downstream classifier of fit()/predict(): a 1-D CNN on real + synthetic windows (ours; see card.md)
    synthetic_ratio: float = 1.0  # synthetic windows per real window of each class added to the classifier's training set
    classifier: str = "cnn1d"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = 30
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=32, metadata=_POS)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        """Refuse values the model cannot use (the core range-checks the ints; these are the rest)."""
        if isinstance(self.channels, str) or not self.channels or not all(isinstance(c, str) for c in self.channels):
            raise ConfigError(f"BiosignalGANConfig.channels must be a non-empty tuple of channel names, got {self.channels!r}")
        if len(self.label_names) != self.num_classes:
            raise ConfigError(f"BiosignalGANConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class")
        if isinstance(self.patch, bool) or not isinstance(self.patch, int) or self.patch < 1:
            raise ConfigError(f"BiosignalGANConfig.patch must be an int >= 1 (samples per LSTM step), got {self.patch!r}")
        if self.window % self.patch:
            raise ConfigError(f"BiosignalGANConfig.window={self.window} is not a multiple of patch={self.patch}; pick a patch that divides the window (e.g. 16 or 32 for 960)")
        if self.sequence_noise > self.noise_dim:
            raise ConfigError(f"BiosignalGANConfig.sequence_noise={self.sequence_noise} exceeds noise_dim={self.noise_dim}; it counts how many of the noise features are per window")
        if self.classifier not in CLASSIFIERS:
            raise ConfigError(f"BiosignalGANConfig.classifier must be one of {CLASSIFIERS}, got {self.classifier!r}")
        checks = (
            ("lr_generator", self.lr_generator > 0), ("lr_discriminator", self.lr_discriminator > 0),
            ("betas", len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas)), ("synthetic_ratio", self.synthetic_ratio >= 0), ("output_range", self.output_range >= 0),
            ("epochs", self.epochs >= 0), ("classifier_epochs", self.classifier_epochs >= 0), ("classifier_lr", self.classifier_lr > 0),
        )
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"BiosignalGANConfig.{name} = {getattr(self, name)!r} is out of range; see its comment in emozoo_biosignal_gan/model.py")


class _ClassBatches:
    """Per step, one batch of standardised sequences of every class; each class cycles through its own reshuffled windows.

    ``len`` is the number of steps per epoch: the largest class's number of batches. A class with fewer windows than
    ``batch_size`` gives all its windows every step, so every class's GAN gets the same number of updates.
    """

    def __init__(self, groups: list[torch.Tensor], batch_size: int, seed: int) -> None:
        self.groups = groups
        self.sizes = [min(batch_size, len(g)) for g in groups]
        self.steps = max(math.ceil(len(g) / batch_size) for g in groups)
        self.rng = torch.Generator().manual_seed(int(seed))
        self.order = [torch.empty(0, dtype=torch.long) for _ in groups]

    def __len__(self) -> int:
        return self.steps

    def _take(self, k: int, m: int) -> torch.Tensor:
        while len(self.order[k]) < m:
            self.order[k] = torch.cat([self.order[k], torch.randperm(len(self.groups[k]), generator=self.rng)])
        idx, self.order[k] = self.order[k][:m], self.order[k][m:]
        return idx

    def __iter__(self):
        for _ in range(self.steps):
            yield tuple(g[self._take(k, m).to(g.device)] for k, (g, m) in enumerate(zip(self.groups, self.sizes)))


class BiosignalGAN(EmotionModel):
    """Per-class LSTM GANs over raw windows [N, C, T] + a downstream classifier trained on real + synthetic windows.

    Args:
        config: a :class:`BiosignalGANConfig` (or a dict of its fields).

    Example::

        model = emozoo.load("biosignal-gan", epochs=20, patch=32, generator_hidden=32)
        model.fit_generator(train)          # PhysioBatch(layout="channels_time", modality="wrist") [N, 4, 960]
        stress = model.generate(100, condition=1, seed=0)
    """

    spec = SPEC
    config_class = BiosignalGANConfig

    def __init__(self, config: BiosignalGANConfig | dict | None = None) -> None:
        super().__init__(config)
        c: BiosignalGANConfig = self.config
        self.num_channels = len(c.channels)
        self.num_steps = c.window // c.patch
        step_dim = self.num_channels * c.patch
        with seeded_cpu_rng(c.seed):
            self.generators = nn.ModuleList(
                Generator(c.noise_dim, c.generator_hidden, c.generator_layers, step_dim, c.sequence_noise, c.output_range) for _ in range(c.num_classes)
            )
            self.discriminators = nn.ModuleList(
                Discriminator(step_dim, c.discriminator_hidden, c.discriminator_layers) for _ in range(c.num_classes)
            )
        shape = (self.num_channels, c.window)
        if c.classifier == "cnn1d":
            with seeded_cpu_rng(c.seed + 1):
                self.classifier = Classifier1D(shape, c.num_classes, **c.classifier_options)
        else:
            self.classifier = build_classifier(c.classifier, shape, c.num_classes, **{"seed": c.seed + 1, **c.classifier_options})
        self.register_buffer("channel_mean", torch.zeros(self.num_channels))
        self.register_buffer("channel_std", torch.ones(self.num_channels))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._template: PhysioBatch | None = None
        self.fit_report: dict[str, Any] = {}

    # --- inputs -----------------------------------------------------------------------------------------

    def _windows(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(float32 windows [N, C, T], int64 labels [N] or None) from a channels_time PhysioBatch, an (x, y) pair or a tensor."""
        c: BiosignalGANConfig = self.config
        expected = f"[N, {self.num_channels}, {c.window}]"
        if isinstance(data, PhysioBatch):
            if data.layout != "channels_time":
                raise ShapeError(
                    f"{what}: biosignal-gan takes raw windows (PhysioBatch layout 'channels_time' {expected}), got layout "
                    f"{data.layout!r} {list(data.features.shape)}; cut the recordings into windows (emozoo-wearable) instead of features"
                )
            if data.modality not in BATCH_MODALITIES:
                raise ModalityError(
                    f"{what}: biosignal-gan takes PhysioBatch modality {BATCH_MODALITIES} windows, got modality {data.modality!r}; "
                    "it models wrist/cardiac/electrodermal signals"
                )
            if data.band_names is not None and tuple(data.band_names) != tuple(c.channels) and len(data.band_names) == self.num_channels:
                raise ModalityError(
                    f"{what}: channels {tuple(data.band_names)} differ from the model's {tuple(c.channels)}; "
                    "reorder the channels or build the model with channels=<your channel names>"
                )
            x, y = data.features, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, torch.Tensor):
            x, y = data, None
        elif isinstance(data, (str, bytes)):
            raise DTypeError(f"{what}: expected windows {expected} (a tensor, an (x, y) pair or a PhysioBatch), got the string {data!r}; load the data first")
        else:
            raise ModalityError(
                f"{what}: biosignal-gan takes raw physiological windows (PhysioBatch layout 'channels_time', an (x, y) pair "
                f"or a tensor {expected}), got {type(data).__name__}"
            )
        x = as_float_tensor(x, f"{what} windows", 3, dims="[N, C, T]", dtype=torch.float32)
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 windows; pass at least one")
        if tuple(x.shape[1:]) != (self.num_channels, c.window):
            raise ShapeError(
                f"{what}: expected windows {expected} (channels {tuple(c.channels)}, window {c.window}), got {list(x.shape)}; "
                "resample/cut the windows or build the model with channels=... and window=... matching your data"
            )
        if y is None:
            return x, None
        y = as_label_tensor(y, f"{what} labels", len(x))
        if int(y.min()) < 0 or int(y.max()) >= c.num_classes:
            raise LabelError(f"{what} labels: class ids must lie in 0..{c.num_classes - 1}, got {int(y.min())}..{int(y.max())}; map your labels or set num_classes")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"biosignal-gan cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    def _to_network(self, x: torch.Tensor) -> torch.Tensor:
        """Windows [N, C, T] -> per-channel z-scores as LSTM sequences [N, T / patch, C * patch]."""
        z = (x - self.channel_mean[:, None]) / self.channel_std[:, None]
        return to_steps(z, self.config.patch)

    def _from_network(self, s: torch.Tensor) -> torch.Tensor:
        """LSTM sequences [N, S, C * patch] -> windows [N, C, T] on the input's scale."""
        return from_steps(s, self.num_channels, self.config.patch) * self.channel_std[:, None] + self.channel_mean[:, None]

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the per-class GANs (``fit_generator``), then the downstream classifier on real + synthetic windows."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        c: BiosignalGANConfig = self.config
        x, y = self._windows(train, "train")
        counts = torch.bincount(y, minlength=c.num_classes)
        conditions = torch.cat([torch.full((round(c.synthetic_ratio * int(n)),), k, dtype=torch.long) for k, n in enumerate(counts)])
        xs, ys = x, y
        if len(conditions):
            synthetic = self.generate(condition=conditions, seed=c.seed)
            xs, ys = torch.cat([x, synthetic.features]), torch.cat([y, synthetic.labels])
        fit_classifier(self.classifier, xs, ys, epochs=c.classifier_epochs, lr=c.classifier_lr,
                       batch_size=c.classifier_batch_size, seed=c.seed, runtime=runtime)
        self.fit_report.update(real=len(x), synthetic=len(conditions))
        if val is not None:
            self.fit_report["val"] = self.evaluate(val)
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train one GAN per class on that class's windows (what ``generate`` needs); returns the per-epoch losses."""
        c: BiosignalGANConfig = self.config
        x, y = self._windows(train, "train")
        if y is None:
            raise LabelError("train: biosignal-gan trains one GAN per class and needs labels; pass a PhysioBatch with labels or an (x, y) pair")
        counts = torch.bincount(y, minlength=c.num_classes)
        missing = [c.label_names[k] for k in range(c.num_classes) if int(counts[k]) == 0]
        if missing:
            raise LabelError(
                f"train: class(es) {missing} have no training window; biosignal-gan trains one GAN per class, so every class "
                "needs at least one window (or build the model with fewer classes)"
            )
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        if isinstance(train, PhysioBatch):
            first = train.index([0])
            self._template = first if first.band_names is not None else dataclasses.replace(first, band_names=tuple(c.channels))
        else:
            self._template = None
        self.to(runtime.device)
        x, y = x.to(runtime.device), y.to(runtime.device)
        with torch.no_grad():
            self.channel_mean.copy_(x.mean((0, 2)))
            self.channel_std.copy_(x.std((0, 2), unbiased=False).clamp_min(1e-6))
            seqs = self._to_network(x)
        groups = [seqs[y == k] for k in range(c.num_classes)]
        history = self._fit_gans(groups, runtime, tuple(callbacks))
        self.fitted.fill_(1)
        self.fit_report = {"gan_epochs": len(history), "class_counts": counts.tolist(), "steps_per_epoch": math.ceil(int(counts.max()) / c.batch_size)}
        self.eval()
        return history

    def _fit_gans(self, groups: list[torch.Tensor], runtime: Runtime, callbacks: tuple) -> History:
        """Per step: every D_k one update on a real batch of class k and as many G_k samples, then every G_k one update.

        The K GANs share no parameter, so one backward pass of the summed class losses and one Adam step over all
        discriminators (then over all generators) give exactly the K separate updates (Adam is per parameter), with
        a quarter of the optimiser calls of a loop over the classes.
        """
        c: BiosignalGANConfig = self.config
        k_classes = c.num_classes
        betas = tuple(float(b) for b in c.betas)
        opt_d = torch.optim.Adam(self.discriminators.parameters(), lr=c.lr_discriminator, betas=betas)
        opt_g = torch.optim.Adam(self.generators.parameters(), lr=c.lr_generator, betas=betas)
        self.generators.train()
        self.discriminators.train()
        gens, discs, opt_g, opt_d = runtime.prepare(self.generators, self.discriminators, opt_g, opt_d)
        loader = _ClassBatches(groups, c.batch_size, c.seed + 1)
        steps, noise_dim = self.num_steps, c.noise_dim
        d_params = list(discs.parameters())
        # autocast only where the runtime mixes precision: its context costs ~0.1 ms a call
        autocast = runtime.autocast if runtime.mixed_precision != "no" else contextlib.nullcontext

        def step(batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
            with torch.no_grad(), autocast():
                fakes = [gens[k](torch.randn(len(real), steps, noise_dim, device=real.device)) for k, real in enumerate(batch)]
            with autocast():
                loss_d = [discriminator_loss(discs[k](real).float(), discs[k](fakes[k].to(real.dtype)).float()) for k, real in enumerate(batch)]
            opt_d.zero_grad(set_to_none=True)
            runtime.backward(torch.stack(loss_d).sum())
            opt_d.step()
            for p in d_params:
                p.requires_grad_(False)
            try:
                with autocast():
                    loss_g = [generator_loss(discs[k](gens[k](torch.randn(len(real), steps, noise_dim, device=real.device))).float())
                              for k, real in enumerate(batch)]
                opt_g.zero_grad(set_to_none=True)
                runtime.backward(torch.stack(loss_g).sum())
                opt_g.step()
            finally:
                for p in d_params:
                    p.requires_grad_(True)
            d_values, g_values = torch.stack(loss_d).detach().tolist(), torch.stack(loss_g).detach().tolist()
            logs = {f"discriminator_loss_{k}": v for k, v in enumerate(d_values)}
            logs.update({f"generator_loss_{k}": v for k, v in enumerate(g_values)})
            logs["discriminator_loss"] = sum(d_values) / k_classes
            logs["generator_loss"] = sum(g_values) / k_classes
            return logs

        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="biosignal-gan")

    # --- generation -------------------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> PhysioBatch:
        """``n`` synthetic windows [n, C, T] on the input's scale, window i from the generator of class ``labels[i]``.

        ``condition=None`` cycles through the classes (balanced); an int gives that class; a sequence one class per
        window. Equal ``seed`` gives bit-identical windows. Returns ``train.with_samples(windows, labels)``.
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = condition_labels(self.method_id, n, condition, self.config.num_classes)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        rng = torch.Generator().manual_seed(int(seed))
        noise = torch.randn(len(labels), self.num_steps, self.config.noise_dim, generator=rng)
        device = self.channel_mean.device
        out = torch.empty(len(labels), self.num_steps, self.num_channels * self.config.patch)
        was_training = self.generators.training
        self.generators.eval()
        try:
            for k in labels.unique().tolist():
                rows = (labels == k).nonzero().squeeze(1)
                for part in rows.split(512):
                    out[part] = self.generators[k](noise[part].to(device)).float().cpu()
        finally:
            self.generators.train(was_training)
        x = self._from_network(out.to(device)).float().cpu()
        if self._template is not None:
            return self._template.with_samples(x, labels.clone())
        return PhysioBatch(features=x, labels=labels.clone(), modality="wrist", layout="channels_time",
                           band_names=tuple(self.config.channels), source=self.training_source)

    # --- prediction -------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify windows [N, C, T] with the downstream classifier trained on real + synthetic windows."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._windows(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, noise: torch.Tensor, label: int) -> torch.Tensor:
        """Generator pass of class ``label``: noise [N, T / patch, noise_dim] -> windows [N, C, T] on the input scale."""
        return self._from_network(self.generators[label](noise))
