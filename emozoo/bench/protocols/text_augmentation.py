"""Text augmentation: do a generator's synthetic texts help a fixed text classifier? One cell = (method, fold, seed).

The text counterpart of :mod:`emozoo.bench.protocols.augmentation`: the downstream model is a registered text method
(``downstream``, default ``tfidf-logreg``) fitted on ``TextBatch`` data with the fold's validation split, and scored
on the real test split the way the recognition protocol scores it (macro-F1 first for multi-label data, ACC/UAR/WF1/MF1
for single-label data, Pearson r and MAE per dimension for ratings). Conditions:

* ``real``: the real training texts only (every gain is measured against it);
* ``real+synthetic``: real plus synthetic texts at every ratio. Per class ``round_half_up(ratio * n_c)``, where
  ``n_c`` counts the training texts carrying class c (each text counts once per label it carries in multi-label
  data); ratings: ``round_half_up(ratio * N)`` texts in all;
* ``synthetic``: synthetic texts only, at the largest ratio (train on synthetic, test on real);
* ``real+token-aug``: the classical augmentation baseline a generator has to beat: ``token_baseline`` (default
  ``tfidf-logreg-aug``, EDA-style swap / delete / insert copies) fitted on the same real texts;
* ``ceiling:new-units``: real plus *real* texts that are not in the training set, with the same per-class counts a
  generator is asked for: what a perfect generator could give. The texts come from ``Fold.pools["new_units"]`` or,
  with ``train_fraction`` < 1, from the training texts the cell left out;
* ``audit``: per class, the first ``audit_samples`` generated texts; the generator's own counts (rejected by its
  filter, unparseable, cache hits) when it reports them (``generation_report()``); exact and near duplicates of training
  texts (:func:`emozoo.evaluation.text_audit.audit_duplicates`) and, for a generator that reports its prompt sources,
  of the texts it was shown.

``train_fraction`` draws the cell's low-resource training set from the fold's training split under the cell's seed
(exactly ``round_half_up(fraction * N)`` texts, without replacement), so seeds vary the real data as well as the
generation; the generator is fitted (``fit_generator``) on that same subset. ``real``, ``real+token-aug`` and the
ceiling do not depend on the generator: within one process they are computed once per training set, seed and options.
Generators are called as ``generate(n, condition=class_id, seed=...)`` (``condition`` omitted for ratings) and return a
TextBatch whose rows carry the class (or ratings); a generator may return fewer texts than asked when its filter
rejects some (recorded as ``short``), and a class for which it raises ``EmptyInputError`` (its filter kept nothing) gets
none (the audit's ``classes_without_texts`` says which and why).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from emozoo import metrics
from emozoo.bench.protocols import Records, build_model
from emozoo.config import canonical_json
from emozoo.data.batches import TextBatch
from emozoo.errors import CapabilityError, ConfigError, EmptyInputError, InputError, LabelError, ShapeError
from emozoo.evaluation.augmentation import derive_seed
from emozoo.evaluation.text_audit import audit_duplicates

CONDITIONS: tuple[str, ...] = ("real", "real+synthetic", "synthetic", "real+token-aug", "ceiling:new-units", "audit")


@dataclass
class TextAugmentationOptions:
    """The protocol's options (module doc)."""

    ratios: tuple[float, ...] = (0.25, 0.5)
    train_fraction: float = 1.0
    downstream: str = "tfidf-logreg"
    downstream_overrides: dict[str, Any] = field(default_factory=dict)
    token_baseline: str | None = "tfidf-logreg-aug"
    include_synthetic_only: bool = True
    ceiling: bool = True
    audit_samples: int = 3
    near_threshold: float = 0.8

    def __post_init__(self) -> None:
        ratios = tuple(self.ratios) if isinstance(self.ratios, (list, tuple)) else ()
        if not ratios or not all(isinstance(r, (int, float)) and not isinstance(r, bool) and math.isfinite(r) and r > 0 for r in ratios):
            raise ConfigError(f"text-augmentation protocol: ratios must be positive numbers (synthetic:real), got {self.ratios!r}")
        self.ratios = tuple(sorted({float(r) for r in ratios}))
        f = self.train_fraction
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.0 < float(f) <= 1.0:
            raise ConfigError(f"text-augmentation protocol: train_fraction must be in (0, 1], got {f!r}")
        self.train_fraction = float(f)
        for name in ("downstream", "token_baseline"):
            value = getattr(self, name)
            if not (isinstance(value, str) and value) and not (name == "token_baseline" and value is None):
                raise ConfigError(f"text-augmentation protocol: {name} must be a method id, got {value!r}")
        if not isinstance(self.downstream_overrides, dict):
            raise ConfigError(f"text-augmentation protocol: downstream_overrides must be a mapping, got {self.downstream_overrides!r}")
        for flag in ("include_synthetic_only", "ceiling"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"text-augmentation protocol: {flag} must be true or false, got {getattr(self, flag)!r}")
        if isinstance(self.audit_samples, bool) or not isinstance(self.audit_samples, int) or self.audit_samples < 0:
            raise ConfigError(f"text-augmentation protocol: audit_samples must be an int >= 0, got {self.audit_samples!r}")
        if not isinstance(self.near_threshold, (int, float)) or not 0.0 < float(self.near_threshold) <= 1.0:
            raise ConfigError(f"text-augmentation protocol: near_threshold must be in (0, 1], got {self.near_threshold!r}")


def check_options(options: dict[str, Any]) -> None:
    """Raise ConfigError for an unknown option or a value the protocol cannot use."""
    known = {f.name for f in dataclasses.fields(TextAugmentationOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"text-augmentation protocol: unknown option(s) {unknown}; known: {sorted(known)}")
    TextAugmentationOptions(**options)


# --- the data -----------------------------------------------------------------------------------------


def _text_batch(batch: Any, name: str) -> TextBatch:
    if not isinstance(batch, TextBatch):
        raise InputError(f"{name}: the text-augmentation protocol reads TextBatch data (emozoo-text's data sets), got "
                         f"{type(batch).__name__}; use --protocol augmentation for signals, faces and speech")  # fmt: skip
    if batch.labels is None and batch.targets is None:
        raise LabelError(f"{name}: the texts carry neither labels nor targets; the protocol needs supervised data")
    return batch


def task_of(batch: TextBatch) -> str:
    """``"multilabel"``, ``"single"`` or ``"dimensional"``."""
    if batch.labels is None:
        return "dimensional"
    return "multilabel" if batch.multi_label else "single"


def class_counts(batch: TextBatch) -> dict[int, int]:
    """Training texts carrying each class present (single-label ids or multi-label indicator columns)."""
    if batch.multi_label:
        sums = batch.labels.sum(0).long().tolist()
    else:
        sums = torch.bincount(batch.labels.long(), minlength=batch.num_classes or 0).tolist()
    return {c: int(n) for c, n in enumerate(sums) if n > 0}


def wanted(batch: TextBatch, ratio: float) -> dict[int | None, int]:
    """Synthetic texts to add per class (key None: the whole set, for ratings) at ``ratio`` (module doc)."""
    if batch.labels is None:
        return {None: math.floor(ratio * len(batch) + 0.5)}
    return {c: math.floor(ratio * n + 0.5) for c, n in class_counts(batch).items()}


def join(a: TextBatch, b: TextBatch) -> TextBatch:
    """The texts of ``a`` then ``b`` as one batch (``a``'s names and source; ids only when both have them)."""
    def cat(x: Any, y: Any) -> Any:
        return None if x is None or y is None else torch.cat([x, y.to(x.dtype)])

    ids = a.ids + b.ids if a.ids is not None and b.ids is not None else None
    return TextBatch(texts=a.texts + b.texts, labels=cat(a.labels, b.labels), targets=cat(a.targets, b.targets),
                     label_names=a.label_names, target_names=a.target_names, ids=ids, source=a.source)  # fmt: skip


def _subset(batch: TextBatch, fraction: float, seed: int, fold: str) -> tuple[TextBatch, TextBatch | None]:
    """(the cell's training texts, the left-out rest) for ``train_fraction`` (the whole batch and None at 1.0)."""
    if fraction >= 1.0:
        return batch, None
    n = len(batch)
    k = max(1, min(n, math.floor(fraction * n + 0.5)))
    if k == n:
        return batch, None
    order = np.random.default_rng(derive_seed("train-subset", fold, seed)).permutation(n)
    keep, rest = np.sort(order[:k]), np.sort(order[k:])
    return batch.index(torch.from_numpy(keep)), batch.index(torch.from_numpy(rest))


def _check_generated(out: Any, n: int, condition: int | None, train: TextBatch, name: str) -> TextBatch:
    """``out`` as a TextBatch of at most ``n`` rows that carry ``condition`` (or ratings like the training targets)."""
    if not isinstance(out, TextBatch):
        raise InputError(f"{name}.generate must return a TextBatch (texts with their labels or ratings), got {type(out).__name__}")
    if len(out) > n:
        raise ShapeError(f"{name}.generate({n}, condition={condition}) returned {len(out)} texts, more than asked")
    if condition is None:
        if out.targets is None or out.targets.shape[1] != train.targets.shape[1]:
            raise ShapeError(f"{name}.generate returned no ratings of {train.targets.shape[1]} dimensions for rating data")
        return out
    if out.labels is None:
        raise LabelError(f"{name}.generate(condition={condition}) returned texts without labels")
    if train.multi_label:
        if not out.multi_label or out.labels.shape[1] != train.labels.shape[1]:
            raise ShapeError(f"{name}.generate returned labels {list(out.labels.shape)}; the data is multi-label with "
                             f"{train.labels.shape[1]} classes")  # fmt: skip
        if bool((out.labels[:, condition] != 1).any()):
            raise LabelError(f"{name}.generate(condition={condition}) returned texts that do not carry class {condition}")
    elif out.multi_label or bool((out.labels != condition).any()):
        raise LabelError(f"{name}.generate(condition={condition}) returned texts of other classes")
    return out


# --- scoring ------------------------------------------------------------------------------------------


def score(model: Any, test: TextBatch) -> dict[str, float]:
    """The recognition protocol's scores of ``model`` on ``test`` (multi-label, single-label or ratings)."""
    prediction = model.predict(test)
    if test.labels is None:
        values = prediction.values
        if values is None:
            raise CapabilityError(model.method_id, "score rating data", "its predict() returned no values")
        return metrics.dimensional_report(test.targets.numpy(), values.detach().cpu().numpy(), test.target_names)
    y_pred = prediction.labels.detach().cpu().numpy()
    y_true = test.labels.numpy().astype(np.int64)
    if test.multi_label:
        return metrics.multilabel_report(y_true, y_pred)
    return metrics.classification_report(y_true, y_pred)


class _Downstream:
    """Fits the downstream method on a training set (with the fold's validation split) and scores the test split."""

    def __init__(self, opts: TextAugmentationOptions, fold: Any, seed: int, runtime: Any):
        self.opts, self.val, self.test, self.seed, self.runtime = opts, fold.val, _text_batch(fold.test, "test"), seed, runtime

    def record(self, condition: str, ratio: float | None, train: TextBatch, n_real: int, method: str | None = None) -> dict[str, Any]:
        fitted = method or self.opts.downstream
        model = build_model(fitted, self.seed, dict(self.opts.downstream_overrides))
        model.fit(train, self.val, runtime=self.runtime)
        record = {"condition": condition, "ratio": ratio, "classifier": self.opts.downstream, "metrics": score(model, self.test),
                  "n_real": n_real, "n_added": len(train) - n_real, "n_test": len(self.test)}  # fmt: skip
        if fitted != self.opts.downstream:  # the token baseline: scored as the downstream's row, so its gain is paired with real
            record["fitted_method"] = fitted
        return record


def _digest(batch: TextBatch, *extra: Any) -> str:
    h = hashlib.sha256("\0".join(batch.texts).encode("utf-8", "surrogatepass"))
    for t in (batch.labels, batch.targets):
        if t is not None:
            h.update(t.numpy().tobytes())
    h.update(canonical_json(list(map(str, extra))).encode())
    return h.hexdigest()


#: (training texts, pools, seed, options) -> the generator-independent records, shared by one process's cells.
_BASELINES: dict[str, Records] = {}


def _baselines(train: TextBatch, pool: TextBatch | None, fold: Any, seed: int, opts: TextAugmentationOptions,
               downstream: _Downstream) -> Records:  # fmt: skip
    key = _digest(train, seed, canonical_json(dataclasses.asdict(opts)), _digest(pool) if pool is not None else "",
                  _digest(downstream.test), fold.name)  # fmt: skip
    if key not in _BASELINES:
        records = [downstream.record("real", None, train, len(train))]
        if opts.token_baseline:
            records.append(downstream.record("real+token-aug", None, train, len(train), opts.token_baseline))
        if opts.ceiling and pool is not None:
            records += _ceiling(train, pool, fold, seed, opts, downstream)
        _BASELINES[key] = records
    return [dict(r) for r in _BASELINES[key]]


def _ceiling(train: TextBatch, pool: TextBatch, fold: Any, seed: int, opts: TextAugmentationOptions, downstream: _Downstream) -> Records:
    """Real + real left-out texts with the per-class counts a generator is asked for (fewer where the pool runs short)."""
    order = np.random.default_rng(derive_seed("ceiling", fold.name, seed)).permutation(len(pool))
    pool = pool.index(torch.from_numpy(order))
    records = []
    for ratio in opts.ratios:
        picks, taken, short = [], set(), 0
        for c, n in wanted(train, ratio).items():
            if n == 0:
                continue
            if c is None:
                rows = np.arange(len(pool))
            elif pool.multi_label:
                rows = np.flatnonzero(pool.labels[:, c].numpy() == 1)
            else:
                rows = np.flatnonzero(pool.labels.numpy() == c)
            rows = [int(r) for r in rows if int(r) not in taken][:n]
            short += n - len(rows)
            picks += rows
            taken.update(rows)
        if not picks:
            continue
        added = pool.index(torch.as_tensor(picks, dtype=torch.long))
        records.append({**downstream.record("ceiling:new-units", ratio, join(train, added), len(train)), "pool_short": short})
    return records


# --- the cell -----------------------------------------------------------------------------------------


def run_cell(method: str, fold: Any, seed: int, overrides: dict[str, Any], options: dict[str, Any], runtime: Any) -> Records:
    """Every condition of the protocol for one generator, fold and seed; see the module docstring."""
    opts = TextAugmentationOptions(**options)
    full = _text_batch(fold.train, f"fold {fold.name} train")
    if len(full) == 0:
        raise EmptyInputError(f"fold {fold.name}: the training split is empty")
    train, rest = _subset(full, opts.train_fraction, seed, fold.name)
    pool = fold.pools.get("new_units") if getattr(fold, "pools", None) else None
    if pool is not None:
        pool = join(_text_batch(pool, f"fold {fold.name} pool new_units"), rest) if rest is not None else pool
    else:
        pool = rest
    downstream = _Downstream(opts, fold, seed, runtime)
    records = _baselines(train, pool, fold, seed, opts, downstream)

    model = build_model(method, seed, dict(overrides))
    if not getattr(model, "can_generate", False):
        raise CapabilityError(method, "generate", "the text-augmentation protocol needs a generating model (emozoo list --task data_augmentation)")
    model.fit_generator(train, fold.val, runtime=runtime)
    top = max(opts.ratios)
    pools: dict[int | None, TextBatch] = {}
    empty: dict[str, str] = {}
    for c, n in wanted(train, top).items():
        if n > 0:
            key = derive_seed("generate", method, fold.name, seed, c)
            try:
                out = model.generate(n, seed=key) if c is None else model.generate(n, condition=c, seed=key)
            except EmptyInputError as exc:  # the generator's filter kept nothing for this class: it adds nothing (counted)
                empty[str(c)] = str(exc)[:300]
                continue
            pools[c] = _check_generated(out, n, c, train, method)
    if not pools:
        raise EmptyInputError(f"{method}: every generated text was rejected by its filter; nothing to add ({empty})")
    for ratio in opts.ratios:
        added, short = _take(pools, wanted(train, ratio))
        records.append({**downstream.record("real+synthetic", ratio, join(train, added), len(train)), "short": short})
    if opts.include_synthetic_only:
        added, short = _take(pools, wanted(train, top))
        records.append({**downstream.record("synthetic", top, added, 0), "short": short})
    audit = _audit(method, model, pools, train, opts)
    if empty:
        audit["classes_without_texts"] = empty
    records.append(audit)
    return records


def _take(pools: dict[int | None, TextBatch], counts: dict[int | None, int]) -> tuple[TextBatch, int]:
    """The first ``counts[c]`` texts of every class pool, joined, and how many were missing."""
    parts, short = [], 0
    for c, n in counts.items():
        if n == 0 or c not in pools or len(pools[c]) == 0:
            short += n
            continue
        k = min(n, len(pools[c]))
        parts.append(pools[c].index(slice(0, k)))
        short += n - k
    out = parts[0]
    for p in parts[1:]:
        out = join(out, p)
    return out, short


def _audit(method: str, model: Any, pools: dict[int | None, TextBatch], train: TextBatch, opts: TextAugmentationOptions) -> dict[str, Any]:
    """The generated-text audit record (module doc)."""
    names = list(train.label_names or [])
    texts = [t for p in pools.values() for t in p.texts]
    duplicates = audit_duplicates(texts, train.texts, threshold=opts.near_threshold)
    samples = {(names[c] if c is not None and c < len(names) else str(c)): list(p.texts[: opts.audit_samples]) for c, p in pools.items()}
    report = model.generation_report() if hasattr(model, "generation_report") else {}
    requested = sum(wanted(train, max(opts.ratios)).values())
    m = {"generated": float(len(texts)), "requested": float(requested), "exact_share": duplicates.to_dict()["exact_share"],
         "near_share": duplicates.to_dict()["near_share"]}  # fmt: skip
    for key in ("rejected_share", "unparseable_share", "cache_hit_share"):
        if isinstance(report.get(key), (int, float)):
            m[key] = float(report[key])
    record = {"condition": "audit", "ratio": None, "classifier": None, "metrics": m, "samples": samples,
              "duplicates": duplicates.to_dict(), "generation": report}  # fmt: skip
    shown = getattr(model, "prompt_sources", None)
    if shown:
        record["duplicates_of_prompt_sources"] = audit_duplicates(texts, list(shown), threshold=opts.near_threshold).to_dict()
        m["exact_share_of_prompt_sources"] = record["duplicates_of_prompt_sources"]["exact_share"]
    return record
