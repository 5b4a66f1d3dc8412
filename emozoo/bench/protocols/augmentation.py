"""Augmentation: does a generator's synthetic data help a fixed downstream classifier? One cell = (method, fold, seed).

The generator is trained with ``fit_generator`` (only what ``generate()`` needs; a method's own downstream
classifier is not trained, since the protocol scores its own) on the fold's real training split and asked for
class-balanced synthetic samples: per class ``round_half_up(ratio * n_class_in_train)``. The same fixed
classifiers (:mod:`emozoo.evaluation.classifiers`) are then trained on

* ``real``: the real training data only (the reference every gain is measured against);
* ``real+synthetic``: real plus synthetic data, at every ratio;
* ``synthetic``: synthetic data only (train on synthetic, test on real), at ``synthetic_only_ratio``;
* ``real+noise``: real plus Gaussian-noise copies of real samples at every ratio, the cheap baseline a generator
  has to beat (noise std = ``noise_baseline_std`` x each feature's std in the real training data);
* ``ceiling:same-units``: real plus *real* samples of the same training trials (or items) that were held back from
  training, at every ratio: what a perfect generator of the training data could give;
* ``ceiling:new-units``: real plus real samples of trials (speakers, ...) that neither train nor test: the
  information ceiling, what new data of the population would give (both need ``Fold.pools``; see
  :class:`emozoo.data.Fold`);

and tested on the real test split, each recording the full :func:`emozoo.metrics.classification_report` (ACC,
UAR, WF1, MF1) and whether the classifier's training converged. ``distribution`` records the MMD² of synthetic vs real training samples (ratio 1).

For long-tailed data, ``tail_below`` adds the tail-only setting: the classes with fewer training samples than
``tail_below`` x the largest class are each topped up to that count, with synthetic samples (``real+synthetic:tail``)
and, as the rebalancing baseline a generator must beat, with their own real samples drawn again
(``real+oversample:tail``). ``per_class_recall`` adds each test class's ``recall:<name>``; ``feature_distance`` adds
FID and KID between real training and synthetic samples in the feature space of the real-only classifier
(:mod:`emozoo.evaluation.feature_distance`), beside the real-training-vs-real-test floor; ``per_unit`` adds every test
subject's own scores to each record, for intervals over subjects (:func:`emozoo.metrics.per_unit_report`).

Batches are read through the sample interface (``features``, ``labels``, ``with_samples``), so physiological,
speech (``AudioBatch``) and face (``ImageBatch``) data all work; ``feature_transform`` ("package.module:function")
maps samples to the ``"cnn"`` (and ``"pooled_cnn"``) classifier's input (e.g. DE features [N, 62, 5] to 9 x 9 maps [N, 5, 9, 9]).

``real``, ``real+noise``, ``real+oversample:tail`` and the ceilings do not depend on the generator: within one process
they are computed once per fold, seed and options and reused by every method's cell (the same numbers a recomputation gives, at a fraction of the
time); every method's table still shows them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from emozoo.bench.protocols import Records, build_model, samples, test_units
from emozoo.config import canonical_json
from emozoo.errors import CapabilityError, ConfigError, EmptyInputError, InputError, LabelError, NonFiniteError, ShapeError
from emozoo.evaluation.augmentation import (
    ClassifierSettings,
    class_balanced_counts,
    default_classifier_settings,
    derive_seed,
    noise_copies,
    oversample_tail,
    score_classifier,
    tail_counts,
    take_per_class,
)
from emozoo.evaluation.classifiers import CLASSIFIER_KINDS

CONDITIONS: tuple[str, ...] = (
    "real", "real+synthetic", "synthetic", "real+noise", "ceiling:same-units", "ceiling:new-units",
    "real+synthetic:tail", "real+oversample:tail",
)
#: Fold pools the ceilings read (``Fold.pools``): more real samples of the training units, and real samples of new units.
CEILING_POOLS: dict[str, str] = {"ceiling:same-units": "same_units", "ceiling:new-units": "new_units"}


@dataclass
class AugmentationOptions:
    """The protocol's options (``config["protocol"]`` of a benchmark), validated before any cell runs."""

    ratios: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    classifiers: tuple[str, ...] | None = None
    """None: ("mlp", "svm"), plus "cnn" when a feature_transform is given."""
    classifier_settings: dict[str, Any] = field(default_factory=dict)
    """kind -> ClassifierSettings fields (epochs, lr, batch_size, weight_decay, options); merged over the defaults."""
    include_real_only: bool = True
    include_synthetic_only: bool = True
    synthetic_only_ratio: float = 1.0
    noise_baseline_std: float | None = 0.1
    """Std of the Gaussian-noise baseline relative to each feature's std; None or 0 leaves the baseline out."""
    generator_epochs: int | None = None
    """Overrides the generator config's ``epochs`` field."""
    distribution: bool = True
    mmd_max_samples: int = 2000
    feature_transform: str | None = None
    """"package.module:function" mapping samples to the cnn's input, e.g. "emozoo_eeg.layout:to_grid"."""
    ceilings: bool = True
    """Score the oracle ceilings at every ratio where the fold has the pools (``Fold.pools``): a perfect generator
    (``same_units``: more real samples of the training trials / items) and the information ceiling (``new_units``:
    real samples of held-out trials / speakers that neither train nor test)."""
    tail_below: float | None = None
    """The tail-only setting (module doc): classes under ``tail_below`` x the largest class are topped up to that count."""
    per_class_recall: bool = False
    """Add ``recall:<class name>`` of every test class to each record's metrics."""
    feature_distance: bool = False
    """FID / KID (``FID_cnn``, ``KID_cnn``) in the feature space of the first configured classifier trained on real data."""
    positive_class: int | None = None
    """A class id: add its F1 (``F1_pos``) and ``AUROC`` to every record (detection tasks, e.g. stress vs no stress)."""
    per_unit: bool = False
    """Add each test subject's own scores to every record (``per_unit``), for intervals over subjects, not folds."""

    def __post_init__(self) -> None:
        """Validate and normalise every field, so a bad protocol fails before any training."""
        ratios = tuple(self.ratios)
        if not ratios or not all(isinstance(r, (int, float)) and not isinstance(r, bool) and math.isfinite(r) and r > 0 for r in ratios):
            raise ConfigError(f"ratios must be positive numbers (synthetic:real per class), got {self.ratios!r}")
        self.ratios = tuple(float(r) for r in ratios)
        if self.classifiers is not None:
            self.classifiers = tuple(self.classifiers)
            bad = [k for k in self.classifiers if k not in CLASSIFIER_KINDS]
            if bad or not self.classifiers:
                raise ConfigError(f"classifiers must be a non-empty subset of {CLASSIFIER_KINDS}, got {self.classifiers!r}")
        for kind, s in dict(self.classifier_settings).items():
            if kind not in CLASSIFIER_KINDS:
                raise ConfigError(f"classifier_settings: unknown classifier {kind!r}; choose from {CLASSIFIER_KINDS}")
            if not isinstance(s, (Mapping, ClassifierSettings)):
                raise ConfigError(f"classifier_settings[{kind!r}] must be a dict of ClassifierSettings fields, got {type(s).__name__}")
        self.settings()  # unknown fields fail here
        if not (isinstance(self.synthetic_only_ratio, (int, float)) and self.synthetic_only_ratio > 0):
            raise ConfigError(f"synthetic_only_ratio must be a number > 0, got {self.synthetic_only_ratio!r}")
        if self.noise_baseline_std is not None and not (isinstance(self.noise_baseline_std, (int, float)) and self.noise_baseline_std >= 0):
            raise ConfigError(f"noise_baseline_std must be None or a number >= 0, got {self.noise_baseline_std!r}")
        if self.generator_epochs is not None and (isinstance(self.generator_epochs, bool) or not isinstance(self.generator_epochs, int) or self.generator_epochs < 1):
            raise ConfigError(f"generator_epochs must be None or an int >= 1, got {self.generator_epochs!r}")
        if self.feature_transform is not None and (not isinstance(self.feature_transform, str) or ":" not in self.feature_transform):
            raise ConfigError(f"feature_transform must be 'package.module:function', got {self.feature_transform!r}")
        if self.tail_below is not None and not (isinstance(self.tail_below, (int, float)) and not isinstance(self.tail_below, bool)
                                                and 0 < self.tail_below <= 1):
            raise ConfigError(f"tail_below must be None or a number in (0, 1] (a fraction of the largest class), got {self.tail_below!r}")
        if self.positive_class is not None and (isinstance(self.positive_class, bool) or not isinstance(self.positive_class, int)
                                                or self.positive_class < 0):
            raise ConfigError(f"positive_class must be None or a class id (int >= 0), got {self.positive_class!r}")
        for flag in ("per_class_recall", "feature_distance", "per_unit"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"{flag} must be true or false, got {getattr(self, flag)!r}")
        self.kinds()

    def settings(self) -> dict[str, ClassifierSettings]:
        """Training settings per classifier kind: the defaults with the configured fields replaced."""
        out = default_classifier_settings()
        for kind, s in self.classifier_settings.items():
            given = dataclasses.asdict(s) if isinstance(s, ClassifierSettings) else dict(s)
            try:
                out[kind] = dataclasses.replace(out[kind], **given)
            except TypeError as exc:
                raise ConfigError(f"classifier_settings[{kind!r}]: {exc}; fields are epochs, lr, batch_size, weight_decay, options") from exc
        return out

    def kinds(self) -> tuple[str, ...]:
        """The classifier kinds to run: the configured ones, or mlp + svm (+ cnn with a feature transform)."""
        has_transform = self.feature_transform is not None
        kinds = self.classifiers if self.classifiers is not None else ("mlp", "svm") + (("cnn",) if has_transform else ())
        if "cnn" in kinds and not has_transform:
            raise ConfigError("the 'cnn' classifier needs feature_transform= (samples -> [N, B, H, W] maps, e.g. 'emozoo_eeg.layout:to_grid')")
        return kinds

    @property
    def noise_enabled(self) -> bool:
        """Whether the Gaussian-noise baseline runs."""
        return bool(self.noise_baseline_std)


def check_options(options: dict[str, Any]) -> None:
    """Raise ConfigError for an option the protocol does not know or a value it cannot use."""
    known = {f.name for f in dataclasses.fields(AugmentationOptions)}
    unknown = set(options) - known
    if unknown:
        raise ConfigError(f"augmentation protocol: unknown option(s) {sorted(unknown)}; known: {sorted(known)}")
    AugmentationOptions(**options)


def _labelled(batch: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(float features, int64 labels) of a labelled single-tensor batch, or a typed error."""
    features, labels = samples(batch, name)
    if isinstance(features, Mapping):
        raise InputError(f"{name}: the augmentation protocol needs one sample tensor per batch, got per-modality features {sorted(features)}")
    if getattr(batch, "coarse_modality", None) == "text":
        raise InputError(f"{name}: text data ({type(batch).__name__}); the augmentation protocol trains tensor classifiers. "
                         "Use the text-augmentation protocol (emozoo bench ... --protocol text-augmentation)")
    if not isinstance(features, torch.Tensor):
        raise InputError(f"{name}: expected a batch with a features tensor, got {type(batch).__name__}")
    if labels is None or not isinstance(labels, torch.Tensor) or labels.is_floating_point():
        raise LabelError(f"{name}: the augmentation protocol needs integer class labels; got {None if labels is None else labels.dtype}")
    if len(features) == 0:
        raise EmptyInputError(f"{name}: the split is empty")
    return features.detach().float().cpu(), labels.detach().long().cpu()


def _generate_class(model: Any, n: int, label: int, seed: int, sample_shape: tuple[int, ...], name: str, **inputs: Any) -> torch.Tensor:
    """``n`` synthetic samples of class ``label`` (``inputs``: extra ``generate`` arguments), validated against the real
    sample shape and label."""
    out = model.generate(n, condition=label, seed=seed, **inputs)
    feats = getattr(out, "features", None)
    if not isinstance(feats, torch.Tensor):
        raise InputError(f"{name}.generate must return a batch with features (like its training batch), got {type(out).__name__}")
    feats = feats.detach().float().cpu()
    if tuple(feats.shape) != (n, *sample_shape):
        raise ShapeError(f"{name}.generate({n}, condition={label}) returned features {list(feats.shape)}, expected {[n, *sample_shape]}")
    labels = getattr(out, "labels", None)
    if labels is not None and bool((labels.cpu() != label).any()):
        raise LabelError(f"{name}.generate(condition={label}) returned samples labelled {sorted(set(labels.tolist()))}")
    if not bool(torch.isfinite(feats).all()):
        raise NonFiniteError(f"{name}.generate(condition={label}) returned NaN/inf features; the generator diverged")
    return feats


class _Scorer:
    """Trains every configured classifier on a training set and scores it on the fold's real test split."""

    def __init__(self, opts: AugmentationOptions, x_test: torch.Tensor, y_test: torch.Tensor, num_classes: int, runtime: Any,
                 names: list[str] | None = None, units: Any = None):
        from emozoo.specs import import_object

        self.kinds, self.settings, self.runtime = opts.kinds(), opts.settings(), runtime
        self.x_test, self.y_test, self.num_classes = x_test, y_test, num_classes
        self.transform = import_object(opts.feature_transform) if opts.feature_transform else None
        self.n_test = len(y_test)
        self.recall_names = (names or [str(c) for c in range(num_classes)]) if opts.per_class_recall else None
        self.positive_class = opts.positive_class
        self.units = units
        self.models: dict[str, Any] = {}
        """The classifiers of the last ``records`` call, by kind (the real-only ones embed samples for FID / KID)."""

    def inputs(self, kind: str, x: torch.Tensor) -> torch.Tensor:
        """Samples as classifier ``kind`` reads them (the feature transform for the CNNs)."""
        if self.transform is not None and kind in ("cnn", "pooled_cnn"):
            return torch.as_tensor(self.transform(x)).float()
        return x

    def records(self, condition: str, ratio: float | None, x: torch.Tensor, y: torch.Tensor, seed: int, n_real: int) -> Records:
        out = []
        for kind in self.kinds:
            score = score_classifier(kind, self.settings[kind], x, y, self.x_test, self.y_test, self.num_classes, seed=seed,
                                     runtime=self.runtime, transform=self.transform if kind in ("cnn", "pooled_cnn") else None,
                                     recall_names=self.recall_names, positive_class=self.positive_class, units=self.units)  # fmt: skip
            self.models[kind] = score.model
            out.append({"condition": condition, "ratio": ratio, "classifier": kind, "metrics": score.metrics,
                        "converged": score.converged, "n_real": n_real, "n_added": len(y) - n_real, "n_test": self.n_test,
                        **({"per_unit": score.per_unit} if score.per_unit is not None else {})})  # fmt: skip
        return out


def _data_digest(*tensors: torch.Tensor) -> str:
    """sha256 of the samples themselves (shapes, dtypes and bytes): what the baselines are computed from."""
    import hashlib

    h = hashlib.sha256()
    for t in tensors:
        t = t.detach().contiguous().cpu()
        h.update(f"{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


#: (sha256 of the train, test and pool samples, seed, options) -> (records, real-only classifiers) of the conditions
#: that do not depend on the generator, shared by the methods of one process.
_BASELINES: dict[str, tuple[Records, dict[str, Any]]] = {}


def _copy(records: Records) -> Records:
    return [dict(r, metrics=dict(r["metrics"])) for r in records]


def _baselines(fold: Any, seed: int, opts: AugmentationOptions, scorer: _Scorer, x: torch.Tensor, y: torch.Tensor) -> tuple[Records, dict[str, Any]]:
    """``real``, ``real+noise``, ``real+oversample:tail`` and ceiling records (none depends on the generator) and the
    real-only classifiers, cached per fold data, seed and options."""
    pools = getattr(fold, "pools", None) or {}
    pool_data = [_data_digest(*_labelled(pools[n], n)) for n in sorted(pools) if pools[n] is not None] if opts.ceilings else []
    key = canonical_json({"fold": fold.name, "data": _data_digest(x, y, scorer.x_test, scorer.y_test), "pools": pool_data,
                          "seed": seed, "options": dataclasses.asdict(opts)})
    if key in _BASELINES:
        records, models = _BASELINES[key]
        return _copy(records), models
    records: Records = []
    models: dict[str, Any] = {}
    if opts.include_real_only or opts.feature_distance:
        real = scorer.records("real", None, x, y, seed, len(y))
        models = dict(scorer.models)
        records += real if opts.include_real_only else []
    if opts.noise_enabled:
        for ratio in opts.ratios:
            xn, yn = noise_copies(x, y, ratio, float(opts.noise_baseline_std), derive_seed("noise", fold.name, seed, ratio))
            records += scorer.records("real+noise", ratio, torch.cat([x, xn]), torch.cat([y, yn]), seed, len(y))
    if opts.tail_below is not None and tail_counts(y, opts.tail_below):
        xo, yo = oversample_tail(x, y, opts.tail_below, derive_seed("oversample", fold.name, seed))
        records += [{**r, "tail_classes": sorted(tail_counts(y, opts.tail_below))}
                    for r in scorer.records("real+oversample:tail", None, torch.cat([x, xo]), torch.cat([y, yo]), seed, len(y))]
    if opts.ceilings:
        records += _ceilings(fold, seed, opts, scorer, x, y)
    if len(_BASELINES) > 64:
        _BASELINES.clear()
    _BASELINES[key] = (_copy(records), models)
    return records, models


def run_cell(method: str, fold: Any, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """Every condition of the protocol for one generator, fold and seed; see the module docstring."""
    opts = AugmentationOptions(**options)
    x_train, y_train = _labelled(fold.train, f"fold {fold.name} train")
    x_test, y_test = _labelled(fold.test, f"fold {fold.name} test")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise ShapeError(f"fold {fold.name}: train samples are {tuple(x_train.shape[1:])} but test samples are {tuple(x_test.shape[1:])}")
    num_classes = max(int(y_train.max()), int(y_test.max())) + 1
    if num_classes < 2:
        raise LabelError(f"fold {fold.name}: only one class in the data; the protocol needs at least two")
    units = test_units(fold.test, "augmentation") if opts.per_unit else None
    scorer = _Scorer(opts, x_test, y_test, num_classes, runtime, _class_names(fold.train, num_classes), units)
    records, real_models = _baselines(fold, seed, opts, scorer, x_train, y_train)

    epochs = {"epochs": opts.generator_epochs} if opts.generator_epochs is not None else {}
    model = build_model(method, seed, {**overrides, **epochs})
    if not getattr(model, "can_generate", False):
        raise CapabilityError(method, "generate", "the augmentation protocol needs a generating model (emozoo list --task data_augmentation)")
    model.fit_generator(fold.train, runtime=runtime)
    ratios = set(opts.ratios) | ({opts.synthetic_only_ratio} if opts.include_synthetic_only else set()) | ({1.0} if opts.distribution or opts.feature_distance else set())
    need = {c: max(class_balanced_counts(y_train, r)[c] for r in ratios) for c in class_balanced_counts(y_train, 1.0)}
    tail = tail_counts(y_train, opts.tail_below) if opts.tail_below is not None else {}
    need = {c: max(n, tail.get(c, 0)) for c, n in need.items()}
    pools = {c: _generate_class(model, n, c, derive_seed("generate", method, fold.name, seed, c), tuple(x_train.shape[1:]), method)
             for c, n in need.items() if n > 0}  # fmt: skip
    for ratio in opts.ratios:
        xs, ys = take_per_class(pools, y_train, ratio)
        records += scorer.records("real+synthetic", ratio, torch.cat([x_train, xs]), torch.cat([y_train, ys]), seed, len(y_train))
    if opts.include_synthetic_only:
        xs, ys = take_per_class(pools, y_train, opts.synthetic_only_ratio)
        records += scorer.records("synthetic", opts.synthetic_only_ratio, xs, ys, seed, 0)
    if tail:
        xs = torch.cat([pools[c][:n] for c, n in tail.items()])
        ys = torch.cat([torch.full((n,), c, dtype=torch.long) for c, n in tail.items()])
        records += [{**r, "tail_classes": sorted(tail)}
                    for r in scorer.records("real+synthetic:tail", None, torch.cat([x_train, xs]), torch.cat([y_train, ys]), seed, len(y_train))]
    if opts.feature_distance:
        records.append(_feature_distance(real_models, scorer, opts, pools, x_train, y_train, seed))
    if opts.distribution:
        from emozoo.evaluation.distribution import per_class_report

        xs, ys = take_per_class(pools, y_train, 1.0)
        real = _with_samples(fold.train, x_train, y_train)
        report = per_class_report(real, _with_samples(fold.train, xs, ys), max_samples=opts.mmd_max_samples, seed=seed)
        mmd2 = report["overall"].get("mmd2")
        if isinstance(mmd2, float):
            records.append({"condition": "distribution", "ratio": None, "classifier": None, "metrics": {"MMD2": mmd2},
                            "per_class": report["per_class"]})  # fmt: skip
    return records


def _ceilings(fold: Any, seed: int, opts: AugmentationOptions, scorer: _Scorer, x: torch.Tensor, y: torch.Tensor) -> Records:
    """The oracle ceilings: real + class-balanced real samples from the fold's pools, at every ratio, with the same
    counts a generator is asked for (fewer where a pool runs short: ``pool_short`` says so)."""
    records: Records = []
    pools = getattr(fold, "pools", None) or {}
    for condition, pool_name in CEILING_POOLS.items():
        if pools.get(pool_name) is None:
            continue
        xp, yp = _labelled(pools[pool_name], f"fold {fold.name} pool {pool_name}")
        if xp.shape[1:] != x.shape[1:]:
            raise ShapeError(f"fold {fold.name}: pool {pool_name} holds samples {tuple(xp.shape[1:])}, training {tuple(x.shape[1:])}")
        g = torch.Generator().manual_seed(derive_seed("ceiling", pool_name, fold.name, seed))
        order = torch.randperm(len(yp), generator=g)
        xp, yp = xp[order], yp[order]
        by_class = {c: xp[yp == c] for c in class_balanced_counts(y, 1.0)}
        for ratio in opts.ratios:
            want = {c: n for c, n in class_balanced_counts(y, ratio).items() if n > 0}
            picks = [(by_class[c][:n], c) for c, n in want.items()]
            xs = torch.cat([p for p, _ in picks])
            ys = torch.cat([torch.full((len(p),), c, dtype=torch.long) for p, c in picks])
            short = sum(want.values()) - len(ys)
            for record in scorer.records(condition, ratio, torch.cat([x, xs]), torch.cat([y, ys]), seed, len(y)):
                records.append({**record, "pool_short": short})
    return records


def _class_names(batch: Any, num_classes: int) -> list[str]:
    """Class names of the batch's data set (its DatasetSpec's, when registered with enough names), else the ids."""
    dataset = getattr(getattr(batch, "source", None), "dataset", None)
    if dataset:
        from emozoo import get_registry
        from emozoo.errors import EmozooError

        try:
            names = list(get_registry().get_dataset(dataset).label_names)
        except EmozooError:
            names = []
        if len(names) >= num_classes:
            return names
    return [str(c) for c in range(num_classes)]


def _feature_distance(models: dict[str, Any], scorer: _Scorer, opts: AugmentationOptions, pools: dict[int, torch.Tensor],
                      x: torch.Tensor, y: torch.Tensor, seed: int) -> dict[str, Any]:
    """FID / KID of synthetic (ratio 1) vs real training samples in the real-only classifier's feature space, overall and
    per class (KID only where both sides hold >= 2 samples), with the real-training-vs-real-test floor beside them."""
    from emozoo.evaluation.feature_distance import embed, frechet_distance, kernel_distance

    kind = scorer.kinds[0]
    model = models[kind]
    xs, ys = take_per_class(pools, y, 1.0)
    real, fake, test = (embed(model, scorer.inputs(kind, t)) for t in (x, xs, scorer.x_test))
    metrics = {"FID_cnn": frechet_distance(real, fake), "KID_cnn": kernel_distance(real, fake, seed=seed),
               "FID_cnn_real_test": frechet_distance(real, test), "KID_cnn_real_test": kernel_distance(real, test, seed=seed)}
    per_class = {}
    yn, ysn = y.numpy(), ys.numpy()
    for c in sorted(set(yn.tolist())):
        r, f = real[yn == c], fake[ysn == c]
        if len(r) >= 2 and len(f) >= 2:
            per_class[scorer.recall_names[c] if scorer.recall_names else str(c)] = {"KID_cnn": kernel_distance(r, f, seed=seed), "n_real": len(r), "n_fake": len(f)}
    return {"condition": "feature-distance", "ratio": 1.0, "classifier": None, "feature_classifier": kind, "metrics": metrics, "per_class": per_class,
            "feature_space": f"the input of the last linear layer of the '{kind}' classifier trained on the real training split (no Inception weights)"}


def _with_samples(batch: Any, features: torch.Tensor, labels: torch.Tensor) -> Any:
    """``batch.with_samples`` (keeps layout and band names for the band-moment report); a plain pair otherwise."""
    if hasattr(batch, "with_samples"):
        return batch.with_samples(features, labels)
    return _Samples(features, labels)


@dataclass(frozen=True)
class _Samples:
    features: torch.Tensor
    labels: torch.Tensor
