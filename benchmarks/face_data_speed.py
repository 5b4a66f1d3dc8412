"""Face data loading speed: ``emozoo_face.dataset.load_faces`` (checked read + identity rule) against ``numpy.load``
of the same npz alone, alternating in one run, medians; plus the fold construction of the adapter, for reference.

Target: the data set loads from its npz in under a second on a warm cache (the npz's sha256 comes from emozoo's hash
cache, re-read only when the file changed). Writes ``benchmarks/results/face/data_speed.json`` and ``.md``.

    OMP_NUM_THREADS=1 python benchmarks/face_data_speed.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "facial-expressions-muxspace"
OUT = ROOT / "benchmarks" / "results" / "face"


def _numpy_only(path: Path) -> float:
    start = time.perf_counter()
    with np.load(path, allow_pickle=False) as npz:
        for key in ("images", "labels", "label_names", "filenames"):
            npz[key]
    return time.perf_counter() - start


def _plugin(folder: Path) -> float:
    from emozoo_face.adapters import _digest
    from emozoo_face.dataset import load_faces

    start = time.perf_counter()
    faces = load_faces(folder)
    _digest(faces.path)  # the manifest's data digest, from the warm hash cache
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    p.add_argument("--repeats", type=int, default=9)
    args = p.parse_args(argv)
    path = args.data_dir / "faces_48x48.npz"
    _plugin(args.data_dir)  # warm: the hash cache entry and the OS page cache
    plain, ours = [], []
    for _ in range(args.repeats):
        plain.append(_numpy_only(path))
        ours.append(_plugin(args.data_dir))
    from emozoo_face.adapters import MuxspaceFacesAdapter

    start = time.perf_counter()
    next(MuxspaceFacesAdapter().folds(data_dir=args.data_dir, protocol="augmentation", folds=[1], ceilings=True))
    fold_s = time.perf_counter() - start
    result = {
        "numpy_load_s": statistics.median(plain), "load_faces_warm_s": statistics.median(ours),
        "ratio": statistics.median(ours) / statistics.median(plain), "target_s": 1.0,
        "met": statistics.median(ours) < 1.0, "first_fold_with_ceilings_s": fold_s, "repeats": args.repeats,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "data_speed.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# Face data loading speed (benchmarks/face_data_speed.py)", "",
        f"Medians of {args.repeats} alternating runs on {result['machine']}.", "",
        "| what | seconds |", "|---|---|",
        f"| `numpy.load` of the npz, all four arrays | {result['numpy_load_s']:.3f} |",
        f"| `load_faces` (checked read, identity rule, data digest from the warm hash cache) | {result['load_faces_warm_s']:.3f} |",
        f"| ratio | {result['ratio']:.2f}x |",
        f"| first fold with ceilings (3 person-grouped splits, image conversion; for reference) | {fold_s:.2f} |", "",
        f"Target (< 1 s on a warm cache): {'met' if result['met'] else 'NOT met'}.", "",
    ]
    (OUT / "data_speed.md").write_text("\n".join(md), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
