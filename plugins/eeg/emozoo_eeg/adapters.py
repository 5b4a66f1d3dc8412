"""Data set adapters named by the plugin's DatasetSpecs: ``Adapter().load(data_dir, **opts) -> EEGCorpus``.

Nothing is downloaded: ``data_dir`` is the folder the user holds (the CLI's ``--data-dir``). The
``seed-synthetic`` adapter writes its synthetic folder into ``data_dir`` first when that holds no files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from emozoo.bench.folds import Fold
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
        **opts: Any,
    ) -> Iterator[Fold]:
        """Yield one :class:`emozoo.bench.Fold` per subject x session (or per held-out subject with ``split="loso"``)."""
        from .protocols import SubjectNormalizer, folds

        folder = data_dir if data_dir is not None else self.default_data_dir(opts)
        if folder is None:
            raise InputError(f"{self.dataset_id}: pass --data-dir with your copy of the data set; emozoo downloads nothing")
        corpus = self.load(folder, **opts)
        for name, eeg_split in folds(corpus, split):
            train, test = eeg_split.train, eeg_split.test
            if normalize:
                normalizer = SubjectNormalizer().fit(train)
                train, test = normalizer.transform(train), normalizer.transform(test)
            yield Fold(name, train, test, eeg_split.manifest)


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

        tag = "-".join(f"{k}{opts[k]}" for k in self._GEN_OPTS if k in opts) or "default"
        return str(Path(tempfile.gettempdir()) / f"emozoo-seed-synthetic-{tag}".replace(" ", "").replace(",", "_"))


ADAPTERS: dict[str, type] = {
    cls.dataset_id: cls for cls in (SEEDAdapter, SEEDIVAdapter, DEAPAdapter, DREAMERAdapter, SyntheticSEEDAdapter)
}


def load_corpus(dataset: str, data_dir: str | os.PathLike[str], **opts: Any) -> EEGCorpus:
    """Load a data set of this plugin by id (``seed``, ``seed-iv``, ``deap``, ``dreamer``, ``seed-synthetic``)."""
    key = str(dataset).strip().lower()
    if key not in ADAPTERS:
        raise UnknownDatasetError(str(dataset), closest(key, ADAPTERS))
    return ADAPTERS[key]().load(data_dir, **opts)
