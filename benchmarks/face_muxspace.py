"""Face benchmark on the real muxspace set: three FER CNN baselines and three surveyed generators, side by side.

Every number comes from ``emozoo.benchmark`` on the set's person-grouped stratified folds
(``benchmarks/configs/face_muxspace.toml``), in two stages that share one data configuration:

* ``recognition``: ``fer-cnn`` (no augmentation), ``fer-cnn-classicaug`` (flip, crop, rotation, brightness /
  contrast) and ``fer-cnn-rebalanced`` (class rebalancing), with per-class recall;
* ``augmentation``: ``acgan-fer`` [217], ``laun-stargan`` [191] and ``semantic-aug-fer`` [47] under the augmentation
  protocol, whose downstream classifier (``pooled_cnn``) is the very network of ``fer-cnn`` with the same training
  settings: synthetic:real ratios, train-on-synthetic (TSTR), the tail-only setting against random oversampling of the
  same tail classes to the same counts, the noise baseline, both oracle ceilings, and FID / KID in the feature space
  of the real-only CNN (no Inception weights here).

Each fold holds out a person-disjoint validation split and, for the ceilings, a quarter of the remaining training
people (``new_units``) and half of each remaining person's repeated images per class (``same_units``); every method
of both stages trains on what is left, so the ceilings read against the same reference. Cells are stored as they
finish under ``--out/<stage>/cells``: an interrupted run resumes. During the augmentation stage the first fold and
seed keep a few generated images per class (``--out/generated/<method>.npz``, generated only: no real face is ever
written) for ``--stage pictures``; ``--stage table`` merges every finished cell into ``--out/results.md``.

    python benchmarks/face_muxspace.py --stage recognition --seeds 0-2
    python benchmarks/face_muxspace.py --stage augmentation --seeds 0 --folds 1-3
    python benchmarks/face_muxspace.py --stage pictures
    python benchmarks/face_muxspace.py --stage table
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "face"
DEFAULT_CONFIG = ROOT / "benchmarks" / "configs" / "face_muxspace.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "facial-expressions-muxspace"

STAGES: dict[str, dict[str, Any]] = {
    "recognition": {"methods": ["fer-cnn", "fer-cnn-classicaug", "fer-cnn-rebalanced"], "protocol": "recognition"},
    "augmentation": {"methods": ["acgan-fer", "laun-stargan", "semantic-aug-fer"], "protocol": "augmentation"},
}
KEEP_PER_CLASS = 8  # generated images kept per class for the pictures


def _ints(text: str) -> list[int]:
    """Parse "0,2-3" into [0, 2, 3]."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--stage", default="all", choices=[*STAGES, "pictures", "table", "all"])
    p.add_argument("--seeds", type=_ints, default=[0], help="protocol seeds, e.g. 0 or 0-2")
    p.add_argument("--folds", type=_ints, default=None, help="fold numbers, e.g. 1-3 (default: all)")
    p.add_argument("--only", nargs="+", default=None, help="these methods of the stage only")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def load_config(path: Path) -> dict[str, Any]:
    """``[dataset]``, ``[protocol.recognition]``, ``[protocol.augmentation]`` and ``[methods.*]``."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def stage_config(stage: str, cfg: dict[str, Any], folds: list[int] | None, methods: list[str]) -> dict[str, Any]:
    """The ``emozoo.benchmark`` config of one stage: the shared data options, the stage's protocol options."""
    dataset = dict(cfg["dataset"], **({"folds": folds} if folds else {}))
    return {"methods": {m: dict(cfg.get("methods", {}).get(m, {})) for m in methods}, "dataset": dataset,
            "protocol": dict(cfg["protocol"].get(stage, {}))}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Keeper:
    """Wraps the protocol's per-class generation to keep the first fold's first ``per_class`` samples of each class
    (generated only; images here, wrist windows in benchmarks/wearable_stress.py), and, for a translating generator,
    one translation strip."""

    def __init__(self, out: Path, per_class: int = KEEP_PER_CLASS) -> None:
        self.out, self.per_class = out, per_class
        self.kept: dict[str, dict[int, np.ndarray]] = {}

    def install(self) -> None:
        from emozoo.bench.protocols import augmentation

        original = augmentation._generate_class
        keeper = self

        def wrapped(model: Any, n: int, label: int, seed: int, sample_shape: tuple[int, ...], name: str) -> Any:
            feats = original(model, n, label, seed, sample_shape, name)
            keeper.keep(name, model, label, feats)
            return feats

        augmentation._generate_class = wrapped

    def keep(self, method: str, model: Any, label: int, feats: Any) -> None:
        path = self.out / "generated" / f"{method}.npz"
        if path.exists() and method not in self.kept:
            return  # kept by an earlier run (the first fold and seed)
        classes = self.kept.setdefault(method, {})
        if label in classes:
            return
        classes[label] = feats[: self.per_class].detach().cpu().numpy().astype(np.float32)
        if len(classes) == int(model.config.num_classes):
            extra = {}
            if callable(getattr(model, "translate", None)):
                extra["strip"] = _strip(model)
            _save_npz(path, {f"class{c}": v for c, v in sorted(classes.items())} | extra)


def _strip(model: Any, n: int = 4) -> np.ndarray:
    """[n, classes, C, H, W]: ``n`` of the model's in-memory source faces (drawn by a fixed seed) translated into every
    class. Only the translations are kept; the sources themselves are never written."""
    import torch

    pool = getattr(model, "_pool", None)  # the source-class training faces a translating generator holds in memory
    if pool is None or not len(pool):
        raise RuntimeError(f"{type(model).__name__} holds no source faces to translate")
    sources = pool[torch.randint(len(pool), (n,), generator=torch.Generator().manual_seed(123))]
    k = int(model.config.num_classes)
    return torch.stack([model.translate(sources, c) for c in range(k)], 1).detach().float().cpu().numpy()


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    import io

    from emozoo._fileio import atomic_write_bytes

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())


def run_stage(stage: str, args: argparse.Namespace, cfg: dict[str, Any]) -> dict[str, Any]:
    """Run (or resume) one stage's cells for ``args.seeds``; returns its timing and peak memory."""
    import emozoo

    spec = STAGES[stage]
    installed = {s.id for s in emozoo.list_methods()}
    methods = [m for m in spec["methods"] if m in installed and (args.only is None or m in args.only)]
    if not methods:
        print(f"{stage}: none of {spec['methods']} is installed; skipped", file=sys.stderr)
        return {"stage": stage, "skipped": True}
    if stage == "augmentation":
        _Keeper(args.out).install()
    t0 = time.perf_counter()
    result = emozoo.benchmark(methods, "muxspace-faces", protocol=spec["protocol"], seeds=args.seeds,
                              config=stage_config(stage, cfg, args.folds, methods), out=args.out / stage,
                              data_dir=str(args.data_dir), device="cpu", progress=not args.quiet)  # fmt: skip
    info = {"stage": stage, "methods": methods, "seeds": args.seeds, "folds": args.folds, "wall_seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "failed": [f"{c['method']} {c['fold']} seed{c['seed']}: {str((c.get('error') or {}).get('message', c.get('error')))[:200]}"
                       for c in result.failed]}  # fmt: skip
    with (args.out / "runs.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**info, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
    print(json.dumps(info), file=sys.stderr)
    return info


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    cfg = load_config(args.config)
    args.out.mkdir(parents=True, exist_ok=True)
    stages = list(STAGES) if args.stage == "all" else [args.stage] if args.stage in STAGES else []
    for stage in stages:
        run_stage(stage, args, cfg)
    if args.stage in ("pictures", "all"):
        from face_pictures import write_pictures  # benchmarks/face_pictures.py

        write_pictures(args.out)
    if args.stage in ("table", "all"):
        from face_table import write_table  # benchmarks/face_table.py

        write_table(args.out, cfg)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
