"""Benchmark tables: aggregate cell records over folds and seeds, and set them beside the papers' numbers."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

#: Metrics reported as percentages (fractions in records, ×100 in tables, as papers print them).
PERCENT_METRICS = {"ACC", "UAR", "WF1", "MF1", "Acc-2", "Acc-2_has0", "F1", "F1_has0", "Acc-5", "Acc-7"}

GroupKey = tuple[str, str, Any, Any]  # (method, condition, ratio, classifier)


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; 0.0 for a single value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def aggregate(cells: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (method, condition, ratio, classifier): mean ± std of each metric over ok cells."""
    groups: dict[GroupKey, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    runs: dict[GroupKey, set[tuple[str, int]]] = defaultdict(set)
    for cell in cells:
        if cell.get("status") != "ok":
            continue
        for record in cell["records"]:
            key = (cell["method"], record["condition"], record.get("ratio"), record.get("classifier"))
            runs[key].add((cell["fold"], cell["seed"]))
            for name, value in record["metrics"].items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    groups[key][name].append(float(value))
    rows = []
    for key in sorted(groups, key=_sort_key):
        method, condition, ratio, classifier = key
        stats = {name: mean_std(values) for name, values in groups[key].items()}
        rows.append({
            "method": method, "condition": condition, "ratio": ratio, "classifier": classifier,
            "n": len(runs[key]), "metrics": {name: {"mean": m, "std": s} for name, (m, s) in stats.items()},
        })
    return rows


def _sort_key(key: GroupKey) -> tuple:
    method, condition, ratio, classifier = key
    return (method, condition, -1.0 if ratio is None else float(ratio), classifier or "")


def format_value(metric: str, mean: float, std: float | None = None) -> str:
    """'92.50 ± 1.20' for percentage metrics, '0.712 ± 0.010' for the others."""
    scale, digits = (100.0, 2) if metric in PERCENT_METRICS else (1.0, 3)
    text = f"{mean * scale:.{digits}f}"
    return text if std is None else f"{text} ± {std * scale:.{digits}f}"


def metric_names(rows: list[dict[str, Any]]) -> list[str]:
    """Metric columns in first-seen order."""
    names: dict[str, None] = {}
    for row in rows:
        for name in row["metrics"]:
            names.setdefault(name, None)
    return list(names)


def results_table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of all aggregated rows."""
    names = metric_names(rows)
    header = ["method", "condition", "ratio", "classifier", "n", *names]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["method"], row["condition"], _blank(row["ratio"]), _blank(row["classifier"]), str(row["n"])]
        for name in names:
            stat = row["metrics"].get(name)
            cells.append(format_value(name, stat["mean"], stat["std"]) if stat else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _blank(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def results_csv(rows: list[dict[str, Any]]) -> str:
    """CSV with one line per aggregated row; mean and std columns per metric (fractions, unscaled)."""
    names = metric_names(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["method", "condition", "ratio", "classifier", "n", *[f"{n}_{s}" for n in names for s in ("mean", "std")]])
    for row in rows:
        values = []
        for name in names:
            stat = row["metrics"].get(name)
            values += [f"{stat['mean']:.6g}", f"{stat['std']:.6g}"] if stat else ["", ""]
        writer.writerow([row["method"], row["condition"], _blank(row["ratio"]), _blank(row["classifier"]), row["n"], *values])
    return buffer.getvalue()


def comparison_table(comparisons: list[dict[str, Any]]) -> str:
    """The paper / ours / gap table (values in the paper's units)."""
    lines = ["| method | paper dataset | metric | paper | ours | gap | our data |", "|---|---|---|---|---|---|---|"]
    for c in comparisons:
        paper = "-" if c["paper"] is None else f"{c['paper']:g}"
        ours = "-" if c["ours"] is None else f"{c['ours']:.2f}"
        gap = "-" if c["gap"] is None else f"{c['gap']:+.2f}"
        lines.append(f"| {c['method']} | {c['paper_dataset'] or '-'} | {c['metric']} | {paper} | {ours} | {gap} | {c['data_note']} |")
    return "\n".join(lines)


def failures_table(cells: Iterable[dict[str, Any]]) -> str:
    """Failed cells with their error, so a partial run says what is missing and why."""
    failed = [c for c in cells if c.get("status") != "ok"]
    if not failed:
        return ""
    lines = ["| method | fold | seed | error |", "|---|---|---|---|"]
    for c in failed:
        message = f"{c['error']['type']}: {c['error']['message']}".replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {c['method']} | {c['fold']} | {c['seed']} | {message[:200]} |")
    return "\n".join(lines)
