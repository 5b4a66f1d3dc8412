"""Folds: what a data set adapter yields, ``emozoo.load_folds`` returns and every benchmark cell trains and tests on.

A data set adapter (registered through ``emozoo_register_datasets``) takes part by implementing
``folds(*, data_dir, protocol, **options) -> Iterable[Fold]``. Every method then sees the same folds, and every
batch of a fold carries the data set's :class:`~emozoo.data.source.DataSource`, so a model fitted on it records
the data's licence in its saved card. Resolving a data set id to its folds is :func:`emozoo.api.load_folds`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from emozoo.data.manifest import SplitManifest
from emozoo.data.source import DataSource
from emozoo.specs import DatasetSpec

@dataclass
class Fold:
    """One train/test split of a data set (e.g. one subject's session), with the manifest that identifies it.

    ``unit`` names the independent unit the fold belongs to (the subject or speaker: several sessions of one
    subject are one unit), over which benchmark intervals are computed; None means the fold is its own unit.
    ``pools`` holds extra real data for the augmentation protocol's oracle ceilings, never used for training or
    testing otherwise: ``"same_units"`` (more samples of the training trials or items, held back from ``train``)
    and ``"new_units"`` (samples of trials, sessions or speakers that are in neither ``train`` nor ``test``).
    """

    name: str
    train: Any
    test: Any
    manifest: SplitManifest
    val: Any = None
    unit: str | None = None
    pools: dict[str, Any] = field(default_factory=dict)


def source_of(spec: DatasetSpec) -> DataSource:
    """The :class:`DataSource` a data set's batches carry."""
    return DataSource(dataset=spec.id, name=spec.name, license=spec.license, url=spec.url, synthetic=spec.synthetic)


def with_source(batch: Any, source: DataSource) -> Any:
    """``batch`` carrying ``source`` (batches without a ``source`` field, or that already name one, are returned as is)."""
    fields = getattr(batch, "__dataclass_fields__", None)
    if batch is None or not fields or "source" not in fields or getattr(batch, "source", None) is not None:
        return batch
    return dataclasses.replace(batch, source=source)
