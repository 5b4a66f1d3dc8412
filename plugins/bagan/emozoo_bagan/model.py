"""BAGAN for speech emotion recognition (Chatziagapi et al. 2019, after Mariani et al. 2018) on log-mel spectrograms.

``fit_generator`` follows BAGAN's recipe: (1) standardise each mel bin with training statistics (buffers) and pad
[T, n_mels] to the size the networks need; (2) train the autoencoder ``G(E(x))`` on all real data (MSE); (3) fit one
multivariate Gaussian per class to the encoder's codes; (4) initialise the discriminator's convolutions from the
encoder's and its head as K+1 classes; (5) adversarial training: D learns real -> its class, generated -> "fake";
G learns to make D label ``G(z ~ N(mu_c, Sigma_c))`` as class c. ``fit`` then trains the downstream CNN on real data
plus the synthetic spectrograms that balance the classes (the paper's use: augment the minority emotions);
``predict`` goes through that CNN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from emozoo.config import SEED
from emozoo.data.batches import AudioBatch, as_float_tensor, as_label_tensor
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    LabelError,
    ModalityError,
    NotFittedError,
    ShapeError,
)
from emozoo.evaluation.classifiers import CLASSIFIER_KINDS, build_classifier, fit_classifier, predict_logits
from emozoo.guards import check_generate, check_inputs, condition_labels
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, rows_loader, seed_everything, seeded_cpu_rng
from emozoo_bagan.balancing import balancing_conditions, class_counts
from emozoo_bagan.latent import class_gaussians, sample_latent
from emozoo_bagan.losses import discriminator_loss, generator_loss, reconstruction_loss
from emozoo_bagan.networks import Discriminator, Encoder, Generator, Reconstructor, latent_grid
from emozoo_bagan.plugin import SPEC

__all__ = ["BAGAN", "BAGANConfig"]

_POS = {"min": 1}


@dataclass
class BAGANConfig:
    """Hyper-parameters; BAGAN's official values unless a comment says ours (card.md lists every choice)."""

    # data: log-mel spectrograms [T, n_mels]; 4 IEMOCAP emotions as in the paper (set 8 + names for RAVDESS)
    num_frames: int = field(default=128, metadata={"min": 16})  # ours: the benchmark's 128 frames
    num_mels: int = field(default=64, metadata={"min": 16})  # ours: the benchmark's 64 mel bins
    num_classes: int = field(default=4, metadata={"min": 2})
    label_names: tuple[str, ...] = ("angry", "happy", "neutral", "sad")
    # networks (IBM/BAGAN balancing_gan.py)
    latent_dim: int = field(default=100, metadata=_POS)
    encoder_channels: tuple[int, int, int, int] = field(default=(32, 64, 128, 256), metadata=_POS)
    dropout: float = 0.3
    negative_slope: float = 0.3  # Keras LeakyReLU() default alpha
    generator_dense: int = field(default=1024, metadata=_POS)
    generator_map_channels: int = field(default=128, metadata=_POS)
    generator_channels: tuple[int, int] = field(default=(256, 128), metadata=_POS)
    generator_kernel: int = field(default=5, metadata=_POS)
    output_range: float = 3.0  # ours: tanh scaled to +-3 standard deviations of each mel bin
    covariance_jitter: float = 1e-4  # ours: ridge on each class covariance (relative to its mean variance)
    # training (IBM/BAGAN bagan_train.py: Adam 5e-5, beta1 0.5, batch 32; autoencoder epochs = GAN epochs)
    lr: float = 5e-5
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = field(default=32, metadata=_POS)
    epochs: int = 50  # GAN epochs (BalancingGAN.train's default)
    autoencoder_epochs: int | None = None  # None: as many as `epochs` (BAGAN ties them)
    autoencoder_lr: float | None = None  # None: `lr` (BAGAN uses one learning rate for both phases)
    # downstream classifier of fit()/predict(): emozoo's pooled_cnn on real + class-balancing synthetic data (ours)
    balance: bool = True
    classifier: str = "pooled_cnn"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = 30
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=32, metadata=_POS)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        """Refuse values the model cannot use (the core range-checks the ints; these are the rest)."""
        if len(self.label_names) != self.num_classes:
            raise ConfigError(f"BAGANConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class")
        if self.classifier not in CLASSIFIER_KINDS:
            raise ConfigError(f"BAGANConfig.classifier must be one of {CLASSIFIER_KINDS}, got {self.classifier!r}")
        checks = (
            ("dropout", 0 <= self.dropout < 1), ("negative_slope", self.negative_slope >= 0), ("output_range", self.output_range > 0),
            ("covariance_jitter", self.covariance_jitter >= 0), ("lr", self.lr > 0), ("autoencoder_lr", self.autoencoder_lr is None or self.autoencoder_lr > 0), ("classifier_lr", self.classifier_lr > 0),
            ("betas", all(0 <= b < 1 for b in self.betas)),
        )
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"BAGANConfig.{name} = {getattr(self, name)!r} is out of range; see its comment in emozoo_bagan/model.py")


class BAGAN(EmotionModel):
    """BAGAN over log-mel spectrograms [N, num_frames, num_mels] + a downstream CNN on real + balancing synthetic data.

    Args:
        config: a :class:`BAGANConfig` (or a dict of its fields).

    Example::

        model = emozoo.load("bagan-ser", num_classes=8, label_names=names, epochs=50)
        model.fit_generator(train)                          # AudioBatch(kind="features") [N, 128, 64]
        synthetic = model.generate(condition=balancing_conditions(train.labels, 8), seed=0)
    """

    spec = SPEC
    config_class = BAGANConfig

    def __init__(self, config: BAGANConfig | dict | None = None) -> None:
        super().__init__(config)
        c: BAGANConfig = self.config
        self.grid = latent_grid(c.num_frames, c.num_mels)
        with seeded_cpu_rng(c.seed):
            self.reconstructor = Reconstructor(Encoder(self.grid, c.encoder_channels, c.dropout, c.negative_slope), c.latent_dim)
            self.generator = Generator(self.grid, c.latent_dim, c.generator_dense, c.generator_map_channels,
                                       c.generator_channels, c.generator_kernel, c.output_range)
            self.discriminator = Discriminator(Encoder(self.grid, c.encoder_channels, c.dropout, c.negative_slope), c.num_classes)
        options = {"seed": c.seed + 1, **c.classifier_options}
        self.classifier = build_classifier(c.classifier, (c.num_frames, c.num_mels), c.num_classes, **options)
        self.register_buffer("feature_mean", torch.zeros(c.num_mels))
        self.register_buffer("feature_std", torch.ones(c.num_mels))
        self.register_buffer("class_means", torch.zeros(c.num_classes, c.latent_dim))
        self.register_buffer("class_chols", torch.eye(c.latent_dim).repeat(c.num_classes, 1, 1))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._template: AudioBatch | None = None
        self.fit_report: dict[str, Any] = {}

    # --- inputs -----------------------------------------------------------------------------------------

    def _features(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(float32 spectrograms [N, T, D], int64 labels [N] or None) from an AudioBatch, an (x, y) pair or a tensor."""
        c: BAGANConfig = self.config
        if isinstance(data, AudioBatch):
            if data.kind != "features":
                raise ModalityError(
                    f"{what}: bagan-ser takes AudioBatch kind 'features' (log-mel [N, T, n_mels]), got kind {data.kind!r}; "
                    "compute log-mel spectrograms first (emozoo-speech's front-end)"
                )
            x, y = data.inputs, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, torch.Tensor):
            x, y = data, None
        else:
            raise ModalityError(
                f"{what}: bagan-ser takes log-mel spectrograms (AudioBatch kind 'features', an (x, y) pair or a tensor "
                f"[N, {c.num_frames}, {c.num_mels}]), got {type(data).__name__}"
            )
        x = as_float_tensor(x, f"{what} spectrograms", 3, dims="[N, T, n_mels]", dtype=torch.float32)
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 spectrograms; pass at least one")
        if tuple(x.shape[1:]) != (c.num_frames, c.num_mels):
            raise ShapeError(
                f"{what}: expected spectrograms [N, {c.num_frames}, {c.num_mels}] (num_frames, num_mels), got {list(x.shape)}; "
                "crop/pad the frames or build the model with num_frames/num_mels matching your data"
            )
        if y is None:
            return x, None
        y = as_label_tensor(y, f"{what} labels", len(x))
        if y.is_floating_point():
            raise DTypeError(f"{what} labels: expected int64 class ids, got {y.dtype}; bagan-ser is a classifier-conditioned GAN")
        if int(y.min()) < 0 or int(y.max()) >= c.num_classes:
            raise LabelError(f"{what} labels: class ids must lie in 0..{c.num_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"bagan-ser cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    def _to_network(self, x: torch.Tensor) -> torch.Tensor:
        """Spectrograms [N, T, D] -> standardised, zero-padded network input [N, 1, T_pad, D_pad]."""
        _, t_pad, d_pad = self.grid
        z = (x - self.feature_mean) / self.feature_std
        return nn.functional.pad(z, (0, d_pad - z.shape[2], 0, t_pad - z.shape[1])).unsqueeze(1)

    def _from_network(self, z: torch.Tensor) -> torch.Tensor:
        """Network output [N, 1, T_pad, D_pad] -> spectrograms [N, T, D] on the input's scale (cropped back)."""
        c: BAGANConfig = self.config
        return z[:, 0, : c.num_frames, : c.num_mels] * self.feature_std + self.feature_mean

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train BAGAN (``fit_generator``), then the downstream CNN on real + class-balancing synthetic spectrograms."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        c: BAGANConfig = self.config
        x, y = self._features(train, "train")
        xs, ys = x, y
        conditions = balancing_conditions(y, c.num_classes) if c.balance else []
        if conditions:
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
        """Train what ``generate`` needs: autoencoder, class Gaussians, then the adversarial phase; returns both phases' epochs."""
        c: BAGANConfig = self.config
        x, y = self._features(train, "train")
        if y is None:
            raise LabelError("train: bagan-ser is conditioned on the emotion and needs labels; pass an AudioBatch with labels")
        missing = [k for k, n in enumerate(class_counts(y, c.num_classes)) if n == 0]
        if missing:
            raise LabelError(f"train: classes {missing} have no sample; BAGAN fits one latent Gaussian per class, so every class needs one")
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self._template = train.index([0]) if isinstance(train, AudioBatch) else None
        self.to(runtime.device)
        x, y = x.to(runtime.device), y.to(runtime.device)
        with torch.no_grad():
            self.feature_mean.copy_(x.mean((0, 1)))
            self.feature_std.copy_(x.std((0, 1), unbiased=False).clamp_min(1e-6))
            z = self._to_network(x)
        callbacks = tuple(callbacks)
        ae_epochs = c.epochs if c.autoencoder_epochs is None else c.autoencoder_epochs
        ae = self._fit_autoencoder(z, y, ae_epochs, runtime, callbacks)
        self.reconstructor.eval()
        with torch.no_grad():
            codes = torch.cat([self.reconstructor(part) for part in z.split(256)])
            means, chols = class_gaussians(codes.cpu(), y.cpu(), c.num_classes, c.covariance_jitter)
            self.class_means.copy_(means)
            self.class_chols.copy_(chols)
            # BAGAN's initialisation: the discriminator's convolutions start as the trained encoder's
            self.discriminator.features.load_state_dict(self.reconstructor.features.state_dict())
        gan = self._fit_gan(z, y, runtime, callbacks)
        self.fitted.fill_(1)
        self.fit_report = {"autoencoder_epochs": len(ae), "gan_epochs": len(gan)}
        self.eval()
        return History([*ae, *gan], stop_reason=gan.stop_reason or ae.stop_reason)

    def _loader(self, z: torch.Tensor, y: torch.Tensor, runtime: Runtime, salt: int) -> Any:
        c: BAGANConfig = self.config
        return rows_loader(z, y, batch_size=c.batch_size, seed=c.seed + salt)

    def _fit_autoencoder(self, z: torch.Tensor, y: torch.Tensor, epochs: int, runtime: Runtime, callbacks: Any) -> History:
        """BAGAN step 1: train E and G as the autoencoder G(E(x)) on all real spectrograms (MSE on the unpadded area)."""
        c: BAGANConfig = self.config
        t, d = c.num_frames, c.num_mels
        params = [*self.reconstructor.parameters(), *self.generator.parameters()]
        lr = c.lr if c.autoencoder_lr is None else c.autoencoder_lr
        opt = torch.optim.Adam(params, lr=lr, betas=tuple(float(b) for b in c.betas))
        self.reconstructor.train()
        self.generator.train()
        enc, gen, opt, loader = runtime.prepare(self.reconstructor, self.generator, opt, self._loader(z, y, runtime, 0))

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            real, _ = batch
            with runtime.autocast():
                loss = reconstruction_loss(gen(enc(real))[..., :t, :d].float(), real[..., :t, :d])
            opt.zero_grad(set_to_none=True)
            runtime.backward(loss)
            opt.step()
            return {"reconstruction_loss": loss.detach()}

        return runtime.train(step, loader, epochs=epochs, callbacks=callbacks, desc="bagan-ser:autoencoder")

    def _fit_gan(self, z: torch.Tensor, y: torch.Tensor, runtime: Runtime, callbacks: Any) -> History:
        """BAGAN step 3: per real batch of B, one D update on B real + ceil(B/K) fakes, one G update on B + ceil(B/K) latents."""
        c: BAGANConfig = self.config
        k = c.num_classes
        betas = tuple(float(b) for b in c.betas)
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=c.lr, betas=betas)
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=betas)
        self.discriminator.train()
        self.generator.train()
        disc, gen, opt_d, opt_g, loader = runtime.prepare(self.discriminator, self.generator, opt_d, opt_g, self._loader(z, y, runtime, 1))
        d_params = list(disc.parameters())
        means, chols = self.class_means, self.class_chols

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            real, labels = batch
            fake_size = math.ceil(len(real) / k)
            drawn = torch.randint(k, (fake_size,), device=real.device)  # uniform class ratios (BAGAN's default)
            with torch.no_grad(), runtime.autocast():
                fake = gen(sample_latent(means, chols, drawn))
            with runtime.autocast():
                logits = disc(torch.cat([real, fake.to(real.dtype)]))
                loss_d = discriminator_loss(logits[: len(real)], labels, logits[len(real):])
            opt_d.zero_grad(set_to_none=True)
            runtime.backward(loss_d)
            opt_d.step()
            for p in d_params:
                p.requires_grad_(False)
            try:
                drawn = torch.randint(k, (fake_size + len(real),), device=real.device)
                with runtime.autocast():
                    loss_g = generator_loss(disc(gen(sample_latent(means, chols, drawn))), drawn)
                opt_g.zero_grad(set_to_none=True)
                runtime.backward(loss_g)
                opt_g.step()
            finally:
                for p in d_params:
                    p.requires_grad_(True)
            return {"discriminator_loss": loss_d.detach(), "generator_loss": loss_g.detach()}

        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="bagan-ser:gan")

    # --- generation -------------------------------------------------------------------------------------

    def _conditions(self, n: int | None, condition: Any) -> torch.Tensor:
        """Class ids [n] from ``condition`` (None: the classes in turn, balanced; an int: that class; a sequence: one per sample)."""
        return condition_labels("bagan-ser", n, condition, self.config.num_classes)

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> AudioBatch:
        """``n`` synthetic log-mel spectrograms [n, T, n_mels] on the input scale, drawn from G(N(mu_c, Sigma_c)).

        ``condition=None`` cycles through the classes (balanced); equal ``seed`` gives equal samples. Returns the training
        batch's type and kind (``train.with_samples``), labels = the conditions.
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = self._conditions(n, condition)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        rng = torch.Generator().manual_seed(seed)
        device = self.feature_mean.device
        was_training = self.generator.training
        self.generator.eval()
        try:
            parts = [
                self._from_network(self.generator(sample_latent(self.class_means, self.class_chols, part.to(device), rng)))
                for part in labels.split(256)
            ]
        finally:
            self.generator.train(was_training)
        x = torch.cat(parts).float().cpu()
        if self._template is not None:
            return self._template.with_samples(x, labels.clone())
        return AudioBatch(inputs=x, labels=labels.clone(), kind="features", source=self.training_source)

    # --- prediction -------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify spectrograms [N, T, n_mels] with the downstream CNN trained on real + balancing synthetic data."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    @torch.no_grad()
    def reconstruct(self, inputs: Any) -> torch.Tensor:
        """G(E(x)) [N, T, n_mels] on the input scale with the current generator (after fit: the adversarially tuned decoder)."""
        self._require_fitted("reconstruct")
        x, _ = self._features(inputs, "inputs")
        self.reconstructor.eval()
        self.generator.eval()
        return self._from_network(self.generator(self.reconstructor(self._to_network(x.to(self.feature_mean.device))))).cpu()

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        """Generator pass: latent codes [N, latent_dim] -> spectrograms [N, T, n_mels] on the input scale."""
        return self._from_network(self.generator(latent))
