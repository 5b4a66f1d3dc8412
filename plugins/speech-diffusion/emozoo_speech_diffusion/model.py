"""SpeechDDPM: an emotion-conditional (I)DDPM over log-mel maps (Malik et al. 2023) and the downstream CNN it augments.

``fit_generator`` (1) standardises the log-mel maps per mel bin with training statistics (kept as buffers), (2) pads
them at the end of the time and mel axes to a multiple of the U-Net's resolution (the padding is masked out of the
loss and cropped from every sample) and (3) trains the class-conditional U-Net epsilon-predictor through the Runtime
with L_simple, or IDDPM's L_hybrid when the variance is learned, keeping an exponential moving average of the
weights for sampling. ``generate`` runs DDIM (default, 50 steps) or ancestral sampling over a strided or the full
schedule. ``fit`` also trains the downstream ``pooled_cnn`` on real + ``synthetic_ratio * N`` generated maps, the
augmentation the paper evaluates; ``predict`` goes through it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch.nn import functional as F

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
from emozoo.evaluation.classifiers import build_classifier, fit_classifier, predict_logits
from emozoo.guards import check_generate, check_inputs, condition_labels
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History, Runtime, rows_loader, seed_everything, seeded_cpu_rng
from emozoo_speech_diffusion.diffusion import (
    Schedule,
    ddim_sample,
    ddpm_sample,
    make_schedule,
    q_sample,
    spaced_timesteps,
    training_losses,
)
from emozoo_speech_diffusion.networks import UNet
from emozoo_speech_diffusion.plugin import SPEC

__all__ = ["SpeechDDPM", "SpeechDDPMConfig"]

RAVDESS_EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")


@dataclass
class SpeechDDPMConfig:
    """Hyper-parameters of the emotion-conditional diffusion model; card.md says which are the papers' and which ours."""

    # data: log-mel maps [N, num_frames, n_mels] (the benchmark's 128 frames x 64 mels), RAVDESS's 8 emotions
    num_frames: int = field(default=128, metadata={"min": 1})
    n_mels: int = field(default=64, metadata={"min": 1})
    num_classes: int = field(default=8, metadata={"min": 2})
    label_names: tuple[str, ...] = RAVDESS_EMOTIONS
    # U-Net (ours: sized for one CPU core, see card.md)
    base_channels: int = field(default=16, metadata={"min": 1})
    channel_mult: tuple[int, ...] = (1, 2, 2)
    num_res_blocks: int = field(default=1, metadata={"min": 1})
    attention_levels: tuple[bool, ...] = (False, False, True)
    patch_size: int = field(default=2, metadata={"min": 1})
    dropout: float = 0.0
    # diffusion (IDDPM, Nichol & Dhariwal 2021: cosine schedule, learned variance, L_hybrid with lambda = 0.001)
    num_timesteps: int = field(default=1000, metadata={"min": 2})
    beta_schedule: Literal["cosine", "linear"] = "cosine"
    learn_sigma: bool = True
    vlb_weight: float = 0.001
    # classifier-free guidance (our addition; off by default)
    cond_drop_prob: float = 0.0
    guidance_scale: float = 1.0
    # training (Adam as in DDPM/IDDPM; lr 2e-4 is DDPM's CIFAR-10 value)
    lr: float = 2e-4
    batch_size: int = field(default=32, metadata={"min": 1})
    epochs: int = 100
    ema_decay: float = 0.999
    # sampling (ours: DDIM with 50 steps for CPU budgets; the paper samples with IDDPM's ancestral sampler)
    sampler: Literal["ddim", "ddpm"] = "ddim"
    sampling_steps: int = 50
    ddim_eta: float = 0.0
    clip_x0: bool = True  # clamp predicted x_0 to the training data's per-bin range, as DDPM clips images to [-1, 1]
    generate_batch_size: int = field(default=64, metadata={"min": 1})
    # augmentation and the downstream classifier (emozoo.evaluation.classifiers)
    synthetic_ratio: float = 1.0
    classifier: Literal["pooled_cnn", "mlp", "svm", "logreg"] = "pooled_cnn"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = 30
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=32, metadata={"min": 1})
    seed: int = field(default=0, metadata=SEED)


_FLOAT_RANGES: tuple[tuple[str, float, float, bool], ...] = (
    # name, low, high, high inclusive
    ("dropout", 0.0, 1.0, False),
    ("vlb_weight", 0.0, math.inf, False),
    ("cond_drop_prob", 0.0, 1.0, False),
    ("guidance_scale", 0.0, math.inf, False),
    ("ema_decay", 0.0, 1.0, False),
    ("ddim_eta", 0.0, 1.0, True),
    ("synthetic_ratio", 0.0, math.inf, False),
)


def _check_config(c: SpeechDDPMConfig) -> None:
    """Raise ConfigError naming the first field that cannot work (ints are range-checked by emozoo.config)."""
    for name, low, high, inclusive in _FLOAT_RANGES:
        value = getattr(c, name)
        if not (low <= value < high or (inclusive and value == high)):
            raise ConfigError(f"SpeechDDPMConfig.{name} = {value!r} is outside [{low}, {high}{']' if inclusive else ')'}")
    for name in ("lr", "classifier_lr"):
        if not getattr(c, name) > 0:
            raise ConfigError(f"SpeechDDPMConfig.{name} must be > 0, got {getattr(c, name)!r}")
    if len(c.label_names) != c.num_classes:
        raise ConfigError(f"SpeechDDPMConfig.label_names has {len(c.label_names)} names for {c.num_classes} classes; give one per class")
    if not c.channel_mult or any(m < 1 for m in c.channel_mult):
        raise ConfigError(f"SpeechDDPMConfig.channel_mult must be a non-empty tuple of ints >= 1, got {c.channel_mult!r}")
    if len(c.attention_levels) != len(c.channel_mult):
        raise ConfigError(
            f"SpeechDDPMConfig.attention_levels has {len(c.attention_levels)} entries for {len(c.channel_mult)} levels "
            "(channel_mult); give one bool per level"
        )
    if c.guidance_scale != 1.0 and c.cond_drop_prob == 0.0:
        raise ConfigError(
            "SpeechDDPMConfig.guidance_scale != 1 needs an unconditional model: set cond_drop_prob > 0 (e.g. 0.1) "
            "so training also learns the null class, or keep guidance_scale = 1"
        )


def ema_update(ema: torch.nn.Module, net: torch.nn.Module, decay: float, step: int) -> None:
    """ema <- d * ema + (1 - d) * net with d = min(decay, (1 + step) / (10 + step)) (a warm-up for short runs; ours)."""
    d = min(decay, (1 + step) / (10 + step))
    with torch.no_grad():
        for e, p in zip(ema.parameters(), net.parameters()):
            e.lerp_(p.detach(), 1 - d)


class SpeechDDPM(EmotionModel):
    """Emotion-conditional diffusion over log-mel maps [N, num_frames, n_mels] + a downstream CNN trained on real + synthetic.

    Args:
        config: a :class:`SpeechDDPMConfig` (or a dict of its fields).

    Example::

        model = SpeechDDPM({"num_frames": 128, "n_mels": 64, "num_classes": 8, "epochs": 50})
        model.fit_generator(train)                      # AudioBatch(kind="features") [N, 128, 64], int64 labels
        fake = model.generate(16, condition=3, seed=0)  # 16 "sad" log-mel maps, same seed -> same maps
    """

    spec = SPEC
    config_class = SpeechDDPMConfig

    def __init__(self, config: SpeechDDPMConfig | dict | None = None) -> None:
        super().__init__(config)
        c: SpeechDDPMConfig = self.config
        _check_config(c)
        with seeded_cpu_rng(c.seed):
            self.net = UNet(
                c.num_classes, c.base_channels, tuple(c.channel_mult), c.num_res_blocks, tuple(c.attention_levels),
                c.dropout, out_channels=2 if c.learn_sigma else 1, patch_size=c.patch_size,
            )
        self.ema = copy.deepcopy(self.net).requires_grad_(False) if c.ema_decay > 0 else None
        try:
            self.classifier = build_classifier(c.classifier, (c.num_frames, c.n_mels), c.num_classes, seed=c.seed + 1,
                                               **c.classifier_options)
        except ShapeError as exc:
            raise ConfigError(f"speech-ddpm: the downstream classifier does not fit {c.num_frames} x {c.n_mels} maps: {exc}") from exc
        m = self.net.multiple
        self.padded_shape = (math.ceil(c.num_frames / m) * m, math.ceil(c.n_mels / m) * m)
        self.register_buffer("mel_mean", torch.zeros(c.n_mels))
        self.register_buffer("mel_std", torch.ones(c.n_mels))
        self.register_buffer("z_low", torch.full((c.n_mels,), -1.0))
        self.register_buffer("z_high", torch.full((c.n_mels,), 1.0))
        self.register_buffer("class_counts", torch.zeros(c.num_classes, dtype=torch.long))
        self.register_buffer("sample_rate", torch.zeros(1, dtype=torch.long))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.schedule: Schedule = make_schedule(c.beta_schedule, c.num_timesteps)
        self._template: AudioBatch | None = None
        self.fit_report: dict[str, Any] = {}

    # --- inputs ----------------------------------------------------------------------------------------

    def _features(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(log-mel maps [N, num_frames, n_mels] float32, labels [N] or None) from an AudioBatch, an (x, y) pair or a tensor."""
        c: SpeechDDPMConfig = self.config
        want = f"[N, {c.num_frames}, {c.n_mels}]"
        if isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, AudioBatch):
            if data.kind != "features":
                raise ModalityError(
                    f"{what}: speech-ddpm models log-mel maps (AudioBatch kind 'features' {want}), got kind {data.kind!r}; "
                    "compute log-mel features first (emozoo-speech's front-end)"
                )
            x, y = data.inputs, data.labels
        elif hasattr(data, "coarse_modality") or hasattr(data, "dialogues") or isinstance(data, dict):
            got = getattr(data, "coarse_modality", None) or type(data).__name__
            raise ModalityError(f"{what}: speech-ddpm takes speech log-mel maps {want} (an AudioBatch), got {got} data")
        else:
            x, y = data, None
        x = as_float_tensor(x, f"{what} features", 3, dims="[N, T, n_mels]", dtype=torch.float32)
        if tuple(x.shape[1:]) != (c.num_frames, c.n_mels):
            raise ShapeError(
                f"{what}: expected log-mel maps {want}, got {list(x.shape)}; crop or pad to {c.num_frames} frames, or build "
                f"the model with num_frames={x.shape[1]}, n_mels={x.shape[2]}"
            )
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 samples; pass at least one log-mel map")
        if y is None:
            return x, None
        if isinstance(y, torch.Tensor) and y.is_floating_point():
            raise DTypeError(f"{what} labels: speech-ddpm is conditioned on emotion class ids (int64), got {y.dtype}; cast with .long()")
        y = as_label_tensor(y, f"{what} labels", len(x))
        if int(y.max()) >= c.num_classes:
            raise LabelError(f"{what} labels: class id {int(y.max())} is out of range for num_classes={c.num_classes}; map to 0..{c.num_classes - 1}")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"speech-ddpm cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        """[N, T, D] log-mel -> standardised, end-padded maps [N, 1, H, W] (zeros = the bin mean in the padding)."""
        z = (x.to(self.mel_mean.device) - self.mel_mean) / self.mel_std
        h, w = self.padded_shape
        return F.pad(z, (0, w - z.shape[2], 0, h - z.shape[1])).unsqueeze(1)

    def destandardize(self, z: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`standardize`: crop the padding, back to dB on the input's scale [N, T, D]."""
        c: SpeechDDPMConfig = self.config
        return z[:, 0, : c.num_frames, : c.n_mels] * self.mel_std + self.mel_mean

    def loss_mask(self) -> torch.Tensor:
        """[1, 1, H, W]: 1 on the real time-mel positions, 0 on the padding."""
        c: SpeechDDPMConfig = self.config
        mask = torch.zeros(1, 1, *self.padded_shape, device=self.mel_mean.device)
        mask[..., : c.num_frames, : c.n_mels] = 1
        return mask

    # --- training -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the diffusion model, then the downstream classifier on real + ``synthetic_ratio * N`` generated maps."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        self._fit_downstream(train, runtime)
        if val is not None:
            self.fit_report["val"] = self.evaluate(val)
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train only what ``generate`` needs: the standardisation statistics and the conditional diffusion model."""
        c: SpeechDDPMConfig = self.config
        x, y = self._features(train, "train")
        if y is None:
            raise LabelError("train: speech-ddpm is conditioned on the emotion and needs labels; pass an AudioBatch with labels")
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self.to(runtime.device)
        x, y = x.to(runtime.device), y.to(runtime.device)
        with torch.no_grad():
            flat = x.reshape(-1, c.n_mels)
            self.mel_mean.copy_(flat.mean(0))
            self.mel_std.copy_(flat.std(0, unbiased=False).clamp_min(1e-3))
            self.class_counts.copy_(torch.bincount(y, minlength=c.num_classes))
            z = (flat - self.mel_mean) / self.mel_std
            self.z_low.copy_(z.min(0).values)
            self.z_high.copy_(z.max(0).values)
            rate = getattr(train, "sample_rate", None)
            self.sample_rate.fill_(int(rate) if rate else 0)
        self._template = train.index(0) if isinstance(train, AudioBatch) else None
        history = self._fit_diffusion(self.standardize(x), y, runtime, callbacks)
        self.fitted.fill_(1)
        self.eval()
        return history

    def _fit_diffusion(self, z: torch.Tensor, y: torch.Tensor, runtime: Runtime, callbacks: Any) -> History:
        """One step = sample t ~ U{0..T-1} and eps ~ N(0, I), noise the batch, one Adam update on L_simple / L_hybrid."""
        c: SpeechDDPMConfig = self.config
        loader = rows_loader(z, y, batch_size=c.batch_size, seed=c.seed)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=c.lr)
        self.train()
        net, optimizer, loader = runtime.prepare(self.net, optimizer, loader)
        schedule, mask, null = self.schedule, self.loss_mask(), c.num_classes
        timesteps = schedule.timesteps.to(z.device)
        ema, plain = self.ema, runtime.unwrap_model(net)
        steps = [0]

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            x0, labels = batch
            index = torch.randint(0, schedule.num_steps, (len(x0),), device=x0.device)
            noise = torch.randn_like(x0)
            xt = q_sample(schedule, x0, index, noise)
            if c.cond_drop_prob > 0:
                labels = torch.where(torch.rand(len(labels), device=x0.device) < c.cond_drop_prob, torch.full_like(labels, null), labels)
            with runtime.autocast():
                out = net(xt, timesteps[index], labels)
            losses = training_losses(out.float(), schedule, x0, xt, index, noise, mask, c.vlb_weight)
            optimizer.zero_grad(set_to_none=True)
            runtime.backward(losses["loss"])
            optimizer.step()
            if ema is not None:
                ema_update(ema, plain, c.ema_decay, steps[0])
            steps[0] += 1
            return {name: value.detach() for name, value in losses.items()}

        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="speech-ddpm")

    def _fit_downstream(self, train: Any, runtime: Runtime) -> None:
        """Train the downstream classifier on real + ``synthetic_ratio * N`` class-proportional generated maps."""
        c: SpeechDDPMConfig = self.config
        x, y = self._features(train, "train")
        xs, ys = x.cpu(), y.cpu()
        n_syn = round(c.synthetic_ratio * len(x))
        if n_syn:
            order = torch.randperm(len(ys), generator=torch.Generator().manual_seed(c.seed))
            syn_labels = ys[order].repeat(math.ceil(n_syn / len(ys)))[:n_syn]  # class-proportional, as the real data
            synthetic = self.generate(condition=syn_labels, seed=c.seed)
            xs, ys = torch.cat([xs, synthetic.features]), torch.cat([ys, syn_labels])
        fit_classifier(self.classifier, xs, ys, epochs=c.classifier_epochs, lr=c.classifier_lr,
                       batch_size=c.classifier_batch_size, seed=c.seed, runtime=runtime)
        self.fit_report = {"real": len(x), "synthetic": n_syn}

    # --- generation -----------------------------------------------------------------------------------

    def _condition(self, n: int | None, condition: Any) -> torch.Tensor:
        """Class ids [n]: None -> the training classes in turn (balanced); an int -> that class; a sequence -> one per sample."""
        seen = self.class_counts.cpu().nonzero().flatten()
        return condition_labels("speech-ddpm", n, condition, self.config.num_classes, cycle=seen)

    def clip_bounds(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-position (low, high) [1, 1, H, W] of standardised training data (0 in the padding) for clamping x_0."""
        h, w = self.padded_shape
        c: SpeechDDPMConfig = self.config
        low = F.pad(self.z_low, (0, w - c.n_mels)).expand(h, w)[None, None]
        high = F.pad(self.z_high, (0, w - c.n_mels)).expand(h, w)[None, None]
        return low, high

    def sampling_schedule(self) -> Schedule:
        """The schedule ``generate`` walks: the training one, or ``sampling_steps`` evenly strided steps of it."""
        c: SpeechDDPMConfig = self.config
        if c.sampling_steps <= 0 or c.sampling_steps >= c.num_timesteps:
            return self.schedule
        return self.schedule.respaced(spaced_timesteps(c.num_timesteps, c.sampling_steps))

    def denoiser(self, labels: torch.Tensor) -> Any:
        """``model_fn(x_t, t)`` for the samplers: the EMA network (else the trained one) with classifier-free guidance."""
        c: SpeechDDPMConfig = self.config
        net = self.ema if self.ema is not None else self.net
        if c.guidance_scale == 1.0:
            return lambda x, t: net(x, t, labels).float()
        null = torch.full_like(labels, c.num_classes)

        def guided(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            cond, uncond = net(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null])).float().chunk(2)
            eps = uncond[:, :1] + c.guidance_scale * (cond[:, :1] - uncond[:, :1])
            return torch.cat([eps, cond[:, 1:]], dim=1)

        return guided

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> AudioBatch:
        """``n`` log-mel maps [n, num_frames, n_mels] in dB on the training data's scale, conditioned on ``condition``.

        ``condition`` None draws the training classes in turn; equal ``seed`` gives equal maps. The batch is the
        training batch's kind ("features"), with its sample rate and data source.
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        labels = self._condition(n, condition)
        c: SpeechDDPMConfig = self.config
        rng = torch.Generator().manual_seed(int(torch.randint(0, 2**62, (1,)).item()) if seed is None else seed)
        schedule, device = self.sampling_schedule(), self.mel_mean.device
        net = self.ema if self.ema is not None else self.net
        was_training = net.training
        net.eval()
        chunks = []
        try:
            for part in labels.split(c.generate_batch_size):
                noise = torch.randn(len(part), 1, *self.padded_shape, generator=rng).to(device)
                model_fn = self.denoiser(part.to(device))
                clip = self.clip_bounds() if c.clip_x0 else None
                if c.sampler == "ddim":
                    z = ddim_sample(model_fn, schedule, noise, rng, eta=c.ddim_eta, clip_x0=clip)
                else:
                    z = ddpm_sample(model_fn, schedule, noise, rng, clip_x0=clip)
                chunks.append(self.destandardize(z).cpu())
        finally:
            net.train(was_training)
        features = torch.cat(chunks)
        if self._template is not None:
            return self._template.with_samples(features, labels.clone())
        rate = int(self.sample_rate[0])
        return AudioBatch(inputs=features, labels=labels.clone(), kind="features", sample_rate=rate or None, source=self.training_source)

    # --- prediction -----------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify log-mel maps [N, num_frames, n_mels] with the downstream classifier trained on real + synthetic maps."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._features(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The denoiser on standardised, padded maps [N, 1, H, W]: epsilon (and IDDPM's v) [N, 1 or 2, H, W]."""
        return self.net(x, t, labels)
