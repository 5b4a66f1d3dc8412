"""Data set adapters named by the plugin's DatasetSpecs: ``RAVDESSAdapter().folds(...)`` and the CREMA-D clips.

Nothing is downloaded: ``data_dir`` is the folder the user holds (the CLI's ``--data-dir``). Features go through
the feature cache (:mod:`emozoo_speech.cache`), so a second run reads them instead of extracting them. Every
batch carries the data set's :class:`~emozoo.data.source.DataSource` (id, name, licence, URL).

RAVDESS folds (EmoBox, Ma et al. 2024, ``data/ravdess/fold_k``): fold k tests EmoBox's 4 actors of fold k. Of the
20 training actors, ``val_speakers`` are held out for validation by the *pick rule*: alternate male and female
(odd actors are male), male first, each time the lowest-numbered actor of that sex not yet taken (a sex that runs
out is skipped). With ``ceilings=True`` the pools of the augmentation protocol's oracle ceilings are carved out:
``new_units`` = every utterance of ``pool_speakers`` further training actors (same pick rule, after the
validation actors); ``same_units`` = ``pool_fraction`` of each remaining training actor's utterances, per emotion
(stratified): of an actor's n utterances of one emotion, in name order, k = round_half_up(pool_fraction * n)
(at least 1, at most n - 1) evenly spaced ones, positions floor((j + 1/2) n / k) for j < k, move to the pool (with
0.5 this is every second one: the second repetition of each intensity x statement).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from emozoo.data.folds import Fold, source_of
from emozoo.data.manifest import SplitManifest, sha256_files
from emozoo.errors import ConfigError

from .corpus import (
    CREMA_D_TO_RAVDESS,
    EMOBOX_TEST_ACTORS,
    CremaClip,
    RavdessFile,
    crema_d_clips,
    ravdess_files,
)
from .errors import CorpusError
from .plugin import DATASETS

__all__ = ["FRONTEND_CHOICES", "CremaDClipsAdapter", "RAVDESSAdapter", "carve_same_units", "load_crema_d", "pick_speakers"]

FRONTEND_CHOICES: tuple[str, ...] = ("logmel", "egemaps", "waveform")
VAL_RULE = "alternate male/female (odd actors male), male first, lowest-numbered training actor of that sex first"
POOL_RULE = (
    "new_units: the next pool_speakers training actors by the same rule after the validation actors; same_units: per "
    "actor and emotion, k = round_half_up(pool_fraction * n) (1 <= k <= n-1) evenly spaced utterances in name order, "
    "positions floor((j + 0.5) * n / k)"
)
_SPECS = {s.id: s for s in DATASETS}


def pick_speakers(actors: Sequence[int], n: int) -> list[int]:
    """``n`` actors by the pick rule: alternate male (odd) and female (even), male first, lowest number first."""
    males, females = sorted(a for a in actors if a % 2 == 1), sorted(a for a in actors if a % 2 == 0)
    out: list[int] = []
    while len(out) < n and (males or females):
        for group in (males, females):
            if group and len(out) < n:
                out.append(group.pop(0))
    return out


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def carve_same_units(files: Sequence[RavdessFile], pool_fraction: float) -> tuple[list[RavdessFile], list[RavdessFile]]:
    """(kept, pooled): per actor and emotion, k evenly spaced utterances (name order) go to the pool (see module doc)."""
    groups: dict[tuple[int, int], list[RavdessFile]] = {}
    for f in sorted(files, key=lambda f: f.name):
        groups.setdefault((f.actor, f.emotion), []).append(f)
    pooled: set[str] = set()
    for group in groups.values():
        n = len(group)
        if n < 2:
            continue
        k = min(n - 1, max(1, _round_half_up(pool_fraction * n)))
        pooled.update(group[math.floor((j + 0.5) * n / k)].name for j in range(k))
    return [f for f in files if f.name not in pooled], [f for f in files if f.name in pooled]


# --- features -----------------------------------------------------------------------------------------------------


class _Features:
    """Per-file arrays of one front-end for a list of files (None where a bad file was skipped), and batching."""

    def __init__(self, paths: Sequence[os.PathLike[str] | str], frontend: str, logmel: dict[str, Any] | None, *,
                 skip_bad: bool, cache: bool, workers: int, sample_rate: int = 16000) -> None:
        from .audio import read_many
        from .cache import extract_files
        from .frontends import make_frontend

        if frontend not in FRONTEND_CHOICES:
            raise ConfigError(f"frontend={frontend!r} is unknown; choose one of {FRONTEND_CHOICES}")
        if logmel is not None and frontend != "logmel":
            raise ConfigError(f"logmel= options apply to frontend='logmel' only, got frontend={frontend!r}; drop logmel=")
        self.name = frontend
        self.stats: dict[str, int] = {}
        if frontend == "waveform":
            self.kind, self.pad_value, self.sample_rate, self.config = "waveform", 0.0, sample_rate, {"frontend": "waveform", "sample_rate": sample_rate}
            self.arrays: list[np.ndarray | None] = []
            self.skipped: list[tuple[str, str]] = []
            for p in paths:
                waves, bad = read_many([p], sample_rate, skip_bad=skip_bad)
                self.arrays.append(waves[0] if waves else None)
                self.skipped += bad
            self.n_frames = None
        else:
            fe = make_frontend(frontend, logmel)
            self.kind, self.pad_value, self.sample_rate, self.config = fe.kind, fe.pad_value, fe.sample_rate, fe.config_dict()
            self.arrays, self.skipped = extract_files(paths, fe, cache=cache, skip_bad=skip_bad, workers=workers, stats=self.stats)
            self.n_frames = getattr(getattr(fe, "config", None), "n_frames", None)

    def length(self) -> int:
        """The common time length (frames or samples) every batch is padded to: n_frames, else the longest array."""
        if self.n_frames is not None:
            return int(self.n_frames)
        return max(a.shape[0] for a in self.arrays if a is not None)

    def batch(self, positions: Sequence[int], labels: Sequence[int], source: Any, length: int, speakers: Sequence[int] | None = None) -> Any:
        """An AudioBatch of the arrays at ``positions`` (time axis padded to ``length`` with the pad value), with each
        utterance's speaker id as ``subjects`` when ``speakers`` are given."""
        import torch

        from emozoo.data.batches import AudioBatch

        from .frontends import stack_frames

        arrays = [self.arrays[i] for i in positions]
        y = torch.tensor(list(labels), dtype=torch.long)
        who = None if speakers is None else torch.tensor(list(speakers), dtype=torch.long)
        if self.kind == "functionals":
            return AudioBatch(inputs=torch.from_numpy(np.stack(arrays)), labels=y, kind="functionals", source=source, subjects=who)
        if self.kind == "waveform":
            x = np.zeros((len(arrays), length), dtype=np.float32)
            for j, a in enumerate(arrays):
                x[j, : a.shape[0]] = a
            lengths = torch.tensor([a.shape[0] for a in arrays], dtype=torch.long)
            return AudioBatch(inputs=torch.from_numpy(x), labels=y, sample_rate=self.sample_rate, lengths=lengths, kind="waveform",
                              source=source, subjects=who)  # fmt: skip
        x, lengths = stack_frames(arrays, self.pad_value, length)  # type: ignore[arg-type]
        return AudioBatch(inputs=torch.from_numpy(x), labels=y, sample_rate=self.sample_rate, lengths=torch.from_numpy(lengths),
                          kind="features", source=source, subjects=who)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
    return value


# --- RAVDESS ------------------------------------------------------------------------------------------------------


class RAVDESSAdapter:
    """RAVDESS speech through EmoBox's 6 speaker-independent folds (see the module docstring for every rule)."""

    dataset_id = "ravdess"

    def folds(
        self,
        *,
        data_dir: str | os.PathLike[str] | None,
        protocol: str,
        frontend: str = "logmel",
        logmel: dict[str, Any] | None = None,
        folds: list[int] | None = None,
        val_speakers: int = 2,
        ceilings: bool = False,
        pool_fraction: float = 0.5,
        pool_speakers: int = 2,
        actors: list[int] | None = None,
        skip_bad_files: bool = False,
        cache: bool = True,
        workers: int = 1,
        **_: Any,
    ) -> Iterator[Fold]:
        """Yield one :class:`emozoo.data.Fold` per EmoBox fold ("fold1".."fold6"; ``folds`` picks some by number).

        ``frontend``: "logmel" (AudioBatch kind "features" [N, T, 64], every split padded to the corpus's longest
        clip, or ``logmel["n_frames"]``), "egemaps" ("functionals" [N, 88]) or "waveform" ([N, S] at 16 kHz).
        ``actors`` restricts the corpus (tests); a fold whose test actors are all left out is not yielded.
        ``skip_bad_files`` leaves unreadable files and bad names out and lists them in every manifest's
        ``extra["skipped"]``; otherwise the first one raises, naming the file.
        """
        spec = _SPECS[self.dataset_id]
        val_speakers = _check_int(val_speakers, "val_speakers", 0)
        pool_speakers = _check_int(pool_speakers, "pool_speakers", 0)
        _check_int(workers, "workers", 1)
        if ceilings and not (isinstance(pool_fraction, (int, float)) and 0 < pool_fraction < 1):
            raise ConfigError(f"pool_fraction={pool_fraction!r} must lie strictly between 0 and 1")
        wanted = sorted(EMOBOX_TEST_ACTORS) if folds is None else [int(k) for k in folds]
        bad = [k for k in wanted if k not in EMOBOX_TEST_ACTORS]
        if bad:
            raise ConfigError(f"folds={folds!r}: EmoBox has folds 1..6, got {bad}")
        files, skipped, root = ravdess_files(data_dir, actors=actors, skip_bad_files=skip_bad_files)
        need = val_speakers + (pool_speakers if ceilings else 0)
        for k in wanted:  # before any extraction: a bad option fails at once
            train_actors = {f.actor for f in files} - set(EMOBOX_TEST_ACTORS[k])
            if need >= len(train_actors) and {f.actor for f in files} & set(EMOBOX_TEST_ACTORS[k]):
                raise ConfigError(
                    f"ravdess fold{k}: {len(train_actors)} training actor(s) cannot give {val_speakers} validation and "
                    f"{pool_speakers if ceilings else 0} pool speaker(s) and keep one for training; lower val_speakers / pool_speakers"
                )
        feats = _Features([f.path for f in files], frontend, logmel, skip_bad=skip_bad_files, cache=cache, workers=workers)
        skipped = skipped + feats.skipped
        good = [i for i, a in enumerate(feats.arrays) if a is not None]
        pos = {files[i].name: i for i in good}
        files = [files[i] for i in good]
        if not files:
            raise CorpusError(f"ravdess: every file under {str(root)!r} was skipped; see the reasons: {skipped[:3]}")
        digest = sha256_files([f.path for f in files], root=root)
        length = feats.length()
        source = source_of(spec)
        present = sorted({f.actor for f in files})
        skipped_rel = [[os.path.relpath(p, root), reason] for p, reason in skipped]

        def batch(sel: list[RavdessFile]) -> Any:
            return feats.batch([pos[f.name] for f in sel], [f.emotion for f in sel], source, length, [f.actor for f in sel])

        for k in wanted:
            test_actors = [a for a in EMOBOX_TEST_ACTORS[k] if a in present]
            if not test_actors:
                continue
            train_actors = [a for a in present if a not in EMOBOX_TEST_ACTORS[k]]
            if need >= len(train_actors):  # bad files skipped may have removed actors since the check above
                raise CorpusError(f"ravdess fold{k}: after skipping bad files only actors {train_actors} are left to train on")
            val_actors = pick_speakers(train_actors, val_speakers)
            rest = [a for a in train_actors if a not in val_actors]
            pool_actors = pick_speakers(rest, pool_speakers) if ceilings else []
            train_files = [f for f in files if f.actor in rest and f.actor not in pool_actors]
            test_files = [f for f in files if f.actor in test_actors]
            val_files = [f for f in files if f.actor in val_actors]
            splits: dict[str, list[str]] = {}
            pools: dict[str, Any] = {}
            if ceilings:
                train_files, same = carve_same_units(train_files, pool_fraction)
                new = [f for f in files if f.actor in pool_actors]
                pools = {"same_units": batch(same), "new_units": batch(new)}
                splits = {"pool_same_units": [f.name for f in same], "pool_new_units": [f.name for f in new]}
            splits = {"train": [f.name for f in train_files], **({"val": [f.name for f in val_files]} if val_files else {}),
                      "test": [f.name for f in test_files], **splits}
            manifest = SplitManifest(
                dataset=spec.id, protocol=str(protocol), splits=splits, data_sha256=digest, fold=f"fold{k}",
                extra={
                    "split": "emobox-6fold-speaker-independent", "emobox_fold": k, "test_actors": test_actors,
                    "val_actors": val_actors, "val_rule": VAL_RULE, "train_actors": [a for a in rest if a not in pool_actors],
                    "pool_actors": pool_actors, "pool_fraction": pool_fraction if ceilings else None,
                    "pool_rule": POOL_RULE if ceilings else None, "frontend": feats.config, "time_length": length,
                    "skipped": skipped_rel,
                },
            )
            yield Fold(
                f"fold{k}", batch(train_files), batch(test_files), manifest,
                val=batch(val_files) if val_files else None, unit=f"fold{k}", pools=pools,
            )


# --- CREMA-D clips ------------------------------------------------------------------------------------------------


def load_crema_d(
    data_dir: str | os.PathLike[str] | None,
    frontend: str = "logmel",
    logmel: dict[str, Any] | None = None,
    source: str = "wav",
    *,
    cache: bool = True,
    length: int | None = None,
) -> Any:
    """The CREMA-D clips as one AudioBatch on RAVDESS's label ids (ANG->angry, DIS->disgust, FEA->fearful,
    HAP->happy, NEU->neutral, SAD->sad); ``source`` "wav" (12 clips, 16 kHz) or "mp3" (6 original 44.1 kHz MP3s,
    resampled to 16 kHz). ``length`` pads the time axis further (to match another corpus's batches)."""
    clips = crema_d_clips(data_dir, source)
    feats = _Features([c.path for c in clips], frontend, logmel, skip_bad=False, cache=cache, workers=1)
    n = feats.length() if length is None or feats.n_frames is not None else max(int(length), feats.length())
    return feats.batch(range(len(clips)), [c.emotion for c in clips], source_of(_SPECS["crema-d-clips"]), n)


class CremaDClipsAdapter:
    """The 12 CREMA-D clips as a cross-corpus test set on RAVDESS labels.

    A Fold needs training data for every emozoo protocol (recognition, augmentation and completion all fit on
    ``fold.train``), and 12 clips are no training set: ``folds()`` trains on RAVDESS (``train_dir=`` its folder;
    all of its speakers, ``val_speakers`` of them held out by the RAVDESS pick rule) and tests on the clips.
    Without ``train_dir`` it raises a ConfigError that says so; :func:`load_crema_d` reads the clips alone.
    """

    dataset_id = "crema-d-clips"

    def folds(
        self,
        *,
        data_dir: str | os.PathLike[str] | None,
        protocol: str,
        train_dir: str | os.PathLike[str] | None = None,
        frontend: str = "logmel",
        logmel: dict[str, Any] | None = None,
        source: str = "wav",
        val_speakers: int = 2,
        cache: bool = True,
        workers: int = 1,
        **_: Any,
    ) -> Iterator[Fold]:
        """Yield one Fold "ravdess-to-crema-d": train (and val) = RAVDESS, test = the CREMA-D clips."""
        if train_dir is None:
            raise ConfigError(
                f"crema-d-clips is a test-only set of 12 clips and protocol {protocol!r} needs training data; pass "
                f"train_dir=<your RAVDESS folder> to train on RAVDESS and test on the clips, or read them alone with "
                f"emozoo_speech.adapters.load_crema_d(data_dir)"
            )
        val_speakers = _check_int(val_speakers, "val_speakers", 0)
        spec = _SPECS[self.dataset_id]
        clips: list[CremaClip] = crema_d_clips(data_dir, source)
        files, _, root = ravdess_files(train_dir)
        paths = [f.path for f in files] + [c.path for c in clips]
        feats = _Features(paths, frontend, logmel, skip_bad=False, cache=cache, workers=workers)
        length = feats.length()
        val_actors = pick_speakers(sorted({f.actor for f in files}), val_speakers)
        tr = [i for i, f in enumerate(files) if f.actor not in val_actors]
        va = [i for i, f in enumerate(files) if f.actor in val_actors]
        te = list(range(len(files), len(paths)))
        rav_source, crema_source = source_of(_SPECS["ravdess"]), source_of(spec)
        digest = sha256_files(paths, root=os.path.commonpath([os.path.realpath(root), os.path.realpath(clips[0].path.parent)]))
        manifest = SplitManifest(
            dataset=spec.id, protocol=str(protocol), data_sha256=digest, fold="ravdess-to-crema-d",
            splits={"train": [f"ravdess/{files[i].name}" for i in tr], **({"val": [f"ravdess/{files[i].name}" for i in va]} if va else {}),
                    "test": [f"crema-d/{c.name}" for c in clips]},
            extra={"train_dataset": "ravdess", "val_actors": val_actors, "val_rule": VAL_RULE, "frontend": feats.config,
                   "crema_source": source, "label_map": dict(CREMA_D_TO_RAVDESS),
                   "time_length": length},
        )
        yield Fold(
            "ravdess-to-crema-d",
            feats.batch(tr, [files[i].emotion for i in tr], rav_source, length),
            feats.batch(te, [c.emotion for c in clips], crema_source, length),
            manifest,
            val=feats.batch(va, [files[i].emotion for i in va], rav_source, length) if va else None,
            unit="ravdess-to-crema-d",
        )
