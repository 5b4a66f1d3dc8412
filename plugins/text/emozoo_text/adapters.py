"""GoEmotions and EmoBank as emozoo folds: the official split as one fold ("official": train, dev as validation, test).

``train_fraction`` (default 1.0) keeps a random part of the training split for the low-resource setting: exactly
``round_half_up(fraction * n)`` texts drawn without replacement by ``numpy.random.default_rng(subset_seed)``, in their
file order; validation and test are never reduced. The manifest lists every split's ids, the texts each reader dropped
(no visible character) and the label or rating counts of each split.

    fold = next(GoEmotionsAdapter().folds(data_dir="../shared/data/goemotions", protocol="recognition", labels="ekman"))
    fold.train   # TextBatch: texts, labels [N, 7] 0/1 (multi-label), label_names = EKMAN
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emozoo.data.batches import TextBatch
from emozoo.data.folds import Fold
from emozoo.data.manifest import SplitManifest, sha256_files
from emozoo.data.source import DataSource
from emozoo.errors import ConfigError
from emozoo_text import emobank, goemotions
from emozoo_text.errors import TextDataError

LABEL_SETS: tuple[str, ...] = ("all", "ekman")


def _root(data_dir: str | os.PathLike[str] | None, corpus: str) -> Path:
    if data_dir is None:
        here = Path(__file__).resolve()
        for parent in here.parents:
            candidate = parent.parent / "shared" / "data" / corpus
            if candidate.is_dir():
                return candidate
        raise TextDataError(f"{corpus}: no data_dir given and no ../shared/data/{corpus} beside the checkout; pass data_dir=")
    return Path(data_dir)


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < float(value) <= 1.0:
        raise ConfigError(f"train_fraction must be a number in (0, 1] (1.0 = the whole training split), got {value!r}")
    return float(value)


def subset_positions(n: int, fraction: float, seed: int) -> np.ndarray:
    """Sorted positions of ``round_half_up(fraction * n)`` (at least 1) of ``n`` rows, drawn without replacement."""
    k = max(1, min(n, math.floor(fraction * n + 0.5)))
    if k == n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def multi_hot(rows: Sequence[tuple[int, ...]], k: int) -> torch.Tensor:
    """[N, k] float32 0/1 indicators of each row's class ids."""
    out = torch.zeros(len(rows), k, dtype=torch.float32)
    for i, ids in enumerate(rows):
        out[i, list(ids)] = 1.0
    return out


class GoEmotionsAdapter:
    """GoEmotions' official split; ``labels="all"`` (27 emotions + neutral) or ``"ekman"`` (6 Ekman groups + neutral)."""

    dataset_id = "goemotions"

    def load(self, split: str, *, data_dir: str | os.PathLike[str] | None = None, labels: str = "all") -> TextBatch:
        """One official split as a multi-label TextBatch."""
        return self._read(split, _root(data_dir, "goemotions"), labels)[0]

    def _read(self, split: str, root: Path, labels: str) -> tuple[TextBatch, tuple[str, ...]]:
        """(the split's TextBatch, the comment ids its reader dropped)."""
        if labels not in LABEL_SETS:
            raise ConfigError(f"labels={labels!r}: use 'all' (28 labels) or 'ekman' (the paper's 7-class grouping)")
        goemotions.check_emotions(root)
        part = goemotions.read_split(root, split)
        rows = part.labels if labels == "all" else tuple(goemotions.to_ekman(r) for r in part.labels)
        names = goemotions.EMOTIONS if labels == "all" else goemotions.EKMAN
        source = DataSource("goemotions" if labels == "all" else "goemotions-ekman", name="GoEmotions", license="Apache-2.0",
                            url="https://github.com/google-research/google-research/tree/master/goemotions")  # fmt: skip
        batch = TextBatch(texts=part.texts, labels=multi_hot(rows, len(names)), label_names=names, ids=part.ids, source=source)
        return batch, part.dropped

    def folds(self, *, data_dir: str | os.PathLike[str] | None = None, protocol: str = "recognition", labels: str = "all",
              train_fraction: float = 1.0, subset_seed: int = 0, **_: Any) -> Iterator[Fold]:  # fmt: skip
        """Yield the single ``official`` fold (train, dev as validation, test) with its split manifest."""
        fraction = _fraction(train_fraction)
        root = _root(data_dir, "goemotions")
        read = {s: self._read(s, root, labels) for s in goemotions.SPLITS}
        splits = {s: b for s, (b, _) in read.items()}
        train = splits["train"]
        if fraction < 1.0:
            train = train.index(torch.from_numpy(subset_positions(len(train), fraction, subset_seed)))
        files = [root / "emotions.txt", *(root / f for f in goemotions.SPLITS.values())]
        manifest = SplitManifest(
            dataset=self.dataset_id if labels == "all" else "goemotions-ekman", protocol=protocol, fold="official",
            splits={"train": train.ids, "val": splits["dev"].ids, "test": splits["test"].ids}, data_sha256=sha256_files(files),
            seed=subset_seed if fraction < 1.0 else None,
            extra={"labels": labels, "train_fraction": fraction, "label_names": list(train.label_names),
                   "dropped_empty": {s: list(d) for s, (_, d) in read.items()},
                   "label_counts": {s: b.labels.sum(0).long().tolist() for s, b in (("train", train), ("val", splits["dev"]), ("test", splits["test"]))}},
        )  # fmt: skip
        yield Fold("official", train, splits["test"], manifest, val=splits["dev"])


class GoEmotionsEkmanAdapter(GoEmotionsAdapter):
    """The ``goemotions-ekman`` data set: GoEmotions with the paper's Ekman grouping unless ``labels`` says otherwise."""

    dataset_id = "goemotions-ekman"

    def load(self, split: str, *, data_dir: str | os.PathLike[str] | None = None, labels: str = "ekman") -> TextBatch:
        """One official split, Ekman-grouped by default."""
        return super().load(split, data_dir=data_dir, labels=labels)

    def folds(self, *, labels: str = "ekman", **options: Any) -> Iterator[Fold]:
        """GoEmotions' official fold with the Ekman labels by default."""
        return super().folds(labels=labels, **options)


class EmoBankAdapter:
    """EmoBank's official split: texts with (V, A, D) targets on the 1-5 scale."""

    dataset_id = "emobank"

    def load_all(self, *, data_dir: str | os.PathLike[str] | None = None) -> dict[str, TextBatch]:
        """Every official split as a TextBatch with ``targets`` [N, 3] (V, A, D)."""
        return {s: b for s, (b, _) in self._read_all(_root(data_dir, "emobank")).items()}

    def _read_all(self, root: Path) -> dict[str, tuple[TextBatch, tuple[str, ...]]]:
        source = DataSource("emobank", name="EmoBank", license="CC-BY-SA-4.0", url="https://github.com/JULIELab/EmoBank")
        out = {}
        for split, part in emobank.read_all(root).items():
            batch = TextBatch(texts=part.texts, targets=torch.tensor(part.vad, dtype=torch.float32), target_names=emobank.DIMENSIONS,
                              ids=part.ids, source=source)  # fmt: skip
            out[split] = (batch, part.dropped)
        return out

    def folds(self, *, data_dir: str | os.PathLike[str] | None = None, protocol: str = "regression", train_fraction: float = 1.0,
              subset_seed: int = 0, **_: Any) -> Iterator[Fold]:  # fmt: skip
        """Yield the single ``official`` fold (train, dev as validation, test) with its split manifest."""
        fraction = _fraction(train_fraction)
        read = self._read_all(_root(data_dir, "emobank"))
        splits = {s: b for s, (b, _) in read.items()}
        root = _root(data_dir, "emobank")
        train = splits["train"]
        if fraction < 1.0:
            train = train.index(torch.from_numpy(subset_positions(len(train), fraction, subset_seed)))
        manifest = SplitManifest(
            dataset=self.dataset_id, protocol=protocol, fold="official",
            splits={"train": train.ids, "val": splits["dev"].ids, "test": splits["test"].ids},
            data_sha256=sha256_files([root / "emobank.csv"]), seed=subset_seed if fraction < 1.0 else None,
            extra={"train_fraction": fraction, "dropped_empty": {s: list(d) for s, (_, d) in read.items()},
                   "sizes": {"train": len(train), "val": len(splits["dev"]), "test": len(splits["test"])}},
        )  # fmt: skip
        yield Fold("official", train, splits["test"], manifest, val=splits["dev"])
