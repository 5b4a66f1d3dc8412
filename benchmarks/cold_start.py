"""Cold start of `emozoo list` (every installed plugin) against a reference command, side by side in one run.

Target (core issue): `emozoo list` <= 0.3 s wall on a 2-core machine. The reference is
`python -c "import timm; timm.list_models()"` when timm is installed, else `python -c "import torch"`.
Runs alternate between the two commands so machine noise hits both alike; medians are recorded.

    python benchmarks/cold_start.py [--runs 15] [--out benchmarks/results/cold_start]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "cold_start"))
    args = parser.parse_args()

    emozoo_cmd = [str(Path(sys.executable).with_name("emozoo")), "list"]
    if importlib.util.find_spec("timm") is not None:
        ref_name, ref_cmd = "import timm; timm.list_models()", [sys.executable, "-c", "import timm; timm.list_models()"]
    else:
        ref_name, ref_cmd = "import torch", [sys.executable, "-c", "import torch"]
    for cmd in (emozoo_cmd, ref_cmd):  # warm the OS file cache once; Python's bytecode caches too
        _time(cmd)
    ours, ref = [], []
    for _ in range(args.runs):
        ours.append(_time(emozoo_cmd))
        ref.append(_time(ref_cmd))

    listed = subprocess.run([*emozoo_cmd, "--json"], capture_output=True, text=True, check=True)
    doctor = json.loads(subprocess.run([emozoo_cmd[0], "doctor", "--json"], capture_output=True, text=True).stdout)
    result = {
        "benchmark": "emozoo list cold start",
        "runs": args.runs,
        "emozoo_list_median_s": round(statistics.median(ours), 4),
        "emozoo_list_min_s": round(min(ours), 4),
        "reference": ref_name,
        "reference_median_s": round(statistics.median(ref), 4),
        "ratio_emozoo_over_reference": round(statistics.median(ours) / statistics.median(ref), 3),
        "target_s": 0.3,
        "meets_target": statistics.median(ours) <= 0.3,
        "methods_listed": len(json.loads(listed.stdout)),
        "plugins": [f"{p['distribution']} {p['version']}" for p in doctor["plugins"]],
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    md = [
        "# `emozoo list` cold start",
        "",
        f"Measured {result['date']} on {result['machine']['cpus']} CPUs, Python {result['machine']['python']}, "
        f"{args.runs} alternating runs each, medians (`python benchmarks/cold_start.py`).",
        "",
        "| command | median wall (s) |",
        "|---|---|",
        f"| `emozoo list` ({result['methods_listed']} methods, plugins: {', '.join(result['plugins']) or 'none'}) | {result['emozoo_list_median_s']} |",
        f"| `python -c \"{ref_name}\"` | {result['reference_median_s']} |",
        "",
        f"Ratio emozoo / reference: **{result['ratio_emozoo_over_reference']}**; target <= 0.3 s: "
        f"**{'met' if result['meets_target'] else 'NOT met'}**.",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
