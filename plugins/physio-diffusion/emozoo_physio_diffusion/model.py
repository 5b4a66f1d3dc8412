"""PhysioDDPM: a class-conditional DDPM over multichannel physiological windows (after Tosato et al. 2023) and the
downstream classifier it augments.

``fit_generator`` (1) standardises every channel with training statistics (kept as buffers), (2) pads the time axis
at the end to a multiple of the U-Net's resolution (padding masked out of the loss and cropped from every sample) and
(3) trains the 1-D U-Net epsilon-predictor with L_simple through the Runtime (Adam, gradient clipping, an EMA of the
weights for sampling). ``generate`` runs DDPM ancestral sampling over all T steps (default) or DDIM over a strided
subset. ``fit`` also trains the downstream classifier on real + ``synthetic_ratio * N`` generated windows; ``predict``
goes through it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch.nn import functional as F

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
from emozoo.runtime import (
    History,
    Runtime,
    rows_loader,
    seed_everything,
    seeded_cpu_rng,
)
from emozoo_physio_diffusion.diffusion import (
    Schedule,
    ddim_sample,
    ddpm_sample,
    l_simple,
    make_schedule,
    q_sample,
    spaced_timesteps,
)
from emozoo_physio_diffusion.networks import UNet1d, WindowCNN
from emozoo_physio_diffusion.plugin import SPEC

__all__ = ["PhysioDDPM", "PhysioDDPMConfig", "ema_update"]


@dataclass
class PhysioDDPMConfig:
    """Hyper-parameters of the conditional DDPM; card.md says which are the papers' (Ho et al. 2020 / Tosato et al.) and which ours."""

    # data: windows [N, num_channels, window_length] (stress-predict: BVP, EDA, TEMP, HR at 16 Hz, 60 s), 2 classes
    num_channels: int = field(default=4, metadata={"min": 1})
    window_length: int = field(default=960, metadata={"min": 1})
    num_classes: int = field(default=2, metadata={"min": 2})
    label_names: tuple[str, ...] = ("no_stress", "stress")
    channel_names: tuple[str, ...] = ("bvp", "eda", "temp", "hr")  # names of generated channels when no batch was seen
    # U-Net (DDPM's CIFAR-10 layout in 1-D: 128 -> 64 base channels, see card.md)
    base_channels: int = field(default=64, metadata={"min": 1})
    channel_mult: tuple[int, ...] = (1, 2, 2, 2)
    num_res_blocks: int = field(default=2, metadata={"min": 1})
    attention_levels: tuple[bool, ...] = (False, False, True, False)
    dropout: float = 0.1
    patch_size: int = field(default=1, metadata={"min": 1})  # ours: >1 folds samples into channels (CPU budgets)
    # diffusion (Ho et al. 2020: linear betas 1e-4 .. 0.02, T = 1000, epsilon prediction, L_simple)
    num_timesteps: int = field(default=1000, metadata={"min": 2})
    beta_start: float = 1e-4
    beta_end: float = 0.02
    # class conditioning and classifier-free guidance (guidance is ours; off by default)
    cond_drop_prob: float = 0.0
    guidance_scale: float = 1.0
    # training (Ho et al. 2020: Adam 2e-4, batch 128, gradient clipping at norm 1, EMA 0.9999)
    lr: float = 2e-4
    batch_size: int = field(default=128, metadata={"min": 1})
    epochs: int = 100
    grad_clip: float = 1.0  # 0 turns clipping off
    ema_decay: float = 0.9999
    # sampling: DDPM ancestral over all T steps (Algorithm 2); "ddim" with sampling_steps for CPU budgets
    sampler: Literal["ddpm", "ddim"] = "ddpm"
    sampling_steps: int = field(default=0, metadata={"min": 0})  # 0 or >= T: every step
    variance: Literal["large", "small"] = "large"  # sigma_t^2 = beta_t or beta-tilde_t (Ho et al. report both alike)
    ddim_eta: float = 0.0
    clip_x0: bool = True  # clamp predicted x_0 to each channel's standardised training range (DDPM clips to [-1, 1])
    generate_batch_size: int = field(default=256, metadata={"min": 1})
    # augmentation and the downstream classifier
    synthetic_ratio: float = 1.0
    classifier: Literal["cnn1d", "mlp", "svm", "logreg"] = "cnn1d"
    classifier_options: dict[str, Any] = field(default_factory=dict)
    classifier_epochs: int = 30
    classifier_lr: float = 1e-3
    classifier_batch_size: int = field(default=64, metadata={"min": 1})
    seed: int = field(default=0, metadata=SEED)


_FLOAT_RANGES: tuple[tuple[str, float, float, bool], ...] = (
    # name, low, high, high inclusive
    ("dropout", 0.0, 1.0, False),
    ("cond_drop_prob", 0.0, 1.0, False),
    ("guidance_scale", 0.0, math.inf, False),
    ("ema_decay", 0.0, 1.0, False),
    ("ddim_eta", 0.0, 1.0, True),
    ("synthetic_ratio", 0.0, math.inf, False),
    ("grad_clip", 0.0, math.inf, False),
)


def _check_config(c: PhysioDDPMConfig) -> None:
    """Raise ConfigError naming the first field that cannot work (ints are range-checked by emozoo.config)."""
    name = "PhysioDDPMConfig"
    for key, low, high, inclusive in _FLOAT_RANGES:
        value = getattr(c, key)
        if not (low <= value < high or (inclusive and value == high)):
            raise ConfigError(f"{name}.{key} = {value!r} is outside [{low}, {high}{']' if inclusive else ')'}")
    for key in ("lr", "classifier_lr"):
        if not getattr(c, key) > 0:
            raise ConfigError(f"{name}.{key} must be > 0, got {getattr(c, key)!r}")
    if not 0 < c.beta_start < c.beta_end < 1:
        raise ConfigError(f"{name}: need 0 < beta_start < beta_end < 1, got {c.beta_start!r}, {c.beta_end!r} (DDPM: 1e-4, 0.02)")
    if len(c.label_names) != c.num_classes:
        raise ConfigError(f"{name}.label_names has {len(c.label_names)} names for {c.num_classes} classes; give one per class")
    if not c.channel_mult or any(m < 1 for m in c.channel_mult):
        raise ConfigError(f"{name}.channel_mult must be a non-empty tuple of ints >= 1, got {c.channel_mult!r}")
    if len(c.attention_levels) != len(c.channel_mult):
        raise ConfigError(
            f"{name}.attention_levels has {len(c.attention_levels)} entries for {len(c.channel_mult)} levels (channel_mult); "
            "give one bool per level"
        )
    if c.guidance_scale != 1.0 and c.cond_drop_prob == 0.0:
        raise ConfigError(
            f"{name}.guidance_scale != 1 needs an unconditional model: set cond_drop_prob > 0 (e.g. 0.1) so training also "
            "learns the null class, or keep guidance_scale = 1"
        )


def ema_update(ema: torch.nn.Module, net: torch.nn.Module, decay: float, step: int) -> None:
    """ema <- d * ema + (1 - d) * net with d = min(decay, (1 + step) / (10 + step)) (a warm-up for short runs; ours)."""
    d = min(decay, (1 + step) / (10 + step))
    with torch.no_grad():
        for e, p in zip(ema.parameters(), net.parameters()):
            e.lerp_(p.detach(), 1 - d)


class PhysioDDPM(EmotionModel):
    """Class-conditional DDPM over windows [N, num_channels, window_length] + a downstream classifier on real + synthetic.

    Args:
        config: a :class:`PhysioDDPMConfig` (or a dict of its fields).

    Example::

        model = PhysioDDPM({"sampler": "ddim", "sampling_steps": 50, "epochs": 20})
        model.fit_generator(train)                      # PhysioBatch layout "channels_time" [N, 4, 960], labels 0/1
        fake = model.generate(16, condition=1, seed=0)  # 16 "stress" windows, same seed -> same windows
    """

    spec = SPEC
    config_class = PhysioDDPMConfig

    def __init__(self, config: PhysioDDPMConfig | dict | None = None) -> None:
        super().__init__(config)
        c: PhysioDDPMConfig = self.config
        _check_config(c)
        with seeded_cpu_rng(c.seed):
            self.net = UNet1d(c.num_channels, c.num_classes, c.base_channels, tuple(c.channel_mult), c.num_res_blocks,
                              tuple(c.attention_levels), c.dropout, c.patch_size)
        self.ema = copy.deepcopy(self.net).requires_grad_(False) if c.ema_decay > 0 else None
        self.classifier = self._build_classifier()
        m = self.net.multiple
        self.padded_length = math.ceil(c.window_length / m) * m
        self.register_buffer("channel_mean", torch.zeros(c.num_channels))
        self.register_buffer("channel_std", torch.ones(c.num_channels))
        self.register_buffer("z_low", torch.full((c.num_channels,), -1.0))
        self.register_buffer("z_high", torch.full((c.num_channels,), 1.0))
        self.register_buffer("class_counts", torch.zeros(c.num_classes, dtype=torch.long))
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.schedule: Schedule = make_schedule(c.num_timesteps, c.beta_start, c.beta_end)
        self._template: PhysioBatch | None = None
        self.fit_report: dict[str, Any] = {}

    def _build_classifier(self) -> torch.nn.Module:
        """The downstream classifier: our 1-D CNN, or one of emozoo's shared ones over flattened windows."""
        c: PhysioDDPMConfig = self.config
        try:
            if c.classifier == "cnn1d":
                with seeded_cpu_rng(c.seed + 1):
                    return WindowCNN(c.num_channels, c.num_classes, **c.classifier_options)
            return build_classifier(c.classifier, (c.num_channels, c.window_length), c.num_classes, seed=c.seed + 1,
                                    **c.classifier_options)
        except TypeError as exc:
            raise ConfigError(f"physio-ddpm: bad classifier_options for {c.classifier!r}: {exc}") from exc

    # --- inputs ----------------------------------------------------------------------------------------

    def _windows(self, data: Any, what: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(windows [N, num_channels, window_length] float32, labels [N] or None) from a PhysioBatch, an (x, y) pair or a tensor."""
        c: PhysioDDPMConfig = self.config
        want = f"[N, {c.num_channels}, {c.window_length}]"
        if isinstance(data, tuple) and len(data) == 2:
            x, y = data
        elif isinstance(data, PhysioBatch):
            if data.layout != "channels_time":
                raise ShapeError(
                    f"{what}: physio-ddpm models raw windows (PhysioBatch layout 'channels_time' {want}), got layout "
                    f"{data.layout!r}; pass the data plugin's windows, not its features"
                )
            x, y = data.features, data.labels
        elif hasattr(data, "coarse_modality") or hasattr(data, "dialogues") or isinstance(data, dict):
            got = getattr(data, "coarse_modality", None) or type(data).__name__
            raise ModalityError(f"{what}: physio-ddpm takes physiological windows {want} (a PhysioBatch), got {got} data")
        else:
            x, y = data, None
        x = as_float_tensor(x, f"{what} windows", 3, dims="[N, C, T]", dtype=torch.float32)
        if len(x) == 0:
            raise EmptyInputError(f"{what}: got 0 windows; pass at least one")
        if tuple(x.shape[1:]) != (c.num_channels, c.window_length):
            raise ShapeError(
                f"{what}: expected windows {want}, got {list(x.shape)}; resample/crop to {c.window_length} samples of "
                f"{c.num_channels} channels, or build the model with num_channels={x.shape[1]}, window_length={x.shape[2]}"
            )
        if y is None:
            return x, None
        if isinstance(y, torch.Tensor) and y.is_floating_point():
            raise DTypeError(f"{what} labels: physio-ddpm is conditioned on class ids (int64), got {y.dtype}; cast with .long()")
        y = as_label_tensor(y, f"{what} labels", len(x))
        if int(y.min()) < 0 or int(y.max()) >= c.num_classes:
            bad = int(y.min()) if int(y.min()) < 0 else int(y.max())
            raise LabelError(f"{what} labels: class id {bad} is out of range for num_classes={c.num_classes}; map to 0..{c.num_classes - 1}")
        return x, y

    def _require_fitted(self, action: str) -> None:
        if not int(self.fitted[0]):
            raise NotFittedError(f"physio-ddpm cannot {action} before fit(); call model.fit(train) or load a trained model with from_pretrained")

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        """Windows [N, C, T] -> per-channel z-scores, zero-padded at the end to [N, C, padded_length]."""
        z = (x.to(self.channel_mean.device) - self.channel_mean[:, None]) / self.channel_std[:, None]
        return F.pad(z, (0, self.padded_length - z.shape[2]))

    def destandardize(self, z: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`standardize`: crop the padding, back to the input's scale [N, C, T]."""
        return z[..., : self.config.window_length] * self.channel_std[:, None] + self.channel_mean[:, None]

    def loss_mask(self) -> torch.Tensor:
        """[1, 1, padded_length]: 1 on the real time positions, 0 on the padding."""
        mask = torch.zeros(1, 1, self.padded_length, device=self.channel_mean.device)
        mask[..., : self.config.window_length] = 1
        return mask

    # --- training -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train the diffusion model, then the downstream classifier on real + ``synthetic_ratio * N`` generated windows."""
        runtime = runtime or Runtime(device="cpu", progress=False)
        history = self.fit_generator(train, runtime=runtime, callbacks=callbacks)
        self._fit_downstream(train, runtime)
        if val is not None:
            self.fit_report["val"] = self.evaluate(val)
        self.eval()
        return history

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Runtime | None = None, callbacks: Any = ()) -> History:
        """Train only what ``generate`` needs: the per-channel statistics and the conditional denoiser."""
        c: PhysioDDPMConfig = self.config
        x, y = self._windows(train, "train")
        if y is None:
            raise LabelError("train: physio-ddpm is class-conditional and needs labels; pass a PhysioBatch with labels or (x, y)")
        counts = torch.bincount(y, minlength=c.num_classes)
        missing = [f"{k} ({c.label_names[k]})" for k in range(c.num_classes) if counts[k] == 0]
        if missing:
            raise LabelError(
                f"train: no training window of class {', '.join(missing)}; the conditional model cannot learn a class it never "
                f"sees: add windows of it or build the model with fewer classes (num_classes, label_names)"
            )
        runtime = runtime or Runtime(device="cpu", progress=False)
        seed_everything(c.seed)
        self.to(runtime.device)
        x, y = x.to(runtime.device), y.to(runtime.device)
        with torch.no_grad():
            self.channel_mean.copy_(x.mean((0, 2)))
            self.channel_std.copy_(x.std((0, 2), unbiased=False).clamp_min(1e-6))
            self.class_counts.copy_(counts)
            z = (x - self.channel_mean[:, None]) / self.channel_std[:, None]
            self.z_low.copy_(z.amin((0, 2)))
            self.z_high.copy_(z.amax((0, 2)))
        self._template = train.index(0) if isinstance(train, PhysioBatch) else None
        history = self._fit_diffusion(self.standardize(x), y, runtime, callbacks)
        self.fitted.fill_(1)
        self.eval()
        return history

    def _fit_diffusion(self, z: torch.Tensor, y: torch.Tensor, runtime: Runtime, callbacks: Any) -> History:
        """One step = t ~ U{0..T-1}, eps ~ N(0, I), x_t from q(x_t | x_0), one Adam update on L_simple (Ho et al., Algorithm 1)."""
        c: PhysioDDPMConfig = self.config
        loader = rows_loader(z, y, batch_size=c.batch_size, seed=c.seed)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=c.lr)
        self.train()
        net, optimizer, loader = runtime.prepare(self.net, optimizer, loader)
        schedule, mask, null = self.schedule, self.loss_mask(), c.num_classes
        timesteps = schedule.timesteps.to(z.device)
        ema, plain = self.ema, runtime.unwrap_model(net)
        params = list(plain.parameters())
        steps = [0]

        def step(batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
            x0, labels = batch
            index = torch.randint(0, schedule.num_steps, (len(x0),), device=x0.device)
            noise = torch.randn_like(x0)
            xt = q_sample(schedule, x0, index, noise)
            if c.cond_drop_prob > 0:
                drop = torch.rand(len(labels), device=x0.device) < c.cond_drop_prob
                labels = torch.where(drop, torch.full_like(labels, null), labels)
            with runtime.autocast():
                eps = net(xt, timesteps[index], labels)
            loss = l_simple(eps.float(), noise, mask)
            optimizer.zero_grad(set_to_none=True)
            runtime.backward(loss)
            if c.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(params, c.grad_clip)
            optimizer.step()
            if ema is not None:
                ema_update(ema, plain, c.ema_decay, steps[0])
            steps[0] += 1
            return {"loss": loss.detach()}

        return runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc="physio-ddpm")

    def _fit_downstream(self, train: Any, runtime: Runtime) -> None:
        """Train the downstream classifier on real + ``synthetic_ratio * N`` class-proportional generated windows."""
        c: PhysioDDPMConfig = self.config
        x, y = self._windows(train, "train")
        xs, ys = x.cpu(), y.cpu()
        n_syn = round(c.synthetic_ratio * len(x))
        if n_syn:
            order = torch.randperm(len(ys), generator=torch.Generator().manual_seed(c.seed))
            syn_labels = ys[order].repeat(math.ceil(n_syn / len(ys)))[:n_syn]  # class-proportional, as the real data
            synthetic = self.generate(condition=syn_labels, seed=c.seed)
            xs, ys = torch.cat([xs, synthetic.features]), torch.cat([ys, syn_labels])
        self.classifier.to(runtime.device)
        if isinstance(self.classifier, WindowCNN):
            self.classifier.set_statistics(xs.to(runtime.device))
        fit_classifier(self.classifier, xs, ys, epochs=c.classifier_epochs, lr=c.classifier_lr,
                       batch_size=c.classifier_batch_size, seed=c.seed, runtime=runtime)
        self.fit_report = {"real": len(x), "synthetic": n_syn}

    # --- generation -----------------------------------------------------------------------------------

    def sampling_schedule(self) -> Schedule:
        """The schedule ``generate`` walks: the training one, or ``sampling_steps`` evenly strided steps of it."""
        c: PhysioDDPMConfig = self.config
        if c.sampling_steps <= 0 or c.sampling_steps >= c.num_timesteps:
            return self.schedule
        return self.schedule.respaced(spaced_timesteps(c.num_timesteps, c.sampling_steps))

    def denoiser(self, labels: torch.Tensor) -> Any:
        """``model_fn(x_t, t) -> eps`` for the samplers: the EMA network (else the trained one), with classifier-free guidance."""
        c: PhysioDDPMConfig = self.config
        net = self.ema if self.ema is not None else self.net
        if c.guidance_scale == 1.0:
            return lambda x, t: net(x, t, labels).float()
        null = torch.full_like(labels, c.num_classes)

        def guided(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            cond, uncond = net(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null])).float().chunk(2)
            return uncond + c.guidance_scale * (cond - uncond)

        return guided

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> PhysioBatch:
        """``n`` windows [n, num_channels, window_length] on the training data's scale, conditioned on ``condition``.

        ``condition`` None draws the classes in turn (balanced); equal ``seed`` gives equal windows. The batch is the
        training batch's type, layout, channel names and data source.
        """
        self._require_fitted("generate")
        check_generate(self.method_id, n, seed)
        c: PhysioDDPMConfig = self.config
        labels = condition_labels(self.method_id, n, condition, c.num_classes, cycle=self.class_counts.cpu().nonzero().flatten())
        rng = torch.Generator().manual_seed(int(torch.randint(0, 2**62, (1,)).item()) if seed is None else seed)
        schedule, device = self.sampling_schedule(), self.channel_mean.device
        net = self.ema if self.ema is not None else self.net
        was_training = net.training
        net.eval()
        bounds = (self.z_low[None, :, None], self.z_high[None, :, None]) if c.clip_x0 else None
        chunks = []
        try:
            for part in labels.split(c.generate_batch_size):
                noise = torch.randn(len(part), c.num_channels, self.padded_length, generator=rng).to(device)
                model_fn = self.denoiser(part.to(device))
                if c.sampler == "ddim":
                    z = ddim_sample(model_fn, schedule, noise, rng, eta=c.ddim_eta, clip_x0=bounds)
                else:
                    z = ddpm_sample(model_fn, schedule, noise, rng, variance=c.variance, clip_x0=bounds)
                chunks.append(self.destandardize(z).cpu())
        finally:
            net.train(was_training)
        windows = torch.cat(chunks)
        if self._template is not None:
            return self._template.with_samples(windows, labels.clone())
        names = tuple(c.channel_names) if len(c.channel_names) == c.num_channels else None
        return PhysioBatch(features=windows, labels=labels.clone(), modality="wrist", layout="channels_time",
                           band_names=names, source=self.training_source)

    # --- prediction -----------------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """Classify windows [N, num_channels, window_length] with the downstream classifier trained on real + synthetic."""
        self._require_fitted("predict")
        check_inputs(self.method_id, inputs)
        x, _ = self._windows(inputs, "inputs")
        probs = predict_logits(self.classifier, x).softmax(1)
        return Prediction(labels=probs.argmax(1), probabilities=probs, label_names=tuple(self.config.label_names))

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The denoiser on standardised, padded windows [N, C, padded_length]: the predicted noise of the same shape."""
        return self.net(x, t, labels)
