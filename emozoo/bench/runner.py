"""``emozoo.benchmark``: every method on the same folds, seeds and metrics; resumable cell by cell.

The one evaluation harness: it owns the folds x seeds x methods loop, failure isolation (a cell that raises is
recorded and the others run), the statistics (:mod:`emozoo.bench.report`, one convention) and the results format.
A protocol (:mod:`emozoo.bench.protocols`) runs one cell. Before the first cell it checks that every method
shares a modality with the data set (:func:`check_modalities`) and that the protocol's options are valid.

Cells run on an engine (:mod:`emozoo.bench.engines`: this process, local worker processes or a Ray cluster), which
only computes them; this module plans which cells to run (a finished cell whose identity is unchanged is resumed),
and is the one writer of ``cells/`` and ``results.json``, whatever the engine and the order cells finish in.

Output directory layout::

    OUT/cells/<method>__<fold>__seed<k>.json   one per finished cell (ok or failed), written atomically
    OUT/manifests/<fold>.json                  the split manifest of each fold
    OUT/results.json  results.md  results.csv  *.png
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_write_text
from emozoo._version import __version__
from emozoo.api import resolve_folds
from emozoo.bench import compare, plots, report
from emozoo.bench.cell import CellTask, SweepContext
from emozoo.bench.engines import choose_engine
from emozoo.bench.progress import CellProgress
from emozoo.bench.protocols import PROTOCOLS, check_options
from emozoo.bench.provenance import environment
from emozoo.bench.store import CellStore, cell_key, safe_name
from emozoo.config import canonical_json
from emozoo.data.folds import Fold
from emozoo.errors import InputError, ModalityError
from emozoo.metrics import is_percent
from emozoo.registry import get_registry
from emozoo.specs import DatasetSpec, MethodSpec


@dataclass
class BenchmarkResult:
    """Aggregated rows, paper/ours/gap comparisons, the cells, and where everything was written."""

    rows: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]
    cells: list[dict[str, Any]]
    out_dir: Path
    markdown: str
    plots: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Cells that raised (their error is recorded; the rest of the run went on)."""
        return [c for c in self.cells if c.get("status") != "ok"]

    def card_metrics(self, method: str) -> list[dict[str, Any]]:
        """Our headline numbers for ``method``, as the ``metrics`` a Hub push puts into the card."""
        return card_metrics({"comparisons": self.comparisons}, method)


def card_metrics(results: dict[str, Any] | str | Path, method: str) -> list[dict[str, Any]]:
    """``[{"dataset", "metric", "value", "split"}]`` for ``method`` from a benchmark's results (dict or results.json).

    Values are fractions for percentage metrics (as :mod:`emozoo.metrics` gives them), so the card shows the same
    number as the benchmark table. This is how a benchmark result reaches a published model's card.
    """
    if not isinstance(results, dict):
        results = json.loads(Path(results).read_text(encoding="utf-8"))
    rows = []
    for c in results.get("comparisons", []):
        if c.get("method") != method or c.get("ours") is None:
            continue
        value = c["ours"] / 100.0 if is_percent(c["metric"]) else c["ours"]
        rows.append({"dataset": c["paper_dataset"], "metric": c["metric"], "value": value, "split": "test"})
    if not rows:
        raise InputError(f"the benchmark results hold no number for method {method!r}; benchmark it first")
    return rows


def check_modalities(methods: Sequence[MethodSpec], dataset: DatasetSpec) -> None:
    """Raise ModalityError, naming both, unless every method shares a modality with the data set.

    They share one when the coarse modalities match (``physiological`` = ``physiological``) or, for multimodal
    methods or data, when their fine-grained signals overlap (a multimodal audio+vision method on a speech data set
    with ``modalities=("audio",)``).
    """
    data_signals = set(dataset.modalities)
    for spec in methods:
        if spec.modality == dataset.modality or (set(spec.modalities) & data_signals and "multimodal" in (spec.modality, dataset.modality)):
            continue
        method_text = spec.modality + (f" ({', '.join(spec.modalities)})" if spec.modalities else "")
        data_text = dataset.modality + (f" ({', '.join(dataset.modalities)})" if dataset.modalities else "")
        raise ModalityError(
            f"method {spec.id!r} takes {method_text} data but data set {dataset.id!r} holds {data_text} data; "
            f"benchmark it on a {spec.modality} data set (`emozoo list --datasets --modality {spec.modality}`) or pick methods "
            f"with `emozoo list --modality {dataset.modality}`"
        )


def _seeds(seeds: int | Sequence[int]) -> list[int]:
    if isinstance(seeds, int):
        if seeds < 1:
            raise InputError(f"seeds={seeds}: give a positive count or a list of seeds")
        return list(range(seeds))
    return [int(s) for s in seeds]


def _cell_hash(method: str, overrides: dict[str, Any], protocol: str, options: dict[str, Any], fold: Fold, seed: int,
               data_options: dict[str, Any] | None = None) -> str:
    """The identity of a cell: every input that changes its result. The method and the code that runs it (plugin
    and core versions), its config overrides, the protocol and its options, the data set's options, the fold (its
    split manifest, which holds the data's sha256) and the seed."""
    spec = get_registry().get_method(method)
    payload = {"method": method, "plugin": [spec.plugin, spec.version], "core": __version__, "overrides": overrides,
               "protocol": protocol, "options": options, "data_options": data_options or {}, "unit": fold.unit,
               "manifest": fold.manifest.digest(), "data_sha256": fold.manifest.data_sha256, "seed": seed}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def benchmark(
    methods: Sequence[str],
    dataset: str,
    *,
    protocol: str = "recognition",
    seeds: int | Sequence[int] = 1,
    config: dict[str, Any] | None = None,
    out: str | Path = "bench-out",
    data_dir: str | None = None,
    max_folds: int | None = None,
    device: str = "auto",
    mixed_precision: str = "no",
    progress: bool | None = None,
    resume: bool = True,
    workers: int | None = None,
    engine: str = "local",
    address: str | None = None,
    threads_per_worker: int = 1,
) -> BenchmarkResult:
    """Run ``methods`` side by side on ``dataset`` under ``protocol``; see the module docstring for outputs.

    ``config`` = ``{"methods": {id: {field: value}}, "dataset": {option: value}, "protocol": {option: value}}``.
    With ``resume=True`` finished cells whose configuration is unchanged are loaded, not re-run; failed
    cells are retried.

    Cells run one by one in this process by default; ``workers=N`` runs N at a time on local worker processes
    (``threads_per_worker`` threads each), ``engine="ray"`` on a Ray cluster (``address`` HOST:PORT or "auto"; none
    starts a local one). Every engine gives the same cells and results (:mod:`emozoo.bench.engines`); this process
    alone writes them.
    """
    from emozoo.runtime import Runtime

    if protocol not in PROTOCOLS:
        raise InputError(f"unknown protocol {protocol!r}; choose one of {sorted(PROTOCOLS)}")
    executor = choose_engine(engine, workers, address, threads_per_worker)
    registry = get_registry()
    specs = [registry.get_method(m) for m in methods]  # unknown ids fail before anything runs
    method_ids = [s.id for s in specs]
    config = dict(config or {})
    unknown = set(config) - {"methods", "dataset", "protocol"}
    if unknown:
        raise InputError(f"benchmark config has unknown sections {sorted(unknown)}; use 'methods', 'dataset', 'protocol'")
    method_overrides = config.get("methods", {})
    for key in method_overrides:  # a shared config may cover more methods; a typo must not pass silently
        registry.get_method(key)
    protocol_options = config.get("protocol", {})
    check_options(protocol, protocol_options)
    check_modalities(specs, registry.get_dataset(dataset))
    dataset_spec, folds = resolve_folds(dataset, protocol=protocol, data_dir=data_dir, max_folds=max_folds, **config.get("dataset", {}))
    seed_list = _seeds(seeds)

    out_dir = Path(out)
    store = CellStore(out_dir)
    runtime = Runtime(device=device, mixed_precision=mixed_precision, progress=False)
    main = runtime.is_main_process
    if main:
        for fold in folds:
            fold.manifest.save(out_dir / "manifests" / f"{safe_name(fold.name)}.json")

    if executor.parallel and runtime.num_processes > 1:
        raise InputError(f"workers/engine run cells in parallel, `accelerate launch` ({runtime.num_processes} processes) "
                         "trains each cell's model on several devices; use one or the other")  # fmt: skip
    fold_by_name = {fold.name: fold for fold in folds}
    if len(fold_by_name) != len(folds):
        raise InputError(f"data set {dataset_spec.id!r} gave two folds of one name; fold names key the cells, so the "
                         "adapter must name each fold once")  # fmt: skip

    grid = [(m, fold, seed) for m in method_ids for fold in folds for seed in seed_list]
    done: dict[str, dict[str, Any]] = {}
    tasks: list[CellTask] = []
    digests: dict[str, str] = {}
    resume_problems: list[dict[str, str]] = []
    for method, fold, seed in grid:
        key = cell_key(method, fold.name, seed)
        overrides = method_overrides.get(method, {})
        digests[key] = digest = _cell_hash(method, overrides, protocol, protocol_options, fold, seed, config.get("dataset", {}))
        if resume:
            found = store.load(key, expect={"method": method, "fold": fold.name, "seed": seed})
            if found.cell is not None and found.cell["status"] == "ok" and found.cell.get("cell_sha256") == digest:
                done[key] = {**found.cell, "resumed": True}
                continue
            if found.problem:
                resume_problems.append({"cell": key, "problem": found.problem})
                print(f"bench: cells/{key}.json cannot be reused ({found.problem}); running it again", file=sys.stderr)
        tasks.append(CellTask(key, protocol, method, fold.name, seed, overrides, protocol_options))

    show = runtime.progress if progress is None else progress
    progress_lines = CellProgress(f"bench {protocol}", len(grid), len(done), enabled=bool(show and main))
    context = SweepContext(methods=tuple(specs), dataset=dataset_spec, device=device, mixed_precision=mixed_precision,
                           threads=executor.threads, core_version=__version__, engine=executor.label)  # fmt: skip
    with contextlib.closing(executor.run(tasks, context, fold_by_name, runtime)) as finished:  # workers stop on any exit
        for task, cell in finished:  # in any order; this loop is the one writer
            cell["cell_sha256"] = digests[task.key]
            if main:
                store.save(task.key, cell)
            done[task.key] = {**cell, "resumed": False}
            progress_lines.finished(cell)
    cells = [done[cell_key(method, fold.name, seed)] for method, fold, seed in grid]

    rows = report.aggregate(cells)
    headline = dataset_spec.metric or None
    comparisons = compare.comparisons(protocol, method_ids, dataset_spec, rows, config.get("dataset", {}))
    plot_files = plots.write_plots(protocol, rows, cells, out_dir, headline) if main else []
    env = environment(str(runtime.device))
    markdown = _markdown(protocol, dataset_spec, method_ids, seed_list, folds, rows, comparisons, cells, plot_files, resume_problems)
    if main:
        results = {
            "protocol": protocol,
            "dataset": {"id": dataset_spec.id, "name": dataset_spec.name, "synthetic": dataset_spec.synthetic,
                        "license": dataset_spec.license, "plugin": f"{dataset_spec.plugin} {dataset_spec.version}"},
            "folds": [{"name": f.name, "unit": f.unit or f.name, "manifest_sha256": f.manifest.digest(),
                       "data_sha256": f.manifest.data_sha256, "pools": sorted(f.pools)} for f in folds],
            "methods": [{"id": s.id, "plugin": s.plugin, "version": s.version, "overrides": method_overrides.get(s.id, {})} for s in specs],
            "seeds": seed_list,
            "config": config,
            "environment": env,
            "execution": executor.describe(),
            "cells": [{k: c.get(k) for k in ("method", "fold", "seed", "status", "wall_seconds", "resumed", "error")} for c in cells],
            "resume_problems": resume_problems,
            "statistics": report.CONVENTION,
            "headline_metric": headline,
            "rows": rows,
            "comparisons": comparisons,
            "plots": plot_files,
        }
        atomic_write_text(out_dir / "results.json", json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
        atomic_write_text(out_dir / "results.md", markdown + "\n")
        atomic_write_text(out_dir / "results.csv", report.results_csv(rows, headline))
    return BenchmarkResult(rows, comparisons, cells, out_dir, markdown, plot_files)


def _markdown(protocol, dataset_spec, methods, seeds, folds, rows, comparisons, cells, plot_files, resume_problems=()) -> str:
    lines = [f"# Benchmark: {', '.join(methods)} on {dataset_spec.id} ({protocol})", ""]
    if dataset_spec.synthetic:
        lines += [f"**Data: {dataset_spec.name} is SYNTHETIC, not real data.** Numbers below say nothing about "
                  f"performance on real {dataset_spec.paper_dataset or 'data'}.", ""]
    units = len({f.unit or f.name for f in folds})
    lines += [f"{len(folds)} fold(s) of {units} independent unit(s) × {len(seeds)} seed(s) ({', '.join(map(str, seeds))}); "
              f"{report.CONVENTION}.", "",
              "## Paper / ours / gap", "", report.comparison_table(comparisons), "", "## All results", "",
              (report.completion_table if protocol == "completion" else report.results_table)(rows, dataset_spec.metric or None)]
    people = report.per_unit_table(rows, dataset_spec.metric or None)
    if people:
        lines += ["", "## Per-subject scores", "",
                  "Each test subject scored on its own windows; mean ± std over (subject, seed) scores, [95 % CI] over "
                  "subjects (the unit of independence), gain paired per subject.", "", people]
    failures = report.failures_table(cells)
    if failures:
        lines += ["", "## Failed cells", "", failures]
    rerun = report.resume_problems_table(list(resume_problems))
    if rerun:
        lines += ["", "## Cells run again on resume", "", rerun]
    if plot_files:
        lines += ["", "## Plots", ""] + [f"![{name}]({name})" for name in plot_files]
    lines += ["", f"Statistics: {report.CONVENTION} (emozoo.bench.report)."]
    return "\n".join(lines)
