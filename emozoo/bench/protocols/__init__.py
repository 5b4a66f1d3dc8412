"""The protocols of ``emozoo bench`` (DESIGN.md §5): one module per protocol, each running ONE cell.

A cell is (method, fold, seed). A protocol module exposes::

    run_cell(method, fold, seed, overrides, options, runtime) -> list[record]
    check_options(options) -> None          # optional: fail before the first cell on a bad option

and a record is ``{"condition", "ratio", "classifier", "metrics": {name: value}, ...}`` (fractions for percent
metrics). The folds x seeds x methods loop, the statistics, failure isolation and the results format belong to
the harness (:mod:`emozoo.bench.runner`, :mod:`emozoo.bench.report`), not to a protocol.

Every protocol reads data through the one sample interface of :mod:`emozoo.data.batches` (``features``,
``labels``, ``with_samples``), so speech, face, physiological and multimodal batches take the same path.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from emozoo.errors import ConfigError, InputError

Records = list[dict[str, Any]]

#: protocol name -> module (imported on first use; each module imports torch).
PROTOCOLS: dict[str, str] = {
    "recognition": "emozoo.bench.protocols.recognition",
    "augmentation": "emozoo.bench.protocols.augmentation",
    "completion": "emozoo.bench.protocols.completion",
    "text-augmentation": "emozoo.bench.protocols.text_augmentation",
}


def protocol_module(protocol: str) -> Any:
    """The module running one cell of ``protocol`` (an InputError naming the known ones otherwise)."""
    if protocol not in PROTOCOLS:
        raise InputError(f"unknown protocol {protocol!r}; choose one of {sorted(PROTOCOLS)}")
    return importlib.import_module(PROTOCOLS[protocol])


def cell_runner(protocol: str) -> Callable[..., Records]:
    """``run_cell`` of ``protocol``."""
    return protocol_module(protocol).run_cell


def check_options(protocol: str, options: dict[str, Any]) -> None:
    """Validate ``options`` of ``protocol`` before any cell runs (protocols without a check accept anything)."""
    check = getattr(protocol_module(protocol), "check_options", None)
    if check is not None:
        check(dict(options))


def build_model(method: str, seed: int, overrides: dict[str, Any]) -> Any:
    """A fresh model of ``method`` with config overrides; a ``seed`` config field follows the cell's seed."""
    import dataclasses

    import emozoo
    from emozoo.runtime import seed_everything

    seed_everything(seed)
    spec = emozoo.get_spec(method)
    fields = {f.name for f in dataclasses.fields(spec.load_config_class())}
    extra = {"seed": seed} if "seed" in fields and "seed" not in overrides else {}
    return emozoo.load(method, **overrides, **extra)


def samples(batch: Any, name: str) -> tuple[Any, Any]:
    """(features, labels) of a batch through the sample interface, or of an ``(inputs, labels)`` pair."""
    if isinstance(batch, tuple) and len(batch) == 2:
        return batch
    if not hasattr(batch, "features"):
        raise InputError(
            f"{name}: expected an emozoo batch with features and labels (PhysioBatch, AudioBatch, ImageBatch, "
            f"MultimodalBatch) or an (inputs, labels) pair, got {type(batch).__name__}"
        )
    return batch.features, getattr(batch, "labels", None)


def true_labels(batch: Any) -> Any:
    """Labels of the fold's test data as a numpy array (see :func:`emozoo.model.labels_of`)."""
    import numpy as np

    from emozoo.model import labels_of

    labels = labels_of(batch)
    if labels is None:
        raise InputError("the benchmark's test data has no labels; a fold's test split must be labelled")
    return labels.detach().cpu().numpy() if hasattr(labels, "detach") else np.asarray(labels)


def test_units(batch: Any, protocol: str) -> Any:
    """The unit id (subject) of every sample of the fold's test data, for the ``per_unit`` option; a typed error when
    the data set's batches name none."""
    import numpy as np

    units = getattr(batch, "subjects", None)
    if units is None:
        raise ConfigError(f"{protocol} protocol: per_unit needs test data that names each sample's subject "
                          f"({type(batch).__name__} carries none here); drop the option for this data set")  # fmt: skip
    return units.detach().cpu().numpy() if hasattr(units, "detach") else np.asarray(units)


def label_names(model: Any, batch: Any) -> list[str]:
    """Class names from the batch, else from the model's config (empty when neither has them)."""
    names = getattr(batch, "label_names", None) or getattr(getattr(model, "config", None), "label_names", None)
    return list(names) if names else []
