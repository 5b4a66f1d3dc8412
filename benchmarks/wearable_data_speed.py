"""Stress-Predict data speed: read + align + label + window all 35 subjects vs a plain pandas read of the same files.

Three timings, alternating, medians over ``--repeats`` (process CPU time, robust to other jobs on a shared machine):

* ``plain``: ``pandas.read_csv`` of each subject's BVP, EDA, TEMP, HR and tags (C parser, gzip) into numpy, nothing else;
* ``pipeline``: ``emozoo_wearable.windows.load_subjects(cache=False)``: the same reads with the E4 checks, the time log,
  anti-alias decimation / interpolation to 16 Hz, the label timeline and 60 s / 30 s windows (target <= 1.5x plain);
* ``cached``: ``load_subjects`` again through the window cache (file digests from the stat cache; target >= 20x faster
  than ``pipeline``).

Imports (pandas, scipy.signal: ~1 s once per process) are done before timing. ``--features`` also times
``window_features`` over every window once (NeuroKit2; minutes) and the cached second pass.

    OMP_NUM_THREADS=1 python benchmarks/wearable_data_speed.py [--data-dir ../shared/data/stress-predict] [--repeats 3] [--features]

Writes benchmarks/results/wearable/data_speed.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "wearable"


def _cpu(fn):
    t0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - t0, time.perf_counter() - w0, out


def plain_read(data_dir: Path) -> int:
    """Every subject's signal and tag files read with pandas, no checks, no alignment; returns the sample count."""
    import pandas as pd

    n = 0
    for folder in sorted((data_dir / "raw").glob("S*")):
        for name in ("BVP", "EDA", "TEMP", "HR", f"tags_{folder.name}"):
            a = pd.read_csv(folder / f"{name}.csv.gz", header=None).to_numpy()
            n += len(a)
    return n


def main() -> None:
    """Run the timings and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "stress-predict"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--features", action="store_true")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    import pandas  # noqa: F401 - imports out of the timing
    import scipy.signal  # noqa: F401

    from emozoo_wearable.windows import WindowConfig, load_subjects

    data_dir = Path(args.data_dir)
    os.environ["EMOZOO_CACHE"] = tempfile.mkdtemp(prefix="wearable-speed-")  # a fresh, private cache
    plain, pipe, cached = [], [], []
    stats: dict = {}
    subs = None
    for _ in range(args.repeats):
        plain.append(_cpu(lambda: plain_read(data_dir))[:2])
        pipe.append(_cpu(lambda: load_subjects(data_dir, WindowConfig(), cache=False))[:2])
        if subs is None:
            subs = load_subjects(data_dir, WindowConfig(), stats=stats)  # fills the cache
            time.sleep(2.1)  # the stat cache records files hashed at least 2 s after their last change
        c = _cpu(lambda: load_subjects(data_dir, WindowConfig(), stats=stats))
        cached.append(c[:2])
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    counts = sum(np.bincount(s.labels, minlength=2) for s in subs)
    res = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.machine(),
        "python": platform.python_version(), "threads": 1, "repeats": args.repeats, "subjects": len(subs),
        "windows": int(counts.sum()), "windows_per_class": {"no_stress": int(counts[0]), "stress": int(counts[1])},
        "config": WindowConfig().to_dict(),
        "cpu_s": {"plain_pandas_read": med(plain, 0), "pipeline_uncached": med(pipe, 0), "pipeline_cached": med(cached, 0)},
        "wall_s": {"plain_pandas_read": med(plain, 1), "pipeline_uncached": med(pipe, 1), "pipeline_cached": med(cached, 1)},
    }
    res["ratio_pipeline_vs_plain"] = res["cpu_s"]["pipeline_uncached"] / res["cpu_s"]["plain_pandas_read"]
    res["speedup_cached"] = res["cpu_s"]["pipeline_uncached"] / res["cpu_s"]["pipeline_cached"]
    res["targets"] = {"pipeline_vs_plain<=1.5": res["ratio_pipeline_vs_plain"] <= 1.5, "cached_speedup>=20": res["speedup_cached"] >= 20}
    if args.features:
        from emozoo_wearable.adapters import subject_features

        first = _cpu(lambda: [subject_features(s, 16) for s in subs])
        second = _cpu(lambda: [subject_features(s, 16) for s in subs])
        feats = np.concatenate(first[2])
        res["features"] = {"measured": res["date"], "cpu_s_first": first[0], "wall_s_first": first[1], "cpu_s_cached": second[0],
                           "ms_per_window": 1000 * first[0] / len(feats), "nan_share_per_feature": np.isnan(feats).mean(0).round(4).tolist()}
    elif (RESULTS / "data_speed.json").is_file():  # keep the last feature timing (minutes to redo), marked as such
        old = json.loads((RESULTS / "data_speed.json").read_text()).get("features")
        if old:
            res["features"] = {**old, "measured": old.get("measured", "an earlier --features run")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "data_speed.json").write_text(json.dumps(res, indent=2) + "\n")
    c = res["cpu_s"]
    md = [
        "# Stress-Predict data speed (1 CPU thread, process CPU seconds, medians)", "",
        f"{res['subjects']} subjects, {res['windows']} windows of [4, 960] ({counts[0]} no stress, {counts[1]} stress); {res['date']}", "",
        "| step | CPU s | wall s |", "|---|---|---|",
        *[f"| {k} | {c[k]:.3f} | {res['wall_s'][k]:.3f} |" for k in c], "",
        f"pipeline / plain read: **{res['ratio_pipeline_vs_plain']:.2f}x** (target <= 1.5); cached speed-up: "
        f"**{res['speedup_cached']:.1f}x** (target >= 20).",
    ]
    if "features" in res:
        f = res["features"]
        md += ["", f"window_features over all windows: {f['cpu_s_first']:.1f} CPU s ({f['ms_per_window']:.1f} ms/window); "
               f"cached second pass {f['cpu_s_cached']:.2f} s."]
    (RESULTS / "data_speed.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
