"""Wrist-physiology benchmark on real Stress-Predict (Empatica E4): feature and 1-D CNN baselines and three surveyed
generators, side by side (issue #17).

Every number comes from ``emozoo.benchmark`` on subject-disjoint folds (``benchmarks/configs/wearable_stress.toml``:
leave-one-subject-out, or the subject-grouped 5-fold CPU fallback), in two stages sharing one data configuration:

* ``recognition``: ``wearable-logreg`` / ``wearable-gbt`` (NeuroKit2 features) and ``wearable-cnn1d`` (Wang et al.'s FCN
  on raw windows), each with and without jitter / scaling / time warping, with the stress class's F1 and AUROC;
* ``augmentation``: ``biosignal-gan`` [269], ``cwgan-wrist`` [264] and ``physio-ddpm`` [274] under the augmentation
  protocol, whose downstream classifier (``fcn1d``) is the very network of ``wearable-cnn1d``: synthetic:real ratios,
  train-on-synthetic, the noise baseline, both oracle ceilings, FID / KID in the real-only FCN's feature space.

Cells are stored as they finish under ``--out/<stage>/cells``: an interrupted run resumes. During the augmentation
stage the first fold and seed keep up to 256 generated windows per class of every generator
(``--out/generated/<method>.npz``, gitignored) for ``benchmarks/wearable_pictures.py``: pictures and the per-channel
distribution checks (spectra, autocorrelation, MMD) against the same fold's real training windows.

    python benchmarks/wearable_stress.py --stage recognition --seeds 0-2
    python benchmarks/wearable_stress.py --stage augmentation --seeds 0 --folds 1-2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from face_muxspace import _ints, _Keeper, load_config, peak_rss_mb  # benchmarks/face_muxspace.py

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "wearable"
DEFAULT_CONFIG = ROOT / "benchmarks" / "configs" / "wearable_stress.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "stress-predict"

STAGES: dict[str, dict[str, Any]] = {
    "recognition": {"methods": ["wearable-logreg", "wearable-logreg-aug", "wearable-gbt", "wearable-gbt-aug", "wearable-cnn1d",
                                "wearable-cnn1d-aug"], "protocol": "recognition"},
    "augmentation": {"methods": ["biosignal-gan", "cwgan-wrist", "physio-ddpm"], "protocol": "augmentation"},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--stage", default="recognition", choices=list(STAGES))
    p.add_argument("--seeds", type=_ints, default=[0], help="protocol seeds, e.g. 0 or 0-2")
    p.add_argument("--folds", type=_ints, default=None, help="fold numbers (kfold) or subject numbers (loso), e.g. 1-3")
    p.add_argument("--split", choices=["kfold", "loso"], default=None,
                   help="override the config's split; a loso run writes to --out/<stage>-loso")
    p.add_argument("--frontend", choices=["raw", "features"], default=None,
                   help="override the config's frontend ('features': the adapter's cached NeuroKit2 features, for the feature baselines)")
    p.add_argument("--only", nargs="+", default=None, help="these methods of the stage only")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


KEEP_PER_CLASS = 256  # generated windows kept per class (first fold and seed) for the distribution checks


def stage_config(stage: str, cfg: dict[str, Any], folds: list[int] | None, methods: list[str], split: str | None = None,
                 frontend: str | None = None) -> dict[str, Any]:
    """The ``emozoo.benchmark`` config of one stage: the shared data options, the stage's protocol options."""
    overrides = {k: v for k, v in (("folds", folds), ("split", split), ("frontend", frontend)) if v}
    dataset = dict(cfg["dataset"], **overrides)
    return {"methods": {m: dict(cfg.get("methods", {}).get(m, {})) for m in methods}, "dataset": dataset,
            "protocol": dict(cfg["protocol"].get(stage, {}))}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    import emozoo

    torch.set_num_threads(args.threads)
    cfg = load_config(args.config)
    spec = STAGES[args.stage]
    installed = {s.id for s in emozoo.list_methods()}
    methods = [m for m in spec["methods"] if m in installed and (args.only is None or m in args.only)]
    if not methods:
        print(f"{args.stage}: none of {spec['methods']} is installed", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    stage_dir = args.out / (f"{args.stage}-loso" if args.split == "loso" else args.stage)
    if args.stage == "augmentation":
        _Keeper(args.out, per_class=KEEP_PER_CLASS).install()
    t0 = time.perf_counter()
    result = emozoo.benchmark(methods, "stress-predict", protocol=spec["protocol"], seeds=args.seeds,
                              config=stage_config(args.stage, cfg, args.folds, methods, args.split, args.frontend), out=stage_dir,
                              data_dir=str(args.data_dir), device="cpu", progress=not args.quiet)  # fmt: skip
    info = {"stage": args.stage, "split": args.split or cfg["dataset"].get("split"), "methods": methods, "seeds": args.seeds, "folds": args.folds, "wall_seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1), "failed": [f"{c['method']} {c['fold']} seed{c['seed']}" for c in result.failed]}
    with (args.out / "runs.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**info, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
