"""Semantic data augmentation for long-tailed FER (Li et al. 2023): a VAE-GAN whose latent space makes new tail faces.

``fit_generator``: (1) train the VAE-GAN on all real images: E gives q(z | x), G decodes reconstructions and prior
samples, D is trained with the hinge loss on real vs both; E and G minimise reconstruction + KLD + the generator's
hinge loss (``losses.py``). (2) Encode every training image; keep a bank of posterior codes per class and the
head-to-tail transferred covariance of each class (``augment.py``). ``generate(condition=c)`` draws a source code of
class c, adds randomness to it and decodes: a new face of that class. ``fit`` then trains the downstream pooled CNN on
real + the synthetic images that balance the classes (the paper's use: balance RAF-DB's long tail); ``predict`` goes
through that CNN.
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
from emozoo.evaluation.classifiers import (
    CLASSIFIER_KINDS,
    build_classifier,
    fit_classifier,
    predict_logits,
)
from emozoo.guards import check_generate, check_inputs, condition_labels
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import (
    History,
    Runtime,
    rows_loader,
    seed_everything,
    seeded_cpu_rng,
)
from emozoo_semantic_aug.augment import (
    bank_indices,
    class_covariances,
    semantic_latents,
    transferred_covariances,
)
from emozoo_semantic_aug.balancing import balancing_conditions
from emozoo_semantic_aug.losses import (
    discriminator_hinge_loss,
    generator_hinge_loss,
    kl_divergence,
    reconstruction_loss,
    reparameterize,
)
from emozoo_semantic_aug.networks import STAGES, Discriminator, Encoder, Generator
from emozoo_semantic_aug.plugin import SPEC

__all__ = ["SemanticAugFER", "SemanticAugFERConfig"]

_POS = {"min": 1}
MUXSPACE_LABELS = ("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")


@dataclass
class SemanticAugFERConfig:
    """Hyper-parameters; where the paper's value was not reachable the comment says ours (card.md lists every choice)."""

    # data: the benchmark's grey 48 x 48 faces and 8 muxspace classes (the paper: RAF-DB, 7 classes)
    image_size: int = field(default=48, metadata={"min": 8})
    channels: int = field(default=1, metadata={"min": 1, "max": 3})
    num_classes: int = field(default=8, metadata={"min": 2})
    label_names: tuple[str, ...] = MUXSPACE_LABELS
    # networks (ours: Larsen et al. 2016's VAE/GAN sizes, see networks.py)
    latent_dim: int = field(default=128, metadata=_POS)
    encoder_channels: tuple[int, ...] = (64, 128, 256)
    encoder_hidden: int = field(default=2048, metadata=_POS)
    generator_channels: tuple[int, ...] = (256, 128, 32)
    discriminator_channels: tuple[int, ...] = (32, 128, 256, 256)
    discriminator_hidden: int = field(default=512, metadata=_POS)
    # objective: reconstruction + kl_weight * KLD + adversarial_weight * hinge (the paper's three terms; weights ours)
    kl_weight: float = 1.0
    decoder_std: float = 0.1  # ours: sd of the Gaussian decoder p(x | z) on [0, 1] pixels (the reconstruction's scale)
    adversarial_weight: float = 1.0  # 0: no discriminator, the plain VAE (ablation)
    # training (ours: Adam as in DCGAN / SN-GAN hinge training)
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = field(default=64, metadata=_POS)
    epochs: int = field(default=50, metadata={"min": 0})
    # semantic augmentation (augment.py): posterior randomness (the paper's) + head-to-tail transferred shift (ours)
    posterior_scale: float = 1.0
    semantic_strength: float = 0.5  # ISDA's lambda_0; 0: the paper's posterior randomness alone
    transfer_shrinkage: float = 20.0  # kappa: a class with n_c images keeps n_c / (n_c + kappa) of its own covariance
    head_min_count: int = field(default=20, metadata=_POS)
    bank_size: int = field(default=512, metadata=_POS)  # source codes kept per class
    covariance_jitter: float = 1e-4
    # downstream classifier of fit()/predict(): emozoo's pooled_cnn on real + class-balancing synthetic images
    balance: bool = True
    balance_to: float = 1.0  # each class up to this fraction of the majority count (1.0: balanced)
    classifier: str = "pooled_cnn"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = field(default=30, metadata={"min": 0})
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=64, metadata=_POS)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        """Refuse values the model cannot use (the core range-checks the ints; these are the rest)."""
        if len(self.label_names) != self.num_classes:
            raise ConfigError(f"SemanticAugFERConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class")
        if self.channels not in (1, 3):
            raise ConfigError(f"SemanticAugFERConfig.channels must be 1 (grey) or 3 (RGB), got {self.channels}")
        if self.image_size % 2**STAGES:
            raise ConfigError(f"SemanticAugFERConfig.image_size must be a multiple of {2**STAGES} (three stride-2 stages), got {self.image_size}")
        if self.classifier not in CLASSIFIER_KINDS:
            raise ConfigError(f"SemanticAugFERConfig.classifier must be one of {CLASSIFIER_KINDS}, got {self.classifier!r}")
        widths = {"encoder_channels": (self.encoder_channels, STAGES), "generator_channels": (self.generator_channels, STAGES),
                  "discriminator_channels": (self.discriminator_channels, STAGES + 1)}
        for name, (value, size) in widths.items():
            if len(value) != size or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in value):
                raise ConfigError(f"SemanticAugFERConfig.{name} must be {size} positive ints (one per stage), got {value!r}")
        checks = (
            ("kl_weight", self.kl_weight >= 0), ("decoder_std", self.decoder_std > 0), ("adversarial_weight", self.adversarial_weight >= 0), ("lr", self.lr > 0),
            ("betas", len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas)), ("posterior_scale", self.posterior_scale >= 0),
            ("semantic_strength", self.semantic_strength >= 0), ("transfer_shrinkage", self.transfer_shrinkage >= 0),
            ("covariance_jitter", self.covariance_jitter > 0), ("balance_to", 0 <= self.balance_to <= 1),
            ("classifier_lr", self.classifier_lr > 0),
        )
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"SemanticAugFERConfig.{name} = {getattr(self, name)!r} is out of range; see its comment in emozoo_semantic_aug/model.py")


class SemanticAugFER(EmotionModel):
    """VAE-GAN semantic augmentation of face images [N, C, S, S] in [0, 1] + a downstream CNN on real + balancing synthetic.

    Args:
        config: a :class:`SemanticAugFERConfig` (or a dict of its fields).

    Example::

        model = emozoo.load("semantic-aug-fer", epochs=20)
        model.fit_generator(train)                       # ImageBatch [N, 1, 48, 48], floats in [0, 1]
        fear = model.generate(100, condition=3, seed=0)  # 100 new "fear" faces, even from a handful of real ones
    """

    spec = SPEC
    config_class = SemanticAugFERConfig

    def __init__(self, config: SemanticAugFERConfig | dict | None = None) -> None:
        super().__init__(config)
        c: SemanticAugFERConfig = self.config
        with seeded_cpu_rng(c.seed):
            self.encoder = Encoder(c.channels, c.image_size, c.encoder_channels, c.encoder_hidden, c.latent_dim)
            self.generator = Generator(c.channels, c.image_size, c.generator_channels, c.latent_dim)
            self.discriminator = Discriminator(c.channels, c.image_size, c.discriminator_channels, c.discriminator_hidden)
        options = {"seed": c.seed + 1, **c.classifier_options}
        self.classifier = build_classifier(c.classifier, (c.channels, c.image_size, c.image_size), c.num_classes, **options)
        k, m, d = c.num_classes, c.bank_size, c.latent_dim
        self.register_buffer("bank_mu", torch.zeros(k, m, d))
        self.register_buffer("bank_logvar", torch.zeros(k, m, d))
        self.register_buffer("bank_count", torch.ones(k, dtype=torch.long))
        self.register_buffer("class_chols", torch.eye(d).repeat(k, 1, 1))
        self.register_buffer("train_counts", torch.zeros(k, dtype=torch.long))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._template: ImageBatch | None = None
        self.fit_report: dict[str, Any] = {}

    # --- inputs -----------------------------------------------------------------------------------------

    def _images(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(float32 images [N, C, S, S] in [0, 1], int64 labels [N] or None) from an ImageBatch, an (x, y) pair or a tensor."""
        c: SemanticAugFERConfig = self.config
        expected = f"[N, {c.channels}, {c.image_size}, {c.image_size}] in [0, 1]"
        if isinstance(data, ImageBatch):
            x, y = data.images, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, torch.Tensor):
            x, y = data, None
        else:
            raise ModalityError(
                f"{what}: semantic-aug-fer takes face images (an ImageBatch, an (images, labels) pair or a tensor {expected}), "
                f"got {type(data).__name__}; build an ImageBatch with emozoo_face's data set adapter or frontend"
            )
        if isinstance(x, torch.Tensor) and not (x.is_floating_point() or x.is_complex()):
            raise DTypeError(
                f"{what}: expected float images {expected}, got {x.dtype}; convert with emozoo_face.frontend.prepare_images "
                "(or x.float() / 255)"
            )
        x = as_float_tensor(x, f"{what} images", 4, dims="[N, C, H, W]", dtype=torch.float32)
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 images; pass at least one")
        if tuple(x.shape[1:]) != (c.channels, c.image_size, c.image_size):
            raise ShapeError(
                f"{what}: expected images {expected}, got {list(x.shape)}; convert with emozoo_face.frontend.prepare_images "
                f"(size={c.image_size}, channels={c.channels}) or build the model with image_size=... / channels=..."
            )
        lo, hi = float(x.min()), float(x.max())
        if lo < 0.0 or hi > 1.0:
            raise InputError(
                f"{what}: expected images {expected}, got values in [{lo:g}, {hi:g}]; scale to [0, 1] "
                "(emozoo_face.frontend.prepare_images, or x / 255 for 8-bit pixels)"
            )
        if y is None:
            return x, None
        y = as_label_tensor(y, f"{what} labels", len(x))
        if y.is_floating_point():
            raise DTypeError(f"{what} labels: expected int64 class ids, got {y.dtype}; semantic-aug-fer augments per class")
        if int(y.min()) < 0 or int(y.max()) >= c.num_classes:
            raise LabelError(f"{what} labels: class ids must lie in 0..{c.num_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"semantic-aug-fer cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the VAE-GAN (``fit_generator``), then the downstream CNN on real + class-balancing synthetic images."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        c: SemanticAugFERConfig = self.config
        x, y = self._images(train, "train")
        xs, ys = x, y
        conditions = balancing_conditions(y, c.num_classes, c.balance_to) if c.balance else []
        if conditions:
            synthetic = self.generate(condition=conditions, seed=c.seed)
            xs, ys = torch.cat([x, synthetic.images]), torch.cat([y, synthetic.labels])
        fit_classifier(self.classifier, xs, ys, epochs=c.classifier_epochs, lr=c.classifier_lr,
                       batch_size=c.classifier_batch_size, seed=c.seed, runtime=runtime)
        self.fit_report.update(real=len(x), synthetic=len(conditions))
        if val is not None:
            self.fit_report["val"] = self.evaluate(val)
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train what ``generate`` needs: the VAE-GAN, then the per-class code banks and transferred covariances."""
        c: SemanticAugFERConfig = self.config
        x, y = self._images(train, "train")
        if y is None:
            raise LabelError("train: semantic-aug-fer augments each expression class and needs labels; pass an ImageBatch with labels")
        if len(x) < 2:
            raise InputError("train: got 1 image; the VAE-GAN's BatchNorm layers need at least 2 training images")
        counts = torch.bincount(y, minlength=c.num_classes)
        missing = [f"{k} ({c.label_names[k]})" for k in range(c.num_classes) if int(counts[k]) == 0]
        if missing:
            raise LabelError(
                f"train: classes {', '.join(missing)} have no training image; the augmentation starts from real images of a class, "
                "so every class needs at least one (drop the class or build the model with fewer num_classes)"
            )
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self._template = train.index([0]) if isinstance(train, ImageBatch) else None
        self.to(runtime.device)
        history = self._fit_vaegan(x.to(runtime.device), y.to(runtime.device), runtime, tuple(callbacks))
        self._fit_latent_statistics(x, y, runtime)
        self.fitted.fill_(1)
        self.fit_report = {"epochs": len(history), "train_counts": counts.tolist()}
        self.eval()
        return history

    def _fit_vaegan(self, x: torch.Tensor, y: torch.Tensor, runtime: Runtime, callbacks: Any) -> History:
        """Per batch: one D update (hinge, real vs reconstructions and prior samples), one E+G update (rec + KLD + hinge)."""
        c: SemanticAugFERConfig = self.config
        adversarial = c.adversarial_weight > 0
        betas = tuple(float(b) for b in c.betas)
        opt_eg = torch.optim.Adam([*self.encoder.parameters(), *self.generator.parameters()], lr=c.lr, betas=betas)
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=c.lr, betas=betas)
        self.encoder.train()
        self.generator.train()
        self.discriminator.train()
        # a lone last image would break BatchNorm's training statistics: drop only that one (reshuffled every epoch)
        loader = rows_loader(x, y, batch_size=c.batch_size, seed=c.seed, drop_last=len(x) % c.batch_size == 1)
        enc, gen, disc, opt_eg, opt_d, loader = runtime.prepare(self.encoder, self.generator, self.discriminator, opt_eg, opt_d, loader)
        d_params = list(disc.parameters())

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            real, _ = batch
            with runtime.autocast():
                mu, logvar = enc(real)
                rec = gen(reparameterize(mu, logvar, torch.randn_like(mu)))
                prior = gen(torch.randn_like(mu)) if adversarial else None
            logs: dict[str, torch.Tensor] = {}
            if adversarial:
                with runtime.autocast():
                    loss_d = discriminator_hinge_loss(disc(real), disc(rec.detach()), disc(prior.detach()))
                opt_d.zero_grad(set_to_none=True)
                runtime.backward(loss_d)
                opt_d.step()
                logs["discriminator_loss"] = loss_d.detach()
            for p in d_params:
                p.requires_grad_(False)
            try:
                with runtime.autocast():
                    loss_rec = reconstruction_loss(rec.float(), real, c.decoder_std)
                    loss_kl = kl_divergence(mu.float(), logvar.float())
                    loss = loss_rec + c.kl_weight * loss_kl
                    if adversarial:
                        loss_g = generator_hinge_loss(disc(rec), disc(prior))
                        loss = loss + c.adversarial_weight * loss_g
                        logs["generator_loss"] = loss_g.detach()
                opt_eg.zero_grad(set_to_none=True)
                runtime.backward(loss)
                opt_eg.step()
            finally:
                for p in d_params:
                    p.requires_grad_(True)
            logs.update(reconstruction_loss=loss_rec.detach(), kl_divergence=loss_kl.detach(), loss=loss.detach())
            return logs

        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="semantic-aug-fer:vae-gan")

    @torch.no_grad()
    def _fit_latent_statistics(self, x: torch.Tensor, y: torch.Tensor, runtime: Runtime) -> None:
        """Encode the training images; fill the per-class code banks and the transferred covariances (augment.py)."""
        c: SemanticAugFERConfig = self.config
        mu, logvar = self._encode(x.to(runtime.device))
        mu, logvar, y = mu.cpu(), logvar.cpu(), y.cpu()
        counts, covs = class_covariances(mu, y, c.num_classes)
        chols = transferred_covariances(counts, covs, head_min_count=c.head_min_count, shrinkage=c.transfer_shrinkage,
                                        jitter=c.covariance_jitter)
        rows = bank_indices(y, c.num_classes, c.bank_size, torch.Generator().manual_seed(c.seed + 2))
        self.bank_mu.zero_()
        self.bank_logvar.zero_()
        for k, r in enumerate(rows):
            self.bank_mu[k, : len(r)] = mu[r].to(self.bank_mu.device)
            self.bank_logvar[k, : len(r)] = logvar[r].to(self.bank_mu.device)
            self.bank_count[k] = len(r)
        self.class_chols.copy_(chols)
        self.train_counts.copy_(counts)

    def _encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) of q(z | x) in eval mode, in chunks of 256."""
        was = self.encoder.training
        self.encoder.eval()
        try:
            parts = [self.encoder(part) for part in x.split(256)]
        finally:
            self.encoder.train(was)
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])

    # --- generation -------------------------------------------------------------------------------------

    @torch.no_grad()
    def semantic_latents(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(latent codes [n, latent_dim], class ids [n]) that ``generate`` decodes, for the same arguments (augment.py)."""
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        c: SemanticAugFERConfig = self.config
        labels = condition_labels(self.method_id, n, condition, c.num_classes)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        z, _ = semantic_latents(labels, self.bank_mu, self.bank_logvar, self.bank_count, self.class_chols,
                                posterior_scale=c.posterior_scale, strength=c.semantic_strength,
                                generator=torch.Generator().manual_seed(seed))
        return z, labels

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> ImageBatch:
        """``n`` synthetic faces [n, C, S, S] in [0, 1]: real codes of the conditioned class, randomised, decoded by G.

        ``condition=None`` cycles through the classes (balanced); an int gives that class; a sequence one class per
        sample. Equal ``seed`` gives bit-identical samples. Returns the training batch's type (``train.with_samples``).
        """
        z, labels = self.semantic_latents(n, condition=condition, seed=seed)
        x = self.decode(z)
        if self._template is not None:
            return self._template.with_samples(x, labels.clone())
        return ImageBatch(images=x, labels=labels.clone(), source=self.training_source)

    @torch.no_grad()
    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """G(z) [N, C, S, S] in [0, 1] for latent codes [N, latent_dim], in eval mode and chunks of 256, on CPU."""
        device = self.bank_mu.device
        was = self.generator.training
        self.generator.eval()
        try:
            parts = [self.generator(part.to(device)) for part in latent.split(256)]
        finally:
            self.generator.train(was)
        return torch.cat(parts).float().cpu()

    @torch.no_grad()
    def encode(self, inputs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) [N, latent_dim] of the posterior q(z | x) of face images (eval mode), on CPU."""
        x, _ = self._images(inputs, "inputs")
        mu, logvar = self._encode(x.to(self.bank_mu.device))
        return mu.cpu(), logvar.cpu()

    @torch.no_grad()
    def reconstruct(self, inputs: Any) -> torch.Tensor:
        """G(mu(x)) [N, C, S, S]: the VAE-GAN's reconstruction of face images from their posterior means."""
        self._require_fitted("reconstruct")
        return self.decode(self.encode(inputs)[0])

    # --- prediction -------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify face images with the downstream CNN trained on real + class-balancing synthetic images."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._images(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        """Generator pass: latent codes [N, latent_dim] -> images [N, C, S, S] in [0, 1]."""
        return self.generator(latent)
