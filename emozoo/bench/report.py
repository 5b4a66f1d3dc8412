"""Benchmark statistics and tables: the ONE place records of cells become means, spreads and intervals.

Statistics convention (every entry point, every results.md):

* ``mean`` and ``std``: the mean and the sample standard deviation (ddof = 1; 0.0 for one value) of a metric over
  all finished (fold, seed) cells of a row;
* ``ci95``: the half-width of the 95 % Student-t interval over the independent units (``Fold.unit``: the subject or
  speaker; a fold is its own unit when its adapter names none) of the per-unit means (each the mean over that unit's
  folds and seeds), ``t(0.975, U - 1) * s_U / sqrt(U)`` with U units and ``s_U`` the sample std (ddof = 1) of the U
  unit means; None with one unit (sessions of one subject, windows of one trial and seeds are not independent);
* ``converged``: the share of the row's classifier fits that converged (augmentation; see
  :func:`emozoo.evaluation.classifiers.converged`), so a number from an under-trained classifier is visible;
* ``gain`` (augmentation): the same statistics of the paired difference to the ``real`` condition of the same
  method, fold, seed and classifier;
* ``per_unit`` (records scored with a protocol's ``per_unit`` option): the same statistics with the *test subject*
  as the unit: mean and std over all (subject, seed) scores, ``ci95`` over the subjects' means, so a fold-grouped
  split still reports intervals over its people (``per_unit_gain``: the paired per-subject difference to ``real``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from emozoo.metrics import PERCENT_METRICS, is_percent, ordered

__all__ = ["CONVENTION", "PERCENT_METRICS", "aggregate", "completion_table", "mean_std", "metric_names", "per_unit_table", "results_table",
           "t_interval"]

#: The statistics convention in one sentence, for every table's footer.
CONVENTION = (
    "mean ± sample std (ddof = 1) over all (fold, seed) cells; [95 % CI] = Student-t half-width over the independent "
    "units (subjects / speakers) of the per-unit means (none with one unit)"
)

GroupKey = tuple[str, str, Any, Any]  # (method, condition, ratio, classifier)

#: t(0.975, df) for df = 1..30; beyond, a Cornish-Fisher expansion (error < 1e-4).
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448,
         2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484,
         2.0452, 2.0423)  # fmt: skip


def _t975(df: int) -> float:
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; 0.0 for a single value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def t_interval(fold_means: list[float]) -> float | None:
    """Half-width of the 95 % Student-t interval of the mean of ``fold_means`` (None for fewer than two)."""
    if len(fold_means) < 2:
        return None
    _, s = mean_std(fold_means)
    return _t975(len(fold_means) - 1) * s / math.sqrt(len(fold_means))


def _stats(by_unit: dict[str, list[float]]) -> dict[str, Any]:
    values = [v for vs in by_unit.values() for v in vs]
    mean, std = mean_std(values)
    return {"mean": mean, "std": std, "ci95": t_interval([sum(vs) / len(vs) for vs in by_unit.values()])}


def aggregate(cells: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (method, condition, ratio, classifier) with the module's statistics of each metric over ok cells."""
    groups: dict[GroupKey, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    gains: dict[GroupKey, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    runs: dict[GroupKey, set[tuple[str, int]]] = defaultdict(set)
    units: dict[GroupKey, set[str]] = defaultdict(set)
    fits: dict[GroupKey, list[bool]] = defaultdict(list)
    people: dict[GroupKey, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    people_gains: dict[GroupKey, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for cell in cells:
        if cell.get("status") != "ok":
            continue
        unit = str(cell.get("unit") or cell["fold"])
        real = {r.get("classifier"): r["metrics"] for r in cell["records"] if r["condition"] == "real"}
        real_units = {r.get("classifier"): r.get("per_unit") or {} for r in cell["records"] if r["condition"] == "real"}
        for record in cell["records"]:
            key = (cell["method"], record["condition"], record.get("ratio"), record.get("classifier"))
            runs[key].add((cell["fold"], cell["seed"]))
            units[key].add(unit)
            if isinstance(record.get("converged"), bool):
                fits[key].append(record["converged"])
            base = real.get(record.get("classifier")) if record["condition"] != "real" else None
            for name, value in record["metrics"].items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    groups[key][name][unit].append(float(value))
                    ref = base.get(name) if base else None
                    if isinstance(ref, (int, float)) and math.isfinite(ref):
                        gains[key][name][unit].append(float(value) - float(ref))
            base_units = real_units.get(record.get("classifier")) if record["condition"] != "real" else None
            for person, scores in (record.get("per_unit") or {}).items():
                for name, value in scores.items():
                    if name != "n" and isinstance(value, (int, float)) and math.isfinite(value):
                        people[key][name][str(person)].append(float(value))
                        ref = (base_units or {}).get(person, {}).get(name)
                        if isinstance(ref, (int, float)) and math.isfinite(ref):
                            people_gains[key][name][str(person)].append(float(value) - float(ref))
    rows = []
    for key in sorted(groups, key=_sort_key):
        method, condition, ratio, classifier = key
        row = {
            "method": method, "condition": condition, "ratio": ratio, "classifier": classifier, "n": len(runs[key]),
            "n_folds": len({f for f, _ in runs[key]}), "n_units": len(units[key]),
            "metrics": {name: _stats(by_unit) for name, by_unit in groups[key].items()},
        }  # fmt: skip
        if fits[key]:
            row["converged"] = sum(fits[key]) / len(fits[key])
        if key in gains:
            row["gain"] = {name: _stats(by_unit) for name, by_unit in gains[key].items()}
        if key in people:
            row["per_unit"] = {name: _stats(by_person) for name, by_person in people[key].items()}
            row["n_subjects"] = len({p for by_person in people[key].values() for p in by_person})
        if key in people_gains:
            row["per_unit_gain"] = {name: _stats(by_person) for name, by_person in people_gains[key].items()}
        rows.append(row)
    return rows


def _sort_key(key: GroupKey) -> tuple:
    method, condition, ratio, classifier = key
    return (method, condition, -1.0 if ratio is None else float(ratio), classifier or "")


_MARKDOWN_SPECIALS = re.compile(r"([\\`|\[\]<>])")


def md_cell(value: Any, limit: int = 300) -> str:
    """Text safe inside a Markdown table cell: one line, at most ``limit`` characters, with ``|`` (a new column),
    ``[`` ``]`` (links and images), ``<`` ``>`` (HTML), backticks and backslashes escaped, so a fold name, label or
    error message from a cell can neither break the table nor inject a link, an image or markup."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def format_value(metric: str, mean: float, std: float | None = None) -> str:
    """'92.50 ± 1.20' for percentage metrics, '0.712 ± 0.010' for the others."""
    scale, digits = (100.0, 2) if is_percent(metric) else (1.0, 3)
    text = f"{mean * scale:.{digits}f}"
    return text if std is None else f"{text} ± {std * scale:.{digits}f}"


def metric_names(rows: list[dict[str, Any]], headline: str | None = None) -> list[str]:
    """Metric columns in a fixed order: the headline metric first, then :data:`emozoo.metrics.METRIC_ORDER`.

    The order does not depend on which cell finished first, so a resumed run writes the same columns.
    """
    return ordered((name for row in rows for name in row["metrics"]), headline)


def results_table(rows: list[dict[str, Any]], headline: str | None = None) -> str:
    """The Markdown table of all aggregated rows (metric columns as :func:`metric_names` orders them)."""
    names = metric_names(rows, headline)
    fits = any("converged" in row for row in rows)
    header = ["method", "condition", "ratio", "classifier", "n", *names, *(["converged fits"] if fits else [])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [md_cell(v) for v in (row["method"], row["condition"], _blank(row["ratio"]), _blank(row["classifier"]), row["n"])]
        for name in names:
            stat = row["metrics"].get(name)
            cells.append(_with_interval(name, stat) if stat else "")
        if fits:
            cells.append(f"{100 * row['converged']:.0f} %" if "converged" in row else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_unit_table(rows: list[dict[str, Any]], headline: str | None = None) -> str:
    """The Markdown table of the rows scored per subject: each metric's mean ± std over (subject, seed) scores and its
    95 % interval over subjects, and the paired per-subject gain over ``real`` in the headline metric ("" when no
    row has per-subject scores)."""
    scored = [row for row in rows if row.get("per_unit")]
    if not scored:
        return ""
    names = ordered((name for row in scored for name in row["per_unit"]), headline)
    lead = names[0]
    header = ["method", "condition", "ratio", "classifier", "subjects", *names, f"gain in {lead} vs real"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in scored:
        cells = [md_cell(v) for v in (row["method"], row["condition"], _blank(row["ratio"]), _blank(row["classifier"]), row["n_subjects"])]
        cells += [_with_interval(name, row["per_unit"][name]) if name in row["per_unit"] else "" for name in names]
        gain = (row.get("per_unit_gain") or {}).get(lead)
        cells.append(_with_interval(lead, gain) if gain else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _with_interval(metric: str, stat: dict[str, Any]) -> str:
    """'92.50 ± 1.20 [±2.10]': mean ± std, and the 95 % interval half-width where there are several units."""
    text = format_value(metric, stat["mean"], stat["std"])
    ci = stat.get("ci95")
    return text if ci is None else f"{text} [±{format_value(metric, ci)}]"


def _blank(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def results_csv(rows: list[dict[str, Any]], headline: str | None = None) -> str:
    """CSV with one line per aggregated row; mean and std columns per metric (fractions, unscaled)."""
    names = metric_names(rows, headline)
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


#: Recovery fields of the completion protocol (:func:`emozoo.bench.protocols.completion.recovery_errors`), shown
#: in their own columns by :func:`completion_table`, in this order.
RECOVERY_COLUMNS: dict[str, str] = {
    "recovered_mse": "recovered MSE",
    "zero_fill_mse": "zero-fill MSE",
    "mean_fill_mse": "mean-fill MSE",
    "recovered_minus_zero_fill_mse": "recovered − zero-fill",
}
_WORSE = "recovery_worse_than_zero_fill"


def completion_table(rows: list[dict[str, Any]], headline: str | None = None, *, metrics: Iterable[str] | None = None,
                     methods: Iterable[str] | None = None, extra: dict[str, Any] | None = None) -> str:
    """The completion protocol's Markdown table: one line per (missing rate, method), intervals over units.

    Every value is ``mean ± std [±ci95]`` as :data:`CONVENTION` defines them (the interval over ``Fold.unit``s, absent
    with one unit); ``n (units)`` counts the (fold, seed) cells and the independent units. Recovery columns appear
    where a method recorded them: its recovered-feature MSE, zero- and mean-fill's, the paired difference to
    zero-fill (negative: recovery beats zero-fill; an interval wholly above 0 says it is worse over units) and
    ``worse``, the share of cells whose recovery was no better than zero-fill. ``metrics`` picks and orders the
    metric columns (default: :func:`metric_names`), ``methods`` the row order within a rate (default: by name),
    ``extra`` adds columns: ``{header: callable(row) -> str}``.
    """
    rows = [r for r in rows if r["condition"] == "missing_rate"]
    order = {m: i for i, m in enumerate(methods or ())}
    rows.sort(key=lambda r: (float(r["ratio"]), order.get(r["method"], len(order)), r["method"]))
    recovery = [k for k in RECOVERY_COLUMNS if any(k in r["metrics"] for r in rows)]
    hidden = {*RECOVERY_COLUMNS, _WORSE}
    names = list(metrics) if metrics is not None else [n for n in metric_names(rows, headline) if n not in hidden]
    worse = any(_WORSE in r["metrics"] for r in rows)
    extra = dict(extra or {})
    header = ["missing rate", "method", "n (units)", *names, *(RECOVERY_COLUMNS[k] for k in recovery),
              *(["worse"] if worse else []), *extra]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [_blank(row["ratio"]), md_cell(row["method"]), f"{row['n']} ({row.get('n_units', row['n'])})"]
        for name in [*names, *recovery]:
            stat = row["metrics"].get(name)
            cells.append(_with_interval(name, stat) if stat else "")
        if worse:
            stat = row["metrics"].get(_WORSE)
            cells.append(f"{100 * stat['mean']:.0f} %" if stat else "")
        cells += [md_cell(fn(row)) for fn in extra.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_table(comparisons: list[dict[str, Any]]) -> str:
    """The paper / ours / gap table (values in the paper's units)."""
    lines = ["| method | paper dataset | metric | paper | ours | gap | our data |", "|---|---|---|---|---|---|---|"]
    for c in comparisons:
        paper = "-" if c["paper"] is None else f"{c['paper']:g}"
        ours = "-" if c["ours"] is None else f"{c['ours']:.2f}"
        gap = "-" if c["gap"] is None else f"{c['gap']:+.2f}"
        cells = (c["method"], c["paper_dataset"] or "-", c["metric"], paper, ours, gap, c["data_note"])
        lines.append("| " + " | ".join(md_cell(v) for v in cells) + " |")
    return "\n".join(lines)


def resume_problems_table(problems: list[dict[str, str]]) -> str:
    """Cells found in ``cells/`` that could not be reused, and why (they were run again)."""
    if not problems:
        return ""
    lines = ["| cell | why it was run again |", "|---|---|"]
    lines += ["| " + md_cell(p["cell"]) + " | " + md_cell(p["problem"]) + " |" for p in problems]
    return "\n".join(lines)


def failures_table(cells: Iterable[dict[str, Any]]) -> str:
    """Failed cells with their error, so a partial run says what is missing and why."""
    failed = [c for c in cells if c.get("status") != "ok"]
    if not failed:
        return ""
    lines = ["| method | fold | seed | error |", "|---|---|---|---|"]
    for c in failed:
        message = f"{c['error']['type']}: {c['error']['message']}"
        lines.append("| " + " | ".join(md_cell(v, limit=200) for v in (c["method"], c["fold"], c["seed"], message)) + " |")
    return "\n".join(lines)
