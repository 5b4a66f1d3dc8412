"""Stress-Predict as subject-disjoint folds: ``StressPredictAdapter().folds(data_dir=..., protocol=..., split="loso")``.

Splits (every one subject-disjoint; random window splits are not offered: neighbouring 60 s windows overlap by half
and share the subject's physiology, so a random split tests on the training subjects and inflates every score):

* ``split="loso"``: one fold per subject ("S01".."S35"), testing that subject; ``split="kfold"``: scikit-learn's
  ``StratifiedGroupKFold(n_folds, shuffle=True, random_state=split_seed)`` over subjects ("fold1".."fold<n>");
* val: of the training subjects, the first part of ``StratifiedGroupKFold(round(1 / val_fraction), shuffle=True,
  random_state=split_seed + 1)``;
* with ``ceilings=True`` (the augmentation protocol's oracle pools, carved from what remains): ``new_units`` = the
  first part of ``StratifiedGroupKFold(round(1 / new_units_fraction), ..., split_seed + 2)`` over the remaining
  training subjects (windows of new people); ``same_units`` = per (subject, class) with n >= 2 windows,
  k = round_half_up(pool_fraction * n) (1 <= k <= n - 1) evenly spaced windows in time order, positions
  floor((j + 1/2) n / k) (more windows of the training people; they overlap their training neighbours by up to half).

Normalisation (``normalise``), never using labels of any split: "train" (default) z-scores each channel with the mean
and std of the training split's windows; "subject" z-scores each window with its own subject's calibration segment
(the first ``calibration_s`` seconds, before the first logged stress onset: label-free), the std floored at 0.1 x
the training split's std of that channel (TEMP barely moves in two minutes); "none" keeps the sensor units.

Batches: :class:`emozoo.data.batches.PhysioBatch` with ``subjects`` (the subject number): ``frontend="raw"`` gives
``layout="channels_time"`` [N, 4, T] with band_names ("bvp", "eda", "temp", "hr"); ``frontend="features"`` gives
``layout="flat"`` [N, 15] of :func:`emozoo_wearable.features.window_features` (cached per subject), NaN filled with
the training split's median, then normalised as above ("subject" is not offered for features).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import stat
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emozoo._fileio import atomic_write_bytes, cache_dir, is_private, private_dir
from emozoo.data.folds import Fold, source_of
from emozoo.data.manifest import SplitManifest, sha256_array
from emozoo.errors import ConfigError, LabelError

from .plugin import DATASETS, LABEL_NAMES
from .windows import CHANNELS, SubjectWindows, WindowConfig, load_subjects

__all__ = ["StressPredictAdapter", "carve_same_units", "group_split", "normalise_windows", "subject_features"]

_SPEC = DATASETS[0]
SAME_RULE = (
    "per (subject, class) with n >= 2: k = round_half_up(pool_fraction * n) (1 <= k <= n-1) evenly spaced windows in "
    "time order, positions floor((j + 0.5) * n / k)"
)
FEATURE_SUBDIR = "wearable-features"


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def group_split(labels: np.ndarray, groups: np.ndarray, n_parts: int, seed: int) -> list[np.ndarray]:
    """Positions of each of ``n_parts`` subject-disjoint, class-stratified parts (sklearn's StratifiedGroupKFold)."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(np.unique(groups))
    if n_groups < n_parts:
        raise ConfigError(f"{n_groups} subjects cannot make {n_parts} subject-disjoint parts; lower n_folds or the fractions")
    splitter = StratifiedGroupKFold(n_splits=n_parts, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [test for _, test in splitter.split(np.zeros(len(labels)), labels, groups)]


def carve_same_units(positions: np.ndarray, subjects: np.ndarray, labels: np.ndarray, starts: np.ndarray,
                     pool_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(kept, pooled) positions by the same-units rule (module doc)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i in sorted(positions.tolist(), key=lambda i: (subjects[i], starts[i])):
        groups.setdefault((int(subjects[i]), int(labels[i])), []).append(i)
    pooled: set[int] = set()
    for members in groups.values():
        n = len(members)
        if n < 2:
            continue
        k = min(n - 1, max(1, _round_half_up(pool_fraction * n)))
        pooled.update(members[math.floor((j + 0.5) * n / k)] for j in range(k))
    kept = np.array([i for i in positions.tolist() if i not in pooled], dtype=np.int64)
    return kept, np.array(sorted(pooled), dtype=np.int64)


def normalise_windows(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(x - mean) / std per channel (dim 1 of [N, C, T]; dim 1 of [N, D]); mean/std [C] or [N, C]."""
    shape = (x.shape[0] if mean.ndim == 2 else 1, x.shape[1]) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(shape)) / std.reshape(shape)).astype(np.float32)


def subject_features(sw: SubjectWindows, rate: int, *, cache: bool = True) -> np.ndarray:
    """window_features of one subject's windows [N, 15], cached by the windows' content and the feature version."""
    from .features import FEATURES_VERSION, window_features

    key = hashlib.sha256(json.dumps({"windows": sha256_array(sw.windows), "rate": rate, "channels": CHANNELS,
                                     "version": FEATURES_VERSION}, sort_keys=True).encode()).hexdigest()
    root = cache_dir() / FEATURE_SUBDIR
    path = root / f"{key}.npy"
    if cache:
        try:
            if private_dir(root, create=False) and is_private(path.lstat(), stat.S_IFREG):
                with open(path, "rb") as fh:
                    return np.load(fh, allow_pickle=False)
        except (OSError, ValueError):
            pass
    feats, _ = window_features(sw.windows, CHANNELS, rate)
    if cache and private_dir(root, create=True):
        buf = io.BytesIO()
        np.save(buf, feats, allow_pickle=False)
        try:
            atomic_write_bytes(path, buf.getvalue(), mode=0o600, fsync=False)
        except OSError:
            pass
    return feats


def _fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def _parts(fraction: float) -> int:
    return max(2, _round_half_up(1.0 / fraction))


def _data_digest(data_dir: Path, ids: Sequence[str]) -> str:
    from emozoo.hash_cache import sha256_cached_many

    files = sorted(p for sid in ids for p in (data_dir / "raw" / sid).iterdir() if p.is_file())
    files.append(data_dir / "processed" / "Time_logs.xlsx")
    digests = sha256_cached_many(files)
    blob = json.dumps([[str(f.relative_to(data_dir)), d] for f, d in zip(files, digests)])
    return hashlib.sha256(blob.encode()).hexdigest()


def _default_dir(data_dir: Any) -> Path:
    if data_dir is None:
        raise ConfigError("stress-predict: no data_dir given; pass the Stress-Predict folder holding raw/ and processed/ "
                          "(e.g. ../shared/data/stress-predict)")
    return Path(data_dir)


class StressPredictAdapter:
    """Stress-Predict through subject-disjoint folds (see the module docstring for every rule)."""

    dataset_id = "stress-predict"

    def folds(
        self,
        *,
        data_dir: str | os.PathLike[str] | None,
        protocol: str,
        split: str = "loso",
        folds: list[int] | list[str] | None = None,
        n_folds: int = 5,
        split_seed: int = 0,
        val_fraction: float | None = 0.15,
        ceilings: bool = False,
        pool_fraction: float = 0.5,
        new_units_fraction: float = 0.2,
        frontend: str = "raw",
        normalise: str = "train",
        subjects: list[str] | None = None,
        rate: int = 16,
        window_s: float = 60.0,
        step_s: float = 30.0,
        min_purity: float = 0.8,
        calibration_s: float = 120.0,
        cache: bool = True,
        **_: Any,
    ) -> Iterator[Fold]:
        """Yield one :class:`emozoo.data.Fold` per split ("S01".. for loso, "fold1".. for kfold; ``folds`` picks some)."""
        if split not in ("loso", "kfold"):
            raise ConfigError(f"split={split!r}: use 'loso' (leave one subject out) or 'kfold' (subject-grouped); "
                              "random window splits are not offered: they leak the subject into the test set")
        if frontend not in ("raw", "features"):
            raise ConfigError(f"frontend={frontend!r}: use 'raw' ([N, 4, T] windows) or 'features' ([N, 15])")
        if normalise not in ("train", "subject", "none") or (frontend == "features" and normalise == "subject"):
            raise ConfigError(f"normalise={normalise!r}: use 'train' or 'none' ('subject' only with frontend='raw')")
        val_fraction = _fraction(val_fraction, "val_fraction") if val_fraction else None
        if ceilings:
            pool_fraction = _fraction(pool_fraction, "pool_fraction")
            new_units_fraction = _fraction(new_units_fraction, "new_units_fraction")
        cfg = WindowConfig(rate=rate, window_s=window_s, step_s=step_s, min_purity=min_purity, calibration_s=calibration_s)
        root = _default_dir(data_dir)
        subs = load_subjects(root, cfg, subjects=subjects, cache=cache)
        ids = [s.subject for s in subs]
        sid_num = np.concatenate([np.full(len(s), int(s.subject.lstrip("S")), np.int64) for s in subs])
        x = np.concatenate([s.windows for s in subs])
        y = np.concatenate([s.labels for s in subs])
        starts = np.concatenate([s.starts for s in subs])
        names_all = [f"{s.subject}@{int(round(t - s.info['t0']))}s" for s in subs for t in s.starts]
        cal_mean = np.concatenate([np.repeat(s.calib_mean[None], len(s), 0) for s in subs])
        cal_std = np.concatenate([np.repeat(s.calib_std[None], len(s), 0) for s in subs])
        feat_names: tuple[str, ...] = ()
        if frontend == "features":
            from .features import FEATURE_NAMES

            x = np.concatenate([subject_features(s, rate, cache=cache) for s in subs])
            feat_names = tuple(n for c in CHANNELS for n in FEATURE_NAMES[c])
        source = source_of(_SPEC)
        digest = _data_digest(root, ids)
        no_class = {s.subject: [LABEL_NAMES[c] for c in (0, 1) if not (s.labels == c).any()] for s in subs}
        no_class = {k: v for k, v in no_class.items() if v}

        if split == "loso":
            tests = {sid: np.flatnonzero(sid_num == int(sid.lstrip("S"))) for sid in ids}
        else:
            if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 2:
                raise ConfigError(f"n_folds must be an int >= 2, got {n_folds!r}")
            parts = group_split(y, sid_num, n_folds, split_seed)
            tests = {f"fold{k + 1}": np.sort(p) for k, p in enumerate(parts)}
        wanted = list(tests) if folds is None else [f if isinstance(f, str) else (ids[f - 1] if split == "loso" else f"fold{f}") for f in folds]
        bad = [w for w in wanted if w not in tests]
        if bad:
            raise ConfigError(f"folds={folds!r}: unknown {bad}; the folds are {list(tests)[:3]}...{list(tests)[-1]}")

        for name in wanted:
            test = tests[name]
            rest = np.setdiff1d(np.arange(len(y)), test)
            val = np.empty(0, dtype=np.int64)
            if val_fraction:
                val = np.sort(rest[group_split(y[rest], sid_num[rest], _parts(val_fraction), split_seed + 1)[0]])
                rest = np.setdiff1d(rest, val)
            train, pools_pos = rest, {}
            if ceilings:
                new = np.sort(rest[group_split(y[rest], sid_num[rest], _parts(new_units_fraction), split_seed + 2)[0]])
                train, same = carve_same_units(np.setdiff1d(rest, new), sid_num, y, starts, pool_fraction)
                pools_pos = {"same_units": same, "new_units": new}
            counts = np.bincount(y[train], minlength=2)
            missing = [LABEL_NAMES[c] for c in (0, 1) if counts[c] == 0]
            if missing and protocol != "recognition":
                raise LabelError(f"stress-predict {name}: no training window of {missing} is left after the carve-outs; "
                                 "lower val_fraction / new_units_fraction or pick other subjects")
            if frontend == "features":
                from .features import fill_nan, fit_fill

                med = fit_fill(x[train])
                xf = fill_nan(x, med)
            else:
                xf = x
            if normalise == "none":
                xn = xf
            else:
                axes = (0, 2) if xf.ndim == 3 else (0,)
                mu, sd = xf[train].mean(axis=axes, dtype=np.float64), xf[train].std(axis=axes, dtype=np.float64)
                sd = np.where(sd > 1e-8, sd, 1.0)
                if normalise == "train":
                    xn = normalise_windows(xf, mu, sd)
                else:
                    xn = normalise_windows(xf, cal_mean, np.maximum(cal_std, 0.1 * sd[None, :]))

            def batch(pos: np.ndarray, xn: np.ndarray = xn) -> Any:
                import torch

                from emozoo.data.batches import PhysioBatch

                return PhysioBatch(features=torch.from_numpy(np.ascontiguousarray(xn[pos])), labels=torch.from_numpy(y[pos]),
                                   modality="wrist", layout="channels_time" if frontend == "raw" else "flat",
                                   subjects=torch.from_numpy(sid_num[pos]), band_names=CHANNELS if frontend == "raw" else None,
                                   source=source)

            def cnt(pos: np.ndarray) -> list[int]:
                return np.bincount(y[pos], minlength=2).tolist()

            names = lambda pos: [names_all[i] for i in pos]  # noqa: E731
            subj = lambda pos: sorted({f"S{int(s):02d}" for s in sid_num[pos]})  # noqa: E731
            splits = {"train": names(train), **({"val": names(val)} if len(val) else {}), "test": names(test),
                      **{f"pool_{k}": names(v) for k, v in pools_pos.items()}}
            manifest = SplitManifest(
                dataset=_SPEC.id, protocol=str(protocol), splits=splits, data_sha256=digest, seed=split_seed, fold=name,
                extra={
                    "split": "leave-one-subject-out" if split == "loso" else
                    f"subject-grouped stratified {n_folds}-fold (sklearn StratifiedGroupKFold, shuffle, random_state=split_seed)",
                    "subjects": {"train": subj(train), "val": subj(val), "test": subj(test),
                                 **{f"pool_{k}": subj(v) for k, v in pools_pos.items()}},
                    "class_counts": {"train": cnt(train), "val": cnt(val), "test": cnt(test), **{f"pool_{k}": cnt(v) for k, v in pools_pos.items()}},
                    "subjects_missing_a_class": no_class, "label_names": list(LABEL_NAMES), "windows": cfg.to_dict(),
                    "frontend": frontend, "feature_names": list(feat_names), "normalise": normalise,
                    "val_fraction": val_fraction, "new_units_fraction": new_units_fraction if ceilings else None,
                    "pool_fraction": pool_fraction if ceilings else None, "same_units_rule": SAME_RULE if ceilings else None,
                    "dropped_tags": {s.subject: s.info["dropped_tags"] for s in subs if s.info["dropped_tags"]},
                },
            )
            yield Fold(name, batch(train), batch(test), manifest, val=batch(val) if len(val) else None,
                       unit=name if split == "loso" else None, pools={k: batch(v) for k, v in pools_pos.items()})
