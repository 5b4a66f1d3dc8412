"""How a benchmark gets its data: a data set adapter yields folds (train, test, split manifest).

An adapter registered through ``emozoo_register_datasets`` takes part in benchmarks by implementing
``folds(*, data_dir, protocol, **options) -> Iterable[Fold]``. Every method then sees the same folds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from emozoo.data.manifest import SplitManifest
from emozoo.errors import CapabilityError, EmptyInputError
from emozoo.registry import get_registry
from emozoo.specs import DatasetSpec


@dataclass
class Fold:
    """One train/test split of a data set (e.g. one subject), with the manifest that identifies it."""

    name: str
    train: Any
    test: Any
    manifest: SplitManifest
    val: Any = None


def load_folds(
    dataset: str, *, protocol: str, data_dir: str | None = None, max_folds: int | None = None, **options: Any
) -> tuple[DatasetSpec, list[Fold]]:
    """Resolve ``dataset`` through the registry and ask its adapter for the protocol's folds."""
    spec = get_registry().get_dataset(dataset)
    adapter = spec.load_adapter_class()()
    if not hasattr(adapter, "folds"):
        raise CapabilityError(spec.id, "be benchmarked", f"its adapter {spec.adapter_class} has no folds() method")
    folds: Iterable[Fold] = adapter.folds(data_dir=data_dir, protocol=protocol, **options)
    selected = []
    for fold in folds:
        selected.append(fold)
        if max_folds is not None and len(selected) >= max_folds:
            break
    if not selected:
        raise EmptyInputError(f"dataset {spec.id!r} gave no folds for protocol {protocol!r}; check --data-dir")
    return spec, selected
