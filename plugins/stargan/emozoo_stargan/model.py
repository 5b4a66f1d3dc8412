"""LAUN improved StarGAN (Wang et al. 2020, after StarGAN, Choi et al. 2018) translating facial expressions.

``fit_generator`` trains one generator G(x, c) for every target expression c and one discriminator D with a PatchGAN
source head and a domain-classification head, StarGAN's way: per step one D update (WGAN critic on real vs translated
faces + lambda_gp * gradient penalty + lambda_cls * CE of the real faces' labels) and every ``n_critic`` steps one G
update (adversarial + lambda_cls * CE of the targets on translations + lambda_rec * L1 cycle ``||x - G(G(x, c), c')||``
+ LAUN's lambda_cx * contextual loss between translation and input); G is LAUN's Attention U-Net by default.
``generate`` draws faces of the ``source_classes`` (by default the most frequent training classes) and translates them
into the requested expressions: majority-class faces become minority expressions. ``fit`` then trains the downstream
CNN on real + translated faces that balance the classes (LAUN recognises with a CNN on the enhanced database) and
``predict`` goes through it.

The training photographs are third parties' faces: they are held in memory only (``generate`` reads them) and never
saved, so a model loaded with ``from_pretrained`` translates the ``source=`` faces it is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

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
from emozoo_stargan.losses import (
    contextual_loss,
    critic_loss,
    cycle_reconstruction_loss,
    domain_classification_loss,
    generator_adversarial_loss,
    gradient_penalty,
    patch_features,
)
from emozoo_stargan.networks import GENERATORS, PatchDiscriminator
from emozoo_stargan.plugin import SPEC

__all__ = ["LAUNStarGAN", "LAUNStarGANConfig", "class_counts", "default_source_classes"]

_POS = {"min": 1}
_MUXSPACE = ("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
_FIX = "convert with emozoo_face.frontend.prepare_images"


@dataclass
class LAUNStarGANConfig:
    """Hyper-parameters: StarGAN's official values and LAUN's parts unless a comment says ours (card.md lists each choice)."""

    # data: the benchmark's grey 48 x 48 faces in [0, 1], muxspace's 8 expressions (StarGAN: 128 x 128 RGB)
    image_size: int = field(default=48, metadata={"min": 16})
    channels: int = field(default=1, metadata={"min": 1, "max": 3})
    num_classes: int = field(default=8, metadata={"min": 2})
    label_names: tuple[str, ...] = _MUXSPACE
    # generator: LAUN replaces StarGAN's ResNet G by an Attention U-Net; "resnet" is StarGAN's own
    generator: Literal["attention_unet", "resnet"] = "attention_unet"
    g_conv_dim: int = field(default=64, metadata=_POS)
    g_res_blocks: int = field(default=6, metadata={"min": 0})
    g_downsamplings: int = field(default=2, metadata={"min": 1, "max": 4})
    # discriminator: StarGAN's PatchGAN; 6 stride-2 convs at 128 px -> ours 4 at 48 px (a 3 x 3 patch map)
    d_conv_dim: int = field(default=64, metadata=_POS)
    d_repeat: int = field(default=4, metadata={"min": 1, "max": 8})
    # objective (StarGAN: lambda_cls 1, lambda_rec 10, lambda_gp 10); LAUN's contextual loss weight is ours
    lambda_cls: float = 1.0
    lambda_rec: float = 10.0
    lambda_gp: float = 10.0
    lambda_cx: float = 0.1  # ours: LAUN's weight was not reachable (1.0 swamped identity on our toy); 0 = StarGAN
    cx_patch: int = field(default=5, metadata=_POS)  # ours: CX over pixel patches (LAUN: over CNN feature maps)
    cx_stride: int = field(default=2, metadata=_POS)
    cx_bandwidth: float = 0.5  # Mechrez et al.'s h
    # optimisation (StarGAN: Adam 1e-4, betas (0.5, 0.999), batch 16, n_critic 5, 200k iterations)
    g_lr: float = 1e-4
    d_lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = field(default=16, metadata=_POS)
    n_critic: int = field(default=5, metadata=_POS)
    iterations: int = field(default=200_000, metadata=_POS)  # discriminator steps, as StarGAN counts them
    decay_fraction: float = 0.5  # StarGAN: the learning rates decay linearly to 0 over the last 100k of 200k iterations
    target_sampling: Literal["permute", "uniform"] = "permute"  # StarGAN: the batch's labels shuffled; "uniform": every class alike
    flip: bool = True  # StarGAN's random horizontal flip of training faces
    # generate(): faces of these classes are translated; () = the `num_source_classes` classes with most training faces
    source_classes: tuple[int, ...] = ()
    num_source_classes: int = field(default=2, metadata=_POS)
    # downstream classifier of fit()/predict(): emozoo's pooled_cnn on real + translations topping classes up (ours)
    balance: bool = True
    max_synthetic_per_class: int | None = field(default=None, metadata={"min": 0})  # None: up to the largest class
    classifier: str = "pooled_cnn"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = 30
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=32, metadata=_POS)
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        """Refuse values the model cannot use (the core range-checks the ints; these are the rest)."""
        if len(self.label_names) != self.num_classes:
            raise ConfigError(f"LAUNStarGANConfig.label_names has {len(self.label_names)} names for num_classes={self.num_classes}; give one per class")
        if self.generator not in GENERATORS:
            raise ConfigError(f"LAUNStarGANConfig.generator must be one of {tuple(GENERATORS)}, got {self.generator!r}")
        if self.target_sampling not in ("permute", "uniform"):
            raise ConfigError(f"LAUNStarGANConfig.target_sampling must be 'permute' or 'uniform', got {self.target_sampling!r}")
        if self.classifier not in CLASSIFIER_KINDS:
            raise ConfigError(f"LAUNStarGANConfig.classifier must be one of {CLASSIFIER_KINDS}, got {self.classifier!r}")
        if self.image_size % 2**self.d_repeat or self.image_size % 2**self.g_downsamplings:
            raise ConfigError(
                f"LAUNStarGANConfig.image_size={self.image_size} must be divisible by 2**d_repeat={2**self.d_repeat} and "
                f"2**g_downsamplings={2**self.g_downsamplings}; pick e.g. image_size=48 with d_repeat<=4"
            )
        if self.cx_patch > self.image_size:
            raise ConfigError(f"LAUNStarGANConfig.cx_patch={self.cx_patch} exceeds image_size={self.image_size}")
        bad = [k for k in self.source_classes if not 0 <= k < self.num_classes]
        if bad or len(set(self.source_classes)) != len(self.source_classes):
            raise ConfigError(f"LAUNStarGANConfig.source_classes must be distinct class ids in 0..{self.num_classes - 1}, got {self.source_classes}")
        if self.num_source_classes > self.num_classes:
            raise ConfigError(f"LAUNStarGANConfig.num_source_classes={self.num_source_classes} exceeds num_classes={self.num_classes}")
        checks = (
            ("lambda_cls", self.lambda_cls >= 0), ("lambda_rec", self.lambda_rec >= 0), ("lambda_gp", self.lambda_gp >= 0),
            ("lambda_cx", self.lambda_cx >= 0), ("cx_bandwidth", self.cx_bandwidth > 0), ("g_lr", self.g_lr > 0), ("d_lr", self.d_lr > 0),
            ("betas", all(0 <= b < 1 for b in self.betas)), ("classifier_lr", self.classifier_lr > 0),
            ("decay_fraction", 0 <= self.decay_fraction <= 1),
        )
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"LAUNStarGANConfig.{name} = {getattr(self, name)!r} is out of range; see its comment in emozoo_stargan/model.py")


def class_counts(labels: torch.Tensor, num_classes: int) -> list[int]:
    """Training faces per class, 0..num_classes-1."""
    return torch.bincount(labels.long().cpu(), minlength=num_classes).tolist()


def default_source_classes(counts: list[int], k: int) -> tuple[int, ...]:
    """The ``k`` classes with the most faces (ties: the lower class id first), sorted by class id."""
    order = sorted(range(len(counts)), key=lambda c: (-counts[c], c))
    return tuple(sorted(order[:k]))


class LAUNStarGAN(EmotionModel):
    """LAUN improved StarGAN over faces [N, C, S, S] in [0, 1] + a downstream CNN on real + translated faces.

    Args:
        config: a :class:`LAUNStarGANConfig` (or a dict of its fields).

    Example::

        model = emozoo.load("laun-stargan", iterations=3000, g_conv_dim=16, d_conv_dim=16)
        model.fit_generator(train)                        # ImageBatch [N, 1, 48, 48] in [0, 1]
        fear = model.generate(100, condition=3, seed=0)   # neutral / happy faces translated to fear
        strip = model.translation_strip(faces[:4], range(8))
    """

    spec = SPEC
    config_class = LAUNStarGANConfig

    def __init__(self, config: LAUNStarGANConfig | dict | None = None) -> None:
        super().__init__(config)
        c: LAUNStarGANConfig = self.config
        with seeded_cpu_rng(c.seed):
            self.generator = GENERATORS[c.generator](c.channels, c.num_classes, c.g_conv_dim, c.g_res_blocks, c.g_downsamplings)
            self.discriminator = PatchDiscriminator(c.channels, c.image_size, c.num_classes, c.d_conv_dim, c.d_repeat)
        options = {"seed": c.seed + 1, **c.classifier_options}
        self.classifier = build_classifier(c.classifier, (c.channels, c.image_size, c.image_size), c.num_classes, **options)
        self.register_buffer("source_mask", torch.zeros(c.num_classes, dtype=torch.uint8))  # class ids only, no photographs
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._pool: torch.Tensor | None = None  # training faces of the source classes: in memory only, never saved
        self._template: ImageBatch | None = None
        self.fit_report: dict[str, Any] = {}

    # --- inputs -----------------------------------------------------------------------------------------

    def _images(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(float32 faces [N, C, S, S] in [0, 1], int64 labels [N] or None) from an ImageBatch, an (x, y) pair or a tensor."""
        c: LAUNStarGANConfig = self.config
        expected = f"[N, {c.channels}, {c.image_size}, {c.image_size}] float in [0, 1]"
        if isinstance(data, ImageBatch):
            x, y = data.images, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, torch.Tensor):
            x, y = data, None
        else:
            raise ModalityError(f"{what}: laun-stargan takes face images (an ImageBatch, an (images, labels) pair or a tensor {expected}), got {type(data).__name__}")
        if isinstance(x, torch.Tensor) and not (x.is_floating_point() or x.is_complex()):
            raise DTypeError(f"{what}: expected faces {expected}, got {x.dtype}; {_FIX} (or divide by 255)")
        x = as_float_tensor(x, f"{what} images", 4, dims="[N, C, H, W]", dtype=torch.float32)
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 images; pass at least one")
        if tuple(x.shape[1:]) != (c.channels, c.image_size, c.image_size):
            raise ShapeError(f"{what}: expected {expected}, got {list(x.shape)}; {_FIX} or build the model with image_size=/channels= matching your data")
        low, high = float(x.min()), float(x.max())
        if low < 0.0 or high > 1.0:
            hint = " (0..255 pixel values: divide by 255)" if high > 1.0 else ""
            raise InputError(f"{what}: expected faces {expected}, got values in [{low:.3g}, {high:.3g}]{hint}; {_FIX}")
        if y is None:
            return x, None
        y = as_label_tensor(y, f"{what} labels", len(x))
        if y.is_floating_point():
            raise DTypeError(f"{what} labels: expected int64 expression ids, got {y.dtype}")
        if int(y.min()) < 0 or int(y.max()) >= c.num_classes:
            raise LabelError(f"{what} labels: class ids must lie in 0..{c.num_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"laun-stargan cannot {action} before fit(); call model.fit_generator(train) or load a trained model with from_pretrained")

    @property
    def source_classes(self) -> tuple[int, ...]:
        """The classes whose faces ``generate`` translates (set at fit time)."""
        return tuple(int(k) for k in torch.nonzero(self.source_mask).flatten())

    def source_faces(self, data: Any) -> torch.Tensor:
        """The faces of ``data`` that ``generate`` translates: those of the model's source classes, exactly the pool
        ``fit_generator`` held. A loaded model holds none (photographs are never saved), so pass them back with
        ``generate(..., source=model.source_faces(train))`` to draw what the trained model drew."""
        self._require_fitted("pick source faces")
        x, y = self._images(data, "data")
        if y is None:
            raise LabelError("data: source_faces needs labelled faces (an ImageBatch or an (images, labels) pair) to pick the source classes")
        return x[torch.isin(y, torch.tensor(self.source_classes))].clone()

    # --- training ---------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the translator (``fit_generator``), then the downstream CNN on real + class-balancing translations."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        c: LAUNStarGANConfig = self.config
        x, y = self._images(train, "train")
        xs, ys = x, y
        conditions = self.balancing_conditions(y) if c.balance else []
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

    def balancing_conditions(self, labels: Any) -> list[int]:
        """Target classes that top every class up to the largest one (at most ``max_synthetic_per_class`` each)."""
        c: LAUNStarGANConfig = self.config
        counts = class_counts(torch.as_tensor(labels), c.num_classes)
        top = max(counts)
        cap = top if c.max_synthetic_per_class is None else c.max_synthetic_per_class
        return [k for k, n in enumerate(counts) for _ in range(min(top - n, cap))]

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train G and D on the labelled faces (StarGAN's alternating WGAN-GP updates); returns the per-epoch History."""
        c: LAUNStarGANConfig = self.config
        x, y = self._images(train, "train")
        if y is None:
            raise LabelError("train: laun-stargan translates between labelled expressions and needs labels; pass an ImageBatch with labels")
        counts = class_counts(y, c.num_classes)
        missing = [f"{k} ({c.label_names[k]})" for k, n in enumerate(counts) if n == 0]
        if missing:
            raise LabelError(
                f"train: classes {', '.join(missing)} have no training image; StarGAN learns every target expression from its "
                "real faces, so each class needs at least one (merge or drop the class and set num_classes/label_names)"
            )
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        sources = c.source_classes or default_source_classes(counts, c.num_source_classes)
        self.source_mask.zero_()
        self.source_mask[list(sources)] = 1
        self._pool = x[torch.isin(y, torch.tensor(sources))].clone()
        self._template = train.index([0]) if isinstance(train, ImageBatch) else None
        self.to(runtime.device)
        history = self._fit_gan(x.to(runtime.device), y.to(runtime.device), runtime, tuple(callbacks))
        self.fitted.fill_(1)
        self.fit_report = {"iterations": int(sum(e.get("steps", 0) for e in history)), "source_classes": list(sources)}
        self.eval()
        return history

    def _fit_gan(self, x: torch.Tensor, y: torch.Tensor, runtime: Runtime, callbacks: tuple) -> History:
        """StarGAN's loop: a D step per batch, a G step every ``n_critic`` D steps, linear lr decay over the last iterations."""
        c: LAUNStarGANConfig = self.config
        k = c.num_classes
        betas = tuple(float(b) for b in c.betas)
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.g_lr, betas=betas)
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=c.d_lr, betas=betas)
        loader = rows_loader(x, y, batch_size=c.batch_size, seed=c.seed, drop_last=len(x) > c.batch_size)
        steps_per_epoch = len(loader)
        gen, disc, opt_g, opt_d, loader = runtime.prepare(self.generator, self.discriminator, opt_g, opt_d, loader)
        self.generator.train()
        self.discriminator.train()
        d_params = list(disc.parameters())
        decay = round(c.decay_fraction * c.iterations)

        def critic(t: torch.Tensor) -> torch.Tensor:
            return disc(t)[0]

        def step(batch: tuple[torch.Tensor, torch.Tensor], info: Any) -> dict[str, torch.Tensor]:
            real, labels = batch
            real = real * 2 - 1  # StarGAN's networks work in [-1, 1]
            if c.flip:
                flip = torch.rand(len(real), device=real.device) < 0.5
                real = torch.where(flip[:, None, None, None], real.flip(3), real)
            if c.target_sampling == "permute":
                targets = labels[torch.randperm(len(labels), device=labels.device)]
            else:
                targets = torch.randint(k, (len(labels),), device=labels.device)
            scale = lr_scale(info.global_step, c.iterations, decay)
            for opt, base in ((opt_g, c.g_lr), (opt_d, c.d_lr)):
                for group in opt.param_groups:
                    group["lr"] = base * scale
            # discriminator: -D(x) + D(G(x, c)) + lambda_cls * CE(D_cls(x), c') + lambda_gp * GP
            with runtime.autocast():
                src_real, cls_real = disc(real)
                with torch.no_grad():
                    fake = gen(real, targets)
                src_fake, _ = disc(fake)
                loss_cls = domain_classification_loss(cls_real.float(), labels)
                loss_adv = critic_loss(src_real.float(), src_fake.float())
            gp = gradient_penalty(critic, real, fake)
            loss_d = loss_adv + c.lambda_cls * loss_cls + c.lambda_gp * gp
            opt_d.zero_grad(set_to_none=True)
            runtime.backward(loss_d)
            opt_d.step()
            logs = {"d_loss": loss_d.detach(), "d_adv_loss": loss_adv.detach(), "d_cls_loss": loss_cls.detach(), "gp": gp.detach()}
            if (info.global_step + 1) % c.n_critic:
                return logs
            for p in d_params:
                p.requires_grad_(False)
            try:
                with runtime.autocast():
                    fake = gen(real, targets)
                    src, cls = disc(fake)
                    g_adv = generator_adversarial_loss(src.float())
                    g_cls = domain_classification_loss(cls.float(), targets)
                    g_rec = cycle_reconstruction_loss(real, gen(fake, labels).float())
                    loss_g = g_adv + c.lambda_cls * g_cls + c.lambda_rec * g_rec
                    if c.lambda_cx > 0:
                        g_cx = contextual_loss(patch_features(fake.float(), c.cx_patch, c.cx_stride),
                                               patch_features(real, c.cx_patch, c.cx_stride), c.cx_bandwidth)
                        loss_g = loss_g + c.lambda_cx * g_cx
                        logs["g_cx_loss"] = g_cx.detach()
                opt_g.zero_grad(set_to_none=True)
                runtime.backward(loss_g)
                opt_g.step()
            finally:
                for p in d_params:
                    p.requires_grad_(True)
            logs.update(g_loss=loss_g.detach(), g_adv_loss=g_adv.detach(), g_cls_loss=g_cls.detach(), reconstruction_loss=g_rec.detach())
            return logs

        epochs = math.ceil(c.iterations / steps_per_epoch)
        return runtime.train(step, loader, epochs=epochs, callbacks=callbacks, desc="laun-stargan", max_steps=c.iterations)

    # --- translation and generation ---------------------------------------------------------------------

    @torch.no_grad()
    def translate(self, images: Any, target: Any) -> torch.Tensor:
        """G(x, c): faces [N, C, S, S] in [0, 1] translated to ``target`` (one class id, or one per face) -> [N, C, S, S] in [0, 1]."""
        self._require_fitted("translate")
        x, _ = self._images(images, "images")
        labels = condition_labels(self.method_id, len(x), target, self.config.num_classes)
        return self._translate(x, labels)

    def _translate(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        device = self.fitted.device
        was_training = self.generator.training
        self.generator.eval()
        try:
            parts = [self.generator(xs.to(device) * 2 - 1, ls.to(device)) for xs, ls in zip(x.split(256), labels.split(256))]
        finally:
            self.generator.train(was_training)
        return ((torch.cat(parts).float().cpu() + 1) / 2).clamp_(0.0, 1.0)

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None, source: Any = None) -> ImageBatch:
        """``n`` faces of the source classes (drawn by ``seed``) translated to the conditions: ImageBatch [n, C, S, S] in [0, 1].

        Faces come from ``source`` (an ImageBatch / tensor, all of its rows) or else from the source-class training faces
        held since ``fit_generator``. ``condition=None`` cycles through the classes (balanced); equal ``seed`` and source
        give equal samples; labels = the conditions.
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = condition_labels(self.method_id, n, condition, self.config.num_classes)
        template = self._template
        if source is not None:
            pool, _ = self._images(source, "source")
            template = source.index([0]) if isinstance(source, ImageBatch) else template
        elif self._pool is not None and len(self._pool):
            pool = self._pool
        else:
            raise InputError(
                "laun-stargan: this model holds no source faces (training photographs are never saved with the weights); "
                "pass generate(..., source=faces) with an ImageBatch or tensor [N, C, S, S] in [0, 1]"
            )
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        rng = torch.Generator().manual_seed(seed)
        picks = torch.randint(len(pool), (len(labels),), generator=rng)
        images = self._translate(pool[picks], labels)
        if template is not None:
            return template.with_samples(images, labels.clone())
        return ImageBatch(images=images, labels=labels.clone(), source=self.training_source)

    @torch.no_grad()
    def translation_strip(self, images: Any, targets: Any) -> torch.Tensor:
        """A grid of translations only (no input pixels): row i, column j = G(images[i], targets[j]); [C, N * S, T * S] in [0, 1]."""
        self._require_fitted("draw translations")
        x, _ = self._images(images, "images")
        c: LAUNStarGANConfig = self.config
        columns = condition_labels(self.method_id, None, list(targets), c.num_classes)
        n, t, s = len(x), len(columns), c.image_size
        out = self._translate(x.repeat_interleave(t, 0), columns.repeat(n))  # [n * t, C, S, S], row-major
        return out.view(n, t, c.channels, s, s).permute(2, 0, 3, 1, 4).reshape(c.channels, n * s, t * s)

    # --- prediction -------------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify faces [N, C, S, S] with the downstream CNN trained on real + translated faces."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._images(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Generator pass on [0, 1] faces: G(x, c) -> [N, C, S, S] in [0, 1]."""
        return (self.generator(images * 2 - 1, labels) + 1) / 2


def lr_scale(step: int, iterations: int, decay_iterations: int) -> float:
    """StarGAN's schedule: 1 for the first ``iterations - decay_iterations`` steps, then linear to 0 at ``iterations``."""
    start = iterations - decay_iterations
    if decay_iterations == 0 or step < start:
        return 1.0
    return max(0.0, (iterations - step) / decay_iterations)
