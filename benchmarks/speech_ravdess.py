"""Speech benchmark on real RAVDESS: three classical baselines and three surveyed generators, side by side.

Every number comes from ``emozoo.benchmark`` on EmoBox's six speaker-independent RAVDESS folds (4 test actors each),
run in four stages that share one data configuration (``benchmarks/configs/speech_ravdess.toml``):

* ``recognition-logmel``: ``speech-cnn`` and ``speech-cnn-specaugment`` on log-mel spectrograms;
* ``recognition-waveform``: ``speech-cnn-signalaug`` on waveforms (it perturbs the signal, then takes the same log-mel);
* ``augmentation-logmel``: ``bagan-ser`` and ``speech-ddpm`` under the augmentation protocol, whose downstream
  classifier (``pooled_cnn``) is the very network of ``speech-cnn`` with the same training settings;
* ``augmentation-egemaps``: ``aae-ser`` (and its semi-supervised preset) on eGeMAPS functionals, downstream logreg and
  a linear SVM, as Sahu et al. classify utterance-level functionals.

Each training fold holds out 2 validation actors and, for the protocol's oracle ceilings, half of each training
actor's utterances (``same-units``: more real data of the training speakers) and 4 more actors (``new-units``: real
data of new speakers); every method of every stage trains on the same reduced set (14 actors x half their
utterances), so the ceilings read against the same reference. Cells are stored as they finish under
``--out/<stage>/cells``: an interrupted run resumes where it stopped. ``--stage cross-corpus`` trains each method once
on fold 1 and tests it on the 12 bundled CREMA-D clips, and writes the spectrogram grids and confusion matrices;
``--stage table`` merges every finished cell into ``--out/results.md`` and ``results.json`` (mean ± std over folds x
seeds, 95 % t-interval over the six folds: the folds' speaker sets are the independent units).

    python benchmarks/speech_ravdess.py --stage all --seeds 0        # one seed on all six folds
    python benchmarks/speech_ravdess.py --stage all --seeds 1,2      # two more seeds (resumes the first)
    python benchmarks/speech_ravdess.py --stage table
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

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "speech"
DEFAULT_CONFIG = ROOT / "benchmarks" / "configs" / "speech_ravdess.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data"

STAGES: dict[str, dict[str, Any]] = {
    "recognition-logmel": {"methods": ["speech-cnn", "speech-cnn-specaugment"], "protocol": "recognition", "frontend": "logmel"},
    "recognition-waveform": {"methods": ["speech-cnn-signalaug"], "protocol": "recognition", "frontend": "waveform"},
    "augmentation-logmel": {"methods": ["bagan-ser", "speech-ddpm"], "protocol": "augmentation", "frontend": "logmel"},
    "augmentation-egemaps": {"methods": ["aae-ser", "aae-ser-semisupervised"], "protocol": "augmentation", "frontend": "egemaps"},
}

#: Outside anchors on the same EmoBox folds (UA %, frozen self-supervised encoders + a small head; EmoBox, Ma et al. 2024).
EMOBOX_ANCHORS: dict[str, float] = {"WavLM-large": 72.00, "HuBERT-large": 70.00, "Whisper-large-v3": 75.32}


def _ints(text: str) -> list[int]:
    """Parse "0,2-3" into [0, 2, 3]."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--stage", default="all", choices=[*STAGES, "cross-corpus", "table", "all"])
    p.add_argument("--seeds", type=_ints, default=[0], help="protocol seeds, e.g. 0 or 0-2")
    p.add_argument("--data-root", type=Path, default=DEFAULT_DATA, help="folder holding ravdess/ and crema-d/")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--only", nargs="+", default=None, help="cross-corpus: re-run these methods only, keeping the others' recorded results")
    p.add_argument("--max-folds", type=int, default=None, help="only the first k folds (smoke runs; not a benchmark)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def load_config(path: Path) -> dict[str, Any]:
    """The benchmark configuration: ``[dataset]``, ``[logmel]``, ``[protocol.*]`` and ``[methods.*]`` tables."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def stage_config(stage: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """The ``emozoo.benchmark`` config of one stage: the shared data options with the stage's front-end."""
    spec = STAGES[stage]
    dataset = {**cfg["dataset"], "frontend": spec["frontend"]}
    if spec["frontend"] == "logmel":
        dataset["logmel"] = dict(cfg["logmel"])
    methods = {m: dict(cfg.get("methods", {}).get(m, {})) for m in spec["methods"]}
    out: dict[str, Any] = {"methods": methods, "dataset": dataset}
    if spec["protocol"] == "augmentation":
        out["protocol"] = dict(cfg["protocol"][spec["frontend"]])
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_stage(stage: str, args: argparse.Namespace, cfg: dict[str, Any]) -> dict[str, Any]:
    """Run (or resume) one stage's cells for ``args.seeds``; returns its timing and peak memory."""
    import emozoo

    spec = STAGES[stage]
    installed = {s.id for s in emozoo.list_methods()}
    methods = [m for m in spec["methods"] if m in installed]
    if not methods:
        print(f"{stage}: none of {spec['methods']} is installed; skipped", file=sys.stderr)
        return {"stage": stage, "skipped": True}
    t0 = time.perf_counter()
    result = emozoo.benchmark(methods, "ravdess", protocol=spec["protocol"], seeds=args.seeds, config=stage_config(stage, cfg),
                              out=args.out / stage, data_dir=str(args.data_root / "ravdess"), device="cpu", max_folds=args.max_folds,
                              progress=not args.quiet)  # fmt: skip
    info = {"stage": stage, "seeds": args.seeds, "wall_seconds": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
            "failed": [f"{c['method']} {c['fold']} seed{c['seed']}: {str((c.get('error') or {}).get('message', c.get('error')))[:200]}"
                       for c in result.failed]}  # fmt: skip
    runs = args.out / "runs.jsonl"
    with runs.open("a", encoding="utf-8") as fh:
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
    if args.stage in ("cross-corpus", "all"):
        from speech_cross_corpus import run_cross_corpus  # benchmarks/speech_cross_corpus.py

        run_cross_corpus(args, cfg)
    if args.stage in ("table", "all"):
        from speech_table import write_table  # benchmarks/speech_table.py

        write_table(args.out, cfg)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
