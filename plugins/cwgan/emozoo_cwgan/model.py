"""cWGAN-GP for EEG DE features (Luo & Lu 2018) with sWGAN quality selection (Luo et al. 2020) and a downstream classifier.

``fit`` (1) z-scores the flattened DE vectors (statistics kept as buffers), (2) trains the conditional WGAN-GP through
the Runtime, one ``step_fn`` call = ``n_critic`` critic updates on consecutive real mini-batches + one generator update
(Gulrajani et al. 2017, Algorithm 1), (3) fits the selection statistics and the "judge" classifier on the real data,
(4) generates ``synthetic_ratio * N`` class-proportional samples (quality-selected when ``select``) and (5) trains the
downstream classifier of emozoo's augmentation protocol on real + synthetic data; ``predict`` goes through it.
``fit_generator`` runs steps (1)-(3) only: what ``generate`` needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from emozoo.config import SEED
from emozoo.guards import check_generate, check_inputs
from emozoo_eeg.inputs import class_ids, eeg_features

from emozoo.data.batches import EEGBatch, PhysioBatch
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
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
from emozoo_cwgan.networks import Critic, Generator
from emozoo_cwgan.plugin import SPEC
from emozoo_cwgan.selection import (
    SELECTION_CRITERIA,
    SelectionReport,
    class_radii,
    confidence_pass,
    distance_pass,
    select_until,
)

__all__ = ["CWGAN", "CWGANConfig"]


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
    for name, kind in (("judge", c.judge), ("classifier", c.classifier)):
        if kind not in CLASSIFIER_KINDS or kind == "cnn":
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


class CWGAN(EmotionModel):
    """Conditional WGAN-GP over flattened DE vectors [N, C*B] + quality selection + downstream classifier."""

    spec = SPEC
    config_class = CWGANConfig

    def __init__(self, config: CWGANConfig | dict | None = None) -> None:
        super().__init__(config)
        c: CWGANConfig = self.config
        _check_config(c)
        self.input_shape = (c.num_channels, c.num_bands)
        dim = c.num_channels * c.num_bands
        with seeded_cpu_rng(c.seed):
            self.generator = Generator(c.latent_dim, c.num_classes, dim, c.generator_hidden)
            self.critic = Critic(dim, c.num_classes, c.critic_hidden, c.critic_negative_slope)
        self.judge = build_classifier(c.judge, self.input_shape, c.num_classes, seed=c.seed + 1, **c.judge_options)
        self.classifier = build_classifier(c.classifier, self.input_shape, c.num_classes, seed=c.seed + 2, **c.classifier_options)
        self.register_buffer("feature_mean", torch.zeros(dim))
        self.register_buffer("feature_std", torch.ones(dim))
        self.register_buffer("class_centroids", torch.zeros(c.num_classes, dim))
        self.register_buffer("class_radii", torch.zeros(c.num_classes))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.last_selection: SelectionReport | None = None
        self.fit_report: dict[str, Any] = {}

    # --- input checks ---------------------------------------------------------------------------------

    def _features(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(features [N, C, B] float32, labels [N] or None) from an EEGBatch, an (x, y) pair or an array."""
        return eeg_features(data, what, method="cwgan", feature_shape=self.input_shape, num_classes=self.config.num_classes)

    def _labels(self, labels: Any, what: str, n: int) -> torch.Tensor:
        """Validated int64 class ids [n] in 0..num_classes-1."""
        return class_ids(labels, what, n, self.config.num_classes)

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"cwgan cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    def _device(self) -> torch.device:
        return self.feature_mean.device

    def _standardize(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) - self.feature_mean) / self.feature_std

    def _destandardize(self, z: torch.Tensor) -> torch.Tensor:
        return (z * self.feature_std + self.feature_mean).reshape(-1, *self.input_shape)

    # --- training -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the cWGAN-GP, the selection judge, then the downstream classifier on real + selected synthetic data."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        self._fit_downstream(train, runtime)
        self.fit_report["gan_epochs"] = len(history)
        if val is not None:
            self.fit_report["val"] = self.evaluate(val if isinstance(val, PhysioBatch) else EEGBatch(*val))
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train what ``generate`` needs: the cWGAN-GP, the selection statistics and the judge (no downstream classifier)."""
        c: CWGANConfig = self.config
        x, y = self._features(train, "train")
        if y is None:
            raise LabelError("train: cwgan is conditioned on the emotion label and needs labels; pass an EEGBatch with labels")
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self.to(runtime.device)
        x, y = x.to(runtime.device), y.to(runtime.device)
        flat = x.flatten(1)
        with torch.no_grad():
            self.feature_mean.copy_(flat.mean(0))
            self.feature_std.copy_(flat.std(0, unbiased=False).clamp_min(1e-6))
        history = self._fit_gan(self._standardize(x), y, runtime, callbacks)
        with torch.no_grad():
            centroids, radii = class_radii(self._standardize(x), y, c.num_classes, c.distance_quantile)
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
        """Generate ``n`` DE samples [n, C, B] in the original feature scale, conditioned on ``condition`` (alias ``label``).

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
            return self.generator(noise, lab.to(device)).float()

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
        return EEGBatch(features=self._destandardize(z).cpu(), labels=labels.clone(), layout="channels_bands")

    def _quality_tests(self, z: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """The enabled selection tests on standardised candidates ``z`` for their conditioned ``labels``."""
        c: CWGANConfig = self.config
        out: dict[str, torch.Tensor] = {}
        if "classifier" in c.selection_criteria:
            probs = predict_logits(self.judge, self._destandardize(z)).softmax(1)
            out["classifier"] = confidence_pass(probs, labels.cpu(), c.confidence_threshold)
        if "distance" in c.selection_criteria:
            out["distance"] = distance_pass(z, labels, self.class_centroids, self.class_radii)
        return out

    # --- prediction -----------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify DE features [N, C, B] with the downstream classifier trained on real + synthetic data."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Generator pass in standardised space (what ``generate`` draws from)."""
        return self.generator(z, labels)

