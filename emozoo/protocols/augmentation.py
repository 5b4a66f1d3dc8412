"""The augmentation protocol: does a generator's synthetic data help a fixed downstream classifier?

For every fold (e.g. one subject's train/test split) and seed, each generator is fitted on the real training
data and asked for class-balanced synthetic samples: per class ``round_half_up(ratio * n_class_in_train)``. The
same fixed classifiers (:mod:`emozoo.protocols.classifiers`) are then trained on

* ``real``: the real training data only (the reference every gain is measured against);
* ``real+synthetic``: real plus synthetic data, at every ratio;
* ``synthetic``: synthetic data only (train on synthetic, test on real), at ``synthetic_only_ratio``;
* ``real+noise``: real plus Gaussian-noise copies of real samples at every ratio, the cheap baseline a generator
  has to beat (noise std = ``noise_baseline_std`` x each feature's std in the real training data);

and tested on the real test split. ``real`` and ``real+noise`` do not depend on the generator, so they are
computed once per fold and seed (method ``"baseline"``) and shared by every generator run side by side. The
distribution of the synthetic data vs the real training data is measured per class
(:func:`emozoo.protocols.distribution.per_class_report`).

Batches need only ``features`` and integer ``labels`` (any emozoo batch such as :class:`EEGBatch`), so the protocol
is modality-agnostic; ``feature_transform`` maps features to the input of the ``"cnn"`` classifier (e.g. DE
features [N, 62, 5] to 9 x 9 topographic maps [N, 5, 9, 9]).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from emozoo.errors import (
    CapabilityError,
    ConfigError,
    EmozooError,
    EmptyInputError,
    InputError,
    LabelError,
    NonFiniteError,
    ShapeError,
)
from emozoo.protocols.classifiers import (
    CLASSIFIER_KINDS,
    build_classifier,
    fit_classifier,
    predict_logits,
)
from emozoo.protocols.distribution import per_class_report
from emozoo.runtime import Runtime, seed_everything

__all__ = [
    "CONDITIONS",
    "AugmentationProtocol",
    "AugmentationResult",
    "ClassifierSettings",
    "aggregate",
    "class_balanced_counts",
    "run_augmentation",
]

CONDITIONS: tuple[str, ...] = ("real", "real+synthetic", "synthetic", "real+noise")
BASELINE = "baseline"
RESULT_FORMAT = "emozoo.augmentation/1"

GeneratorFactory = Callable[..., Any]


@dataclass
class ClassifierSettings:
    """Training hyper-parameters of one downstream classifier (``options`` go to :func:`build_classifier`)."""

    epochs: int
    lr: float
    batch_size: int
    weight_decay: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)


def _default_settings() -> dict[str, ClassifierSettings]:
    """Our defaults (the papers name the classifier, not its training): Adam, 50/30 epochs, batch 64."""
    return {
        "mlp": ClassifierSettings(epochs=50, lr=1e-3, batch_size=64, weight_decay=1e-4),
        "svm": ClassifierSettings(epochs=50, lr=1e-3, batch_size=64, options={"C": 1.0}),
        "cnn": ClassifierSettings(epochs=30, lr=1e-3, batch_size=64, weight_decay=1e-4),
    }


@dataclass
class AugmentationProtocol:
    """Configuration of :func:`run_augmentation` (JSON-serialisable, recorded in every result)."""

    ratios: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    seeds: tuple[int, ...] = (0, 1, 2)
    classifiers: tuple[str, ...] | None = None
    """None: ("mlp", "svm"), plus "cnn" when a feature_transform is given."""
    classifier_settings: dict[str, ClassifierSettings] = field(default_factory=_default_settings)
    include_real_only: bool = True
    include_synthetic_only: bool = True
    synthetic_only_ratio: float = 1.0
    noise_baseline_std: float | None = 0.1
    """Std of the Gaussian-noise baseline relative to each feature's std; None or 0 leaves the baseline out."""
    generator_epochs: int | None = None
    """Overrides the generator's training epochs (config field ``epochs`` for method ids; ``epochs=`` for factories)."""
    generator_overrides: dict[str, Any] = field(default_factory=dict)
    """Config overrides for generators given by method id."""
    distribution: bool = True
    mmd_max_samples: int = 2000

    def __post_init__(self) -> None:
        """Validate and normalise every field, so a bad protocol fails before any training."""
        self.ratios = tuple(self.ratios)
        if not self.ratios or not all(isinstance(r, (int, float)) and not isinstance(r, bool) and math.isfinite(r) and r > 0 for r in self.ratios):
            raise ConfigError(f"ratios must be positive numbers (synthetic:real per class), got {self.ratios!r}")
        self.ratios = tuple(float(r) for r in self.ratios)
        self.seeds = tuple(self.seeds)
        if not self.seeds or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**31 for s in self.seeds):
            raise ConfigError(f"seeds must be non-empty ints in [0, 2**31), got {self.seeds!r}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"seeds must be distinct, got {self.seeds!r}")
        if self.classifiers is not None:
            self.classifiers = tuple(self.classifiers)
            bad = [k for k in self.classifiers if k not in CLASSIFIER_KINDS]
            if bad or not self.classifiers:
                raise ConfigError(f"classifiers must be a non-empty subset of {CLASSIFIER_KINDS}, got {self.classifiers!r}")
        settings = {**_default_settings(), **dict(self.classifier_settings)}
        for kind, s in settings.items():
            if isinstance(s, Mapping):
                s = settings[kind] = ClassifierSettings(**s)
            if not isinstance(s, ClassifierSettings):
                raise ConfigError(f"classifier_settings[{kind!r}] must be a ClassifierSettings, got {type(s).__name__}")
        self.classifier_settings = settings
        if not (isinstance(self.synthetic_only_ratio, (int, float)) and self.synthetic_only_ratio > 0):
            raise ConfigError(f"synthetic_only_ratio must be a number > 0, got {self.synthetic_only_ratio!r}")
        if self.noise_baseline_std is not None and not (isinstance(self.noise_baseline_std, (int, float)) and self.noise_baseline_std >= 0):
            raise ConfigError(f"noise_baseline_std must be None or a number >= 0, got {self.noise_baseline_std!r}")
        if self.generator_epochs is not None and (isinstance(self.generator_epochs, bool) or not isinstance(self.generator_epochs, int) or self.generator_epochs < 1):
            raise ConfigError(f"generator_epochs must be None or an int >= 1, got {self.generator_epochs!r}")

    def resolved_classifiers(self, has_transform: bool) -> tuple[str, ...]:
        """The classifier kinds to run: the configured ones, or mlp+svm (+cnn with a feature transform)."""
        kinds = self.classifiers if self.classifiers is not None else ("mlp", "svm") + (("cnn",) if has_transform else ())
        if "cnn" in kinds and not has_transform:
            raise ConfigError("the 'cnn' classifier needs feature_transform= (features -> [N, B, H, W] maps, e.g. emozoo_eeg.layout.to_grid)")
        return kinds

    @property
    def noise_enabled(self) -> bool:
        """Whether the Gaussian-noise baseline runs."""
        return bool(self.noise_baseline_std)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy of the configuration."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


# --- results --------------------------------------------------------------------------------------


def _two_stage(cells: Mapping[str, list[float]]) -> tuple[float, float]:
    """Mean and population std over folds of the seed-averaged values; over seeds when there is one fold."""
    if len(cells) == 1:
        values = next(iter(cells.values()))
        return statistics.fmean(values), statistics.pstdev(values)
    fold_means = [statistics.fmean(v) for v in cells.values()]
    return statistics.fmean(fold_means), statistics.pstdev(fold_means)


def aggregate(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Accuracy mean ± std per (method, condition, ratio, classifier) and the gain over ``real`` (paired by fold/seed).

    ``std`` is the population std over folds of each fold's seed-averaged accuracy (over seeds when there is only
    one fold), as SEED papers report std over subjects. ``gain``/``gain_std`` are the same statistics of the paired
    differences to the ``real`` condition of the same fold, seed and classifier (None without a ``real`` cell).
    """
    records = list(records)
    real = {(r["fold"], r["seed"], r["classifier"]): r["acc"] for r in records if r["condition"] == "real"}
    groups: dict[tuple, dict[str, dict[int, float]]] = {}
    for r in records:
        key = (r["method"], r["condition"], r["ratio"], r["classifier"])
        groups.setdefault(key, {}).setdefault(r["fold"], {})[r["seed"]] = r["acc"]
    out = []
    for (method, condition, ratio, clf), folds in groups.items():
        mean, std = _two_stage({f: list(s.values()) for f, s in folds.items()})
        diffs = {f: [acc - real[(f, seed, clf)] for seed, acc in s.items() if (f, seed, clf) in real] for f, s in folds.items()}
        diffs = {f: d for f, d in diffs.items() if d}
        gain, gain_std = _two_stage(diffs) if diffs and condition != "real" else (None, None)
        out.append({
            "method": method, "condition": condition, "ratio": ratio, "classifier": clf,
            "mean": mean, "std": std, "gain": gain, "gain_std": gain_std,
            "n_folds": len(folds), "n_seeds": len({s for f in folds.values() for s in f}),
        })  # fmt: skip
    return out


def _ratio_text(ratio: float) -> str:
    return f"{ratio:g}"


@dataclass
class AugmentationResult:
    """Per-cell accuracy records, generator runs and distribution reports of one protocol run, with aggregates."""

    protocol: dict[str, Any]
    methods: tuple[str, ...]
    classifiers: tuple[str, ...]
    records: list[dict[str, Any]]
    manifests: dict[str, str | None] = field(default_factory=dict)
    """fold -> SplitManifest digest (None where the split came without a manifest)."""
    generator_runs: list[dict[str, Any]] = field(default_factory=list)
    distribution: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    """Generator runs that raised under ``on_error="record"``: method, fold, seed, error type and message."""

    @property
    def aggregates(self) -> list[dict[str, Any]]:
        """:func:`aggregate` of the records."""
        return aggregate(self.records)

    def cell(self, method: str, condition: str, ratio: float, classifier: str) -> dict[str, Any] | None:
        """The aggregate of one table cell (``real``/``real+noise`` rows live under method ``"baseline"``)."""
        return self._cells().get(self._key(method, condition, ratio, classifier))

    @staticmethod
    def _key(method: str, condition: str, ratio: float, classifier: str) -> tuple[str, str, float, str]:
        owner = BASELINE if condition in ("real", "real+noise") else method
        return owner, condition, float(ratio), classifier

    def _cells(self) -> dict[tuple[str, str, float, str], dict[str, Any]]:
        return {(a["method"], a["condition"], a["ratio"], a["classifier"]): a for a in self.aggregates}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: everything stored plus the aggregates."""
        return {
            "format": RESULT_FORMAT,
            "protocol": self.protocol,
            "methods": list(self.methods),
            "classifiers": list(self.classifiers),
            "manifests": dict(self.manifests),
            "records": self.records,
            "aggregates": self.aggregates,
            "generator_runs": self.generator_runs,
            "distribution": self.distribution,
            "failures": self.failures,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The :meth:`to_dict` content as JSON text (no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AugmentationResult:
        """Rebuild from :meth:`to_dict` output (the aggregates are recomputed)."""
        if data.get("format") != RESULT_FORMAT:
            raise ConfigError(f"not an augmentation result (format {data.get('format')!r}, expected {RESULT_FORMAT!r})")
        return cls(
            protocol=dict(data["protocol"]),
            methods=tuple(data["methods"]),
            classifiers=tuple(data["classifiers"]),
            records=list(data["records"]),
            manifests=dict(data.get("manifests", {})),
            generator_runs=list(data.get("generator_runs", [])),
            distribution=list(data.get("distribution", [])),
            failures=list(data.get("failures", [])),
        )

    def _rows(self) -> list[tuple[str, float]]:
        """(condition, ratio) rows present in the records, in table order."""
        present = {(r["condition"], r["ratio"]) for r in self.records}
        return sorted(present, key=lambda cr: (CONDITIONS.index(cr[0]), cr[1]))

    def to_markdown(self, *, note: str | None = None) -> str:
        """One table per method: rows condition x ratio, columns classifier, cells "mean ± std (gain)" in %."""
        folds = sorted({r["fold"] for r in self.records})
        seeds = sorted({r["seed"] for r in self.records})
        cells_by_key = self._cells()
        lines: list[str] = []
        if note:
            lines += [f"> {note}", ""]
        for method in self.methods:
            lines += [f"### {method}", "", "| condition | ratio | " + " | ".join(self.classifiers) + " |",
                      "|---|---|" + "---|" * len(self.classifiers)]  # fmt: skip
            for condition, ratio in self._rows():
                cells = []
                for clf in self.classifiers:
                    a = cells_by_key.get(self._key(method, condition, ratio, clf))
                    if a is None:
                        cells.append("–")
                        continue
                    text = f"{100 * a['mean']:.2f} ± {100 * a['std']:.2f}"
                    if a["gain"] is not None:
                        text += f" ({100 * a['gain']:+.2f})"
                    cells.append(text)
                ratio_text = "–" if condition == "real" else _ratio_text(ratio)
                lines.append(f"| {condition} | {ratio_text} | " + " | ".join(cells) + " |")
            lines.append("")
        spread = "folds" if len(folds) > 1 else "seeds"
        lines.append(
            f"Accuracy (%) on the real test split: mean ± std over {spread} ({len(folds)} fold(s) × {len(seeds)} seed(s); "
            f"std over folds of the seed-averaged accuracy when there are several folds). (gain) = difference from "
            f"`real` (the same classifier on real data only), in percentage points. ratio = synthetic:real per class."
        )
        if self.failures:
            lines += ["", "Failed generator runs (their cells are left out of the means above):"]
            lines += [f"- {x['method']}, fold {x['fold']}, seed {x['seed']}: {x['error']}: {x['message']}" for x in self.failures]
        digests = [f"{f}: `{d[:12]}`" for f, d in self.manifests.items() if d]
        if digests:
            lines += ["", "Split manifests (sha256 prefix): " + ", ".join(digests)]
        return "\n".join(lines) + "\n"


# --- the run --------------------------------------------------------------------------------------


def class_balanced_counts(labels: torch.Tensor, ratio: float) -> dict[int, int]:
    """Per class present in ``labels``: ``round_half_up(ratio * count)`` synthetic samples to add."""
    counts = torch.bincount(labels.long())
    return {int(c): math.floor(ratio * int(n) + 0.5) for c, n in enumerate(counts.tolist()) if n > 0}


def _derive(*keys: Any) -> int:
    """A stable 31-bit seed from any keys (so each fold/seed/class/purpose draws its own random stream)."""
    digest = hashlib.sha256("\0".join(map(str, keys)).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _check_batch(batch: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(features, labels) of a labelled batch, or a typed error."""
    features, labels = getattr(batch, "features", None), getattr(batch, "labels", None)
    if not isinstance(features, torch.Tensor):
        raise InputError(f"{name}: expected a batch with a features tensor (e.g. EEGBatch), got {type(batch).__name__}")
    if labels is None or not isinstance(labels, torch.Tensor) or labels.is_floating_point():
        raise LabelError(f"{name}: the augmentation protocol needs integer class labels; got {None if labels is None else labels.dtype}")
    if len(features) == 0:
        raise EmptyInputError(f"{name}: the split is empty")
    return features.float(), labels.long()


def _unpack_split(split: Any, index: int) -> tuple[str, Any, Any, str | None]:
    """(fold name, train, test, manifest digest) from an object with train/test (+ manifest, fold) or a tuple."""
    if isinstance(split, tuple):
        if len(split) == 2:
            return str(index), split[0], split[1], None
        if len(split) == 3:
            return str(split[0]), split[1], split[2], None
        raise InputError(f"split {index}: expected (train, test) or (fold, train, test), got a tuple of {len(split)}")
    train, test = getattr(split, "train", None), getattr(split, "test", None)
    if train is None or test is None:
        raise InputError(f"split {index}: expected an object with .train and .test (e.g. emozoo_eeg's EEGSplit), got {type(split).__name__}")
    manifest = getattr(split, "manifest", None)
    fold = getattr(split, "fold", None) or getattr(manifest, "fold", None) or str(index)
    digest = manifest.digest() if manifest is not None and callable(getattr(manifest, "digest", None)) else None
    return str(fold), train, test, digest


def _method_factory(method_id: str, protocol: AugmentationProtocol) -> GeneratorFactory:
    """A factory that builds an installed method by id, applying the protocol's epochs, seed and overrides."""
    from emozoo.api import load
    from emozoo.registry import get_spec

    fields = {f.name for f in dataclasses.fields(get_spec(method_id).load_config_class())}

    def factory(*, seed: int, epochs: int | None) -> Any:
        overrides = dict(protocol.generator_overrides)
        if epochs is not None:
            if "epochs" not in fields:
                raise ConfigError(f"{method_id}'s config has no 'epochs' field; set its epochs through generator_overrides instead")
            overrides["epochs"] = epochs
        if "seed" in fields:
            overrides.setdefault("seed", seed)
        return load(method_id, **overrides)

    return factory


def _as_factories(generators: Any, protocol: AugmentationProtocol) -> dict[str, GeneratorFactory]:
    """Normalise a method id, a factory, or a name -> id/factory mapping (or a list of ids) to name -> factory."""
    if isinstance(generators, str) or callable(generators):
        generators = [generators]
    if isinstance(generators, Mapping):
        items = list(generators.items())
    elif isinstance(generators, Sequence):
        items = [(g if isinstance(g, str) else getattr(g, "__name__", f"generator{i}"), g) for i, g in enumerate(generators)]
    else:
        raise InputError(f"generator_factory: expected a method id, a callable, or a mapping of name -> id/callable, got {type(generators).__name__}")
    if not items:
        raise EmptyInputError("generator_factory: no generators given")
    out = {}
    for name, g in items:
        if isinstance(g, str):
            out[str(name)] = _method_factory(g, protocol)
        elif callable(g):
            out[str(name)] = g
        else:
            raise InputError(f"generator {name!r}: expected a method id or a callable factory(seed=, epochs=), got {type(g).__name__}")
    return out


def _generate_class(generator: Any, n: int, label: int, seed: int, sample_shape: tuple[int, ...], name: str) -> torch.Tensor:
    """``n`` synthetic feature rows of class ``label``, validated against the real sample shape and label."""
    out = generator.generate(n, condition=label, seed=seed)
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


class _Evaluator:
    """Trains every classifier on a given training set of one fold/seed and scores it on the real test split."""

    def __init__(self, protocol: AugmentationProtocol, kinds: tuple[str, ...], transform: Callable | None, runtime: Runtime,
                 x_test: torch.Tensor, y_test: torch.Tensor, num_classes: int):  # fmt: skip
        self.protocol, self.kinds, self.transform, self.runtime = protocol, kinds, transform, runtime
        self.y_test, self.num_classes = y_test, num_classes
        self.x_test = {k: self._inputs(k, x_test) for k in kinds}

    def _inputs(self, kind: str, features: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(self.transform(features)).float() if kind == "cnn" else features

    def __call__(self, x: torch.Tensor, y: torch.Tensor, seed: int) -> dict[str, float]:
        """Accuracy of each classifier kind trained on (x, y) under ``seed``."""
        accs = {}
        for kind in self.kinds:
            s = self.protocol.classifier_settings[kind]
            xk = self._inputs(kind, x)
            model = build_classifier(kind, tuple(xk.shape[1:]), self.num_classes, seed=seed, **s.options)
            fit_classifier(model, xk, y, epochs=s.epochs, lr=s.lr, batch_size=s.batch_size, weight_decay=s.weight_decay,
                           seed=seed, runtime=self.runtime)  # fmt: skip
            pred = predict_logits(model, self.x_test[kind]).argmax(1)
            accs[kind] = float((pred == self.y_test).float().mean())
        return accs


def _noise_copies(x: torch.Tensor, y: torch.Tensor, ratio: float, rel_std: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-balanced Gaussian-noise copies: real samples of each class drawn with replacement, plus N(0, (rel_std*std)^2)."""
    g = torch.Generator().manual_seed(seed)
    scale = rel_std * x.std(0, unbiased=False)
    xs, ys = [], []
    for label, n in class_balanced_counts(y, ratio).items():
        if n == 0:
            continue
        pool = x[y == label]
        picks = pool[torch.randint(len(pool), (n,), generator=g)]
        xs.append(picks + scale * torch.randn(picks.shape, generator=g))
        ys.append(torch.full((n,), label, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def _log(progress: bool, message: str) -> None:
    if progress:
        print(f"[augmentation] {message}", file=sys.stderr, flush=True)


def run_augmentation(
    generator_factory: Any,
    split_iter: Iterable[Any],
    protocol: AugmentationProtocol | None = None,
    *,
    feature_transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    runtime: Runtime | None = None,
    progress: bool = True,
    on_error: str = "raise",
) -> AugmentationResult:
    """Run the augmentation protocol for one or several generators on the same folds, seeds and classifiers.

    ``generator_factory``: a method id (built with ``emozoo.load``), a callable ``factory(seed=, epochs=)`` returning
    a fresh generating model, or a mapping name -> either (generators then run side by side, sharing the baselines).
    ``split_iter`` yields splits with ``.train``/``.test`` labelled batches (and optionally ``.manifest``, ``.fold``),
    or ``(train, test)`` / ``(fold, train, test)`` tuples. Each generator is fitted with
    ``generator.fit(train, runtime=runtime)`` and sampled with ``generator.generate(n, condition=label, seed=...)``.
    ``on_error="record"`` keeps going when a generator raises an :class:`~emozoo.errors.EmozooError` while fitting or
    generating (e.g. a GAN whose samples never pass its quality selection): the failure goes to ``result.failures``
    and that run's cells stay empty. Errors of the protocol's own inputs always raise.
    """
    if on_error not in ("raise", "record"):
        raise ConfigError(f"on_error must be 'raise' or 'record', got {on_error!r}")
    protocol = protocol or AugmentationProtocol()
    if not isinstance(protocol, AugmentationProtocol):
        raise ConfigError(f"protocol must be an AugmentationProtocol, got {type(protocol).__name__}")
    factories = _as_factories(generator_factory, protocol)
    kinds = protocol.resolved_classifiers(feature_transform is not None)
    runtime = runtime or Runtime(device="cpu", progress=False)
    result = AugmentationResult(protocol=protocol.to_dict(), methods=tuple(factories), classifiers=kinds, records=[])
    for index, split in enumerate(split_iter):
        fold, train, test, digest = _unpack_split(split, index)
        if fold in result.manifests:
            raise InputError(f"fold {fold!r} appears twice in split_iter; give every split its own fold name")
        result.manifests[fold] = digest
        run = _FoldRun(protocol, kinds, feature_transform, runtime, result, fold, train, test, progress)
        for seed in protocol.seeds:
            run.baselines(seed)
            for method, factory in factories.items():
                run.generator(method, factory, seed, record_errors=on_error == "record")
    if not result.manifests:
        raise EmptyInputError("split_iter yielded no splits")
    return result


class _FoldRun:
    """Everything the protocol does on one fold: baselines and generators per seed, appending to ``result``."""

    def __init__(self, protocol: AugmentationProtocol, kinds: tuple[str, ...], transform: Callable | None, runtime: Runtime,
                 result: AugmentationResult, fold: str, train: Any, test: Any, progress: bool):  # fmt: skip
        self.protocol, self.runtime, self.result, self.fold, self.train, self.progress = protocol, runtime, result, fold, train, progress
        self.x_train, self.y_train = _check_batch(train, f"fold {fold} train")
        x_test, y_test = _check_batch(test, f"fold {fold} test")
        if self.x_train.shape[1:] != x_test.shape[1:]:
            raise ShapeError(f"fold {fold}: train samples are {tuple(self.x_train.shape[1:])} but test samples are {tuple(x_test.shape[1:])}")
        num_classes = max(int(self.y_train.max()), int(y_test.max())) + 1
        if num_classes < 2:
            raise LabelError(f"fold {fold}: only one class in the data; the protocol needs at least two")
        self.n_test = len(y_test)
        self.evaluate = _Evaluator(protocol, kinds, transform, runtime, x_test, y_test, num_classes)
        ratios = set(protocol.ratios) | ({protocol.synthetic_only_ratio} if protocol.include_synthetic_only else set())
        self.pool_ratios = ratios | ({1.0} if protocol.distribution else set())

    def _record(self, method: str, seed: int, condition: str, ratio: float, x_added: torch.Tensor | None, y_added: torch.Tensor | None,
                with_real: bool = True) -> None:  # fmt: skip
        """Train the classifiers on (real +) added samples and append one record per classifier."""
        if x_added is None or y_added is None:
            x, y = self.x_train, self.y_train
        elif with_real:
            x, y = torch.cat([self.x_train, x_added]), torch.cat([self.y_train, y_added])
        else:
            x, y = x_added, y_added
        n_added = 0 if y_added is None else len(y_added)
        for kind, acc in self.evaluate(x, y, seed).items():
            self.result.records.append({
                "method": method, "fold": self.fold, "seed": seed, "condition": condition, "ratio": ratio, "classifier": kind,
                "acc": acc, "n_real": len(self.y_train) if with_real else 0, "n_added": n_added, "n_test": self.n_test,
            })  # fmt: skip

    def baselines(self, seed: int) -> None:
        """``real`` and ``real+noise`` (method "baseline"): they do not depend on any generator."""
        started = time.perf_counter()
        p = self.protocol
        if p.include_real_only:
            self._record(BASELINE, seed, "real", 0.0, None, None)
        if p.noise_enabled:
            for ratio in p.ratios:
                xn, yn = _noise_copies(self.x_train, self.y_train, ratio, float(p.noise_baseline_std), _derive("noise", self.fold, seed, ratio))
                self._record(BASELINE, seed, "real+noise", ratio, xn, yn)
        _log(self.progress, f"fold {self.fold} seed {seed}: baselines done in {time.perf_counter() - started:.1f}s")

    def generator(self, method: str, factory: GeneratorFactory, seed: int, *, record_errors: bool = False) -> None:
        """Fit one generator, draw its class-balanced pools, score every condition and measure the distributions."""
        started = time.perf_counter()
        p = self.protocol
        seed_everything(_derive("generator", method, self.fold, seed))
        model = factory(seed=seed, epochs=p.generator_epochs)
        if not getattr(model, "can_generate", False):
            raise CapabilityError(getattr(model, "method_id", method), "generate", "the augmentation protocol needs a generating model")
        try:
            history = model.fit(self.train, runtime=self.runtime)
            fit_seconds = time.perf_counter() - started
            sample_shape = tuple(self.x_train.shape[1:])
            need = {c: max(class_balanced_counts(self.y_train, r)[c] for r in self.pool_ratios) for c in class_balanced_counts(self.y_train, 1.0)}
            pools = {c: _generate_class(model, n, c, _derive("generate", method, self.fold, seed, c), sample_shape, method)
                     for c, n in need.items() if n > 0}  # fmt: skip
        except EmozooError as exc:
            if not record_errors:
                raise
            self.result.failures.append({"method": method, "fold": self.fold, "seed": seed, "error": type(exc).__name__, "message": str(exc)})
            _log(self.progress, f"fold {self.fold} seed {seed}: {method} FAILED ({type(exc).__name__}: {exc})")
            return
        for ratio in p.ratios:
            self._record(method, seed, "real+synthetic", ratio, *_take_pools(pools, self.y_train, ratio))
        if p.include_synthetic_only:
            ratio = p.synthetic_only_ratio
            self._record(method, seed, "synthetic", ratio, *_take_pools(pools, self.y_train, ratio), with_real=False)
        self.result.generator_runs.append({
            "method": method, "fold": self.fold, "seed": seed, "fit_seconds": fit_seconds,
            "generated_per_class": {str(c): len(x) for c, x in pools.items()}, "final_losses": _final_losses(history),
        })  # fmt: skip
        if p.distribution:
            xs, ys = _take_pools(pools, self.y_train, 1.0)
            real, synth = _like(self.train, self.x_train, self.y_train), _like(self.train, xs, ys)
            report = per_class_report(real, synth, max_samples=p.mmd_max_samples, seed=seed)
            self.result.distribution.append({"method": method, "fold": self.fold, "seed": seed, **report})
        _log(self.progress, f"fold {self.fold} seed {seed}: {method} done in {time.perf_counter() - started:.1f}s (generator fit {fit_seconds:.1f}s)")


def _take_pools(pools: Mapping[int, torch.Tensor], y_train: torch.Tensor, ratio: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``round_half_up(ratio * n_class)`` pooled synthetic samples of every class, with their labels."""
    counts = {c: n for c, n in class_balanced_counts(y_train, ratio).items() if n > 0}
    xs = torch.cat([pools[c][:n] for c, n in counts.items()])
    ys = torch.cat([torch.full((n,), c, dtype=torch.long) for c, n in counts.items()])
    return xs, ys


def _like(batch: Any, features: torch.Tensor, labels: torch.Tensor) -> Any:
    """A plain carrier of features/labels with the batch's layout and band names (for the distribution report)."""
    return _FeatureSet(features, labels, getattr(batch, "layout", None), getattr(batch, "band_names", None))


@dataclass(frozen=True)
class _FeatureSet:
    features: torch.Tensor
    labels: torch.Tensor
    layout: str | None
    band_names: tuple[str, ...] | None


def _final_losses(history: Any) -> dict[str, float]:
    """The last epoch's logged losses/metrics from a generator's History (empty when fit returned none)."""
    if isinstance(history, list) and history and isinstance(history[-1], Mapping):
        return {k: float(v) for k, v in history[-1].items()
                if k not in ("epoch", "steps", "seconds") and isinstance(v, (int, float)) and math.isfinite(float(v))}  # fmt: skip
    return {}
