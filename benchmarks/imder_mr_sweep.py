"""IMDer vs zero-fill vs mean imputation across missing rates on speaker-grouped synthetic MOSI-shaped data.

Per seed, one IMDer is trained through stage 1 (complete data: task L1 + score matching under simulated masks); it
is shared by every MR. At each MR, IMDer continues with stage 2 from the whole stage-1 model, the baselines from its
projections and fusion; all see the same fixed per-sample training masks (``masks.npz``) and seeded test masks.
Train and test speakers are disjoint (:func:`emozoo_imder.toy.speaker_folds`: one fold per test speaker,
``Fold.unit`` = the speaker). Each (seed, MR, method) cell scores the whole test split once and records, per test
speaker, the sentiment metrics and, for IMDer, the MSE of its recovered features on the hidden entries (in its
projected space) beside zero- and mean-fill's (:func:`emozoo.bench.protocols.completion.recovery_errors`). The table
is :func:`emozoo.bench.report.completion_table` over these per-speaker cells: mean ± std over (speaker, seed) cells
and the 95 % t-interval over speakers (:data:`emozoo.bench.report.CONVENTION`). Every cell is written to ``cells/``
as it finishes and skipped when re-run, so an interrupted run resumes; ``results.json`` / ``results.md`` are rebuilt
from the cells.

    python benchmarks/imder_mr_sweep.py [--seeds 3] [--rates 0.0,0.3,0.5,0.7] [--threads 1] [--only-seeds 0]

``--only-seeds`` lets one process per seed run side by side (each writes its own cells); a last run without it
finds every cell done and rebuilds the tables.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from emozoo_imder.missing import (
    effective_missing_rate,
    load_masks,
    per_sample_masks,
    save_masks,
)
from emozoo_imder.model import IMDer, apply_masks
from imder_common import (
    DATA_NOTE,
    RESULTS,
    bench_config,
    provenance,
    speaker_data,
    test_masks,
)

from emozoo.bench import plots as bench_plots
from emozoo.bench import report as bench_report
from emozoo.bench.protocols.completion import _target_means, recovery_errors
from emozoo.metrics import sentiment_report
from emozoo.runtime import Runtime

METHODS = {"IMDer (diffusion)": "diffusion", "zero-fill": "zero", "mean imputation": "mean"}
# Paper, Table 1, CMU-MOSI, Acc-2 per MR: UNVERIFIED transcription (see plugins/imder/card.md, provenance).
PAPER_MOSI_ACC2 = {0.0: 85.7, 0.1: 84.9, 0.2: 83.5, 0.3: 81.2, 0.4: 78.6, 0.5: 76.2, 0.6: 74.7, 0.7: 71.9}
SHOW = ("Acc-2", "F1", "Acc-7", "MAE", "Corr")
MSE = ("recovered_mse", "zero_fill_mse", "mean_fill_mse", "recovered_minus_zero_fill_mse", "recovery_worse_than_zero_fill")
#: 4 of the paper's 8 rates (0 and 0.7 kept): 3 seeds of all 8 do not fit the ~25 CPU-minute budget.
DEFAULT_RATES = "0.0,0.3,0.5,0.7"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only-seeds", default="", help="comma-separated subset of range(seeds) this process runs (parallel runs)")
    parser.add_argument("--train-speakers", type=int, default=16)
    parser.add_argument("--test-speakers", type=int, default=16)
    parser.add_argument("--per-speaker", type=int, default=16, help="utterances per speaker")
    parser.add_argument("--threads", type=int, default=1, help="1 is fastest on a shared 2-core machine")
    parser.add_argument("--rates", default=DEFAULT_RATES)
    parser.add_argument("--out", default=str(RESULTS / "mr_sweep"))
    parser.add_argument("--steps", default="", help="stage1,stage2 step budgets (default: bench_config's); for smoke runs")
    args = parser.parse_args()
    budget = dict(zip(("stage1_steps", "stage2_steps"), (int(x) for x in args.steps.split(",")))) if args.steps else {}
    torch.set_num_threads(args.threads)
    rates = [float(r) for r in args.rates.split(",")]
    out = Path(args.out)
    cells = out / "cells"
    cells.mkdir(parents=True, exist_ok=True)
    train, test, units = speaker_data(args.train_speakers, args.test_speakers, args.per_speaker)
    masks = {}
    for mr in rates:
        masks[f"train_mr{mr}"] = per_sample_masks(len(train), mr, seed=0)
        masks[f"test_mr{mr}"] = test_masks(len(test), mr)
    save_masks(out / "masks.npz", masks, {"train_seed": 0, "test_seed": "1000 + 10 * MR", "rates": rates})

    run_seeds = [int(x) for x in args.only_seeds.split(",")] if args.only_seeds else range(args.seeds)
    for seed in run_seeds:
        todo = [(mr, label) for mr in rates for label in METHODS if not _cell(cells, seed, mr, label).exists()]
        if not todo:
            continue
        t0 = time.time()
        torch.manual_seed(seed)
        base = IMDer(bench_config(seed=seed, **{**budget, "stage2_steps": 0}))
        base.fit(train, runtime=Runtime(device="cpu", seed=seed))
        stage1_seconds = round(time.time() - t0, 1)
        state = copy.deepcopy(base.state_dict())
        shared = {k: v for k, v in state.items() if k.startswith(("proj.", "fusion."))}
        for mr, label in todo:
            t0 = time.time()
            completion = METHODS[label]
            model = IMDer(bench_config(seed=seed, completion=completion, missing_rate=mr, **{**budget, "stage1_steps": 0}))
            model.load_state_dict({**model.state_dict(), **copy.deepcopy(state if completion == "diffusion" else shared)})
            model.fit(train, runtime=Runtime(device="cpu", seed=seed), masks=masks[f"train_mr{mr}"])
            cell = {"seed": seed, "mr": mr, "method": label, **score(model, train, test, masks[f"test_mr{mr}"], units, completion == "diffusion")}
            cell.update(seconds=round(time.time() - t0, 1), stage1_seconds=stage1_seconds)
            _cell(cells, seed, mr, label).write_text(json.dumps(cell, indent=2) + "\n")
            rep = cell["pooled"]
            extra = " ".join(f"{k} {rep[k]:.3f}" for k in MSE if k in rep)
            print(f"seed {seed} MR {mr} {label:18s} " + " ".join(f"{k} {rep[k]:.3f}" for k in SHOW) + " " + extra, flush=True)
    write_tables(out, rates, args, budget)


def score(model: IMDer, train, test, masks: np.ndarray, units: dict[str, np.ndarray], recovery: bool) -> dict:
    """Sentiment metrics (fractions) and, with ``recovery``, recovery MSEs: pooled over the test split and per unit."""
    masked = apply_masks(test, masks)
    values = model.predict(masked).values.numpy()
    truth = test.labels.numpy()
    recovered = model.recover(masked) if recovery else None
    targets = model.recovery_targets(test) if recovery else None
    means = _target_means(model, train) if recovery else None

    def one(rows: np.ndarray | None) -> dict[str, float]:
        sel = slice(None) if rows is None else rows
        out = sentiment_report(truth[sel], values[sel])
        if recovery:
            out.update(_recovery(model, masked, test, means, recovered, targets, rows))
        return out

    return {"pooled": one(None), "units": {unit: one(rows) for unit, rows in units.items()}}


class _Fixed:
    """recover / recovery_targets answered from precomputed tensors (sliced to ``rows``), for recovery_errors."""

    def __init__(self, recovered: dict, targets: dict, rows: np.ndarray | None):
        sel = slice(None) if rows is None else torch.as_tensor(rows)
        self._r = {k: v[sel] for k, v in recovered.items()}
        self._t = {k: v[sel] for k, v in targets.items()}

    def recover(self, batch):
        return self._r

    def recovery_targets(self, batch):
        return self._t


def _recovery(model, masked, test, means, recovered, targets, rows) -> dict[str, float]:
    """recovery_errors on ``rows`` (all when None); the worse-flag is dropped where the unit had nothing hidden."""
    part = masked if rows is None else masked.index(rows.tolist())
    whole = test if rows is None else test.index(rows.tolist())
    errs = recovery_errors(_Fixed(recovered, targets, rows), part, whole, means)
    if not math.isfinite(errs["recovered_mse"]):
        errs.pop("recovery_worse_than_zero_fill")
    return errs


def _cell(cells: Path, seed: int, mr: float, label: str) -> Path:
    return cells / f"seed{seed}__mr{mr}__{METHODS[label]}.json"


def unit_cells(runs: list[dict]) -> list[dict]:
    """The sweep's cells in the harness's cell format, one per (method, test speaker, seed), for report.aggregate."""
    grouped: dict[tuple, dict] = {}
    for run in runs:
        for unit, metrics in run["units"].items():
            key = (run["method"], unit, run["seed"])
            cell = grouped.setdefault(key, {"method": run["method"], "fold": unit, "unit": unit, "seed": run["seed"], "status": "ok", "records": []})
            cell["records"].append({"condition": "missing_rate", "ratio": float(run["mr"]), "classifier": None, "metrics": metrics})
    return list(grouped.values())


def write_tables(out: Path, rates: list[float], args: argparse.Namespace, budget: dict) -> None:
    """results.json and results.md from every cell under ``out/cells`` (only the ``rates`` of this run)."""
    runs = [json.loads(p.read_text()) for p in sorted((out / "cells").glob("*.json"))]
    runs = [r for r in runs if float(r["mr"]) in rates and "units" in r]
    seeds = sorted({r["seed"] for r in runs})
    cells = unit_cells(runs)
    rows = bench_report.aggregate(cells)
    plot_files = bench_plots.write_plots("completion", rows, cells, out, "Acc-2")  # Acc-2 and MAE vs missing rate
    pooled_worse = {f"{mr}": [r["pooled"].get("recovery_worse_than_zero_fill") for r in runs if r["mr"] == mr and "recovered_mse" in r["pooled"]] for mr in rates}
    loaded, _ = load_masks(out / "masks.npz")
    masks_meta = {str(mr): effective_missing_rate(loaded[f"test_mr{mr}"]) for mr in rates}
    compute = round(sum(r["seconds"] for r in runs) + sum({r["seed"]: r["stage1_seconds"] for r in runs}.values()), 1)
    prov = provenance(bench_config(**budget), time.time())
    prov.pop("wall_seconds", None)  # a resumed run's wall time says nothing; the cells' own seconds do
    prov["compute_seconds_all_cells"] = compute
    n_units = len({u for r in runs for u in r["units"]})
    result = {
        "benchmark": "imder_mr_sweep",
        "protocol": (
            "per_sample masks (fixed, seeded, saved in masks.npz); train and test at the same MR; speaker-disjoint train "
            "and test; metrics per test speaker (the unit); MSEs on hidden entries in IMDer's projected space"
        ),
        "statistics": bench_report.CONVENTION,
        "speakers": {"train": args.train_speakers, "test": args.test_speakers, "utterances_per_speaker": args.per_speaker},
        "effective_test_mr": masks_meta,
        "seeds": seeds,
        "rows": rows,
        "pooled_recovery_worse_than_zero_fill_per_seed": pooled_worse,
        "runs": runs,
        "paper_mosi_acc2_unverified": {str(k): v for k, v in PAPER_MOSI_ACC2.items()},
        "provenance": prov,
        "plots": plot_files,
    }
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")

    def paper(row: dict) -> str:
        value = PAPER_MOSI_ACC2.get(float(row["ratio"]))
        return f"{value:.1f}" if row["method"].startswith("IMDer") and value is not None else ""

    table = bench_report.completion_table(rows, metrics=SHOW, methods=list(METHODS), extra={"paper MOSI Acc-2": paper})
    pooled = [
        f"MR {mr}: {sum(int(v) for v in flags)} of {len(flags)} seeds" for mr, flags in pooled_worse.items() if flags and float(mr) > 0
    ]
    lines = [
        "# IMDer MR sweep (synthetic MOSI-shaped data, speaker-grouped)",
        "",
        f"> {DATA_NOTE}",
        "",
        (
            f"{len(seeds)} seed(s) x {n_units} test speakers ({args.train_speakers} other speakers train, {args.per_speaker} "
            f"utterances each); MRs {', '.join(f'{r:g}' for r in rates)}. Wall time summed over the cells {compute} s on "
            f"{prov.get('cpus')} shared CPU cores ({args.threads} torch thread per process; wall, not CPU, time: under "
            "contention from other jobs it is several times the CPU time)."
        ),
        (
            "Acc-2/F1/Acc-7 in %, non-zero Acc-2 and weighted F1 (MMSA), computed per test speaker. Recovery columns: MSE "
            "on the hidden entries in IMDer's projected space — IMDer's recovered features, zero-fill, mean-fill, and the "
            "paired difference recovered − zero-fill (negative = recovery better); `worse` = share of (speaker, seed) "
            "cells where recovery is no better than zero-fill. Paper column: IMDer on real CMU-MOSI (Acc-2, unverified "
            "transcription), for orientation only — different data."
        ),
        "",
        table,
        "",
        "Pooled over all test speakers, recovery no better than zero-fill: " + ("; ".join(pooled) or "-") + ".",
        "",
        f"Statistics: {bench_report.CONVENTION} (emozoo.bench.report); units = test speakers.",
        "",
        *[f"![{name}]({name})" for name in plot_files],
    ]
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'results.json'} and results.md ({len(runs)} cells)")


if __name__ == "__main__":
    main()
