"""Evaluation metrics for emotion recognition in plain numpy: classification (ACC, UAR, F1), regression
(CCC, MAE, RMSE, Pearson) and the MMSA / CMU-MOSI sentiment report; the names papers use for them
(:data:`ALIASES`: UA = UAR, WA = ACC), the one table of percent-scaled names (:data:`PERCENT_METRICS`) and the
canonical column order of tables (:func:`ordered`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from emozoo.errors import (
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    NonFiniteError,
    ShapeError,
    closest,
)

ArrayLike = Any
"""A list, numpy array or torch tensor (tensors are read by duck typing; this module never imports torch)."""


# --- input checks ---------------------------------------------------------------------------------


def _to_numpy(x: ArrayLike) -> Any:
    """Turn a torch tensor (anything with ``.detach``) into a numpy array; leave everything else alone."""
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x


def _as_array(x: ArrayLike, name: str, ndims: tuple[int, ...] = (1,)) -> np.ndarray:
    """Return ``x`` as a non-empty, finite real numpy array (1-D unless ``ndims`` allows more), or a typed error naming ``name``."""
    try:
        arr = np.asarray(_to_numpy(x))
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"{name} must be a 1-D sequence of numbers, got a {type(x).__name__} numpy cannot read ({exc})") from exc
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int64)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise DTypeError(f"{name} must hold real numbers (int or float), got dtype {arr.dtype}")
    if arr.ndim not in ndims:
        if ndims == (1,):
            raise ShapeError(f"{name} must be 1-D with one value per sample, got shape {arr.shape}; flatten it with .reshape(-1)")
        raise ShapeError(f"{name} must be [N, K] (one row per sample), got shape {list(arr.shape)}")
    if arr.size == 0:
        raise EmptyInputError(f"{name} is empty; at least one sample is needed")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise NonFiniteError(
            f"{name} must be finite, got {int(bad.sum())} NaN/inf value(s), the first at index {int(np.argmax(bad))}; "
            "drop or impute them first"
        )
    return arr


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Check both sides and that they have one value per sample each."""
    t, p = _as_array(y_true, "y_true"), _as_array(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ShapeError(f"y_true and y_pred must have the same length, got {t.size} and {p.size}")
    return t, p


def _as_labels(x: np.ndarray, name: str) -> np.ndarray:
    """Return checked values as int64 class ids; floats are accepted only when they are whole numbers."""
    if np.issubdtype(x.dtype, np.floating):
        frac = x != np.round(x)
        if frac.any():
            i = int(np.argmax(frac))
            raise LabelError(
                f"{name} must hold integer class ids, got {float(x[i])} at index {i}; "
                "pass class ids, not scores or probabilities (take argmax over the class axis)"
            )
    return x.astype(np.int64)


def _label_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t, p = _pair(y_true, y_pred)
    return _as_labels(t, "y_true"), _as_labels(p, "y_pred")


def _value_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t, p = _pair(y_true, y_pred)
    return t.astype(np.float64), p.astype(np.float64)


def _classes(labels: ArrayLike | None, *observed: np.ndarray) -> np.ndarray:
    """The classes to average over: ``labels`` if given (checked, no duplicates), else those observed."""
    if labels is None:
        return np.unique(np.concatenate(observed))
    classes = _as_labels(_as_array(labels, "labels"), "labels")
    if np.unique(classes).size != classes.size:
        raise LabelError(f"labels must not repeat a class, got {classes.tolist()}")
    return classes


# --- classification -------------------------------------------------------------------------------


def _counts(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class: true positives, support (true count) and predicted count."""
    is_true = t[:, None] == classes[None, :]
    is_pred = p[:, None] == classes[None, :]
    return (is_true & is_pred).sum(axis=0), is_true.sum(axis=0), is_pred.sum(axis=0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Elementwise ``num / den`` with 0 where ``den`` is 0 (sklearn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros(num.shape, dtype=np.float64), where=den > 0)


def _uar(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> float:
    tp, support, _ = _counts(t, p, classes)
    return float(np.mean(_ratio(tp, support)))


def _f1_per_class(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F1 = 2·TP / (support + predicted) per class, 0 when both are 0; also returns the support."""
    tp, support, predicted = _counts(t, p, classes)
    return _ratio(2 * tp, support + predicted), support


def _macro_f1(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> float:
    f1, _ = _f1_per_class(t, p, classes)
    return float(np.mean(f1))


def _weighted_f1(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> float:
    f1, support = _f1_per_class(t, p, classes)
    total = support.sum()
    return float(np.sum(f1 * support) / total) if total else 0.0


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of samples whose predicted class equals the true class, in [0, 1] (sklearn ``accuracy_score``)."""
    t, p = _label_pair(y_true, y_pred)
    return float(np.mean(t == p))


def uar(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> float:
    """Unweighted average recall, in [0, 1]: the mean per-class recall.

    Averages over the classes present in ``y_true``, or over ``labels`` if given; a listed class with no true
    samples has recall 0 (sklearn ``recall_score(average="macro", zero_division=0)``; without ``labels`` this
    equals ``balanced_accuracy_score``).
    """
    t, p = _label_pair(y_true, y_pred)
    return _uar(t, p, _classes(labels, t))


def macro_f1(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> float:
    """Unweighted mean of per-class F1, in [0, 1] (sklearn ``f1_score(average="macro", zero_division=0)``).

    Averages over the union of classes in ``y_true`` and ``y_pred``, or over ``labels`` if given; a class with
    no true and no predicted samples (or no true positives) has F1 0.
    """
    t, p = _label_pair(y_true, y_pred)
    return _macro_f1(t, p, _classes(labels, t, p))


def weighted_f1(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> float:
    """Per-class F1 averaged with weights = support (true count), in [0, 1].

    Same classes and zero-division rule as :func:`macro_f1` (sklearn ``f1_score(average="weighted",
    zero_division=0)``); 0 when none of the classes has a true sample.
    """
    t, p = _label_pair(y_true, y_pred)
    return _weighted_f1(t, p, _classes(labels, t, p))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int | None = None) -> np.ndarray:
    """Counts as an int64 ``(num_classes, num_classes)`` array: rows are true classes, columns predicted.

    Labels must be class indices in ``[0, num_classes)``; ``num_classes`` defaults to the largest label + 1.
    """
    t, p = _label_pair(y_true, y_pred)
    if num_classes is None:
        k = int(max(t.max(), p.max())) + 1
    elif isinstance(num_classes, (int, np.integer)) and not isinstance(num_classes, bool) and num_classes >= 1:
        k = int(num_classes)
    else:
        raise InputError(f"num_classes must be a positive int or None, got {num_classes!r}")
    for name, arr in (("y_true", t), ("y_pred", p)):
        out = (arr < 0) | (arr >= k)
        if out.any():
            raise LabelError(f"{name} must hold class indices in [0, {k}), got {int(arr[out][0])}; remap labels to 0..K-1")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def classification_report(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> dict[str, float]:
    """``{"ACC", "UAR", "WF1", "MF1"}`` as fractions in [0, 1], each as in its own function.

    Speech papers' UA and WA are UAR and ACC under other names (:data:`ALIASES`); read them with :func:`lookup`.
    """
    t, p = _label_pair(y_true, y_pred)
    return {
        "ACC": float(np.mean(t == p)),
        "UAR": _uar(t, p, _classes(labels, t)),
        "WF1": _weighted_f1(t, p, _classes(labels, t, p)),
        "MF1": _macro_f1(t, p, _classes(labels, t, p)),
    }


def per_class_recall(y_true: ArrayLike, y_pred: ArrayLike, names: Sequence[str] | None = None) -> dict[str, float]:
    """Recall of every class present in ``y_true``, in [0, 1], keyed ``"recall:<name>"`` (``names[c]``, else the id).

    A class absent from ``y_true`` has no recall (it is left out, not scored 0): long-tailed test splits can miss one.
    """
    t, p = _label_pair(y_true, y_pred)
    out = {}
    for c in np.unique(t).tolist():
        name = names[c] if names is not None and 0 <= c < len(names) else str(c)
        out[f"recall:{name}"] = float(np.mean(p[t == c] == c))
    return out


def binary_report(y_true: ArrayLike, y_pred: ArrayLike, scores: ArrayLike | None, positive: int) -> dict[str, float]:
    """For a detection task (e.g. stress vs no stress): ``F1_pos`` (F1 of class ``positive``: 2 TP / (2 TP + FP + FN),
    0 when the class is neither true nor predicted) and, with ``scores`` (the positive class's probability or any
    score where larger means more likely), ``AUROC`` (the probability that a random positive scores above a random
    negative, ties counting one half: the Mann-Whitney U statistic; NaN when the truth holds one class only)."""
    t, p = _label_pair(y_true, y_pred)
    tp, fp, fn = int(np.sum((p == positive) & (t == positive))), int(np.sum((p == positive) & (t != positive))), int(np.sum((p != positive) & (t == positive)))
    out = {"F1_pos": 0.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)}
    if scores is not None:
        s = _as_array(scores, "scores")
        if len(s) != len(t):
            raise ShapeError(f"binary_report: scores has {len(s)} values for {len(t)} samples; pass one score per sample")
        out["AUROC"] = _auroc(t == positive, s)
    return out


def per_unit_report(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike, scores: ArrayLike | None = None,
                    positive: int | None = None) -> dict[str, dict[str, float]]:
    """Each unit's (subject's, speaker's) own scores, so intervals can be taken over people rather than folds:
    ``{unit: {"n": samples, "ACC", "UAR", "WF1", "MF1"[, "F1_pos"[, "AUROC"]]}}``, units as strings in sorted order.

    UAR averages the classes present in that unit's truth; AUROC (with ``scores`` and ``positive``) is left out for a
    unit whose truth holds one class only, where it is undefined (never reported as a number)."""
    t, p = _label_pair(y_true, y_pred)
    u = _as_array(units, "units")
    if u.ndim != 1 or len(u) != len(t):
        raise ShapeError(f"per_unit_report: units has shape {tuple(u.shape)} for {len(t)} samples; pass one unit id per sample")
    s = None if scores is None else _as_array(scores, "scores")
    if s is not None and len(s) != len(t):
        raise ShapeError(f"per_unit_report: scores has {len(s)} values for {len(t)} samples; pass one score per sample")
    out: dict[str, dict[str, float]] = {}
    for unit in sorted(np.unique(u).tolist()):
        mask = u == unit
        report: dict[str, float] = {"n": int(mask.sum()), **classification_report(t[mask], p[mask])}
        if positive is not None:
            report.update(binary_report(t[mask], p[mask], None if s is None else s[mask], positive))
            if not math.isfinite(report.get("AUROC", 0.0)):
                del report["AUROC"]
        out[str(unit)] = report
    return out


def _auroc(is_pos: np.ndarray, s: np.ndarray) -> float:
    n_pos, n_neg = int(is_pos.sum()), int((~is_pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[is_pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


# --- multi-label ----------------------------------------------------------------------------------


def _indicators(x: ArrayLike, name: str) -> np.ndarray:
    a = _as_array(x, name, (1, 2))
    if a.ndim != 2:
        raise ShapeError(f"{name}: multi-label indicators must be [N, K], got shape {list(a.shape)}")
    if not np.isin(a, (0, 1)).all():
        raise LabelError(f"{name}: multi-label indicators must be 0 or 1; threshold probabilities first")
    return a.astype(bool)


def multilabel_report(y_true: ArrayLike, y_pred: ArrayLike, names: Sequence[str] | None = None) -> dict[str, float]:
    """Multi-label scores of indicator matrices [N, K] (e.g. GoEmotions): ``MF1`` (macro-F1: the mean over the K
    classes of 2 TP / (2 TP + FP + FN), 0 for a class neither true nor predicted, as scikit-learn's zero_division=0),
    ``WF1`` (the same weighted by each class's true count), ``microF1`` (pooled counts), ``ACC`` (exact-match ratio:
    every label of a row right, scikit-learn's subset accuracy) and, with ``names``, ``F1:<name>`` per class."""
    t, p = _indicators(y_true, "y_true"), _indicators(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ShapeError(f"y_true is {list(t.shape)} but y_pred is {list(p.shape)}; pass indicators of the same classes")
    if names is not None and len(names) != t.shape[1]:
        raise ShapeError(f"names: {len(names)} names for {t.shape[1]} classes")
    tp, fp, fn = (t & p).sum(0), (~t & p).sum(0), (t & ~p).sum(0)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    support = t.sum(0)
    pooled = 2 * tp.sum() + fp.sum() + fn.sum()
    out = {"MF1": float(f1.mean()), "WF1": float((f1 * support).sum() / support.sum()) if support.sum() else 0.0,
           "microF1": float(2 * tp.sum() / pooled) if pooled else 0.0, "ACC": float((t == p).all(1).mean())}  # fmt: skip
    if names is not None:
        out.update({f"F1:{n}": float(v) for n, v in zip(names, f1)})
    return out


def dimensional_report(y_true: ArrayLike, y_pred: ArrayLike, names: Sequence[str] | None = None) -> dict[str, float]:
    """Per dimension of [N, D] ratings (e.g. EmoBank's V, A, D): Pearson ``r:<name>`` and ``MAE:<name>``, and their
    means over dimensions ``Corr`` and ``MAE``; a constant prediction of one dimension is a typed error (r undefined)."""
    t, p = _as_array(y_true, "y_true", (1, 2)).astype(np.float64), _as_array(y_pred, "y_pred", (1, 2)).astype(np.float64)
    t, p = (t[:, None] if t.ndim == 1 else t), (p[:, None] if p.ndim == 1 else p)
    if t.shape != p.shape:
        raise ShapeError(f"y_true is {list(t.shape)} but y_pred is {list(p.shape)}; pass [N, D] ratings of the same dimensions")
    labels = list(names) if names is not None else [str(d) for d in range(t.shape[1])]
    if len(labels) != t.shape[1]:
        raise ShapeError(f"names: {len(labels)} names for {t.shape[1]} dimensions")
    out: dict[str, float] = {}
    for d, name in enumerate(labels):
        out[f"r:{name}"] = _pearson(t[:, d], p[:, d])
        out[f"MAE:{name}"] = _mae(t[:, d], p[:, d])
    out["Corr"] = float(np.mean([out[f"r:{n}"] for n in labels]))
    out["MAE"] = float(np.mean([out[f"MAE:{n}"] for n in labels]))
    return out


# --- regression -----------------------------------------------------------------------------------


def _mae(t: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(np.abs(t - p)))


def _pearson(t: np.ndarray, p: np.ndarray) -> float:
    for name, arr in (("y_true", t), ("y_pred", p)):
        if np.ptp(arr) == 0:
            raise InputError(
                f"pearson: {name} has zero variance (every value is {float(arr[0])}), so the correlation is undefined; "
                "score constant predictions with ccc or mae instead, and check the model has not collapsed"
            )
    tc, pc = t - t.mean(), p - p.mean()
    return float(np.clip(np.sum(tc * pc) / np.sqrt(np.sum(tc**2) * np.sum(pc**2)), -1.0, 1.0))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error."""
    return _mae(*_value_pair(y_true, y_pred))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error."""
    t, p = _value_pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def pearson(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Pearson correlation in [-1, 1]; raises :class:`InputError` if either side is constant."""
    return _pearson(*_value_pair(y_true, y_pred))


def ccc(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Lin's concordance correlation coefficient in [-1, 1], with population (1/N) variances and covariance.

    ``2·cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))²)``; unlike Pearson it penalises bias and scale.
    Raises :class:`InputError` when both sides are the same constant (0/0).
    """
    t, p = _value_pair(y_true, y_pred)
    mt, mp = t.mean(), p.mean()
    den = t.var() + p.var() + (mt - mp) ** 2
    if den == 0:
        raise InputError(f"ccc: y_true and y_pred are both the constant {float(t[0])}, so CCC is 0/0; use mae or rmse for this case")
    return float(2 * np.mean((t - mt) * (p - mp)) / den)


# --- sentiment (MMSA / CMU-MOSI, scores in [-3, 3]) -----------------------------------------------


def _binary(t: np.ndarray, p: np.ndarray, exclude_zero: bool) -> tuple[np.ndarray, np.ndarray]:
    """MMSA's two binarisations: non-zero truth only with ``> 0`` as positive, or all samples with ``>= 0``."""
    if not exclude_zero:
        return (t >= 0).astype(np.int64), (p >= 0).astype(np.int64)
    keep = t != 0
    if not keep.any():
        raise EmptyInputError("every y_true score is 0, so the non-zero Acc-2/F1 have no samples; use Acc-2_has0 / exclude_zero=False")
    return (t[keep] > 0).astype(np.int64), (p[keep] > 0).astype(np.int64)


def _rounded_acc(t: np.ndarray, p: np.ndarray, bound: float) -> float:
    """Clip to ``[-bound, bound]``, round with ``np.round`` (half to even) and compare."""
    return float(np.mean(np.round(np.clip(t, -bound, bound)) == np.round(np.clip(p, -bound, bound))))


def acc2(y_true: ArrayLike, y_pred: ArrayLike, exclude_zero: bool = True) -> float:
    """Binary sentiment accuracy as in MMSA, in [0, 1].

    ``exclude_zero=True`` ("Acc-2"): only samples with non-zero truth, negative ``< 0`` vs positive ``> 0`` (a
    prediction of exactly 0 counts as negative). ``exclude_zero=False`` ("Acc-2_has0"): all samples, ``< 0`` vs ``>= 0``.
    """
    t, p = _value_pair(y_true, y_pred)
    bt, bp = _binary(t, p, exclude_zero)
    return float(np.mean(bt == bp))


def acc5(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """5-class sentiment accuracy: clip both to [-2, 2], ``np.round`` (half to even: 0.5 -> 0, 1.5 -> 2), compare."""
    return _rounded_acc(*_value_pair(y_true, y_pred), 2.0)


def acc7(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """7-class sentiment accuracy: clip both to [-3, 3], ``np.round`` (half to even: 2.5 -> 2), compare."""
    return _rounded_acc(*_value_pair(y_true, y_pred), 3.0)


def sentiment_report(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """The MMSA regression report for CMU-MOSI/MOSEI-style scores in [-3, 3], unrounded.

    Keys: "Acc-2" and "F1" (weighted F1) on non-zero truth (see :func:`acc2`), "Acc-2_has0" and "F1_has0" on all
    samples, "Acc-5", "Acc-7" (see :func:`acc5`, :func:`acc7`), "MAE" and "Corr" (Pearson; raises if constant).
    """
    t, p = _value_pair(y_true, y_pred)
    report = {}
    for suffix, exclude_zero in (("", True), ("_has0", False)):
        bt, bp = _binary(t, p, exclude_zero)
        report["Acc-2" + suffix] = float(np.mean(bt == bp))
        report["F1" + suffix] = _weighted_f1(bt, bp, np.unique(np.concatenate([bt, bp])))
    report["Acc-5"] = _rounded_acc(t, p, 2.0)
    report["Acc-7"] = _rounded_acc(t, p, 3.0)
    report["MAE"] = _mae(t, p)
    report["Corr"] = _pearson(t, p)
    return report


# --- by name --------------------------------------------------------------------------------------

METRICS: dict[str, Callable[[ArrayLike, ArrayLike], float]] = {
    "ACC": accuracy,
    "UAR": uar,
    "WF1": weighted_f1,
    "MF1": macro_f1,
    "CCC": ccc,
    "MAE": mae,
    "RMSE": rmse,
    "Corr": pearson,
    "Acc-2": acc2,
    "Acc-5": acc5,
    "Acc-7": acc7,
}


#: Names speech and face papers use for the same numbers: UA (unweighted accuracy) is the unweighted average
#: recall (UAR), WA (weighted accuracy) and WAR are the plain accuracy (ACC), UF1 is the macro F1 (MF1).
ALIASES: dict[str, str] = {"UA": "UAR", "WA": "ACC", "WAR": "ACC", "UF1": "MF1"}

#: Every metric reported as a percentage: fractions in records and cards' metadata, x100 in tables (as papers
#: print them). The one table of percent-scaled names; bench tables, plots, comparisons and model cards read it.
PERCENT_METRICS: frozenset[str] = frozenset(
    {"ACC", "UAR", "WF1", "MF1", "microF1", "Acc-2", "Acc-2_has0", "F1", "F1_has0", "Acc-5", "Acc-7", *ALIASES}
)

#: Canonical column order of tables (names not listed follow, alphabetically).
METRIC_ORDER: tuple[str, ...] = (
    "ACC", "UAR", "WF1", "MF1", "Acc-2", "F1", "Acc-2_has0", "F1_has0", "Acc-5", "Acc-7", "MAE", "Corr", "CCC", "RMSE", "MMD2",
)  # fmt: skip


def canonical(name: str) -> str:
    """The name this module reports ``name`` under: aliases resolved (``"UA"`` -> ``"UAR"``), case kept otherwise."""
    return ALIASES.get(name, ALIASES.get(name.upper(), name))


def is_percent(name: str) -> bool:
    """Whether metric ``name`` (any alias or case) is printed as a percentage."""
    upper = {n.upper() for n in PERCENT_METRICS}
    return name in PERCENT_METRICS or name.upper() in upper


def ordered(names: Iterable[str], headline: str | None = None) -> list[str]:
    """``names`` in a fixed order: the headline metric (or its canonical name) first, then :data:`METRIC_ORDER`.

    Tables built from resumed runs list their columns the same way whatever order the cells finished in.
    """
    names = list(dict.fromkeys(names))
    first = [n for n in names if headline and n in (headline, canonical(headline))][:1]
    rank = {n: i for i, n in enumerate(METRIC_ORDER)}
    rest = sorted((n for n in names if n not in first), key=lambda n: (rank.get(n, len(rank)), n))
    return first + rest


def lookup(report: dict[str, Any], name: str) -> Any:
    """``report[name]``, through :data:`ALIASES` when the report holds the canonical name (``UA`` -> ``UAR``)."""
    if name in report:
        return report[name]
    return report.get(canonical(name))


def compute(names: str | Iterable[str], y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """Compute the metrics named in ``names`` (keys of :data:`METRICS` or :data:`ALIASES`) on one pair of arrays.

    Results are keyed by the names asked for, so ``compute(["UA", "WA"], ...)`` gives ``{"UA": ..., "WA": ...}``.
    """
    wanted = [names] if isinstance(names, str) else list(names)
    known = [*METRICS, *ALIASES]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        hint = [k for k in known if k.lower() == str(unknown[0]).lower()] or closest(str(unknown[0]), known)
        raise InputError(
            f"unknown metric name(s) {unknown}; known: {', '.join(known)}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
        )
    t, p = _to_numpy(y_true), _to_numpy(y_pred)
    return {n: METRICS[canonical(n)](t, p) for n in wanted}
