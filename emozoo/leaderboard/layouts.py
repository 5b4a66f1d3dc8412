"""The ``results.json`` layouts the benchmarks write, each read into :class:`~emozoo.leaderboard.records.Block`s.

* ``runner``: what :func:`emozoo.bench.benchmark` writes (``protocol``, ``dataset``, ``rows``, ``comparisons``, ``plots``);
* ``wrapped``: a script's file that keeps the runner's under ``bench`` (``benchmarks/eeg_augmentation.py``);
* ``merged``: a table script's pooling of several stages, ``rows: {stage: [row, ...]}`` (``benchmarks/*_table.py``);
  the data set and protocol of a stage come from ``<stage>/results.json`` beside it, and a stage whose rows are the
  same as that file's is shown once, from there;
* ``rows``: aggregated rows without a data set record (``benchmarks/imder_mr_sweep.py``);
* ``per-dataset``: ``datasets: {id: {method: {metric: value}}}`` with single values in percent points
  (``benchmarks/multistep_erc.py``);
* ``measurements``: flat rows of settings and measured values, nested metrics in percent points
  (``benchmarks/imder_sampling_speed.py``).

A file that matches none, or matches one but breaks its rules, raises :class:`LayoutError` with the reason shown on
the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emozoo.leaderboard.records import Block, Comparison, Row, Stat, finite
from emozoo.metrics import METRIC_ORDER, PERCENT_METRICS, is_percent

#: The protocol names of :data:`emozoo.bench.protocols.PROTOCOLS` (not imported: it pulls the protocols' code).
PROTOCOLS = ("recognition", "augmentation", "completion", "text-augmentation")
_KNOWN_METRICS = frozenset(METRIC_ORDER) | PERCENT_METRICS

#: ``merged`` reads a stage's own results.json through this: stage name -> (its label, its parsed JSON) or None.
StageLookup = Callable[[str], "tuple[str, Any] | None"]


class LayoutError(ValueError):
    """A results.json the leaderboard cannot read; the message says why, for the page's "not shown" list."""


def detect(data: Any) -> str | None:
    """The name of ``data``'s layout, or None when it is none the leaderboard reads."""
    if not isinstance(data, dict):
        return None
    rows = data.get("rows")
    if is_runner(data):
        return "runner"
    if is_runner(data.get("bench")):
        return "wrapped"
    if isinstance(rows, dict) and rows and all(isinstance(v, list) for v in rows.values()):
        return "merged"
    if isinstance(data.get("datasets"), dict) and rows is None:
        return "per-dataset"
    if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
        return "rows" if all(isinstance(r.get("metrics"), dict) for r in rows) else "measurements"
    return None


def is_runner(data: Any) -> bool:
    """Whether ``data`` is a results.json as :func:`emozoo.bench.benchmark` writes it."""
    return (isinstance(data, dict) and isinstance(data.get("rows"), list) and isinstance(data.get("dataset"), dict)
            and isinstance(data.get("protocol"), str))


def read(layout: str, data: dict[str, Any], label: str, stage: StageLookup) -> tuple[list[Block], list[str]]:
    """``(blocks, notes)`` of a file of ``layout``; notes say what of the file is shown elsewhere or not at all."""
    if layout == "runner":
        return [runner_block(data, label)], []
    if layout == "wrapped":
        warning = (data.get("data") or {}).get("warning") if isinstance(data.get("data"), dict) else None
        return [runner_block(data["bench"], label, notes=(warning,) if isinstance(warning, str) else ())], []
    if layout == "merged":
        return merged_blocks(data, label, stage)
    if layout == "per-dataset":
        return per_dataset_blocks(data, label), []
    if layout == "rows":
        rows = _rows(data["rows"], "rows")
        protocol = data.get("protocol") if data.get("protocol") in PROTOCOLS else infer_protocol(rows)
        return [Block(label, None, tuple(share(rows)), protocol=protocol, synthetic=_synthetic(data), notes=_description(data))], []
    if layout == "measurements":
        return [measurement_block(data, label)], []
    raise LayoutError(f"unknown layout {layout!r}")


def runner_block(data: dict[str, Any], label: str, notes: tuple[str, ...] = ()) -> Block:
    """The block of an ``emozoo.bench`` results.json: its rows, comparisons and recorded plugins."""
    dataset = data["dataset"]
    if not isinstance(dataset.get("id"), str) or not dataset["id"]:
        raise LayoutError("its dataset record has no id")
    plugins = {m["id"]: m["plugin"] for m in data.get("methods") or () if isinstance(m, dict)
               and isinstance(m.get("id"), str) and isinstance(m.get("plugin"), str)}  # fmt: skip
    cells = [c for c in data.get("cells") or () if isinstance(c, dict)]
    failed = [c for c in cells if c.get("status") not in (None, "ok")]
    if failed:
        names = ", ".join(sorted({f"{c.get('method')} {c.get('fold')} seed {c.get('seed')}" for c in failed})[:5])
        notes = (*notes, f"{len(failed)} of {len(cells)} cells failed and are not in the numbers ({names}); see its results.md")
    headline = data.get("headline_metric")
    return Block(
        source=label, dataset=dataset["id"], rows=tuple(share(_rows(data["rows"], "rows"))), protocol=data["protocol"],
        dataset_name=str(dataset.get("name") or ""), synthetic=bool(dataset.get("synthetic")),
        data_license=str(dataset.get("license") or ""), headline=headline if isinstance(headline, str) and headline else None,
        comparisons=tuple(_comparison(c, i) for i, c in enumerate(data.get("comparisons") or ())), plugins=plugins, notes=notes,
    )  # fmt: skip


def merged_blocks(data: dict[str, Any], label: str, stage: StageLookup) -> tuple[list[Block], list[str]]:
    """One block per stage of a table script's merged file, except stages whose rows their own results.json holds."""
    found = {name: stage(name) for name in data["rows"]}
    runs = {name: (hit[0], hit[1]) for name, hit in found.items() if hit is not None and is_runner(hit[1])}
    datasets = {run["dataset"]["id"] for _, run in runs.values()}
    blocks, notes = [], []
    for name, raw in data["rows"].items():
        if name in runs and runs[name][1]["rows"] == raw:
            notes.append(f"stage {name}: the same rows as {runs[name][0]}, shown from there")
            continue
        rows = _rows(raw, f"rows.{name}")
        own = runs[name][1] if name in runs else None
        dataset = own["dataset"] if own else (next(iter(runs.values()))[1]["dataset"] if len(datasets) == 1 else {})
        block_notes = [_pooled(data, name)] if _pooled(data, name) else []
        if own:
            block_notes.append(f"pooled by the table script; {runs[name][0]} holds the stage's last run alone")
        blocks.append(Block(
            source=f"{label} › {name}", dataset=dataset.get("id"), rows=tuple(share(rows)),
            protocol=own["protocol"] if own else infer_protocol(rows), dataset_name=str(dataset.get("name") or ""),
            synthetic=bool(dataset.get("synthetic")), data_license=str(dataset.get("license") or ""),
            headline=(own or {}).get("headline_metric") or None, notes=tuple(block_notes),
        ))  # fmt: skip
    left_out = data.get("left_out")
    if isinstance(left_out, list) and left_out:
        notes.append(f"cells left out by the table script: {len(left_out)} (see its results.md)")
    verdict = data.get("verdict")
    if isinstance(verdict, list):
        notes += [_plain(v) for v in verdict if isinstance(v, str)]
    return blocks, notes


def per_dataset_blocks(data: dict[str, Any], label: str) -> list[Block]:
    """``datasets: {id: {entry: {metric: value}}}``: one block per data set, metric values in percent points."""
    blocks = []
    for dataset, entries in data["datasets"].items():
        if not isinstance(entries, dict):
            raise LayoutError(f"datasets.{dataset} is not an object")
        rows = []
        for entry, values in entries.items():
            metrics = _points(values) if isinstance(values, dict) else {}
            if metrics:
                rows.append(Row(method=entry, metrics=metrics))
        if not rows:
            raise LayoutError(f"datasets.{dataset} holds no entry with metric values")
        blocks.append(Block(source=f"{label} › {dataset}", dataset=dataset, rows=tuple(rows), notes=_description(data)))
    if not blocks:
        raise LayoutError("its datasets object is empty")
    return blocks


def measurement_block(data: dict[str, Any], label: str) -> Block:
    """Flat rows of settings (text, whole numbers) and measurements (floats; nested metrics in percent points)."""
    method = data.get("method") or str(data.get("benchmark") or "").split("_")[0] or "?"
    rows = []
    for i, raw in enumerate(data["rows"]):
        settings = [f"{k} {v}" for k, v in raw.items() if isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))]
        metrics = {k: Stat(v) for k, v in raw.items() if isinstance(v, float) and finite(v) is not None}
        for key, nested in raw.items():
            if isinstance(nested, dict):
                metrics.update(_points(nested))
                settings.append(f"{key.removeprefix('metrics_')} metrics" if key.startswith("metrics_") else key)
        if not metrics:
            raise LayoutError(f"rows[{i}] holds no measured value")
        rows.append(Row(method=str(raw.get("method") or method), metrics=metrics, setting=", ".join(settings)))
    return Block(source=label, dataset=None, rows=tuple(rows), synthetic=_synthetic(data), notes=_description(data))


def _points(values: dict[str, Any]) -> dict[str, Stat]:
    """Known metrics among ``values``, percent-point values turned into fractions (the leaderboard's one scale)."""
    out = {}
    for name, value in values.items():
        number = finite(value)
        if name not in _KNOWN_METRICS or number is None:
            continue
        if is_percent(name) and not 0.0 <= number <= 100.0:
            raise LayoutError(f"{name} = {number:g} is not a percentage")
        out[name] = Stat(number / 100.0 if is_percent(name) else number)
    return out


def _rows(raw: Any, where: str) -> list[Row]:
    if not isinstance(raw, list):
        raise LayoutError(f"{where} is not a list")
    rows = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("method"), str) or not isinstance(item.get("metrics"), dict):
            raise LayoutError(f"{where}[{i}] is not an aggregated row (it needs a method and a metrics object)")
        metrics = {str(k): s for k, v in item["metrics"].items() if (s := Stat.read(v)) is not None}
        n, units = item.get("n"), item.get("n_units")
        rows.append(Row(
            method=item["method"], metrics=metrics, condition=item.get("condition") if isinstance(item.get("condition"), str) else None,
            ratio=finite(item.get("ratio")), classifier=item.get("classifier") if isinstance(item.get("classifier"), str) else None,
            n=n if isinstance(n, int) else None, units=units if isinstance(units, int) else None,
        ))  # fmt: skip
    return rows


def share(rows: list[Row]) -> list[Row]:
    """Baseline and ceiling rows that every method recorded with the same numbers, once, with no method (they
    involve no generator); any that differ between methods stay with their method."""
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        if row.kind in ("baseline", "ceiling"):
            groups.setdefault((row.condition, row.ratio, row.classifier), []).append(row)
    same = {key for key, members in groups.items() if len(members) > 1 and all(_same(m, members[0]) for m in members)}
    out, seen = [], set()
    for row in rows:
        key = (row.condition, row.ratio, row.classifier)
        if key in same:
            if key not in seen:
                seen.add(key)
                out.append(Row(None, row.metrics, row.condition, row.ratio, row.classifier, row.n, row.units, row.setting))
            continue
        out.append(row)
    return out


def _same(a: Row, b: Row) -> bool:
    return a.metrics == b.metrics and a.n == b.n


def infer_protocol(rows: list[Row]) -> str | None:
    """The protocol whose conditions the rows carry (None when they carry none)."""
    conditions = {r.condition for r in rows}
    if "missing_rate" in conditions:
        return "completion"
    if conditions & {"real", "real+synthetic", "synthetic"}:
        return "augmentation"
    if "test" in conditions:
        return "recognition"
    return None


def _comparison(raw: Any, i: int) -> Comparison:
    if not isinstance(raw, dict) or not isinstance(raw.get("method"), str) or not isinstance(raw.get("metric"), str):
        raise LayoutError(f"comparisons[{i}] has no method or metric")
    return Comparison(
        method=raw["method"], metric=raw["metric"], paper=finite(raw.get("paper")), ours=finite(raw.get("ours")),
        gap=finite(raw.get("gap")), paper_dataset=str(raw.get("paper_dataset") or ""),
        paper_source=str(raw.get("paper_source") or ""), data_note=str(raw.get("data_note") or ""),
    )  # fmt: skip


def _pooled(data: dict[str, Any], stage: str) -> str:
    """'folds fold1, fold2; seeds 0, 1, 2' of one stage of a merged file ('' when it does not say)."""
    folds, seeds = data.get("folds"), data.get("seeds")
    folds = folds.get(stage) if isinstance(folds, dict) else folds
    seeds = seeds.get(stage) if isinstance(seeds, dict) else seeds
    pairs = (("folds", folds), ("seeds", seeds))
    return "; ".join(f"{word} {', '.join(map(str, values))}" for word, values in pairs if isinstance(values, list) and values)


def _description(data: dict[str, Any]) -> tuple[str, ...]:
    """The data or task description a script recorded (truncated), so an unnamed data set is still described."""
    provenance = data.get("provenance")
    texts = [data.get("task"), data.get("note"), provenance.get("data") if isinstance(provenance, dict) else None]
    if isinstance(data.get("base_model"), str):
        texts.insert(0, f"base model: {data['base_model']}")
    return tuple(_plain(t, 400) for t in texts if isinstance(t, str) and t.strip())


def _synthetic(data: dict[str, Any]) -> bool:
    """Whether a script that records no data set says its data are synthetic (its description starts "SYNTHETIC")."""
    provenance = data.get("provenance")
    text = provenance.get("data") if isinstance(provenance, dict) else None
    return isinstance(text, str) and text.lstrip().startswith("SYNTHETIC")


def _plain(text: str, limit: int = 600) -> str:
    """Markdown emphasis and code marks dropped, one line, at most ``limit`` characters."""
    text = " ".join(text.replace("**", "").replace("`", "").split()).removeprefix("- ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_keys(data: Any) -> str:
    """What a file of no known layout holds, for the reason it is not shown."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    return "top-level keys " + json.dumps(sorted(data)[:12])
