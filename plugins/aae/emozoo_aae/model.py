"""Adversarial auto-encoder for speech emotion (Sahu et al. 2017/2018), with Latif et al. (2020)'s semi-supervised AAE.

``mode="supervised"`` (``aae-ser``, Sahu et al.): the encoder compresses z-scored utterance feature vectors into a
``code_dim`` code whose distribution a label-conditioned discriminator matches to a mixture of Gaussians with one
mode per emotion (Makhzani et al. 2016, Sec. 2.3); ``fit`` then trains a linear SVM on the codes of the training data
(``predict``), and ``generate`` samples the class's mode and decodes it back to the feature space.

``mode="semi_supervised"`` (``aae-ser-semisupervised``, Latif et al.): the encoder outputs a categorical code y
(softmax over the classes) and a continuous style code z; two discriminators match y to Cat(1/K) and z to N(0, I)
(Makhzani et al. 2016, Sec. 5), a classification phase trains q(y|x) on the labelled rows, and auxiliary heads
(e.g. gender, speaker) on the encoder's last hidden layer add Latif et al.'s multitask losses. ``predict`` is q(y|x);
``generate`` decodes [one-hot(class), z ~ N(0, I)]. Unlabelled data join the reconstruction and regularisation
phases (``fit(..., unlabelled=x)``).

Per mini-batch, one ``step_fn`` call runs the reconstruction phase, then the regularisation phase (discriminator
update, then encoder-as-generator update), then (semi-supervised / auxiliary tasks) the classification phase, each
with its own optimiser, as Makhzani et al. train. Inputs are z-scored per feature with training statistics kept as
buffers; frame features [N, T, D] (``num_frames > 0``) are padded (or linearly resampled when longer) to
``num_frames`` frames and flattened, and generated samples are brought back to the training batch's T.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch.nn import functional as F

from emozoo.config import SEED
from emozoo.data.batches import AudioBatch, as_float_tensor, as_label_tensor
from emozoo.errors import ConfigError, DTypeError, EmptyInputError, InputError, LabelError, ModalityError, NotFittedError, ShapeError
from emozoo.guards import check_generate, check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, rows_loader, seed_everything, seeded_cpu_rng
from emozoo_aae.losses import (
    discriminator_loss,
    generator_loss,
    mixture_means,
    reconstruction_loss,
    sample_categorical,
    sample_gaussian,
    sample_mixture,
)
from emozoo_aae.networks import Decoder, Discriminator, Encoder
from emozoo_aae.plugin import SPEC

__all__ = ["AAE", "AAEConfig"]

RAVDESS_LABELS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
_POSITIVE = {"min": 1}


@dataclass
class AAEConfig:
    """Hyper-parameters of the AAE; card.md says which come from the papers and which are ours."""

    # data (ours: the benchmark's RAVDESS eGeMAPSv02 functionals; Sahu et al.: IEMOCAP, 1582-d IS10, 4 classes)
    input_dim: int = field(default=88, metadata=_POSITIVE)
    num_frames: int = 0
    """0: utterance functionals [N, input_dim]; > 0: frame features [N, T, input_dim], time fitted to num_frames."""
    num_classes: int = field(default=8, metadata={"min": 2})
    label_names: tuple[str, ...] = RAVDESS_LABELS
    mode: Literal["supervised", "semi_supervised"] = "supervised"
    # networks: fully connected, 1000-1000 hidden units as Makhzani et al.'s MNIST AAE (Sahu et al.'s sizes unverified)
    code_dim: int = field(default=16, metadata=_POSITIVE)
    encoder_hidden: tuple[int, ...] = (1000, 1000)
    decoder_hidden: tuple[int, ...] = (1000, 1000)
    discriminator_hidden: tuple[int, ...] = (1000, 1000)
    # the prior of the supervised mode: one Gaussian mode per class (ours: radius / std)
    prior_radius: float = 4.0
    prior_std: float = 1.0
    # multitask heads (Latif et al.): task name -> classes, trained when fit gets auxiliary={name: ids}
    auxiliary_classes: dict[str, int] = field(default_factory=dict)
    auxiliary_weight: float = 1.0
    # optimisation (ours: Adam; discriminator at lr/5 as the unofficial TF code; Makhzani et al. use SGD + momentum)
    lr_reconstruction: float = 1e-3
    lr_discriminator: float = 2e-4
    lr_generator: float = 1e-3
    lr_classifier: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = field(default=64, metadata=_POSITIVE)
    epochs: int = 200
    # the paper's classifier on the code (supervised mode): a linear SVM (sklearn LinearSVC, saved as tensors)
    svm_c: float = 1.0
    svm_max_iter: int = field(default=20000, metadata=_POSITIVE)
    seed: int = field(default=0, metadata=SEED)


def _check_config(c: AAEConfig) -> None:
    """Raise ConfigError naming the first field whose value cannot work (ints are range-checked by emozoo.config)."""
    if len(c.label_names) != c.num_classes:
        raise ConfigError(f"AAEConfig.label_names has {len(c.label_names)} names for {c.num_classes} classes; give one per class")
    for name in ("encoder_hidden", "decoder_hidden", "discriminator_hidden"):
        if any(w < 1 for w in getattr(c, name)):
            raise ConfigError(f"AAEConfig.{name} = {getattr(c, name)!r}: every width must be >= 1")
    if c.mode == "supervised" and c.code_dim < c.num_classes and c.code_dim < 2:
        raise ConfigError(f"AAEConfig.code_dim = {c.code_dim}: the class mixture needs code_dim >= 2 (a circle) or >= num_classes (axes)")
    for name, k in c.auxiliary_classes.items():
        if k < 2:
            raise ConfigError(f"AAEConfig.auxiliary_classes[{name!r}] = {k}: an auxiliary task needs >= 2 classes")
    floats = {"prior_radius": c.prior_radius > 0, "prior_std": c.prior_std > 0, "auxiliary_weight": c.auxiliary_weight >= 0,
              "lr_reconstruction": c.lr_reconstruction > 0, "lr_discriminator": c.lr_discriminator > 0,
              "lr_generator": c.lr_generator > 0, "lr_classifier": c.lr_classifier > 0, "svm_c": c.svm_c > 0,
              "betas": all(0 <= b < 1 for b in c.betas)}
    for name, ok in floats.items():
        if not ok:
            raise ConfigError(f"AAEConfig.{name} = {getattr(c, name)!r} is out of range; learning rates, C, radius and std must be > 0, betas in [0, 1)")


class AAE(EmotionModel):
    """Adversarial auto-encoder over utterance feature vectors, generating class-conditional feature vectors.

    Args:
        config: an :class:`AAEConfig` (or a dict of its fields); ``mode`` picks Sahu et al.'s supervised AAE with an
            SVM on the code, or Latif et al.'s semi-supervised AAE.

    Example::

        model = emozoo.load("aae-ser", epochs=50)
        model.fit(AudioBatch(egemaps, labels=y, kind="functionals"))
        fake = model.generate(80, condition=3, seed=0)     # AudioBatch [80, 88], labels all 3
    """

    spec = SPEC
    config_class = AAEConfig

    def __init__(self, config: AAEConfig | dict | None = None) -> None:
        super().__init__(config)
        c: AAEConfig = self.config
        _check_config(c)
        semi = c.mode == "semi_supervised"
        self.vector_dim = c.input_dim * max(c.num_frames, 1)
        with seeded_cpu_rng(c.seed):
            self.encoder = Encoder(self.vector_dim, c.encoder_hidden, c.code_dim, c.num_classes if semi else None, c.auxiliary_classes)
            self.decoder = Decoder(c.code_dim + (c.num_classes if semi else 0), c.decoder_hidden, self.vector_dim)
            # supervised: D(z, one-hot y) against the class mixture; semi-supervised: D_z against N(0, I), D_y against Cat
            self.discriminator = Discriminator(c.code_dim, c.discriminator_hidden, 0 if semi else c.num_classes)
            self.category_discriminator = Discriminator(c.num_classes, c.discriminator_hidden) if semi else None
        self.register_buffer("prior_means", mixture_means(c.num_classes, c.code_dim, c.prior_radius))
        self.register_buffer("feature_mean", torch.zeros(c.input_dim))
        self.register_buffer("feature_std", torch.ones(c.input_dim))
        self.register_buffer("train_frames", torch.zeros(1, dtype=torch.long))
        self.register_buffer("svm_coef", torch.zeros(c.num_classes, c.code_dim))
        self.register_buffer("svm_intercept", torch.zeros(c.num_classes))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.register_buffer("svm_fitted", torch.zeros(1, dtype=torch.uint8))
        self.fit_report: dict[str, Any] = {}
        self._template: AudioBatch | None = None  # one training row: generate() returns template.with_samples(...)

    @property
    def semi_supervised(self) -> bool:
        """True for Latif et al.'s semi-supervised AAE (categorical + style codes)."""
        return self.config.mode == "semi_supervised"

    # --- input checks ---------------------------------------------------------------------------------

    def _features(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(features float32 [N, D] or [N, T, D], int64 labels [N] or None) from an AudioBatch, an (x, y) pair or a tensor."""
        c: AAEConfig = self.config
        labels = None
        if isinstance(data, AudioBatch):
            if data.kind == "waveform":
                raise ModalityError(f"{what}: {self.method_id} takes utterance functionals or frame features, got raw waveforms; "
                                    f"extract features first (e.g. emozoo_speech.frontends.EGeMAPS for functionals)")
            x, labels = data.features, data.labels
        elif isinstance(data, tuple) and len(data) == 2:
            x, labels = data
        elif hasattr(data, "coarse_modality") or hasattr(data, "dialogues") or isinstance(data, dict):
            raise ModalityError(f"{what}: {self.method_id} is a speech method and takes an AudioBatch (kind 'functionals' or "
                                f"'features') or a tensor, got {type(data).__name__}")
        else:
            x = data
        ndim, dims = (3, "[N, T, D]") if c.num_frames else (2, "[N, D]")
        x = as_float_tensor(x, f"{what} features", dims=dims).float()
        if x.ndim != ndim:
            hint = ("set num_frames=0 for utterance functionals [N, D]" if c.num_frames
                    else "set num_frames > 0 (e.g. 128) for frame features [N, T, D]")
            raise ShapeError(f"{what}: {self.method_id} with num_frames={c.num_frames} expects {dims}, got shape {tuple(x.shape)}; {hint}")
        if x.shape[0] == 0:
            raise EmptyInputError(f"{what}: got 0 samples; pass at least one")
        if x.shape[-1] != c.input_dim:
            raise ShapeError(f"{what}: expected {c.input_dim} features per {'frame' if c.num_frames else 'utterance'}, got "
                             f"shape {tuple(x.shape)}; set input_dim={x.shape[-1]} in the config or pass the features it was built for")
        if labels is not None:
            if isinstance(labels, torch.Tensor) and labels.is_floating_point():
                raise DTypeError(f"{what} labels: expected int64 class ids, got {labels.dtype}; cast with .long() if they are class ids")
            labels = self._labels(labels, f"{what} labels", len(x))
        return x, labels

    def _labels(self, labels: Any, what: str, n: int) -> torch.Tensor:
        """Validated int64 class ids [n] in 0..num_classes-1."""
        y = as_label_tensor(labels, what, n)
        k = self.config.num_classes
        if y.numel() and int(y.max()) >= k:
            raise LabelError(f"{what}: class id {int(y.max())} is out of range for {k} classes (0..{k - 1}); set num_classes or remap the labels")
        return y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.method_id} cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    # --- feature space <-> network space ----------------------------------------------------------------

    def _to_vectors(self, x: torch.Tensor) -> torch.Tensor:
        """z-score per feature and flatten: [N, D] -> [N, D]; [N, T, D] -> [N, num_frames * D] (pad / resample T)."""
        z = (x.to(self.feature_mean.device) - self.feature_mean) / self.feature_std
        if not self.config.num_frames:
            return z
        return _fit_time(z, self.config.num_frames).flatten(1)

    def _from_vectors(self, v: torch.Tensor) -> torch.Tensor:
        """Invert :meth:`_to_vectors`: back to the original scale and, for frame features, the training batch's T."""
        c: AAEConfig = self.config
        if c.num_frames:
            v = _unfit_time(v.reshape(len(v), c.num_frames, c.input_dim), int(self.train_frames[0]))
        return v * self.feature_std + self.feature_mean

    def encode(self, inputs: Any) -> torch.Tensor:
        """The code vectors [N, code_dim] of ``inputs`` (Sahu et al.'s compressed representation; semi-supervised: the style z)."""
        self._require_fitted("encode")
        x, _ = self._features(inputs, "inputs")
        with torch.no_grad():
            return self.encoder(self._to_vectors(x))[0]

    # --- training -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = (),
            unlabelled: Any = None, auxiliary: dict[str, Any] | None = None) -> History:
        """Train the AAE (``fit_generator``), then, supervised, the linear SVM on the training codes; returns the History.

        ``unlabelled`` (features without labels, semi-supervised mode) joins the reconstruction and regularisation
        phases; ``auxiliary`` maps each configured auxiliary task to int64 ids per training row (e.g. gender).
        """
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks, unlabelled=unlabelled, auxiliary=auxiliary)
        if not self.semi_supervised:
            x, y = self._features(train, "train")
            self._fit_svm(self.encode(x), y)
        if val is not None:
            self.fit_report["val"] = self.evaluate(val)
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = (),
                      unlabelled: Any = None, auxiliary: dict[str, Any] | None = None) -> History:
        """Train only what ``generate`` needs: the AAE's networks (no SVM), as the augmentation protocol asks."""
        c: AAEConfig = self.config
        x, y = self._features(train, "train")
        if y is None:
            raise LabelError(f"train: {self.method_id} is trained with emotion labels; pass an AudioBatch with labels or an (x, y) pair")
        aux = self._auxiliary(auxiliary, len(x))
        extra = None
        if unlabelled is not None:
            if not self.semi_supervised:
                raise InputError(f"unlabelled: {self.method_id} (supervised mode) needs a label for every code; "
                                 f"use aae-ser-semisupervised (mode='semi_supervised') for unlabelled data")
            extra, _ = self._features(unlabelled, "unlabelled")
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self.to(runtime.device)
        with torch.no_grad():
            every = x if extra is None else torch.cat([x, extra])
            rows = every.reshape(-1, c.input_dim)
            self.feature_mean.copy_(rows.mean(0))
            self.feature_std.copy_(rows.std(0, unbiased=False).clamp_min(1e-6))
            self.train_frames.fill_(x.shape[1] if c.num_frames else 0)
        v = self._to_vectors(x)
        targets = y.to(v.device)
        if extra is not None:  # unlabelled rows carry label -1: reconstruction and regularisation only
            v = torch.cat([v, self._to_vectors(extra)])
            targets = torch.cat([targets, torch.full((len(extra),), -1, dtype=torch.long, device=v.device)])
            aux = {k: torch.cat([t, torch.full((len(extra),), -1, dtype=torch.long)]) for k, t in aux.items()}
        history = self._train(v, targets, aux, runtime, callbacks)
        self.fitted.fill_(1)
        self._template = train.index([0]) if isinstance(train, AudioBatch) else None
        self.fit_report = {"train": len(x), "unlabelled": 0 if extra is None else len(extra), "auxiliary": sorted(aux),
                           "epochs": len(history)}
        self.eval()
        return history

    def _auxiliary(self, auxiliary: dict[str, Any] | None, n: int) -> dict[str, torch.Tensor]:
        """Validated auxiliary targets: only configured tasks, int64 ids per training row in range."""
        if not auxiliary:
            return {}
        if not isinstance(auxiliary, dict):
            raise DTypeError(f"auxiliary: expected a dict task -> class ids, got {type(auxiliary).__name__}")
        known = self.config.auxiliary_classes
        out = {}
        for name, ids in auxiliary.items():
            if name not in known:
                raise InputError(f"auxiliary: task {name!r} is not configured (auxiliary_classes = {dict(known)}); add it to the config")
            t = as_label_tensor(ids, f"auxiliary[{name!r}]", n)
            if t.numel() and int(t.max()) >= known[name]:
                raise LabelError(f"auxiliary[{name!r}]: id {int(t.max())} is out of range for {known[name]} classes")
            out[name] = t
        return out

    def _train(self, v: torch.Tensor, y: torch.Tensor, aux: dict[str, torch.Tensor], runtime: Runtime, callbacks: Any) -> History:
        """The per-mini-batch phases of Makhzani et al. through ``runtime.train``."""
        c: AAEConfig = self.config
        names = sorted(aux)
        columns = [v, y] + [aux[k].to(v.device) for k in names]
        loader = rows_loader(*columns, batch_size=c.batch_size, seed=c.seed)
        enc, dec, disc = self.encoder, self.decoder, self.discriminator
        adam = dict(betas=c.betas)
        opt_ae = torch.optim.Adam([*enc.body.parameters(), *enc.code.parameters(),
                                   *([] if enc.category is None else enc.category.parameters()), *dec.parameters()],
                                  lr=c.lr_reconstruction, **adam)
        d_params = [*disc.parameters()] + ([*self.category_discriminator.parameters()] if self.semi_supervised else [])
        opt_d = torch.optim.Adam(d_params, lr=c.lr_discriminator, **adam)
        gen_params = [*enc.body.parameters(), *enc.code.parameters()] + ([*enc.category.parameters()] if self.semi_supervised else [])
        opt_g = torch.optim.Adam(gen_params, lr=c.lr_generator, **adam)
        opt_cls = None
        if self.semi_supervised or names:
            cls_params = [*enc.body.parameters()] + ([*enc.category.parameters()] if self.semi_supervised else [])
            cls_params += [p for k in names for p in enc.auxiliary[k].parameters()]
            opt_cls = torch.optim.Adam(cls_params, lr=c.lr_classifier, **adam)
        rng = torch.Generator().manual_seed(c.seed + 1)  # prior samples, reproducible and apart from the global RNG
        self.train()
        step = self._semi_step if self.semi_supervised else self._supervised_step
        opts = (opt_ae, opt_d, opt_g, opt_cls)

        def step_fn(batch: list[torch.Tensor]) -> dict[str, torch.Tensor]:
            logs = step(batch[0], batch[1], opts, rng, runtime)
            if opt_cls is not None:
                logs.update(self._classification_phase(batch[0], batch[1], dict(zip(names, batch[2:])), opt_cls, runtime))
            return logs

        return runtime.train(step_fn, loader, epochs=c.epochs, callbacks=callbacks, desc=self.method_id)

    def _supervised_step(self, x: torch.Tensor, y: torch.Tensor, opts: tuple, rng: torch.Generator, runtime: Runtime) -> dict[str, torch.Tensor]:
        """Sahu et al. / Makhzani Sec. 2.3: reconstruction, then D(z, y) vs the class mixture, then the encoder fools D."""
        opt_ae, opt_d, opt_g, _ = opts
        enc, dec, disc = self.encoder, self.decoder, self.discriminator
        rec = reconstruction_loss(x, dec(enc(x)[0]))
        opt_ae.zero_grad(set_to_none=True)
        runtime.backward(rec)
        opt_ae.step()
        with torch.no_grad():
            fake = enc(x)[0]
        real = sample_mixture(y, self.prior_means, self.config.prior_std, rng)
        d_loss = discriminator_loss(disc(real, y), disc(fake, y))
        opt_d.zero_grad(set_to_none=True)
        runtime.backward(d_loss)
        opt_d.step()
        g_loss = generator_loss(disc(enc(x)[0], y))
        opt_g.zero_grad(set_to_none=True)
        runtime.backward(g_loss)
        opt_g.step()
        return {"reconstruction_loss": rec.detach(), "discriminator_loss": d_loss.detach(), "generator_loss": g_loss.detach()}

    def _semi_step(self, x: torch.Tensor, y: torch.Tensor, opts: tuple, rng: torch.Generator, runtime: Runtime) -> dict[str, torch.Tensor]:
        """Makhzani Sec. 5 / Latif et al.: reconstruction from [q(y|x), z], then D_y vs Cat and D_z vs N(0, I), then the encoder."""
        opt_ae, opt_d, opt_g, _ = opts
        enc, dec = self.encoder, self.decoder
        d_z, d_y = self.discriminator, self.category_discriminator
        k = self.config.num_classes

        def codes() -> tuple[torch.Tensor, torch.Tensor]:
            z, logits, _ = enc(x)
            return z, logits.softmax(1)

        z, q = codes()
        rec = reconstruction_loss(x, dec(torch.cat([q, z], 1)))
        opt_ae.zero_grad(set_to_none=True)
        runtime.backward(rec)
        opt_ae.step()
        with torch.no_grad():
            z, q = codes()
        n = len(x)
        d_loss = (discriminator_loss(d_z(sample_gaussian(n, z.shape[1], rng, z.device)), d_z(z))
                  + discriminator_loss(d_y(sample_categorical(n, k, rng, z.device)), d_y(q)))
        opt_d.zero_grad(set_to_none=True)
        runtime.backward(d_loss)
        opt_d.step()
        z, q = codes()
        g_loss = generator_loss(d_z(z)) + generator_loss(d_y(q))
        opt_g.zero_grad(set_to_none=True)
        runtime.backward(g_loss)
        opt_g.step()
        return {"reconstruction_loss": rec.detach(), "discriminator_loss": d_loss.detach(), "generator_loss": g_loss.detach()}

    def _classification_phase(self, x: torch.Tensor, y: torch.Tensor, aux: dict[str, torch.Tensor], opt: torch.optim.Optimizer,
                              runtime: Runtime) -> dict[str, torch.Tensor]:
        """Cross-entropy of q(y|x) on the labelled rows (semi-supervised) plus the weighted auxiliary tasks' cross-entropies."""
        _, logits, heads = self.encoder(x)
        total = x.new_zeros(())
        logs: dict[str, torch.Tensor] = {}
        if logits is not None and bool((y >= 0).any()):
            ce = F.cross_entropy(logits, y, ignore_index=-1)
            total = total + ce
            logs["classification_loss"] = ce.detach()
        for name, target in aux.items():
            if bool((target >= 0).any()):
                ce = F.cross_entropy(heads[name], target, ignore_index=-1)
                total = total + self.config.auxiliary_weight * ce
                logs[f"{name}_loss"] = ce.detach()
        if total.requires_grad:
            opt.zero_grad(set_to_none=True)
            runtime.backward(total)
            opt.step()
        return logs

    def _fit_svm(self, codes: torch.Tensor, y: torch.Tensor) -> None:
        """Fit sklearn's LinearSVC (one-vs-rest, squared hinge) on the codes; keep its weights as buffers."""
        from sklearn.svm import LinearSVC

        c: AAEConfig = self.config
        present = torch.unique(y)
        if len(present) < 2:
            raise LabelError(f"train: the SVM on the code needs at least 2 classes, got only class {present.tolist()}")
        svm = LinearSVC(C=c.svm_c, max_iter=c.svm_max_iter, random_state=c.seed, dual="auto")
        svm.fit(codes.cpu().double().numpy(), y.cpu().numpy())
        coef = torch.as_tensor(svm.coef_, dtype=torch.float32)
        intercept = torch.as_tensor(svm.intercept_, dtype=torch.float32)
        classes = torch.as_tensor(svm.classes_, dtype=torch.long)
        if len(classes) == 2:  # sklearn keeps one hyperplane for 2 classes: score(classes[1]) = w.x + b = -score(classes[0])
            coef, intercept = torch.cat([-coef, coef]), torch.cat([-intercept, intercept])
        full_coef = torch.zeros_like(self.svm_coef)
        full_intercept = torch.full_like(self.svm_intercept, -1e9)  # classes absent from training are never predicted
        full_coef[classes], full_intercept[classes] = coef.to(full_coef.device), intercept.to(full_coef.device)
        self.svm_coef.copy_(full_coef)
        self.svm_intercept.copy_(full_intercept)
        self.svm_fitted.fill_(1)
        self.fit_report["svm"] = {"classes": classes.tolist(), "iterations": int(svm.n_iter_), "converged": int(svm.n_iter_) < c.svm_max_iter}

    # --- generation -----------------------------------------------------------------------------------

    def _condition(self, n: int | None, condition: Any) -> torch.Tensor:
        """Class ids [n]: balanced round-robin when ``condition`` is None, else the one class or the given sequence."""
        k = self.config.num_classes
        if condition is None:
            if n is None:
                raise InputError("generate() needs n (how many samples) or condition (a class id per sample)")
            return torch.arange(n) % k
        if isinstance(condition, (bool, float)):
            raise DTypeError(f"condition must be an int class id or a sequence of them, got {condition!r}")
        if isinstance(condition, int) or (isinstance(condition, torch.Tensor) and condition.ndim == 0):
            value = int(condition)
            if not 0 <= value < k:
                raise LabelError(f"condition: class id {value} is out of range for {k} classes (0..{k - 1})")
            return torch.full((n if n is not None else 1,), value, dtype=torch.long)
        try:
            count = len(condition)
        except TypeError as exc:
            raise DTypeError(f"condition must be an int class id or a sequence of them, got {type(condition).__name__}") from exc
        if count == 0:
            raise EmptyInputError("condition: got an empty sequence; pass one class id per sample to generate")
        if n is not None and n != count:
            raise ShapeError(f"condition has {count} labels but n={n}; pass n equal to len(condition) or leave n out")
        cond = condition.cpu() if isinstance(condition, torch.Tensor) else condition
        return self._labels(cond, "condition", count)

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> AudioBatch:
        """``n`` synthetic feature vectors decoded from prior samples of their class, on the original scale.

        Supervised: z ~ N(mode_y, prior_std^2 I); semi-supervised: [one-hot(y), z ~ N(0, I)]. Equal ``seed``, equal
        samples. Returns ``train.with_samples(features, labels)`` (an AudioBatch of the training kind, its source and
        sample rate kept; after ``from_pretrained``, a plain AudioBatch of kind "functionals" / "features").
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = self._condition(n, condition)
        c: AAEConfig = self.config
        rng = torch.Generator().manual_seed(int(torch.randint(0, 2**62, (1,)).item()) if seed is None else seed)
        device = self.feature_mean.device
        lab = labels.to(device)
        if self.semi_supervised:
            code = torch.cat([F.one_hot(lab, c.num_classes).float(), sample_gaussian(len(lab), c.code_dim, rng, device)], 1)
        else:
            code = sample_mixture(lab, self.prior_means, c.prior_std, rng)
        was_training = self.decoder.training
        self.decoder.eval()
        try:
            features = self._from_vectors(self.decoder(code)).float().cpu()
        finally:
            self.decoder.train(was_training)
        if self._template is not None:
            return self._template.with_samples(features, labels.clone())
        kind = "features" if c.num_frames else "functionals"
        return AudioBatch(inputs=features, labels=labels.clone(), kind=kind, source=getattr(self, "training_source", None))

    # --- prediction -----------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Emotion of each utterance: the linear SVM on the code (supervised) or q(y|x) (semi-supervised).

        Supervised probabilities are the softmax of the SVM's decision scores (uncalibrated; the argmax is the SVM's).
        """
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "inputs")
        was_training = self.encoder.training
        self.encoder.eval()
        try:
            z, logits, _ = self.encoder(self._to_vectors(x))
        finally:
            self.encoder.train(was_training)
        if self.semi_supervised:
            scores = logits
        else:
            if not int(self.svm_fitted[0]):
                raise NotFittedError(f"{self.method_id} cannot predict: its SVM was not trained (fit_generator trains only the AAE); call fit(train)")
            scores = self.decision_function(z)
        probs = scores.float().softmax(1).cpu()
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def decision_function(self, codes: torch.Tensor) -> torch.Tensor:
        """The linear SVM's one-vs-rest scores [N, K] for code vectors [N, code_dim] (sklearn's decision_function)."""
        return codes @ self.svm_coef.T + self.svm_intercept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction of z-scored vectors ``x`` [N, vector_dim] through the encoder and decoder."""
        z, logits, _ = self.encoder(x)
        return self.decoder(z if logits is None else torch.cat([logits.softmax(1), z], 1))


def _fit_time(x: torch.Tensor, frames: int) -> torch.Tensor:
    """[N, T, D] -> [N, frames, D]: zero-pad the end (zero is the z-scored mean) when T <= frames, else resample linearly."""
    t = x.shape[1]
    if t == frames:
        return x
    if t < frames:
        return F.pad(x, (0, 0, 0, frames - t))
    return F.interpolate(x.transpose(1, 2), size=frames, mode="linear", align_corners=False).transpose(1, 2)


def _unfit_time(x: torch.Tensor, frames: int) -> torch.Tensor:
    """Invert :func:`_fit_time` for a batch of the network's length: crop the padding back off, or resample up to ``frames``."""
    t = x.shape[1]
    if frames <= t:
        return x[:, :frames]
    return F.interpolate(x.transpose(1, 2), size=frames, mode="linear", align_corners=False).transpose(1, 2)


