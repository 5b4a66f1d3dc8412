"""Paper number / ours / gap: which of our numbers answers the paper's, and what the paper reported."""

from __future__ import annotations

from typing import Any

from emozoo.errors import EmozooError
from emozoo.metrics import canonical, is_percent
from emozoo.registry import get_registry
from emozoo.specs import DatasetSpec


def headline(protocol: str, method: str, metric: str, rows: list[dict[str, Any]]) -> float | None:
    """Our number comparable to the paper's, as a mean over folds and seeds (None if not measured).

    recognition: the test metric; augmentation (and text-augmentation): the best real+synthetic ratio with the first classifier
    (papers report their best augmented setting); completion: the complete-modality (MR = 0) metric.
    """
    metric = metric if any(metric in r["metrics"] for r in rows) else canonical(metric)  # "UA" is reported as "UAR"
    mine = [r for r in rows if r["method"] == method and metric in r["metrics"]]
    if protocol in ("augmentation", "text-augmentation"):
        classifiers = [r["classifier"] for r in mine if r["condition"] == "real+synthetic"]
        mine = [r for r in mine if r["condition"] == "real+synthetic" and r["classifier"] == (classifiers or [None])[0]]
    elif protocol == "completion":
        mine = [r for r in mine if r["ratio"] == 0.0]
    if not mine:
        return None
    best = max(r["metrics"][metric]["mean"] for r in mine)
    return best * 100.0 if is_percent(metric) else best


def paper_result(method: str, paper_dataset: str, default_metric: str = "") -> tuple[str, float | None, str]:
    """(metric, value, source) the paper (or else the survey table) reports for ``paper_dataset``.

    Where neither reports a number on that data set, the metric is ``default_metric`` (the data set's standard
    headline metric, :attr:`DatasetSpec.metric`), else the method's first reported metric, else ACC.
    """
    registry = get_registry()
    spec = registry.get_method(method)
    wanted = paper_dataset.lower()
    for result in spec.reported:
        if result.dataset.lower() == wanted:
            return result.metric, result.value, result.source
    try:
        entry = registry.catalogue.for_method(spec.id)
    except EmozooError:
        entry = None
    for result in entry.results if entry else ():
        if (result.get("dataset") or "").lower() == wanted:
            return result["metric"], result["value"], "survey"
    metric = default_metric or (spec.reported[0].metric if spec.reported else "ACC")
    return metric, None, ""


def comparisons(
    protocol: str, methods: list[str], dataset: DatasetSpec, rows: list[dict[str, Any]], data_options: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One paper/ours/gap row per method, with the data difference stated (incl. subset options)."""
    paper_dataset = dataset.paper_dataset or dataset.name
    options = ", ".join(f"{k}={v}" for k, v in sorted((data_options or {}).items()))
    out = []
    for method in methods:
        metric, paper, source = paper_result(method, paper_dataset, getattr(dataset, "metric", ""))
        ours = headline(protocol, method, metric, rows)
        note = dataset.id if not dataset.synthetic else f"{dataset.id} (synthetic, NOT real {paper_dataset})"
        if dataset.subset_note:
            note += f"; {dataset.subset_note}"
        if options:
            note += f"; subset: {options}"
        out.append({
            "method": method, "paper_dataset": paper_dataset, "metric": metric, "paper": paper, "paper_source": source,
            "ours": ours, "gap": None if paper is None or ours is None else ours - paper, "data_note": note,
        })
    return out
