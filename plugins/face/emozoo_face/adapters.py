"""The muxspace face set as person-disjoint folds: ``MuxspaceFacesAdapter().folds(...)``.

Nothing is downloaded: ``data_dir`` is the folder holding ``faces_48x48.npz`` (the CLI's ``--data-dir``).

Splits (every one person-disjoint; persons by the identity rule of :mod:`emozoo_face.dataset`):

* test: scikit-learn's ``StratifiedGroupKFold(n_folds, shuffle=True, random_state=split_seed)`` over persons; fold k
  tests the persons of its k-th part. Stratification is greedy over whole persons, so a class held by few persons
  (disgust: two people hold 154 of its 207 images) varies between folds: the manifests record every split's counts;
* val: of the training persons, the first part of ``StratifiedGroupKFold(round(1 / val_fraction), shuffle=True,
  random_state=split_seed + 1)``;
* with ``ceilings=True``, the augmentation protocol's oracle pools, both carved from the remaining training data:
  ``new_units`` = the first part of ``StratifiedGroupKFold(round(1 / new_units_fraction), ..., split_seed + 2)``
  over the remaining training persons (real faces of new people); ``same_units`` = per (person, class) with n >= 2
  images, k = round_half_up(pool_fraction * n) (1 <= k <= n - 1) evenly spaced images in file-name order, positions
  floor((j + 1/2) n / k) (more real faces of the training people). Every method trains on what is left.

Images come as :class:`emozoo.data.batches.ImageBatch` float32 [N, channels, size, size] in [0, 1] through the
front-end (:func:`emozoo_face.frontend.prepare_images`; at the default size 48 and 1 channel that is uint8 / 255).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from emozoo.data.folds import Fold, source_of
from emozoo.data.manifest import SplitManifest
from emozoo.errors import ConfigError, LabelError

from .dataset import FaceSet, load_faces
from .plugin import DATASETS, PHOTO_CAVEAT

__all__ = ["MuxspaceFacesAdapter", "carve_same_units", "group_split"]

_SPEC = DATASETS[0]
IDENTITY_RULE = "person = file name before [_]<digits>.<ext>, underscores dropped, lower-cased; no match: its own group"
SAME_RULE = (
    "per (person, class) with n >= 2: k = round_half_up(pool_fraction * n) (1 <= k <= n-1) evenly spaced images in "
    "file-name order, positions floor((j + 0.5) * n / k)"
)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def group_split(labels: np.ndarray, groups: Sequence[str], n_parts: int, seed: int) -> list[np.ndarray]:
    """Positions of each of ``n_parts`` person-disjoint, class-stratified parts (sklearn's StratifiedGroupKFold)."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=n_parts, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "the least populated class has only k members": the tail, expected and recorded
        warnings.simplefilter("ignore", UserWarning)
        return [test for _, test in splitter.split(np.zeros(len(labels)), labels, np.asarray(groups))]


def carve_same_units(positions: np.ndarray, faces: FaceSet, pool_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(kept, pooled) positions by the same-units rule (module doc)."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i in sorted(positions.tolist(), key=lambda i: faces.filenames[i]):
        groups.setdefault((faces.persons[i], int(faces.labels[i])), []).append(i)
    pooled: set[int] = set()
    for members in groups.values():
        n = len(members)
        if n < 2:
            continue
        k = min(n - 1, max(1, _round_half_up(pool_fraction * n)))
        pooled.update(members[math.floor((j + 0.5) * n / k)] for j in range(k))
    kept = np.array([i for i in positions.tolist() if i not in pooled], dtype=np.int64)
    return kept, np.array(sorted(pooled), dtype=np.int64)


def _fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def _int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
    return value


def _parts(fraction: float) -> int:
    return max(2, _round_half_up(1.0 / fraction))


class MuxspaceFacesAdapter:
    """The muxspace face set through person-grouped stratified folds (see the module docstring for every rule)."""

    dataset_id = "muxspace-faces"

    def folds(
        self,
        *,
        data_dir: str | os.PathLike[str] | None,
        protocol: str,
        folds: list[int] | None = None,
        n_folds: int = 5,
        split_seed: int = 0,
        val_fraction: float | None = 0.1,
        ceilings: bool = False,
        pool_fraction: float = 0.5,
        new_units_fraction: float = 0.25,
        size: int = 48,
        channels: int = 1,
        **_: Any,
    ) -> Iterator[Fold]:
        """Yield one :class:`emozoo.data.Fold` per person-disjoint fold ("fold1".."fold<n_folds>"; ``folds`` picks some).

        ``val_fraction`` None or 0 gives no validation split; ``size`` / ``channels`` resize or colour-convert the
        images through the front-end (48 and 1 keep them as stored).
        """
        n_folds = _int(n_folds, "n_folds", 2)
        _int(split_seed, "split_seed", 0)
        wanted = list(range(1, n_folds + 1)) if folds is None else [int(k) for k in folds]
        bad = [k for k in wanted if not 1 <= k <= n_folds]
        if bad:
            raise ConfigError(f"folds={folds!r}: with n_folds={n_folds} the folds are 1..{n_folds}, got {bad}")
        val_fraction = _fraction(val_fraction, "val_fraction") if val_fraction else None
        if ceilings:
            pool_fraction = _fraction(pool_fraction, "pool_fraction")
            new_units_fraction = _fraction(new_units_fraction, "new_units_fraction")
        faces = load_faces(data_dir)
        from .frontend import prepare_images

        prepared = prepare_images(faces.images, size=size, channels=channels)
        images, labels = prepared.images, faces.labels
        persons = np.asarray(faces.persons)
        source = source_of(_SPEC)
        digest = _digest(faces.path)
        test_parts = group_split(labels, persons, n_folds, split_seed)

        def batch(pos: np.ndarray) -> Any:
            import torch

            from emozoo.data.batches import ImageBatch

            return ImageBatch(images=images[torch.from_numpy(pos)], labels=torch.from_numpy(labels[pos]), source=source)

        def counts(pos: np.ndarray) -> list[int]:
            return np.bincount(labels[pos], minlength=len(faces.label_names)).tolist()

        for k in wanted:
            test = np.sort(test_parts[k - 1])
            rest = np.setdiff1d(np.arange(len(labels)), test)
            val = np.empty(0, dtype=np.int64)
            if val_fraction:
                val = np.sort(rest[group_split(labels[rest], persons[rest], _parts(val_fraction), split_seed + 1)[0]])
                rest = np.setdiff1d(rest, val)
            pools: dict[str, Any] = {}
            pool_splits: dict[str, list[str]] = {}
            train = rest
            if ceilings:
                new = np.sort(rest[group_split(labels[rest], persons[rest], _parts(new_units_fraction), split_seed + 2)[0]])
                train, same = carve_same_units(np.setdiff1d(rest, new), faces, pool_fraction)
                pools = {"same_units": batch(same), "new_units": batch(new)}
                pool_splits = {"pool_same_units": [faces.filenames[i] for i in same], "pool_new_units": [faces.filenames[i] for i in new]}
            missing = [faces.label_names[c] for c, n in enumerate(counts(train)) if n == 0]
            if missing and protocol != "recognition":
                raise LabelError(
                    f"muxspace-faces fold{k}: no training image of {missing} is left after the carve-outs, and class-conditional "
                    "generators need every class; lower val_fraction / new_units_fraction or use another split_seed"
                )
            names = lambda pos: [faces.filenames[i] for i in pos]  # noqa: E731
            splits = {"train": names(train), **({"val": names(val)} if len(val) else {}), "test": names(test), **pool_splits}
            manifest = SplitManifest(
                dataset=_SPEC.id, protocol=str(protocol), splits=splits, data_sha256=digest, seed=split_seed, fold=f"fold{k}",
                extra={
                    "split": f"person-grouped stratified {n_folds}-fold (sklearn StratifiedGroupKFold, shuffle, random_state=split_seed)",
                    "identity_rule": IDENTITY_RULE, "persons": len(set(faces.persons)), "unparsed_identities": faces.unparsed,
                    "unparsed_rule": "an image with no parseable identity is its own group (never shares a person)",
                    "test_persons": len(set(persons[test].tolist())), "train_persons": len(set(persons[train].tolist())),
                    "class_counts": {"train": counts(train), "val": counts(val), "test": counts(test),
                                     **({"pool_same_units": counts(same), "pool_new_units": counts(new)} if ceilings else {})},
                    "label_names": list(faces.label_names), "val_fraction": val_fraction,
                    "new_units_fraction": new_units_fraction if ceilings else None,
                    "pool_fraction": pool_fraction if ceilings else None, "same_units_rule": SAME_RULE if ceilings else None,
                    "image": {"size": size, "channels": channels, "frontend": list(prepared.actions)},
                    "caveat": PHOTO_CAVEAT,
                },
            )
            yield Fold(f"fold{k}", batch(train), batch(test), manifest, val=batch(val) if len(val) else None, unit=f"fold{k}", pools=pools)


def _digest(path: os.PathLike[str]) -> str:
    """sha256 of the npz through emozoo's hash cache (re-read only when the file changed)."""
    from emozoo.hash_cache import sha256_cached

    return sha256_cached(path)
