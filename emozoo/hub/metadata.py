"""What a published model records about its data and results, in ``emozoo.json``.

Two user-metadata keys have a fixed shape because cards and catalogue pins read them:

* ``training_data``: ``{"dataset", "license", "split_manifest_sha256"?, "note"?}`` - the data the weights
  were trained on, its licence, the hash of the split manifest (``SplitManifest.digest()``) and how the
  data differs from the paper's (``note``).
* ``metrics``: ``[{"dataset", "metric", "value", "split"?}, ...]`` - our measured numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emozoo.errors import ConfigError


@dataclass(frozen=True)
class TrainingData:
    """The data a published model was trained on: name, licence, split manifest hash and the data difference."""

    dataset: str
    license: str
    split_manifest_sha256: str | None = None
    note: str = ""

    @classmethod
    def from_manifest(cls, dataset: str, license: str, manifest: Any, note: str = "") -> TrainingData:
        """Record a ``SplitManifest`` by its digest."""
        return cls(dataset=dataset, license=license, split_manifest_sha256=manifest.digest(), note=note)

    def to_dict(self) -> dict[str, Any]:
        """The ``training_data`` block of ``emozoo.json``."""
        data: dict[str, Any] = {"dataset": self.dataset, "license": self.license}
        if self.split_manifest_sha256:
            data["split_manifest_sha256"] = self.split_manifest_sha256
        if self.note:
            data["note"] = self.note
        return check_training_data(data)


def training_data_of(model: Any) -> dict[str, Any] | None:
    """The ``training_data`` block for a model fitted on a batch that carried its :class:`~emozoo.data.source.DataSource`
    (``fit`` records it as ``model.training_source``); None when the data's origin is unknown."""
    source = getattr(model, "training_source", None)
    dataset = getattr(source, "dataset", None)
    if not isinstance(dataset, str) or not dataset:
        return None
    data: dict[str, Any] = {"dataset": dataset}
    if getattr(source, "license", ""):
        data["license"] = source.license
    if getattr(source, "synthetic", False):
        data["note"] = f"{dataset} is synthetic stand-in data, not a real recording"
    return data


def check_training_data(data: Any, *, require_license: bool = True) -> dict[str, Any]:
    """Validate a ``training_data`` block (a local save may omit the licence; a published model may not)."""
    if isinstance(data, TrainingData):
        return data.to_dict()
    if not isinstance(data, Mapping):
        raise ConfigError(f"training_data must be a dict or TrainingData, got {type(data).__name__}")
    for key in ("dataset", "license") if require_license else ("dataset",):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"training_data needs a non-empty {key!r} (e.g. {{'dataset': 'SEED', 'license': 'SEED licence'}})")
    sha = data.get("split_manifest_sha256")
    if sha is not None and (not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
        raise ConfigError("training_data.split_manifest_sha256 must be 64 lower-case hex characters (SplitManifest.digest())")
    unknown = set(data) - {"dataset", "license", "split_manifest_sha256", "note"}
    if unknown:
        raise ConfigError(f"training_data has unknown key(s) {sorted(unknown)}; allowed: dataset, license, split_manifest_sha256, note")
    return dict(data)


def normalise_metrics(metrics: Any, default_dataset: str | None = None) -> list[dict[str, Any]]:
    """``{"ACC": 91.2}`` (on ``default_dataset``) or a list of ``{"dataset", "metric", "value", "split"?}`` rows."""
    if metrics is None:
        return []
    if isinstance(metrics, Mapping):
        if not default_dataset:
            raise ConfigError("metrics given as {name: value} need training_data to say which data set they were measured on")
        metrics = [{"dataset": default_dataset, "metric": k, "value": v} for k, v in metrics.items()]
    if not isinstance(metrics, Sequence) or isinstance(metrics, str):
        raise ConfigError(f"metrics must be a dict or a list of dicts, got {type(metrics).__name__}")
    rows = []
    for i, row in enumerate(metrics):
        if not isinstance(row, Mapping) or not isinstance(row.get("dataset"), str) or not isinstance(row.get("metric"), str):
            raise ConfigError(f"metrics[{i}] must be a dict with 'dataset', 'metric' and 'value', got {row!r}")
        value = row.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"metrics[{i}].value must be a finite number, got {value!r}")
        unknown = set(row) - {"dataset", "metric", "value", "split"}
        if unknown:
            raise ConfigError(f"metrics[{i}] has unknown key(s) {sorted(unknown)}; allowed: dataset, metric, value, split")
        rows.append({**row, "value": float(value)})
    return rows


def publish_metadata(
    metadata: Mapping[str, Any] | None = None, *, training_data: Any = None, metrics: Any = None, require_license: bool = True
) -> dict[str, Any]:
    """Merge ``training_data`` / ``metrics`` into user metadata and check both blocks' shapes."""
    merged = dict(metadata or {})
    if training_data is not None:
        merged["training_data"] = training_data
    if "training_data" in merged:
        merged["training_data"] = check_training_data(merged["training_data"], require_license=require_license)
    if metrics is not None:
        merged["metrics"] = metrics
    if "metrics" in merged:
        dataset = (merged.get("training_data") or {}).get("dataset")
        merged["metrics"] = normalise_metrics(merged["metrics"], dataset)
    return merged
