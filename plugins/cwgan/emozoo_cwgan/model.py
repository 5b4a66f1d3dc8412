"""cWGAN-GP for EEG DE features (Luo & Lu 2018) with sWGAN quality selection (Luo et al. 2020) and a downstream classifier.

``fit`` (1) z-scores the flattened DE vectors (statistics kept as buffers), (2) trains the conditional WGAN-GP through
the Runtime, one ``step_fn`` call = ``n_critic`` critic updates on consecutive real mini-batches + one generator update
(Gulrajani et al. 2017, Algorithm 1), (3) fits the selection statistics and the "judge" classifier on the real data,
(4) generates ``synthetic_ratio * N`` class-proportional samples (quality-selected when ``select``) and (5) trains the
downstream classifier of emozoo's augmentation protocol on real + synthetic data; ``predict`` goes through it.
``fit_generator`` runs steps (1)-(3) only: what ``generate`` needs.

``input_kind`` picks the data: ``"channels_bands"`` (default) DE features [N, C, B] with the fully connected networks,
``"channels_time"`` multichannel time-series windows [N, C, T] (``PhysioBatch(layout="channels_time")``, e.g. wrist
BVP/EDA/TEMP/HR at one rate) with WaveGAN-style 1-D (transposed) convolutions, z-scored per channel. Losses, gradient
penalty, n_critic, conditioning and the quality selection are the same for both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from emozoo.config import SEED
from emozoo.guards import check_generate, check_inputs
from emozoo_eeg.inputs import class_ids, eeg_features

from emozoo.data.batches import EEGBatch, PhysioBatch, as_float_tensor
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NotFittedError,
    ShapeError,
)
from emozoo.model import EmotionModel, Prediction
from emozoo.evaluation.classifiers import (
    CLASSIFIER_KINDS,
    build_classifier,
    fit_classifier,
    predict_logits,
)
from emozoo.runtime import History, Runtime, rows_loader, seed_everything, seeded_cpu_rng
from emozoo_cwgan.losses import (
    critic_loss,
    generator_loss,
    gradient_penalty,
    wasserstein_estimate,
)
from emozoo_cwgan.networks import Critic, Generator, WindowClassifier, WindowCritic, WindowGenerator
from emozoo_cwgan.plugin import SPEC
from emozoo_cwgan.selection import (
    SELECTION_CRITERIA,
    SelectionReport,
    class_radii,
    confidence_pass,
    distance_pass,
    select_until,
)

__all__ = ["INPUT_KINDS", "CWGAN", "CWGANConfig"]

#: What the model takes: the PhysioBatch layout it is built for.
INPUT_KINDS: tuple[str, ...] = ("channels_bands", "channels_time")
#: Judge / downstream classifier kinds per input kind ("cnn1d": emozoo_cwgan.networks.WindowClassifier).
_CLASSIFIERS = {"channels_bands": ("mlp", "svm"), "channels_time": ("cnn1d", "mlp", "svm", "logreg")}


@dataclass
class CWGANConfig:
    """Hyper-parameters of cWGAN-GP; see card.md for which come from the papers and which are our choices."""

    # data: SEED DE features, 62 channels x 5 bands, 3 emotions
    num_channels: int = 62
    num_bands: int = 5
    num_classes: int = 3
    label_names: tuple[str, ...] = ("negative", "neutral", "positive")
    # networks (fully connected; sizes are our choice)
    latent_dim: int = 128
    generator_hidden: tuple[int, ...] = (256, 512)
    critic_hidden: tuple[int, ...] = (512, 256)
    critic_negative_slope: float = 0.2
    # WGAN-GP training (Gulrajani et al. 2017, Algorithm 1 defaults)
    gp_weight: float = 10.0
    n_critic: int = 5
    lr_generator: float = 1e-4
    lr_critic: float = 1e-4
    betas: tuple[float, float] = (0.0, 0.9)
    batch_size: int = 64
    epochs: int = 500
    # quality selection of generated samples (sWGAN, Luo et al. 2020)
    select: bool = True
    selection_criteria: tuple[str, ...] = ("classifier", "distance")
    confidence_threshold: float = 0.9
    distance_quantile: float = 0.95
    select_oversample: float = 2.0
    max_select_attempts: int = 20
    judge: str = "mlp"
    judge_options: dict[str, Any] = field(default_factory=dict)
    judge_epochs: int = 50
    judge_lr: float = 1e-3
    # augmentation and the downstream classifier (emozoo.evaluation.classifiers)
    synthetic_ratio: float = 1.0
    classifier: str = "svm"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = 100
    classifier_lr: float = 1e-3
    classifier_batch_size: int = 64
    classifier_weight_decay: float = 0.0
    seed: int = field(default=0, metadata=SEED)
    # input kind (see the module docstring): "channels_bands" = DE features [N, num_channels, num_bands];
    # "channels_time" = windows [N, num_channels, window_length] (ours: the papers only cover DE/PSD features)
    input_kind: str = "channels_bands"
    # channels_time only: window length T (a multiple of stride ** len(generator_channels) and of
    # stride ** len(critic_channels)), the channel names generate() reports after a save/load, and the WaveGAN-style
    # networks (Donahue et al. 2019: kernel 25, stride 4; widths ours, ~1/4 of WaveGAN's d=64)
    window_length: int = 960
    channel_names: tuple[str, ...] = ()
    generator_channels: tuple[int, ...] = (256, 128, 64)
    critic_channels: tuple[int, ...] = (64, 128, 256)
    kernel_size: int = 25
    stride: int = 4


def _check_config(c: CWGANConfig) -> None:
    """Raise ConfigError naming the first field that cannot work."""
    positive_ints = ("num_channels", "num_bands", "latent_dim", "n_critic", "batch_size", "max_select_attempts",
                     "classifier_batch_size")
    for name in positive_ints:
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"CWGANConfig.{name} must be an int >= 1, got {value!r}")
    for name in ("epochs", "judge_epochs", "classifier_epochs"):
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"CWGANConfig.{name} must be an int >= 0, got {value!r}")
    if isinstance(c.num_classes, bool) or not isinstance(c.num_classes, int) or c.num_classes < 2:
        raise ConfigError(f"CWGANConfig.num_classes must be an int >= 2, got {c.num_classes!r}")
    if len(c.label_names) != c.num_classes:
        raise ConfigError(f"CWGANConfig.label_names has {len(c.label_names)} names for {c.num_classes} classes; give one per class")
    unknown = [k for k in c.selection_criteria if k not in SELECTION_CRITERIA]
    if unknown or not c.selection_criteria:
        raise ConfigError(f"CWGANConfig.selection_criteria must be a non-empty subset of {SELECTION_CRITERIA}, got {c.selection_criteria!r}")
    if c.input_kind not in INPUT_KINDS:
        raise ConfigError(f"CWGANConfig.input_kind must be one of {INPUT_KINDS}, got {c.input_kind!r}")
    if c.input_kind == "channels_time":
        _check_window_config(c)
    for name, kind in (("judge", c.judge), ("classifier", c.classifier)):
        if c.input_kind == "channels_time" and kind not in _CLASSIFIERS["channels_time"]:
            raise ConfigError(f"CWGANConfig.{name} must be one of {_CLASSIFIERS['channels_time']} for windows, got {kind!r}")
        if c.input_kind == "channels_bands" and (kind not in CLASSIFIER_KINDS or kind == "cnn"):
            raise ConfigError(f"CWGANConfig.{name} must be 'mlp' or 'svm' (DE vectors, not topographic maps), got {kind!r}")
    checks = (
        ("gp_weight", c.gp_weight >= 0),
        ("confidence_threshold", 0 < c.confidence_threshold <= 1),
        ("distance_quantile", 0 < c.distance_quantile <= 1),
        ("select_oversample", c.select_oversample >= 1),
        ("synthetic_ratio", c.synthetic_ratio >= 0),
        ("lr_generator", c.lr_generator > 0),
        ("lr_critic", c.lr_critic > 0),
        ("judge_lr", c.judge_lr > 0),
        ("classifier_lr", c.classifier_lr > 0),
        ("betas", all(0 <= b < 1 for b in c.betas)),
    )
    for name, ok in checks:
        if not ok:
            raise ConfigError(f"CWGANConfig.{name} = {getattr(c, name)!r} is out of range; see the field's comment in the card")


def _check_window_config(c: CWGANConfig) -> None:
    """Raise ConfigError unless the 1-D networks can take windows of ``window_length`` samples."""
    for name in ("window_length", "kernel_size", "stride"):
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"CWGANConfig.{name} must be an int >= 1, got {value!r}")
    if c.stride < 2 or c.kernel_size < c.stride:
        raise ConfigError(f"CWGANConfig: stride must be >= 2 and kernel_size >= stride, got stride {c.stride}, kernel_size {c.kernel_size}")
    for name in ("generator_channels", "critic_channels"):
        widths = getattr(c, name)
        if not widths or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
            raise ConfigError(f"CWGANConfig.{name} must be a non-empty tuple of ints >= 1, got {widths!r}")
        factor = c.stride ** len(widths)
        if c.window_length % factor:
            lower = max(factor, c.window_length // factor * factor)
            raise ConfigError(
                f"CWGANConfig.window_length={c.window_length} cannot pass the {len(widths)} stride-{c.stride} layers of "
                f"{name} (it must be a multiple of {c.stride}**{len(widths)} = {factor}); crop or resample the windows to "
                f"{lower} or {lower + factor} samples, or use fewer {name}"
            )
    if c.channel_names and len(c.channel_names) != c.num_channels:
        raise ConfigError(f"CWGANConfig.channel_names has {len(c.channel_names)} names for num_channels={c.num_channels}; give one per channel")


class CWGAN(EmotionModel):
    """Conditional WGAN-GP over flattened DE vectors [N, C*B] (or windows [N, C, T]) + quality selection + downstream classifier.

    Example (windows)::

        model = emozoo.load("cwgan-wrist", num_channels=4, window_length=960)
        model.fit_generator(PhysioBatch(features=x, labels=y, layout="channels_time", modality="wrist"))
        fake = model.generate(64, condition=1, seed=0)  # PhysioBatch [64, 4, 960], original scale
    """

    spec = SPEC
    config_class = CWGANConfig

    def __init__(self, config: CWGANConfig | dict | None = None) -> None:
        super().__init__(config)
        c: CWGANConfig = self.config
        _check_config(c)
        self.windows = c.input_kind == "channels_time"
        if self.windows:
            self.input_shape = (c.num_channels, c.window_length)
            dim = c.num_channels * c.window_length
            with seeded_cpu_rng(c.seed):
                self.generator = WindowGenerator(c.latent_dim, c.num_classes, c.num_channels, c.window_length,
                                                 c.generator_channels, c.kernel_size, c.stride)
                self.critic = WindowCritic(c.num_channels, c.window_length, c.num_classes, c.critic_channels,
                                           c.kernel_size, c.stride, c.critic_negative_slope)
        else:
            self.input_shape = (c.num_channels, c.num_bands)
            dim = c.num_channels * c.num_bands
            with seeded_cpu_rng(c.seed):
                self.generator = Generator(c.latent_dim, c.num_classes, dim, c.generator_hidden)
                self.critic = Critic(dim, c.num_classes, c.critic_hidden, c.critic_negative_slope)
        self.judge = self._build_classifier(c.judge, c.judge_options, c.seed + 1)
        self.classifier = self._build_classifier(c.classifier, c.classifier_options, c.seed + 2)
        stat_dim = c.num_channels if self.windows else dim  # windows: per channel; DE: per feature
        self.register_buffer("feature_mean", torch.zeros(stat_dim))
        self.register_buffer("feature_std", torch.ones(stat_dim))
        self.register_buffer("class_centroids", torch.zeros(c.num_classes, dim))
        self.register_buffer("class_radii", torch.zeros(c.num_classes))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.last_selection: SelectionReport | None = None
        self.fit_report: dict[str, Any] = {}
        self._template: PhysioBatch | None = None  # windows: one training sample, for generate()'s with_samples

    def _build_classifier(self, kind: str, options: dict[str, Any], seed: int) -> torch.nn.Module:
        """A judge / downstream classifier for this input kind (``"cnn1d"``: the 1-D CNN of networks.py)."""
        if kind != "cnn1d":
            return build_classifier(kind, self.input_shape, self.config.num_classes, seed=seed, **options)
        try:
            with seeded_cpu_rng(seed):
                return WindowClassifier(self.input_shape, self.config.num_classes, **options)
        except TypeError as exc:
            raise ConfigError(f"bad option for the 'cnn1d' classifier ({exc}); see emozoo_cwgan.networks.WindowClassifier") from exc

    # --- input checks ---------------------------------------------------------------------------------

    def _features(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(features [N, C, B] or [N, C, T] float32, labels [N] or None) from a batch, an (x, y) pair or an array."""
        if self.windows:
            return self._windows(data, what)
        if isinstance(data, PhysioBatch) and data.layout == "channels_time":
            raise ShapeError(
                f"{what}: this cwgan is built for DE features (input_kind='channels_bands'), got time-series windows "
                f"{list(data.features.shape)}; build it with input_kind='channels_time', num_channels=C, window_length=T "
                f"(or emozoo.load('cwgan-wrist'))"
            )
        return eeg_features(data, what, method="cwgan", feature_shape=self.input_shape, num_classes=self.config.num_classes)

    def _windows(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(windows [N, C, T] float32, labels [N] or None) from a channels_time PhysioBatch, an (x, y) pair or a tensor."""
        labels = None
        c_, t_ = self.input_shape
        if isinstance(data, PhysioBatch):
            if data.layout != "channels_time":
                raise ShapeError(
                    f"{what}: this cwgan is built for time-series windows (input_kind='channels_time'), got a PhysioBatch "
                    f"of layout {data.layout!r}; pass PhysioBatch(features=[N, {c_}, {t_}], layout='channels_time'), or "
                    f"build the model with input_kind='channels_bands' for DE features"
                )
            names = self.config.channel_names
            if names and data.band_names is not None and tuple(data.band_names) != tuple(names):
                raise InputError(f"{what}: channels {data.band_names} differ from the model's channel_names {names}; reorder the channels or rebuild")
            x, labels = data.features, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, labels = data
        elif getattr(data, "coarse_modality", ""):
            raise ModalityError(f"{what}: cwgan windows are physiological signals, got a {type(data).__name__}; pass a PhysioBatch with layout 'channels_time'")
        elif isinstance(data, (str, bytes, dict)) or data is None:
            raise DTypeError(f"{what}: expected a PhysioBatch, an (x, y) pair or a float tensor [N, C, T], got {type(data).__name__}")
        else:
            x = data
        x = as_float_tensor(x, f"{what} features", 3, dims="[N, C, T]", dtype=torch.float32)
        if x.shape[0] == 0:
            raise EmptyInputError(f"{what}: got 0 windows; pass at least one")
        if tuple(x.shape[1:]) != (c_, t_):
            raise ShapeError(
                f"{what}: expected windows [N, {c_}, {t_}] (channels x samples), got {list(x.shape)}; build the model with "
                f"num_channels={x.shape[1]} and window_length={x.shape[-1]} (a multiple of "
                f"{self.config.stride ** max(len(self.config.generator_channels), len(self.config.critic_channels))}), or crop/resample the windows"
            )
        if labels is not None:
            labels = self._labels(labels, f"{what} labels", len(x))
        return x, labels

    def _labels(self, labels: Any, what: str, n: int) -> torch.Tensor:
        """Validated int64 class ids [n] in 0..num_classes-1."""
        return class_ids(labels, what, n, self.config.num_classes)

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"cwgan cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    def _device(self) -> torch.device:
        return self.feature_mean.device

    def _standardize(self, x: torch.Tensor) -> torch.Tensor:
        """Network space: z-scored DE vectors [N, C*B], or windows z-scored per channel [N, C, T]."""
        if self.windows:
            return (x - self.feature_mean[:, None]) / self.feature_std[:, None]
        return (x.flatten(1) - self.feature_mean) / self.feature_std

    def _destandardize(self, z: torch.Tensor) -> torch.Tensor:
        """Back to the input's scale and shape [N, *input_shape] (``z`` flat or shaped)."""
        if self.windows:
            return z.reshape(-1, *self.input_shape) * self.feature_std[:, None] + self.feature_mean[:, None]
        return (z * self.feature_std + self.feature_mean).reshape(-1, *self.input_shape)

    # --- training -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the cWGAN-GP, the selection judge, then the downstream classifier on real + selected synthetic data."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        self._fit_downstream(train, runtime)
        self.fit_report["gan_epochs"] = len(history)
        if val is not None:
            if isinstance(val, PhysioBatch):
                self.fit_report["val"] = self.evaluate(val)
            elif self.windows:
                self.fit_report["val"] = self.evaluate(PhysioBatch(*val, modality="wrist", layout="channels_time"))
            else:
                self.fit_report["val"] = self.evaluate(EEGBatch(*val))
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train what ``generate`` needs: the cWGAN-GP, the selection statistics and the judge (no downstream classifier)."""
        c: CWGANConfig = self.config
        x, y = self._features(train, "train")
        if y is None:
            raise LabelError("train: cwgan is conditioned on the emotion label and needs labels; pass an EEGBatch with labels")
        if self.windows:
            missing = sorted(set(range(c.num_classes)) - set(y.unique().tolist()))
            if missing:
                names = [c.label_names[k] for k in missing]
                raise LabelError(
                    f"train: no training window of class(es) {missing} {names}; cwgan learns one conditional distribution "
                    f"per class, so give every class at least one window (or build it with fewer num_classes)"
                )
            self._template = train.index([0]) if isinstance(train, PhysioBatch) else None
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self.to(runtime.device)
        x, y = x.to(runtime.device), y.to(runtime.device)
        with torch.no_grad():
            if self.windows:  # per channel, over windows and time
                self.feature_mean.copy_(x.mean((0, 2)))
                self.feature_std.copy_(x.std((0, 2), unbiased=False).clamp_min(1e-6))
            else:
                flat = x.flatten(1)
                self.feature_mean.copy_(flat.mean(0))
                self.feature_std.copy_(flat.std(0, unbiased=False).clamp_min(1e-6))
        history = self._fit_gan(self._standardize(x), y, runtime, callbacks)
        with torch.no_grad():
            centroids, radii = class_radii(self._standardize(x).flatten(1), y, c.num_classes, c.distance_quantile)
            self.class_centroids.copy_(centroids)
            self.class_radii.copy_(radii)
            self.fitted.fill_(1)
        if c.select and "classifier" in c.selection_criteria:
            fit_classifier(self.judge, x.cpu(), y.cpu(), epochs=c.judge_epochs, lr=c.judge_lr,
                           batch_size=c.classifier_batch_size, seed=c.seed, runtime=runtime)
        self.eval()
        return history

    def _fit_downstream(self, train: Any, runtime: Runtime) -> None:
        """Train the downstream classifier on real + ``synthetic_ratio * N`` class-proportional (selected) samples."""
        c: CWGANConfig = self.config
        x, y = self._features(train, "train")
        xs, ys = x.cpu(), y.cpu()
        n_syn = round(c.synthetic_ratio * len(x))
        report = None
        if n_syn:
            order = torch.randperm(len(y), generator=torch.Generator().manual_seed(c.seed))
            syn_labels = y.cpu()[order].repeat(math.ceil(n_syn / len(y)))[:n_syn]  # class-proportional
            synthetic = self.generate(condition=syn_labels, seed=c.seed, select=c.select)
            report = self.last_selection
            xs, ys = torch.cat([xs, synthetic.features]), torch.cat([ys, syn_labels])
        fit_classifier(self.classifier, xs, ys, epochs=c.classifier_epochs, lr=c.classifier_lr,
                       batch_size=c.classifier_batch_size, weight_decay=c.classifier_weight_decay, seed=c.seed, runtime=runtime)
        self.fit_report = {"real": len(x), "synthetic": n_syn, "selection": report.to_dict() if report is not None else None}

    def _fit_gan(self, z: torch.Tensor, y: torch.Tensor, runtime: Runtime, callbacks: Any) -> History:
        """WGAN-GP loop: each step = ``n_critic`` critic updates on consecutive mini-batches, then one generator update."""
        c: CWGANConfig = self.config
        loader = rows_loader(z, y, batch_size=c.batch_size * c.n_critic, seed=c.seed)
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr_generator, betas=tuple(float(b) for b in c.betas))
        opt_c = torch.optim.Adam(self.critic.parameters(), lr=c.lr_critic, betas=tuple(float(b) for b in c.betas))
        self.train()
        gen, critic, opt_g, opt_c, loader = runtime.prepare(self.generator, self.critic, opt_g, opt_c, loader)
        critic_params = list(critic.parameters())

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            real_all, labels_all = batch
            sums = torch.zeros(3, device=real_all.device)
            chunks = list(zip(real_all.split(c.batch_size), labels_all.split(c.batch_size)))
            for p in critic_params:
                p.requires_grad_(True)
            for real, labels in chunks:
                noise = torch.randn(len(real), c.latent_dim, device=real.device)
                with torch.no_grad(), runtime.autocast():
                    fake = gen(noise, labels)
                with runtime.autocast():  # one batched pass over real and fake: valid, the critic has no batch norm
                    real_scores, fake_scores = critic(torch.cat([real, fake]), torch.cat([labels, labels])).split(len(real))
                    gp = gradient_penalty(critic, real, fake, labels)
                    loss_c = critic_loss(real_scores, fake_scores) + c.gp_weight * gp
                opt_c.zero_grad(set_to_none=True)
                runtime.backward(loss_c)
                opt_c.step()
                sums += torch.stack([loss_c.detach(), gp.detach(), wasserstein_estimate(real_scores, fake_scores).detach()]).float()
            for p in critic_params:
                p.requires_grad_(False)
            labels = chunks[0][1]
            noise = torch.randn(len(labels), c.latent_dim, device=labels.device)
            with runtime.autocast():
                loss_g = generator_loss(critic(gen(noise, labels), labels))
            opt_g.zero_grad(set_to_none=True)
            runtime.backward(loss_g)
            opt_g.step()
            means = sums / len(chunks)
            return {"critic_loss": means[0], "gradient_penalty": means[1], "wasserstein": means[2], "generator_loss": loss_g.detach()}

        try:
            return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="cwgan")
        finally:
            for p in critic_params:
                p.requires_grad_(True)

    # --- generation -----------------------------------------------------------------------------------

    def _condition(self, n: int | None, condition: Any) -> torch.Tensor:
        """Class ids [n] from ``condition`` (None: classes in turn; an int: that class; a sequence: one per sample)."""
        k = self.config.num_classes
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise InputError(f"n must be an int >= 1 (how many samples to generate), got {n!r}")
        if condition is None:
            if n is None:
                raise InputError("generate() needs n (how many samples) or condition (a class id per sample)")
            return torch.arange(n) % k
        if isinstance(condition, (bool, float)):
            raise DTypeError(f"condition must be an int class id or a sequence of them, got {condition!r}")
        if isinstance(condition, int):
            if not 0 <= condition < k:
                raise LabelError(f"condition: class id {condition} is out of range for {k} classes (0..{k - 1})")
            return torch.full((n if n is not None else 1,), condition, dtype=torch.long)
        try:
            count = len(condition)
        except TypeError as exc:
            raise DTypeError(f"condition must be an int class id or a sequence of them, got {type(condition).__name__}") from exc
        if count == 0:
            raise EmptyInputError("condition: got an empty sequence; pass one class id per sample to generate")
        if n is not None and n != count:
            raise ShapeError(f"condition has {count} labels but n={n}; pass n equal to len(condition) or leave n out")
        return self._labels(torch.as_tensor(condition).cpu() if isinstance(condition, torch.Tensor) else condition, "condition", count)

    @torch.no_grad()
    def generate(
        self,
        n: int | None = None,
        *,
        condition: Any = None,
        seed: int | None = None,
        label: Any = None,
        select: bool | None = None,
    ) -> EEGBatch:
        """Generate ``n`` DE samples [n, C, B] (windows: ``train.with_samples`` of [n, C, T]) in the input's scale,
        conditioned on ``condition`` (alias ``label``; None: classes in turn).

        With ``select`` (default: the config's), candidates are oversampled and only those passing the quality tests
        are returned; ``self.last_selection`` reports the counts. Equal ``seed`` gives equal samples.
        """
        if label is not None:
            if condition is not None:
                raise InputError("pass the class as condition= or label=, not both")
            condition = label
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = self._condition(n, condition)
        c: CWGANConfig = self.config
        select = c.select if select is None else bool(select)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        elif isinstance(seed, bool) or not isinstance(seed, int):
            raise DTypeError(f"seed must be an int or None, got {seed!r}")
        rng = torch.Generator().manual_seed(seed)
        device = self._device()
        was_training = self.generator.training
        self.generator.eval()

        def draw(lab: torch.Tensor) -> torch.Tensor:
            noise = torch.randn(len(lab), c.latent_dim, generator=rng).to(device)
            return self.generator(noise, lab.to(device)).float().flatten(1)

        try:
            if select:
                z, self.last_selection = select_until(
                    labels, draw, self._quality_tests, oversample=c.select_oversample,
                    max_attempts=c.max_select_attempts, criteria=c.selection_criteria,
                )
            else:
                z, self.last_selection = draw(labels), None
        finally:
            self.generator.train(was_training)
        if self.windows:
            x = self._destandardize(z).cpu()
            if self._template is not None:
                return self._template.with_samples(x, labels.clone())
            return PhysioBatch(features=x, labels=labels.clone(), modality="wrist", layout="channels_time",
                               band_names=c.channel_names or None)
        return EEGBatch(features=self._destandardize(z).cpu(), labels=labels.clone(), layout="channels_bands")

    def _quality_tests(self, z: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """The enabled selection tests on standardised candidates ``z`` for their conditioned ``labels``."""
        c: CWGANConfig = self.config
        out: dict[str, torch.Tensor] = {}
        if "classifier" in c.selection_criteria:
            probs = predict_logits(self.judge, self._destandardize(z)).softmax(1)
            out["classifier"] = confidence_pass(probs, labels.cpu(), c.confidence_threshold)
        if "distance" in c.selection_criteria:
            out["distance"] = distance_pass(z.flatten(1), labels, self.class_centroids, self.class_radii)
        return out

    # --- prediction -----------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify DE features [N, C, B] (or windows [N, C, T]) with the downstream classifier trained on real + synthetic data."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Generator pass in standardised space (what ``generate`` draws from)."""
        return self.generator(z, labels)

