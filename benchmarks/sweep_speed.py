"""Sweep speed: one CPU-bound benchmark sweep on 1 worker, 2 local workers and 2 Ray workers, in one run.

Targets: with 2 workers on 2 cores the sweep runs >= 1.7x faster than with 1 (one thread per worker), and the Ray
engine at 2 workers takes <= 1.10x the wall time of 2 local workers. The sweep is the toy method (the test fixture
``tests/fixtures/emozoo-toy``: a real EmotionModel trained through the Runtime) at a CPU-bound setting: wide hidden
layers, thousands of samples, many epochs, so each cell is a few seconds of pure compute and data loading (done once,
in the parent, by every engine alike) does not blur what is measured: the engines. 1 worker is the sequential run in
this process with one torch thread; the Ray cluster (2 CPUs, loopback) is started before the clock and joined by each
Ray run, as a cluster you started would be. One-off start-up costs are paid in an untimed warm-up sweep per engine and
recorded apart: the forkserver's first start (once per process) and the Ray workers' first import of torch (once per
cluster). Runs alternate (1, local, Ray, then Ray, local, 1, ...); the ratios use each engine's median wall time.
Every run's cells are checked to equal the sequential run's, cell for cell.

    python benchmarks/sweep_speed.py                      # the recorded setting: an idle 2-core machine, ~5 min
    python benchmarks/sweep_speed.py --tiny --out-dir /tmp/sweep-speed   # a smoke run: seconds, ratios meaningless

Writes benchmarks/results/sweep_speed.json and .md (or --out-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "fixtures" / "emozoo-toy"
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SPEEDUP, TARGET_RAY_OVERHEAD = 1.7, 1.10
ENGINES = {"1 worker": {}, "2 local workers": {"workers": 2}, "2 Ray workers": {"engine": "ray", "workers": 2}}
WHERE_AND_WHEN = ("wall_seconds", "worker", "resumed")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seeds", type=int, default=6, help="seeds per fold (2 folds): cells = 2 x seeds")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--hidden", type=int, default=256, help="hidden units of the toy MLP")
    p.add_argument("--n-per-class", type=int, default=1500, help="blobs per class (3 classes; 2/3 train)")
    p.add_argument("--repeats", type=int, default=2, help="alternating rounds over the three engines")
    p.add_argument("--tiny", action="store_true", help="a seconds-long smoke setting (numbers meaningless)")
    p.add_argument("--ray-address", help="an existing cluster's HOST:PORT instead of a local one (2 CPUs) for the run")
    p.add_argument("--out-dir", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    if args.tiny:
        args.seeds, args.epochs, args.hidden, args.n_per_class, args.repeats = 1, 2, 16, 60, 1
    return args


def install_toy() -> None:
    """The toy plugin registered by hand (it is a test fixture, not installed), as the tests do."""
    import importlib

    from emozoo import registry

    sys.path.insert(0, str(TOY))
    reg = registry.Registry(autoload=False)
    reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
    registry.reset_registry(reg)


def start_ray(address: str | None) -> None:
    """Join ``address``, or start a 2-CPU local cluster on loopback, before any clock runs (emozoo's Ray defaults)."""
    from emozoo.bench.ray_engine import import_ray

    ray = import_ray(address)
    if address:
        ray.init(address=address, include_dashboard=False)
    else:
        ray.init(address="local", num_cpus=2, include_dashboard=False,
                 runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}})


def stripped(cells: list[dict]) -> list[dict]:
    return [{k: v for k, v in c.items() if k not in WHERE_AND_WHEN} for c in cells]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    import emozoo
    from emozoo.bench.provenance import git_commit

    torch.set_num_threads(1)  # the sequential run is "1 worker, one thread", as each worker is
    install_toy()
    config = {"methods": {"toy-mlp": {"hidden": args.hidden, "epochs": args.epochs, "batch_size": 64}},
              "dataset": {"n_per_class": args.n_per_class, "spread": 3.0}}
    load_before = os.getloadavg()[0]
    start_ray(args.ray_address)
    order = list(ENGINES)
    runs, warmup = [], {}
    with tempfile.TemporaryDirectory(prefix="sweep-speed-") as scratch:
        small = {"methods": {"toy-mlp": {"epochs": 1}}, "dataset": {"n_per_class": 30}}
        for name in order:
            address = args.ray_address if ENGINES[name].get("engine") == "ray" else None
            start = time.perf_counter()
            emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=2, config=small, out=Path(scratch) / f"warmup-{len(warmup)}",
                             resume=False, progress=False, address=address, **ENGINES[name])  # fmt: skip
            warmup[name] = round(time.perf_counter() - start, 3)
        for repeat in range(args.repeats):
            for name in order if repeat % 2 == 0 else order[::-1]:
                out = Path(scratch) / f"{repeat}-{name.replace(' ', '-')}"
                address = args.ray_address if ENGINES[name].get("engine") == "ray" else None
                start = time.perf_counter()
                result = emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=args.seeds, config=config, out=out, resume=False,
                                          progress=False, address=address, **ENGINES[name])  # fmt: skip
                wall = time.perf_counter() - start
                cells = stripped(result.cells)
                runs.append({"engine": name, "repeat": repeat, "wall_seconds": round(wall, 3), "cells": len(cells),
                             "cell_seconds": round(sum(c["wall_seconds"] for c in result.cells), 3), "_cells": cells})
                print(f"sweep_speed: repeat {repeat} {name}: {wall:.1f} s for {len(cells)} cells", file=sys.stderr, flush=True)
    import ray

    ray.shutdown()
    reference = next(r["_cells"] for r in runs if r["engine"] == "1 worker")
    identical = all(r.pop("_cells") == reference for r in runs)
    median = {name: statistics.median(r["wall_seconds"] for r in runs if r["engine"] == name) for name in ENGINES}
    speedup = median["1 worker"] / median["2 local workers"]
    overhead = median["2 Ray workers"] / median["2 local workers"]
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_before": round(load_before, 2),
                    "load_average_after": round(os.getloadavg()[0], 2), "torch": torch.__version__},
        "setting": {"method": "toy-mlp", "folds": 2, "seeds": args.seeds, "epochs": args.epochs, "hidden": args.hidden,
                    "n_per_class": args.n_per_class, "repeats": args.repeats, "threads_per_worker": 1, "tiny": args.tiny,
                    "ray": args.ray_address or "local cluster, 2 CPUs, started before the clock"},
        "runs": runs,
        "warmup_seconds": warmup,
        "median_wall_seconds": {k: round(v, 3) for k, v in median.items()},
        "speedup_2_local_vs_1": {"value": round(speedup, 3), "target": f">= {TARGET_SPEEDUP}", "met": speedup >= TARGET_SPEEDUP},
        "ray_over_local_at_2": {"value": round(overhead, 3), "target": f"<= {TARGET_RAY_OVERHEAD}", "met": overhead <= TARGET_RAY_OVERHEAD},
        "cells_identical_to_sequential": identical,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "sweep_speed.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out_dir / "sweep_speed.md").write_text(markdown(report) + "\n")
    print(markdown(report))
    return 0 if identical else 1


def markdown(report: dict) -> str:
    s, m = report["setting"], report["machine"]
    lines = [
        "# Sweep speed: 1 worker vs 2 local workers vs 2 Ray workers", "",
        f"{report['when']}, commit `{(report['commit'] or 'unknown')[:12]}`, {m['cpus']} cores ({m['platform']}), load average "
        f"{m['load_average_before']} before / {m['load_average_after']} after, torch {m['torch']}. Sweep: {s['method']} "
        f"(hidden {s['hidden']}, {s['epochs']} epochs, {s['n_per_class']} per class) x 2 folds x {s['seeds']} seeds = "
        f"{2 * s['seeds']} cells, one thread per worker, {s['repeats']} alternating repeat(s); Ray: {s['ray']}."
        + (" **Tiny smoke setting: the ratios mean nothing.**" if s["tiny"] else ""), "",
        "| engine | median wall s | runs (wall s) | untimed warm-up s |", "|---|---|---|---|",
    ]
    for name, value in report["median_wall_seconds"].items():
        walls = ", ".join(f"{r['wall_seconds']:.1f}" for r in report["runs"] if r["engine"] == name)
        lines.append(f"| {name} | {value:.1f} | {walls} | {report['warmup_seconds'][name]:.1f} |")
    sp, ro = report["speedup_2_local_vs_1"], report["ray_over_local_at_2"]
    lines += ["", f"**2 local workers vs 1: {sp['value']:.2f}x faster** (target {sp['target']}: {'met' if sp['met'] else 'NOT met'}). "
              f"**Ray / local at 2 workers: {ro['value']:.2f}x** (target {ro['target']}: {'met' if ro['met'] else 'NOT met'}). "
              f"Cells identical to the sequential run's: {'yes' if report['cells_identical_to_sequential'] else 'NO'}.",
              "", "Ratios are only meaningful on an otherwise idle machine (see the load averages above)."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
