"""Data set adapters named by the plugin's DatasetSpecs: ``Adapter().load(data_dir, **opts) -> EEGCorpus``.

Nothing is downloaded: ``data_dir`` is the folder the user holds (the CLI's ``--data-dir``). The
``seed-synthetic`` adapter writes its synthetic folder into ``data_dir`` first when that holds no files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from emozoo.data.folds import Fold
from emozoo.errors import InputError, UnknownDatasetError, closest

from .corpus import EEGCorpus
from .formats import read_deap, read_dreamer, read_seed, read_seed_iv

__all__ = ["ADAPTERS", "DEAPAdapter", "DREAMERAdapter", "SEEDAdapter", "SEEDIVAdapter", "SyntheticSEEDAdapter", "load_corpus"]


class _BenchmarkFolds:
    """``folds()`` for ``emozoo bench``: the EEG protocol's splits, z-scored per subject on train only."""

    dataset_id: ClassVar[str]

    def load(self, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
        raise NotImplementedError

    def default_data_dir(self, opts: dict[str, Any]) -> str | None:
        """Where data lives when the user names no ``--data-dir`` (None: the user must name one)."""
        return None

    def folds(
        self,
        *,
        data_dir: str | os.PathLike[str] | None,
        protocol: str,
        split: str = "subject_dependent",
        normalize: bool = True,
        sessions: list[int] | None = None,
        ceilings: bool = False,
        pool_fraction: float = 0.5,
        **opts: Any,
    ) -> Iterator[Fold]:
        """Yield one :class:`emozoo.data.Fold` per subject x session (or per held-out subject with ``split="loso"``).

        ``sessions`` keeps the subject-dependent folds of those sessions only (e.g. ``[1]``, as SEED papers often do).
        ``ceilings`` adds the pools of the augmentation protocol's oracle ceilings
        (:func:`emozoo_eeg.protocols.with_ceiling_pools`: the last ``pool_fraction`` of each training trial's windows
        move from train to the same-units pool; the other sessions' training trials form the new-units pool). Every
        fold's ``unit`` is its subject, so intervals are over subjects, not sessions.
        """
        from .protocols import SubjectNormalizer, folds, with_ceiling_pools

        folder = data_dir if data_dir is not None else self.default_data_dir(opts)
        if folder is None:
            raise InputError(f"{self.dataset_id}: pass --data-dir with your copy of the data set; emozoo downloads nothing")
        corpus = self.load(folder, **opts)
        for name, eeg_split in folds(corpus, split):
            if sessions is not None and split in ("subject_dependent", "subject-dependent") and not _in_sessions(eeg_split, sessions):
                continue
            pools: dict[str, Any] = {}
            if ceilings:
                eeg_split, pools = with_ceiling_pools(corpus, eeg_split, pool_fraction)
            train, test = eeg_split.train, eeg_split.test
            if normalize:
                normalizer = SubjectNormalizer().fit(train)
                train, test = normalizer.transform(train), normalizer.transform(test)
                pools = {k: normalizer.transform(v) for k, v in pools.items()}  # the train statistics, never the pool's own
            yield Fold(name, train, test, eeg_split.manifest, unit=name.split("-e")[0], pools=pools)


def _in_sessions(split: Any, sessions: list[int]) -> bool:
    """Whether a subject-dependent split's session (fold name "s<subject>-e<session>") is one of ``sessions``."""
    fold = split.manifest.fold or ""
    return any(fold.endswith(f"-e{int(s)}") for s in sessions)


class SEEDAdapter(_BenchmarkFolds):
    """SEED ``ExtractedFeatures`` (options: ``feature="de_LDS"``, ``subjects=``)."""

    dataset_id: ClassVar[str] = "seed"

    def load(self, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
        """Read the folder with :func:`emozoo_eeg.formats.read_seed`."""
        return read_seed(data_dir, **opts)


class SEEDIVAdapter(_BenchmarkFolds):
    """SEED-IV ``eeg_feature_smooth`` (options: ``feature="de_LDS"``, ``subjects=``)."""

    dataset_id: ClassVar[str] = "seed-iv"

    def load(self, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
        """Read the folder with :func:`emozoo_eeg.formats.read_seed_iv`."""
        return read_seed_iv(data_dir, **opts)


class DEAPAdapter(_BenchmarkFolds):
    """DEAP preprocessed files (options: ``label``, ``threshold``, ``baseline``, ``window_s``, ``subjects``)."""

    dataset_id: ClassVar[str] = "deap"

    def load(self, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
        """Read the folder with :func:`emozoo_eeg.formats.read_deap`."""
        return read_deap(data_dir, **opts)


class DREAMERAdapter(_BenchmarkFolds):
    """DREAMER.mat (options: ``label``, ``threshold``, ``baseline``, ``window_s``, ``subjects``)."""

    dataset_id: ClassVar[str] = "dreamer"

    def load(self, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
        """Read the file with :func:`emozoo_eeg.formats.read_dreamer`."""
        return read_dreamer(data_dir, **opts)


class SyntheticSEEDAdapter(_BenchmarkFolds):
    """Synthetic SEED-format data (NOT real SEED); generation options as in ``write_synthetic_seed``."""

    dataset_id: ClassVar[str] = "seed-synthetic"
    _GEN_OPTS: ClassVar[tuple[str, ...]] = ("n_subjects", "n_sessions", "windows_per_trial", "seed")

    def load(self, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
        """Read ``data_dir`` as SEED; when it holds no ``.mat`` files, write the synthetic set there first."""
        from .synthetic import write_synthetic_seed

        gen = {k: opts.pop(k) for k in self._GEN_OPTS if k in opts}
        folder = Path(data_dir)
        if not folder.is_dir() or not any(folder.glob("*.mat")):
            write_synthetic_seed(folder, **gen)
        return read_seed(folder, dataset=self.dataset_id, **opts)

    def default_data_dir(self, opts: dict[str, Any]) -> str:
        """A temp folder named by the generation options, so runs (and resumes) see the same synthetic files."""
        import tempfile

        from .synthetic import GENERATOR_VERSION

        tag = "-".join(f"{k}{opts[k]}" for k in self._GEN_OPTS if k in opts) or "default"
        name = f"emozoo-seed-synthetic-v{GENERATOR_VERSION}-{tag}".replace(" ", "").replace(",", "_")
        return str(Path(tempfile.gettempdir()) / name)  # the version: a changed generator never reads old files


ADAPTERS: dict[str, type] = {
    cls.dataset_id: cls for cls in (SEEDAdapter, SEEDIVAdapter, DEAPAdapter, DREAMERAdapter, SyntheticSEEDAdapter)
}


def load_corpus(dataset: str, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
    """Load a data set of this plugin by id (``seed``, ``seed-iv``, ``deap``, ``dreamer``, ``seed-synthetic``)."""
    key = str(dataset).strip().lower()
    if key not in ADAPTERS:
        raise UnknownDatasetError(str(dataset), closest(key, ADAPTERS))
    return ADAPTERS[key]().load(data_dir, **opts)
