"""Leaderboard build time: ``emozoo leaderboard`` from every recorded results.json, against the issue's 5 s target.

Three ways, each repeated and reported as the median:

* cold: a fresh ``emozoo leaderboard --results benchmarks/results --out <empty folder>`` process (interpreter start,
  imports, reading every results.json, copying every image and card, writing both pages): what a person waits for;
* fresh folder: ``build_leaderboard`` in one process into an empty folder (no start-up; every file copied);
* rebuild: ``build_leaderboard`` into the folder of the previous build (unchanged images and cards are not rewritten).

    python benchmarks/leaderboard_speed.py [--runs 7] [--out benchmarks/results/leaderboard_speed]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
TARGET_S = 5.0


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(runs: int, scratch: Path) -> dict:
    from emozoo.leaderboard import build_leaderboard

    emozoo = shutil.which("emozoo", path=str(Path(sys.executable).parent)) or "emozoo"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def cold(i: int) -> None:
        subprocess.run([emozoo, "leaderboard", "--results", str(RESULTS), "--out", str(scratch / f"cold-{i}")], check=True,
                       capture_output=True, env=env)  # fmt: skip

    board = build_leaderboard([RESULTS], scratch / "warmup")  # imports and the OS file cache warmed, not counted
    times: dict[str, list[float]] = {"cold": [], "fresh": [], "rebuild": []}
    for i in range(runs):
        times["cold"].append(timed(lambda: cold(i)))
        times["fresh"].append(timed(lambda: build_leaderboard([RESULTS], scratch / f"fresh-{i}")))
        times["rebuild"].append(timed(lambda: build_leaderboard([RESULTS], scratch / "warmup")))
    files = [p for p in (scratch / "warmup").rglob("*") if p.is_file()]
    return {
        "runs": runs, "target_s": TARGET_S,
        **{f"{k}_median_s": round(statistics.median(v), 4) for k, v in times.items()},
        **{f"{k}_max_s": round(max(v), 4) for k, v in times.items()},
        "datasets": board.datasets, "rows": board.rows, "images": board.images, "results": board.results,
        "files_written": len(files), "bytes_written": sum(p.stat().st_size for p in files),
    }  # fmt: skip


def markdown(r: dict) -> str:
    met = r["cold_median_s"] < r["target_s"]
    return "\n".join([
        "# Leaderboard build time",
        "",
        f"Measured {r['date']} on {r['cpus']} CPUs shared with other jobs (`python benchmarks/leaderboard_speed.py`), Python "
        f"{r['python']}; medians (and maxima) of {r['runs']} runs. The build reads {r['results']} results.json files and writes "
        f"{r['datasets']} data sets, {r['rows']} rows and {r['images']} images: {r['files_written']} files, "
        f"{r['bytes_written'] / 1e6:.1f} MB.",
        "",
        "| way | median (s) | max (s) | target |",
        "|---|---|---|---|",
        f"| cold: a fresh `emozoo leaderboard` process into an empty folder | {r['cold_median_s']:.3f} | {r['cold_max_s']:.3f} "
        f"| < {r['target_s']:g} s |",
        f"| `build_leaderboard` into an empty folder | {r['fresh_median_s']:.3f} | {r['fresh_max_s']:.3f} | |",
        f"| `build_leaderboard` over the previous build | {r['rebuild_median_s']:.3f} | {r['rebuild_max_s']:.3f} | |",
        "",
        f"Target ({r['target_s']:g} s for building the leaderboard from all recorded results, cold): **{'met' if met else 'NOT met'}**.",
        "",
    ])  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "leaderboard_speed", help="path without suffix")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaderboard-speed-") as scratch:
        result = measure(args.runs, Path(scratch))
    result.update(date=date.today().isoformat(), cpus=os.cpu_count(), python=platform.python_version())
    from emozoo._fileio import atomic_write_text

    atomic_write_text(args.out.with_suffix(".json"), json.dumps(result, indent=2, sort_keys=True) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), markdown(result))
    print(markdown(result))
    return 0 if result["cold_median_s"] < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
