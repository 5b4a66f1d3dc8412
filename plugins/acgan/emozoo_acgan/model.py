"""ACGAN for facial expressions (Peng et al. 2020, survey ref. 217, after Odena, Olah, Shlens 2017) on grey faces.

``fit_generator`` is ACGAN's adversarial training: per real batch of B, B fakes ``G(z, c)`` with ``c`` drawn from the
class prior; one discriminator step on ``-(L_S + L_C)`` (real and fake, source and class terms), then one generator
step on ``-(L_C - L_S)`` (non-saturating source term by default) through the just-updated discriminator.
``fit`` is ``fit_generator`` and, with ``predictor="downstream"``, then trains emozoo's ``pooled_cnn`` on real plus
class-balanced synthetic faces. ``predict`` goes through the discriminator's auxiliary classifier (default: the
recogniser ACGAN trains as a side effect) or that downstream CNN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from emozoo.config import SEED
from emozoo.data.batches import ImageBatch, as_float_tensor, as_label_tensor
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
from emozoo.evaluation.classifiers import CLASSIFIER_KINDS, build_classifier, fit_classifier, predict_logits
from emozoo.guards import check_generate, check_inputs, condition_labels
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, rows_loader, seed_everything, seeded_cpu_rng
from emozoo_acgan.losses import discriminator_loss, generator_loss
from emozoo_acgan.networks import Discriminator, Generator, init_weights
from emozoo_acgan.plugin import SPEC

__all__ = ["ACGAN", "ACGANConfig"]

_POS = {"min": 1}
_FIX = "convert with emozoo_face.frontend.prepare_images or build the model with image_size=... / channels=..."


@dataclass
class ACGANConfig:
    """Hyper-parameters; ACGAN's appendix values (CIFAR-10 models) unless a comment says ours (card.md lists every choice)."""

    # data: the face setting's 48 x 48 grey images and the muxspace set's 8 emotions
    image_size: int = field(default=48, metadata={"min": 32, "max": 64})  # ours; any multiple of 8 in [32, 64]
    channels: int = field(default=1, metadata={"min": 1, "max": 3})  # 1 (grey) or 3 (RGB)
    num_classes: int = field(default=8, metadata={"min": 2})
    label_names: tuple[str, ...] = ("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
    # networks (ACGAN appendix, CIFAR-10): G = linear -> 384 x s x s, 5x5 transposed convs 192, 96, channels
    latent_dim: int = field(default=100, metadata=_POS)  # G's input is [z (100), one-hot(c)] (110 for CIFAR's 10)
    generator_widths: tuple[int, int, int] = field(default=(384, 192, 96), metadata=_POS)
    generator_kernel: int = field(default=5, metadata={"min": 3, "max": 7})
    discriminator_widths: tuple[int, ...] = field(default=(16, 32, 64, 128, 256, 512), metadata=_POS)
    discriminator_strides: tuple[int, ...] = field(default=(2, 1, 2, 1, 2, 1), metadata={"min": 1, "max": 2})
    dropout: float = 0.5
    negative_slope: float = 0.2
    init_std: float = 0.02  # isotropic Gaussian weights, zero biases
    # training (appendix: Adam 2e-4, betas (0.5, 0.999), batch 100, 50,000 iterations = 100 CIFAR-10 epochs)
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = field(default=100, metadata=_POS)
    epochs: int = field(default=100, metadata={"min": 0})  # ours: 100 passes, as 50,000 x 100 over CIFAR's 50,000
    generator_objective: str = "non_saturating"  # or "minimax": eq. 2-3 as written (G maximises L_C - L_S)
    fake_class_prior: str = "uniform"  # ours: c ~ uniform (CIFAR's p_c); "empirical" = the training label frequencies
    # recognition: [217] recognises emotions with the ACGAN; the auxiliary classifier by default
    predictor: str = "auxiliary"  # or "downstream": emozoo's classifier on real + synthetic faces (ours)
    classifier: str = "pooled_cnn"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = field(default=30, metadata={"min": 0})
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=32, metadata=_POS)
    synthetic_per_class: int = field(default=0, metadata={"min": 0})  # downstream: synthetic faces per class (0: top up to the largest class)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        """Refuse values the model cannot use (the core range-checks the ints; these are the rest)."""
        if self.image_size % 8:
            raise ConfigError(f"ACGANConfig.image_size must be a multiple of 8 in [32, 64] (three 2x upsamplings), got {self.image_size}")
        if self.channels not in (1, 3):
            raise ConfigError(f"ACGANConfig.channels must be 1 (grey) or 3 (RGB), got {self.channels}")
        if len(self.label_names) != self.num_classes:
            raise ConfigError(f"ACGANConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class")
        if len(self.generator_widths) != 3:
            raise ConfigError(f"ACGANConfig.generator_widths needs 3 widths (linear map, two hidden transposed convs), got {self.generator_widths}")
        if len(self.discriminator_widths) != len(self.discriminator_strides) or not self.discriminator_widths:
            raise ConfigError("ACGANConfig.discriminator_widths and discriminator_strides need the same, non-zero length")
        if self.generator_kernel % 2 == 0:
            raise ConfigError(f"ACGANConfig.generator_kernel must be odd (3, 5 or 7), got {self.generator_kernel}")
        for name, allowed in (("generator_objective", ("non_saturating", "minimax")), ("fake_class_prior", ("uniform", "empirical")),
                              ("predictor", ("auxiliary", "downstream")), ("classifier", CLASSIFIER_KINDS)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"ACGANConfig.{name} must be one of {tuple(allowed)}, got {getattr(self, name)!r}")
        checks = (
            ("dropout", 0 <= self.dropout < 1), ("negative_slope", self.negative_slope >= 0), ("init_std", self.init_std > 0),
            ("lr", self.lr > 0), ("classifier_lr", self.classifier_lr > 0), ("betas", len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas)),
        )
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"ACGANConfig.{name} = {getattr(self, name)!r} is out of range; see its comment in emozoo_acgan/model.py")


class ACGAN(EmotionModel):
    """ACGAN over face images [N, channels, image_size, image_size] in [0, 1]; recognises through its auxiliary classifier.

    Args:
        config: an :class:`ACGANConfig` (or a dict of its fields).

    Example::

        model = emozoo.load("acgan-fer", epochs=100)
        model.fit_generator(train)                        # ImageBatch [N, 1, 48, 48] in [0, 1], labels 0..7
        faces = model.generate(64, condition=1, seed=0)   # 64 synthetic "contempt" faces
        model.predict(test).labels                        # the discriminator's auxiliary classifier
    """

    spec = SPEC
    config_class = ACGANConfig

    def __init__(self, config: ACGANConfig | dict | None = None) -> None:
        super().__init__(config)
        c: ACGANConfig = self.config
        with seeded_cpu_rng(c.seed):
            self.generator = Generator(c.num_classes, c.latent_dim, c.image_size, c.channels, c.generator_widths, c.generator_kernel)
            self.discriminator = Discriminator(c.num_classes, c.image_size, c.channels, c.discriminator_widths,
                                               c.discriminator_strides, c.dropout, c.negative_slope)
            init_weights(self.generator, c.init_std)
            init_weights(self.discriminator, c.init_std)
        self.classifier = None
        if c.predictor == "downstream":
            options = {"seed": c.seed + 1, **c.classifier_options}
            self.classifier = build_classifier(c.classifier, (c.channels, c.image_size, c.image_size), c.num_classes, **options)
        self.register_buffer("class_counts", torch.zeros(c.num_classes, dtype=torch.long))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._template: ImageBatch | None = None
        self.fit_report: dict[str, Any] = {}

    # --- inputs -----------------------------------------------------------------------------------------

    def _images(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(float32 images [N, C, S, S] in [0, 1], int64 labels [N] or None) from an ImageBatch, an (x, y) pair or a tensor."""
        c: ACGANConfig = self.config
        want = f"[N, {c.channels}, {c.image_size}, {c.image_size}] float32 in [0, 1]"
        if isinstance(data, ImageBatch):
            x, y = data.images, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, torch.Tensor) or type(data).__module__ == "numpy":
            x, y = data, None
        else:
            raise ModalityError(f"{what}: acgan-fer takes face images (an ImageBatch, an (images, labels) pair or a tensor {want}), "
                                f"got {type(data).__name__}")
        dtype = getattr(x, "dtype", None)
        if dtype is not None and not (str(dtype).startswith(("torch.float", "float", "torch.complex", "complex"))
                                      or dtype in (torch.float16, torch.bfloat16)):
            raise DTypeError(f"{what}: expected images {want}, got {str(dtype).removeprefix('torch.')} values; {_FIX}")
        x = as_float_tensor(x, f"{what} images", 4, dims="[N, C, H, W]", dtype=torch.float32)
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 images; pass at least one")
        if tuple(x.shape[1:]) != (c.channels, c.image_size, c.image_size):
            raise ShapeError(f"{what}: expected images {want}, got shape {list(x.shape)}; {_FIX}")
        low, high = float(x.min()), float(x.max())
        if low < 0.0 or high > 1.0:
            hint = " (0..255 pixels? divide by 255)" if high > 1.0 else ""
            raise InputError(f"{what}: expected images {want}, got values in [{low:.4g}, {high:.4g}]{hint}; {_FIX}")
        if y is None:
            return x, None
        y = as_label_tensor(y, f"{what} labels", len(x))
        if y.is_floating_point():
            raise DTypeError(f"{what} labels: expected int64 class ids, got {y.dtype}; acgan-fer's auxiliary classifier needs class ids")
        if int(y.min()) < 0 or int(y.max()) >= c.num_classes:
            raise LabelError(f"{what} labels: class ids must lie in 0..{c.num_classes - 1}, got {int(y.min())}..{int(y.max())}; "
                             "build the model with num_classes / label_names matching your data")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"acgan-fer cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """The adversarial training (``fit_generator``); with ``predictor="downstream"`` also the CNN on real + synthetic faces."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        c: ACGANConfig = self.config
        if self.classifier is not None:
            x, y = self._images(train, "train")
            conditions = self.downstream_conditions(y)
            xs, ys = x, y
            if len(conditions):
                synthetic = self.generate(condition=conditions, seed=c.seed)
                xs, ys = torch.cat([x, synthetic.images]), torch.cat([y, synthetic.labels])
            fit_classifier(self.classifier, xs, ys, epochs=c.classifier_epochs, lr=c.classifier_lr,
                           batch_size=c.classifier_batch_size, seed=c.seed, runtime=runtime)
            self.fit_report.update(real=len(x), synthetic=len(conditions))
        if val is not None:
            self.fit_report["val"] = self.evaluate(val)
        self.eval()
        return history

    def downstream_conditions(self, labels: torch.Tensor) -> torch.Tensor:
        """Class ids of the synthetic faces the downstream CNN adds: ``synthetic_per_class`` each, or the top-up to the largest class."""
        c: ACGANConfig = self.config
        counts = torch.bincount(labels.cpu(), minlength=c.num_classes)
        per_class = torch.full_like(counts, c.synthetic_per_class) if c.synthetic_per_class else counts.max() - counts
        return torch.repeat_interleave(torch.arange(c.num_classes), per_class)

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """ACGAN's adversarial training of G and D (with its auxiliary classifier); returns one record per epoch."""
        c: ACGANConfig = self.config
        x, y = self._images(train, "train")
        if y is None:
            raise LabelError("train: acgan-fer is class-conditional and needs labels; pass an ImageBatch with labels or an (images, labels) pair")
        counts = torch.bincount(y, minlength=c.num_classes)
        missing = [f"{k} ({c.label_names[k]})" for k in range(c.num_classes) if int(counts[k]) == 0]
        if missing:
            raise LabelError(f"train: classes {', '.join(missing)} have no training image; ACGAN learns G(z, c) for every class, so give each "
                             "class at least one image or build the model with fewer classes")
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self._template = train.index([0]) if isinstance(train, ImageBatch) else None
        self.class_counts.copy_(counts)
        self.to(runtime.device)
        real = (x * 2 - 1).to(runtime.device)  # tanh range, as ACGAN's images
        history = self._fit_adversarial(real, y.to(runtime.device), runtime, tuple(callbacks))
        self.fitted.fill_(1)
        self.fit_report = {"epochs": len(history), "images": len(x)}
        self.eval()
        return history

    def _fit_adversarial(self, real_all: torch.Tensor, y_all: torch.Tensor, runtime: Runtime, callbacks: Any) -> History:
        """Per real batch of B: B fakes; one D step on -(L_S + L_C); one G step on -(L_C - L_S) through the updated D."""
        c: ACGANConfig = self.config
        k = c.num_classes
        betas = tuple(float(b) for b in c.betas)
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=c.lr, betas=betas)
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=betas)
        self.discriminator.train()
        self.generator.train()
        loader = rows_loader(real_all, y_all, batch_size=c.batch_size, seed=c.seed)
        disc, gen, opt_d, opt_g, loader = runtime.prepare(self.discriminator, self.generator, opt_d, opt_g, loader)
        d_params = list(disc.parameters())
        prior = self.class_counts.float() if c.fake_class_prior == "empirical" else torch.ones(k)
        prior = (prior / prior.sum()).to(real_all.device)

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            real, labels = batch
            b = len(real)
            z = torch.randn(b, c.latent_dim, device=real.device)
            drawn = torch.multinomial(prior, b, replacement=True)
            with runtime.autocast():
                fake = gen(z, drawn)
                real_source, real_classes = disc(real)
                fake_source, fake_classes = disc(fake.detach())
                d = discriminator_loss(real_source.float(), real_classes.float(), labels, fake_source.float(), fake_classes.float(), drawn)
            opt_d.zero_grad(set_to_none=True)
            runtime.backward(d["loss"])
            opt_d.step()
            for p in d_params:
                p.requires_grad_(False)
            try:
                with runtime.autocast():
                    g_source, g_classes = disc(fake)
                    g = generator_loss(g_source.float(), g_classes.float(), drawn, c.generator_objective)
                opt_g.zero_grad(set_to_none=True)
                runtime.backward(g["loss"])
                opt_g.step()
            finally:
                for p in d_params:
                    p.requires_grad_(True)
            return {
                "discriminator_loss": d["loss"].detach(), "d_source_loss": d["source"].detach(), "d_class_loss": d["classes"].detach(),
                "generator_loss": g["loss"].detach(), "g_source_loss": g["source"].detach(), "g_class_loss": g["classes"].detach(),
                "real_class_accuracy": (real_classes.detach().argmax(1) == labels).float().mean(),
                "fake_class_accuracy": (fake_classes.detach().argmax(1) == drawn).float().mean(),
            }

        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="acgan-fer")

    # --- generation -------------------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> ImageBatch:
        """``n`` synthetic faces [n, C, S, S] in [0, 1] from G(z, c), z ~ N(0, I); labels = the conditions.

        ``condition=None`` cycles through the classes (balanced); an int gives that class; a sequence one class per
        sample. Equal ``seed`` gives bit-identical samples (the generator runs in eval mode, so each sample depends only
        on its own z and c). Returns the training batch's type (``train.with_samples``).
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = condition_labels(self.method_id, n, condition, self.config.num_classes)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        rng = torch.Generator().manual_seed(seed)
        z = torch.randn(len(labels), self.config.latent_dim, generator=rng)
        device = self.fitted.device
        was_training = self.generator.training
        self.generator.eval()
        try:
            parts = [self.generator(zp.to(device), lp.to(device)) for zp, lp in zip(z.split(256), labels.split(256))]
        finally:
            self.generator.train(was_training)
        images = ((torch.cat(parts).float().cpu() + 1) / 2).clamp_(0, 1)
        if self._template is not None:
            return self._template.with_samples(images, labels.clone())
        return ImageBatch(images=images, labels=labels.clone(), source=self.training_source)

    # --- prediction -------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict_proba(self, inputs: Any) -> torch.Tensor:
        """Class probabilities [N, K] from the predictor (the auxiliary classifier or the downstream CNN)."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._images(inputs, "inputs")
        if self.classifier is not None:
            return predict_logits(self.classifier, x).softmax(1)
        was_training = self.discriminator.training
        self.discriminator.eval()
        device = self.fitted.device
        try:
            logits = torch.cat([self.discriminator(part.to(device) * 2 - 1)[1] for part in x.split(256)])
        finally:
            self.discriminator.train(was_training)
        return logits.float().softmax(1).cpu()

    def predict(self, inputs: Any) -> Prediction:
        """Classify faces [N, C, S, S] in [0, 1]: the discriminator's auxiliary classifier (default) or the downstream CNN."""
        probs = self.predict_proba(inputs)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    @torch.no_grad()
    def real_probability(self, inputs: Any) -> torch.Tensor:
        """P(S = real | x) [N] from the discriminator's source head, for faces [N, C, S, S] in [0, 1]."""
        self._require_fitted("score images")
        x, _ = self._images(inputs, "inputs")
        self.discriminator.eval()
        return torch.sigmoid(self.discriminator(x.to(self.fitted.device) * 2 - 1)[0]).float().cpu()

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Generator pass: noise [N, latent_dim] and class ids [N] -> faces [N, C, S, S] in [0, 1]."""
        return (self.generator(z, labels) + 1) / 2
