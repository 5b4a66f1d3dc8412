"""Evaluation protocols over an EEGCorpus: subject-dependent and leave-one-subject-out splits, and normalisation.

Every one-second window is a sample (features ``[N, C, B]``, layout ``channels_bands``). Splits are by
trial, never by window, so no trial feeds both train and test. Each split carries a SplitManifest whose
ids are ``s{subject}-e{session}-t{trial}-w{window}`` and whose digest pins the source files.

* subject-dependent (SEED: Zheng & Lu 2015; SEED-IV: Zheng et al. 2019): per subject and session, the
  first 9 of 15 (SEED) / first 16 of 24 (SEED-IV) trials train, the rest test.
* leave-one-subject-out: one subject tests, all others train (optionally restricted to some sessions).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from emozoo.data.batches import EEGBatch
from emozoo.data.manifest import SplitManifest
from emozoo.errors import ConfigError, EmptyInputError, InputError, NotFittedError, ShapeError

from .corpus import EEGCorpus, EEGRecording

__all__ = [
    "DEFAULT_TRAIN_TRIALS",
    "PROTOCOLS",
    "EEGSplit",
    "SubjectNormalizer",
    "batch_from_recordings",
    "folds",
    "leave_one_subject_out",
    "load_split_manifests",
    "save_split_manifests",
    "subject_dependent",
    "with_ceiling_pools",
]

#: Train trials per session in the subject-dependent protocol of each data set (the rest test).
DEFAULT_TRAIN_TRIALS: dict[str, int] = {"seed": 9, "seed-synthetic": 9, "seed-iv": 16}
PROTOCOLS: tuple[str, ...] = ("subject_dependent", "leave_one_subject_out")


@dataclass(frozen=True)
class EEGSplit:
    """One fold: train and test batches and the manifest that names their windows."""

    train: EEGBatch
    test: EEGBatch
    manifest: SplitManifest


def _window_ids(recs: Sequence[EEGRecording]) -> list[str]:
    return [f"{r.key}-w{w}" for r in recs for w in range(r.features.shape[0])]


def batch_from_recordings(recs: Sequence[EEGRecording], corpus: EEGCorpus) -> EEGBatch:
    """Stack the windows of ``recs`` into one EEGBatch with labels, subjects and trials per window."""
    if not recs:
        raise EmptyInputError(f"{corpus.dataset}: the selection has no trials; check subject / session / trial numbers")
    feats = np.concatenate([r.features for r in recs], axis=0)
    counts = [r.features.shape[0] for r in recs]
    return EEGBatch(
        features=torch.from_numpy(feats),
        labels=torch.from_numpy(np.repeat([r.label for r in recs], counts).astype(np.int64)),
        subjects=torch.from_numpy(np.repeat([r.subject for r in recs], counts).astype(np.int64)),
        trials=torch.from_numpy(np.repeat([r.trial for r in recs], counts).astype(np.int64)),
        layout="channels_bands",
        band_names=tuple(corpus.band_names),
    )


def _split(
    corpus: EEGCorpus, train: list[EEGRecording], test: list[EEGRecording], protocol: str, fold: str, extra: dict
) -> EEGSplit:
    manifest = SplitManifest(
        dataset=corpus.dataset,
        protocol=protocol,
        splits={"train": _window_ids(train), "test": _window_ids(test)},
        data_sha256=corpus.data_sha256,
        fold=fold,
        extra={**extra, "train_trials": [r.key for r in train], "test_trials": [r.key for r in test],
               "synthetic": corpus.synthetic},
    )
    return EEGSplit(batch_from_recordings(train, corpus), batch_from_recordings(test, corpus), manifest)


def subject_dependent(corpus: EEGCorpus, subject: int, session: int, n_train_trials: int | None = None) -> EEGSplit:
    """Train on the first ``n_train_trials`` trials of one subject's session, test on the rest."""
    recs = corpus.select(subjects=[subject], sessions=[session])
    if not recs:
        raise InputError(
            f"{corpus.dataset}: no trials for subject {subject} session {session}; "
            f"subjects are {corpus.subjects}, their sessions {corpus.sessions(subject) or corpus.sessions()}"
        )
    if n_train_trials is None:
        if corpus.dataset not in DEFAULT_TRAIN_TRIALS:
            raise ConfigError(
                f"{corpus.dataset}: no standard subject-dependent split is known; pass n_train_trials= "
                f"(known defaults: {DEFAULT_TRAIN_TRIALS})"
            )
        n_train_trials = DEFAULT_TRAIN_TRIALS[corpus.dataset]
    if not 0 < n_train_trials < len(recs):
        raise ConfigError(f"n_train_trials={n_train_trials} must leave both splits non-empty ({len(recs)} trials)")
    trial_ids = sorted(r.trial for r in recs)
    cut = trial_ids[n_train_trials - 1]
    train = [r for r in recs if r.trial <= cut]
    test = [r for r in recs if r.trial > cut]
    return _split(corpus, train, test, "subject_dependent", f"s{subject}-e{session}", {"n_train_trials": n_train_trials})


def leave_one_subject_out(corpus: EEGCorpus, test_subject: int, *, sessions: Iterable[int] | None = None) -> EEGSplit:
    """Test on every trial of ``test_subject``, train on all other subjects (``sessions`` restricts both)."""
    if test_subject not in corpus.subjects:
        raise InputError(f"{corpus.dataset}: test_subject {test_subject} is not in the corpus (subjects {corpus.subjects})")
    sess = None if sessions is None else sorted(set(sessions))
    others = [s for s in corpus.subjects if s != test_subject]
    if not others:
        raise InputError(f"{corpus.dataset}: leave-one-subject-out needs at least two subjects, got {corpus.subjects}")
    train = corpus.select(subjects=others, sessions=sess)
    test = corpus.select(subjects=[test_subject], sessions=sess)
    return _split(corpus, train, test, "leave_one_subject_out", f"s{test_subject}", {"sessions": sess})


def folds(corpus: EEGCorpus, protocol: str, **kwargs) -> Iterator[tuple[str, EEGSplit]]:
    """Every fold of a protocol, as ``(fold_name, split)``: per subject x session, or per held-out subject."""
    if protocol in ("subject_dependent", "subject-dependent"):
        for subject in corpus.subjects:
            for session in corpus.sessions(subject):
                split = subject_dependent(corpus, subject, session, **kwargs)
                yield split.manifest.fold, split
    elif protocol in ("leave_one_subject_out", "loso"):
        for subject in corpus.subjects:
            split = leave_one_subject_out(corpus, subject, **kwargs)
            yield split.manifest.fold, split
    else:
        raise ConfigError(f"protocol {protocol!r} is unknown; use one of {PROTOCOLS} (or 'loso')")


def with_ceiling_pools(corpus: EEGCorpus, split: EEGSplit, pool_fraction: float = 0.5) -> tuple[EEGSplit, dict[str, EEGBatch]]:
    """The split with pools for the augmentation protocol's oracle ceilings (``Fold.pools``).

    * ``same_units``: the last ``pool_fraction`` of the windows of every training trial are held back from ``train``
      (the first windows stay): more data of the same trials, what a perfect generator could add;
    * ``new_units`` (subject-dependent only): the training trials (the same trial numbers) of the subject's other
      sessions, which neither train nor test this fold: new trials of the same person, the information ceiling.

    The manifest names the reduced train split and both pools, so a fold with pools is a different fold.
    """
    if not 0 < pool_fraction < 1:
        raise ConfigError(f"pool_fraction={pool_fraction!r} must lie strictly between 0 and 1")
    train, manifest = split.train, split.manifest
    assert train.trials is not None and train.subjects is not None  # set by batch_from_recordings
    keep = torch.zeros(len(train), dtype=torch.bool)
    key = train.subjects * 1000 + train.trials
    for unit in torch.unique(key):
        where = (key == unit).nonzero().flatten()  # windows of one trial, in time order
        n_keep = max(1, len(where) - max(1, round(pool_fraction * len(where))))
        keep[where[:n_keep]] = True
    ids = list(manifest.splits["train"])
    pools = {"same_units": train.index(~keep)}
    splits = {"train": tuple(i for i, k in zip(ids, keep.tolist()) if k), "test": manifest.splits["test"],
              "pool_same_units": tuple(i for i, k in zip(ids, keep.tolist()) if not k)}
    if manifest.protocol == "subject_dependent":
        subject, session = int(train.subjects[0]), _session_of(manifest)
        trials = {int(t) for t in torch.unique(train.trials)}
        others = [r for r in corpus.select(subjects=[subject]) if r.session != session and r.trial in trials]
        if others:
            pools["new_units"] = batch_from_recordings(others, corpus)
            splits["pool_new_units"] = tuple(_window_ids(others))
    reduced = SplitManifest(dataset=manifest.dataset, protocol=manifest.protocol, splits=splits, data_sha256=manifest.data_sha256,
                            fold=manifest.fold, extra={**manifest.extra, "pool_fraction": pool_fraction})
    return EEGSplit(train.index(keep), split.test, reduced), pools


def _session_of(manifest: SplitManifest) -> int:
    """The session of a subject-dependent fold ("s<subject>-e<session>")."""
    return int(str(manifest.fold).rsplit("-e", 1)[1])


def _fold_file(manifest: SplitManifest) -> str:
    name = f"{manifest.dataset}__{manifest.protocol}__{manifest.fold or 'all'}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".json"


def save_split_manifests(
    out_dir: str | os.PathLike[str], splits: Iterable[EEGSplit | tuple[str, EEGSplit]] | Mapping[str, EEGSplit]
) -> list[Path]:
    """Write each split's manifest to ``out_dir/<dataset>__<protocol>__<fold>.json``; return the paths."""
    items = splits.values() if isinstance(splits, Mapping) else splits
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in items:
        split = item[1] if isinstance(item, tuple) else item
        paths.append(split.manifest.save(out / _fold_file(split.manifest)))
    if not paths:
        raise EmptyInputError("save_split_manifests: got no splits to save")
    return paths


def load_split_manifests(out_dir: str | os.PathLike[str]) -> dict[str, SplitManifest]:
    """Read every manifest written by :func:`save_split_manifests`, keyed by fold name."""
    manifests = {}
    for path in sorted(Path(out_dir).glob("*.json")):
        m = SplitManifest.load(path)
        manifests[m.fold or path.stem] = m
    return manifests


class SubjectNormalizer:
    """Per-subject z-score of every feature (channel x band), with statistics from the train split only.

    Subjects never seen by ``fit`` (the held-out subject of leave-one-subject-out) are scaled with the
    pooled train statistics, or rejected with ``unseen="error"``.
    """

    def __init__(self, eps: float = 1e-6, unseen: str = "pooled") -> None:
        """``eps`` floors the standard deviation; ``unseen`` is ``"pooled"`` or ``"error"``."""
        if unseen not in ("pooled", "error"):
            raise ConfigError(f"unseen={unseen!r}: use 'pooled' or 'error'")
        self.eps, self.unseen = float(eps), unseen
        self.means: dict[int, np.ndarray] = {}
        self.stds: dict[int, np.ndarray] = {}
        self.pooled_mean: np.ndarray | None = None
        self.pooled_std: np.ndarray | None = None

    def fit(self, batch: EEGBatch) -> SubjectNormalizer:
        """Store mean and std per subject (and pooled) of the batch's features; needs ``subjects``."""
        if batch.subjects is None:
            raise InputError("SubjectNormalizer.fit: the batch has no subjects; build it with subjects=[...]")
        x = batch.features.detach().cpu().double().numpy()
        subj = batch.subjects.cpu().numpy()
        self.means, self.stds = {}, {}
        for s in np.unique(subj):
            xs = x[subj == s]
            self.means[int(s)], self.stds[int(s)] = xs.mean(axis=0), xs.std(axis=0)
        self.pooled_mean, self.pooled_std = x.mean(axis=0), x.std(axis=0)
        return self

    def _stats(self, subject: int) -> tuple[np.ndarray, np.ndarray]:
        if subject in self.means:
            return self.means[subject], self.stds[subject]
        if self.unseen == "error":
            raise InputError(f"SubjectNormalizer: subject {subject} was not in the fitted split (fitted: {sorted(self.means)})")
        assert self.pooled_mean is not None and self.pooled_std is not None
        return self.pooled_mean, self.pooled_std

    def transform(self, batch: EEGBatch) -> EEGBatch:
        """Return a copy of ``batch`` with each sample z-scored by its subject's train statistics."""
        if self.pooled_mean is None:
            raise NotFittedError("SubjectNormalizer.transform: call fit(train_batch) first")
        if batch.subjects is None:
            raise InputError("SubjectNormalizer.transform: the batch has no subjects; build it with subjects=[...]")
        x = batch.features.detach().cpu().double().numpy()
        if x.shape[1:] != self.pooled_mean.shape:
            raise ShapeError(f"SubjectNormalizer: features {x.shape[1:]} differ from the fitted {self.pooled_mean.shape}")
        subj = batch.subjects.cpu().numpy()
        out = np.empty_like(x)
        for s in np.unique(subj):
            mean, std = self._stats(int(s))
            out[subj == s] = (x[subj == s] - mean) / np.maximum(std, self.eps)
        feats = torch.from_numpy(out).to(dtype=batch.features.dtype, device=batch.features.device)
        return EEGBatch(
            features=feats, labels=batch.labels, subjects=batch.subjects, trials=batch.trials,
            layout=batch.layout, band_names=batch.band_names,
        )

    def fit_transform(self, batch: EEGBatch) -> EEGBatch:
        """``fit(batch)`` then ``transform(batch)``."""
        return self.fit(batch).transform(batch)
