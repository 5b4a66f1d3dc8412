"""The fixed downstream classifiers of the augmentation protocol (MLP, 2-D CNN, linear SVM) and their training loop.

Every augmentation plugin evaluates its synthetic data with the *same* classifiers, built by :func:`build_classifier`
and trained by :func:`fit_classifier` through :class:`emozoo.runtime.Runtime`. Each classifier is a plain
``nn.Module`` whose whole state (weights and the input standardisation statistics, kept as persistent buffers) is
in its ``state_dict``, so a plugin can hold one inside its ``EmotionModel`` and save it with safetensors.

Designs (the survey's EEG augmentation papers name "an SVM" / "a DNN" without more detail, so these are our choices):

* ``"mlp"``: standardise -> flatten -> [Linear -> ReLU -> Dropout] x len(hidden) -> Linear. Default hidden
  ``(256, 128)`` and dropout 0.5: two hidden layers shrink the 310-d DE vector (62 channels x 5 bands) by about
  2x each, the usual DNN head of SEED papers.
* ``"cnn"``: for [N, B, H, W] topographic maps (e.g. 5 x 9 x 9 DE maps). Standardise -> three 3x3 "same"
  convolutions (channels ``(32, 64, 64)``, each BatchNorm -> ReLU, no pooling, as in the continuous CNN of
  Yang et al. 2018, because a 9 x 9 map is too small to pool) -> flatten -> Linear(``fc``=128) -> ReLU ->
  Dropout -> Linear.
* ``"pooled_cnn"``: for spectrograms and images, [N, H, W] (one channel, e.g. log-mel [N, T, n_mels]) or
  [N, C, H, W]. Standardise -> [3x3 conv -> BatchNorm -> ReLU -> 2x2 max-pool] x len(``channels``) (default
  ``(16, 32, 64, 64)``) -> global average pool -> Dropout(``dropout``=0.3) -> Linear: the small VGG-style
  log-mel CNN of speech emotion baselines and of 48x48 FER CNNs, shared so that a method's own baseline and the
  protocol's downstream classifier are one network.
* ``"fcn1d"``: for multichannel time series [N, C, T] (e.g. wrist windows). Per-channel standardisation (mean and
  std of each channel over the training windows and time) -> the fully convolutional network of Wang, Yan & Oates
  2017 (three [Conv1d ('same' padding) -> BatchNorm -> ReLU] blocks, ``filters`` (128, 256, 128), ``kernels``
  (8, 5, 3)) -> global average pooling over time -> Linear: the time-series classification baseline, shared so the
  wearable 1-D CNN baseline and the protocol's downstream classifier are one network.
* ``"svm"``: a linear multiclass SVM, scores ``W x + b`` on standardised, flattened input. ``multiclass="ovr"``
  (default) is LIBLINEAR's default (``-s 1``/``-s 2``: L2-regularised, squared-hinge loss, one-vs-rest);
  ``"crammer_singer"`` is Crammer & Singer's joint multiclass hinge. ``loss`` picks squared (default) or plain
  hinge. The primal ``0.5 ||W||^2 + C * sum_i loss_i`` is divided by ``C * n`` so it is a per-sample mean that
  mini-batch SGD can minimise: ``mean_i loss_i + ||W||^2 / (2 C n)`` (the bias is not regularised).
* ``"logreg"``: multinomial logistic regression on standardised, flattened input, ``mean_i CE_i + l2/2 ||W||^2``.
  The objective is strictly convex, so it is solved to convergence (full-batch L-BFGS with a strong-Wolfe line
  search until the gradient's max-norm is below ``tol``), not trained for a number of epochs: the reference
  classifier whose numbers cannot move because a training budget was too small. ``epochs``, ``lr`` and
  ``batch_size`` do not apply to it; ``fit_classifier`` reports whether the tolerance was reached.

Every fit reports convergence (:func:`converged`): the L-BFGS tolerance for ``logreg``; for the mini-batch
classifiers, the mean training loss of the last tenth of the epochs within 1 % (+ 0.001) of the tenth before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ShapeError,
    closest,
)
from emozoo.runtime import (
    History,
    Runtime,
    seed_everything,
    seeded_cpu_rng,
    supervised_step,
)

__all__ = [
    "BestOnVal",
    "CLASSIFIER_KINDS",
    "CNNClassifier",
    "ChannelStandardize",
    "FCN1DClassifier",
    "LinearSVM",
    "MLPClassifier",
    "PooledCNNClassifier",
    "SoftmaxRegression",
    "Standardize",
    "build_classifier",
    "converged",
    "fit_classifier",
    "predict_logits",
]

CLASSIFIER_KINDS: tuple[str, ...] = ("mlp", "cnn", "pooled_cnn", "fcn1d", "svm", "logreg")


class Standardize(nn.Module):
    """Per-feature z-scoring with statistics kept as persistent buffers (set by :meth:`fit`, saved with the model)."""

    def __init__(self, input_shape: tuple[int, ...]):
        super().__init__()
        self.register_buffer("mean", torch.zeros(input_shape))
        self.register_buffer("std", torch.ones(input_shape))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, eps: float = 1e-6) -> None:
        """Set mean/std from training inputs [N, *input_shape] (std floored at ``eps`` for constant features)."""
        x = x.to(self.mean.device, self.mean.dtype)
        self.mean.copy_(x.mean(0))
        self.std.copy_(x.std(0, unbiased=False).clamp_min(eps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def _check_input(x: torch.Tensor, input_shape: tuple[int, ...], owner: str) -> None:
    """Raise ShapeError unless ``x`` is [N, *input_shape]."""
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"{owner}: expected a float tensor [N, {', '.join(map(str, input_shape))}], got {type(x).__name__}")
    if tuple(x.shape[1:]) != tuple(input_shape) or x.ndim != len(input_shape) + 1:
        raise ShapeError(
            f"{owner}: expected input [N, {', '.join(map(str, input_shape))}], got {list(x.shape)}; "
            f"build the classifier with input_shape={tuple(x.shape[1:])} or reshape the input"
        )


class MLPClassifier(nn.Module):
    """Standardise -> flatten -> hidden ReLU layers with dropout -> class logits."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int, hidden: Sequence[int] = (256, 128), dropout: float = 0.5):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.norm = Standardize(self.input_shape)
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(self.input_shape)
        for h in hidden:
            layers += [nn.Linear(width, int(h)), nn.ReLU(), nn.Dropout(dropout)]
            width = int(h)
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.input_shape, "MLPClassifier")
        return self.net(self.norm(x))


class CNNClassifier(nn.Module):
    """Standardise -> 3x3 same-padding conv blocks (BatchNorm, ReLU, no pooling) -> FC -> class logits, for [N, B, H, W] maps."""

    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_classes: int,
        channels: Sequence[int] = (32, 64, 64),
        fc: int = 128,
        dropout: float = 0.5,
    ):
        super().__init__()
        if len(input_shape) != 3:
            raise ShapeError(f"cnn classifier: input_shape must be (bands, height, width), got {tuple(input_shape)}; use 'mlp' for vectors")
        self.input_shape = tuple(input_shape)
        self.norm = Standardize(self.input_shape)
        blocks: list[nn.Module] = []
        c_in = self.input_shape[0]
        for c in channels:
            blocks += [nn.Conv2d(c_in, int(c), 3, padding=1), nn.BatchNorm2d(int(c)), nn.ReLU()]
            c_in = int(c)
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c_in * self.input_shape[1] * self.input_shape[2], fc), nn.ReLU(), nn.Dropout(dropout), nn.Linear(fc, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.input_shape, "CNNClassifier")
        return self.head(self.features(self.norm(x)))


class PooledCNNClassifier(nn.Module):
    """Standardise -> [3x3 conv, BatchNorm, ReLU, 2x2 max-pool] blocks -> global average pool -> dropout -> FC, for [N, H, W] or [N, C, H, W]."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int, channels: Sequence[int] = (16, 32, 64, 64), dropout: float = 0.3):
        super().__init__()
        if len(input_shape) not in (2, 3):
            raise ShapeError(
                f"pooled_cnn classifier: input_shape must be (height, width) or (channels, height, width), got {tuple(input_shape)}; "
                "use 'mlp' or 'logreg' for vectors"
            )
        if not channels:
            raise ConfigError("pooled_cnn classifier: channels must name at least one conv block, e.g. (16, 32, 64, 64)")
        self.input_shape = tuple(input_shape)
        smallest = min(self.input_shape[-2:])
        if smallest < 2 ** len(channels):
            raise ShapeError(
                f"pooled_cnn classifier: {len(channels)} pooling blocks need height and width >= {2 ** len(channels)}, "
                f"got input_shape {self.input_shape}; use fewer channels entries"
            )
        self.norm = Standardize(self.input_shape)
        blocks: list[nn.Module] = []
        c_in = self.input_shape[0] if len(self.input_shape) == 3 else 1
        for c in channels:
            blocks += [nn.Conv2d(c_in, int(c), 3, padding=1), nn.BatchNorm2d(int(c)), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = int(c)
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.input_shape, "PooledCNNClassifier")
        z = self.norm(x)
        if z.dim() == 3:
            z = z.unsqueeze(1)
        return self.head(self.features(z))


class ChannelStandardize(nn.Module):
    """Per-channel z-scoring of [N, C, T] with statistics over samples and time, kept as persistent buffers."""

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("std", torch.ones(channels))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, eps: float = 1e-6) -> None:
        """Set mean/std per channel from training windows [N, C, T] (std floored at ``eps``)."""
        x = x.to(self.mean.device, self.mean.dtype)
        self.mean.copy_(x.mean((0, 2)))
        self.std.copy_(x.std((0, 2), unbiased=False).clamp_min(eps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean[:, None]) / self.std[:, None]


class FCN1DClassifier(nn.Module):
    """Wang et al. 2017's FCN for [N, C, T]: per-channel standardise -> [Conv1d, BatchNorm, ReLU] blocks -> mean over time -> Linear."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int, filters: Sequence[int] = (128, 256, 128),
                 kernels: Sequence[int] = (8, 5, 3)):
        super().__init__()
        if len(input_shape) != 2:
            raise ShapeError(f"fcn1d classifier: input_shape must be (channels, time), got {tuple(input_shape)}; use 'pooled_cnn' for images")
        if not filters or len(filters) != len(kernels) or min(filters) < 1 or min(kernels) < 1:
            raise ConfigError(f"fcn1d classifier: filters and kernels need one positive entry per block, got {tuple(filters)}, {tuple(kernels)}")
        self.input_shape = tuple(input_shape)
        self.norm = ChannelStandardize(self.input_shape[0])
        blocks: list[nn.Module] = []
        width = self.input_shape[0]
        for f, k in zip(filters, kernels):
            blocks += [nn.Conv1d(width, int(f), int(k), padding="same"), nn.BatchNorm1d(int(f)), nn.ReLU()]
            width = int(f)
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.input_shape, "FCN1DClassifier")
        return self.head(self.blocks(self.norm(x)).mean(dim=2))


class LinearSVM(nn.Module):
    """Linear multiclass SVM ``W x + b`` whose training loss is the (per-sample) SVM primal, see :meth:`objective`."""

    MULTICLASS = ("ovr", "crammer_singer")
    LOSSES = ("squared_hinge", "hinge")

    def __init__(
        self, input_shape: tuple[int, ...], num_classes: int, C: float = 1.0, multiclass: str = "ovr", loss: str = "squared_hinge"
    ):
        super().__init__()
        if multiclass not in self.MULTICLASS:
            raise ConfigError(f"svm multiclass must be one of {self.MULTICLASS}, got {multiclass!r}")
        if loss not in self.LOSSES:
            raise ConfigError(f"svm loss must be one of {self.LOSSES}, got {loss!r}")
        if not (isinstance(C, (int, float)) and C > 0):
            raise ConfigError(f"svm C must be a number > 0, got {C!r}")
        self.input_shape = tuple(input_shape)
        self.C, self.multiclass, self.loss = float(C), multiclass, loss
        self.norm = Standardize(self.input_shape)
        self.linear = nn.Linear(math.prod(self.input_shape), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.input_shape, "LinearSVM")
        return self.linear(self.norm(x).flatten(1))

    def hinge(self, scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean over samples of the multiclass (squared) hinge loss of ``scores`` [N, K] for class ids ``targets`` [N]."""
        if self.multiclass == "ovr":
            signs = -torch.ones_like(scores)
            signs.scatter_(1, targets.view(-1, 1), 1.0)
            margins = (1.0 - signs * scores).clamp_min(0.0)  # [N, K]: one binary SVM per class
        else:
            true = scores.gather(1, targets.view(-1, 1))
            others = scores.scatter(1, targets.view(-1, 1), float("-inf"))
            margins = (1.0 + others.max(1, keepdim=True).values - true).clamp_min(0.0)  # [N, 1]
        if self.loss == "squared_hinge":
            margins = margins.square()
        return margins.sum(1).mean()

    def objective(self, scores: torch.Tensor, targets: torch.Tensor, n_train: int) -> torch.Tensor:
        """The SVM primal divided by ``C * n_train``: mean hinge + ``||W||^2 / (2 C n_train)`` (bias unregularised)."""
        return self.hinge(scores, targets) + self.linear.weight.square().sum() / (2.0 * self.C * n_train)


class SoftmaxRegression(nn.Module):
    """Standardise -> flatten -> one Linear layer: multinomial logistic regression, solved to convergence."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int, l2: float = 1e-3, max_iter: int = 500, tol: float = 1e-5):
        super().__init__()
        if not (l2 >= 0 and max_iter >= 1 and tol > 0):
            raise ConfigError(f"logreg needs l2 >= 0, max_iter >= 1 and tol > 0, got l2={l2}, max_iter={max_iter}, tol={tol}")
        self.input_shape = tuple(input_shape)
        self.l2, self.max_iter, self.tol = float(l2), int(max_iter), float(tol)
        self.norm = Standardize(self.input_shape)
        self.linear = nn.Linear(math.prod(self.input_shape), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.input_shape, "SoftmaxRegression")
        return self.linear(self.norm(x).flatten(1))

    def objective(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy plus ``l2 / 2 * ||W||^2`` (the bias is not penalised)."""
        return nn.functional.cross_entropy(self(x), y) + 0.5 * self.l2 * self.linear.weight.square().sum()


_BUILDERS: dict[str, type[nn.Module]] = {
    "mlp": MLPClassifier,
    "cnn": CNNClassifier,
    "pooled_cnn": PooledCNNClassifier,
    "fcn1d": FCN1DClassifier,
    "svm": LinearSVM,
    "logreg": SoftmaxRegression,
}


def build_classifier(kind: str, input_shape: tuple[int, ...], num_classes: int, **options: Any) -> nn.Module:
    """Build the downstream classifier ``kind`` ("mlp", "cnn", "pooled_cnn", "fcn1d", "svm", "logreg") for inputs [N, *input_shape] -> logits [N, num_classes].

    ``options`` are the class's keyword arguments (mlp: hidden, dropout; cnn: channels, fc, dropout; pooled_cnn: channels, dropout;
    fcn1d: filters, kernels; svm: C,
    multiclass, loss; logreg: l2, max_iter, tol) plus ``seed`` to initialise the weights reproducibly without touching the global RNG.
    """
    if kind not in _BUILDERS:
        near = closest(str(kind), CLASSIFIER_KINDS)
        tip = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(f"unknown classifier kind {kind!r}; expected one of {CLASSIFIER_KINDS}{tip}")
    if isinstance(input_shape, int) or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in input_shape):
        raise ShapeError(f"input_shape must be a tuple of positive ints (one sample's shape, without N), got {input_shape!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ConfigError(f"num_classes must be an int >= 2, got {num_classes!r}")
    seed = options.pop("seed", None)
    cls = _BUILDERS[kind]
    try:
        if seed is None:
            return cls(tuple(input_shape), num_classes, **options)
        with seeded_cpu_rng(int(seed)):
            return cls(tuple(input_shape), num_classes, **options)
    except TypeError as exc:
        raise ConfigError(f"bad option for the {kind!r} classifier ({exc}); see emozoo.evaluation.classifiers.{cls.__name__}") from exc


def _as_training_data(model: nn.Module, x: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Check inputs/labels against the classifier and return (float32 x, int64 y)."""
    from emozoo.data.batches import as_float_tensor, as_label_tensor

    shape = getattr(model, "input_shape", None)
    x = as_float_tensor(x, "x", dtype=torch.float32)
    if len(x) == 0:
        raise EmptyInputError("x: got 0 samples; the classifier needs training data")
    if shape is not None:
        _check_input(x, shape, type(model).__name__)
    y = as_label_tensor(y, "y", len(x))
    k = _num_classes(model)
    if k is not None and int(y.max()) >= k:
        raise LabelError(f"y: class id {int(y.max())} is out of range for a {k}-class classifier; map labels to 0..{k - 1}")
    return x, y


def _num_classes(model: nn.Module) -> int | None:
    """Output size of the last Linear layer (None if the model has none)."""
    last = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return last[-1].out_features if last else None


def fit_classifier(
    model: nn.Module,
    x: Any,
    y: Any,
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    weight_decay: float = 0.0,
    seed: int = 0,
    runtime: Runtime | None = None,
    standardize: bool = True,
) -> History:
    """Train a classifier from :func:`build_classifier` on (x [N, ...], y [N]) with Adam through the Runtime.

    Cross-entropy for mlp/cnn, the SVM primal (:meth:`LinearSVM.objective`) for the svm. With ``standardize`` the
    model's :class:`Standardize` statistics are first set from ``x``. ``seed`` seeds the global RNGs (dropout) and
    the shuffle order, so equal seeds give equal weights.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "epochs" else 1):
            raise InputError(f"{name} must be an int >= {0 if name == 'epochs' else 1}, got {value!r}")
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise InputError(f"lr must be a number > 0, got {lr!r}")
    x, y = _as_training_data(model, x, y)
    runtime = runtime or Runtime(device="cpu", progress=False)
    seed_everything(seed)
    norm = getattr(model, "norm", None)
    if standardize and isinstance(norm, (Standardize, ChannelStandardize)):
        norm.fit(x)
    if isinstance(model, SoftmaxRegression):
        return _solve_convex(model, x.to(runtime.device), y.to(runtime.device))
    generator = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=generator
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    prepared, optimizer, loader = runtime.prepare(model, optimizer, loader)
    if isinstance(model, LinearSVM):
        n_train = len(x)

        def loss_fn(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
            return model.objective(scores.float(), targets, n_train)
    else:
        def loss_fn(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
            return nn.functional.cross_entropy(logits.float(), targets)

    step = supervised_step(prepared, optimizer, loss_fn, runtime)
    history = runtime.train(step, loader, epochs=epochs, desc=f"classifier:{type(model).__name__}")
    model.eval()
    return history


def _solve_convex(model: SoftmaxRegression, x: torch.Tensor, y: torch.Tensor) -> History:
    """Full-batch L-BFGS on the strictly convex logistic objective until the gradient's max-norm is below ``tol``."""
    import time

    model.to(x.device).train()
    params = list(model.linear.parameters())
    optimizer = torch.optim.LBFGS(params, lr=1.0, max_iter=model.max_iter, tolerance_grad=model.tol,
                                  tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")
    start = time.perf_counter()

    def closure() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        loss = model.objective(x, y)
        loss.backward()
        return loss

    optimizer.step(closure)
    loss = model.objective(x, y)
    grad = torch.autograd.grad(loss, params)
    grad_max = max(float(g.abs().max()) for g in grad)
    iterations = int(optimizer.state[optimizer._params[0]].get("n_iter", 0))
    model.eval()
    history = History()
    history.append({"epoch": 0, "steps": iterations, "seconds": time.perf_counter() - start, "loss": float(loss.detach()),
                    "grad_max": grad_max, "converged": float(grad_max <= model.tol * 10)})
    return history


def converged(history: Any, *, window: float = 0.1, rel_tol: float = 0.01, abs_tol: float = 1e-3) -> bool:
    """Whether a fit from :func:`fit_classifier` converged (see the module docstring for the rule)."""
    records = list(history or ())
    if records and "converged" in records[-1]:
        return bool(records[-1]["converged"])
    losses = [float(r["loss"]) for r in records if isinstance(r.get("loss"), (int, float)) and math.isfinite(r["loss"])]
    k = max(1, int(len(losses) * window))
    if len(losses) < 2 * k + 1:
        return False
    last, before = sum(losses[-k:]) / k, sum(losses[-2 * k : -k]) / k
    return abs(before - last) <= rel_tol * abs(before) + abs_tol


class BestOnVal:
    """Training callback: UAR of ``model`` on (x, y) after each epoch; keeps the best epoch's weights (``best_state``)
    and stops after ``patience`` epochs without a better UAR (0: never). Shared by the baselines' ``select_best``."""

    def __init__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, patience: int) -> None:
        self.model, self.x, self.y, self.patience = model, x, y, patience
        self.scores: list[float] = []
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None

    @torch.no_grad()
    def on_epoch_end(self, epoch: int, logs: Any) -> bool:
        from emozoo import metrics

        pred = predict_logits(self.model, self.x).argmax(1)
        uar = metrics.compute(["UAR"], self.y.numpy(), pred.numpy())["UAR"]
        self.scores.append(uar)
        if self.best_epoch < 0 or uar > self.scores[self.best_epoch]:
            self.best_epoch = epoch
            self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.model.train()
        return self.patience > 0 and epoch - self.best_epoch >= self.patience


@torch.no_grad()
def predict_logits(model: nn.Module, x: Any, batch_size: int = 1024) -> torch.Tensor:
    """Logits [N, K] of ``model`` on x [N, ...] in eval mode and without autograd, in chunks on the model's device, on CPU."""
    from emozoo.data.batches import as_float_tensor

    x = as_float_tensor(x, "x", dtype=torch.float32)
    if len(x) == 0:
        raise EmptyInputError("x: got 0 samples; pass at least one")
    shape = getattr(model, "input_shape", None)
    if shape is not None:
        _check_input(x, shape, type(model).__name__)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be an int >= 1, got {batch_size!r}")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = [model(x[i : i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out)
