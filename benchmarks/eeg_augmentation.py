"""EEG augmentation benchmark: VAE-D2GAN and cWGAN side by side under emozoo's augmentation protocol on SEED.

For every subject (session 1, SEED's subject-dependent split: first 9 trials train, last 6 test; features z-scored
per subject with train statistics) and seed, each generator is fitted on the real training windows; the protocol's
fixed classifiers (mlp, svm, and a cnn on 9 x 9 topographic maps) are trained on real data, real + synthetic data
at several synthetic:real ratios, synthetic data only, and real + Gaussian-noise copies, and tested on the real test
trials (:mod:`emozoo.protocols.augmentation`).

    python benchmarks/eeg_augmentation.py                        # synthetic SEED-format data (NOT real SEED)
    python benchmarks/eeg_augmentation.py --data-dir /data/SEED/ExtractedFeatures --subjects 1-15 --classifier-epochs-scale 1

Without ``--data-dir`` the script writes synthetic data in SEED's exact file format (``emozoo_eeg.synthetic``) to
a temporary folder, because SEED may not be redistributed; every output then says, loudly, that the data is NOT
real and that the numbers say nothing about SEED. Writes ``results.json`` and ``results.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "eeg_augmentation"

#: The survey's Table 11 numbers (ACC %, SEED) and where they come from.
PAPERS: dict[str, dict[str, Any]] = {
    "vae-d2gan": {"acc": 92.5, "source": "Bao et al. 2021, survey ref. 265, Table 11 (SEED / SEED-IV: 92.5 / 82.3)"},
    "cwgan": {"acc": 86.96, "source": "Luo & Lu 2018, survey ref. 264, Table 11"},
}
PAPER_DATA = "real SEED (15 subjects x 3 sessions, 62-channel DE features); the survey does not state the split or classifier"

#: Generator config fields scaled by --epochs-scale (when the method's config has them).
SCALED_FIELDS = ("epochs", "judge_epochs")
#: The plugins' own downstream classifier is not what the protocol scores (it trains its own), so it trains 1 epoch.
UNUSED_HEAD = {"classifier_epochs": 1}

NOT_REAL = (
    "WARNING: SYNTHETIC DATA, NOT REAL SEED. These numbers were measured on synthetic features written in SEED's file "
    "format by emozoo_eeg.synthetic.write_synthetic_seed; they say nothing about SEED or about the papers' results."
)


def _ints(text: str) -> list[int]:
    """Parse "1,3,5-7" into [1, 3, 5, 6, 7]."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=None, help="SEED ExtractedFeatures folder; default: synthetic SEED-format data (NOT real)")
    p.add_argument("--methods", nargs="+", default=["vae-d2gan", "cwgan"], help="installed generating methods to compare")
    p.add_argument("--subjects", type=_ints, default=None, help="subjects, e.g. 1-15 or 1,2,3 (default: 1-3 synthetic, all real)")
    p.add_argument("--session", type=int, default=1, help="session used for the subject-dependent split")
    p.add_argument("--seeds", type=_ints, default=[0], help="protocol seeds, e.g. 0-2")
    p.add_argument("--ratios", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0], help="synthetic:real ratios per class")
    p.add_argument("--classifiers", nargs="+", default=["mlp", "svm", "cnn"], choices=["mlp", "svm", "cnn"])
    p.add_argument("--epochs-scale", type=float, default=1.0,
                   help="multiplies the generators' epochs (their config defaults; cWGAN's quality selection fails when too short)")
    p.add_argument("--classifier-epochs-scale", type=float, default=0.3,
                   help="multiplies the protocol classifiers' epochs (mlp/svm 50, cnn 30); 1 = the protocol defaults")
    p.add_argument("--feature", default="de_LDS", choices=["de_LDS", "de_movingAve"], help="SEED feature key")
    p.add_argument("--no-normalize", action="store_true", help="skip per-subject z-scoring (train statistics)")
    p.add_argument("--device", default="cpu", help="emozoo Runtime device (cpu, cuda, auto)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest for these small models)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return p.parse_args(argv)


@dataclass(frozen=True)
class Fold:
    """One subject-dependent split after normalisation (what run_augmentation iterates over)."""

    fold: str
    train: Any
    test: Any
    manifest: Any


def iter_folds(corpus: Any, subjects: list[int], session: int, normalize: bool) -> Iterator[Fold]:
    """SEED subject-dependent splits per subject, z-scored with the subject's train statistics."""
    from emozoo_eeg.protocols import SubjectNormalizer, subject_dependent

    for subject in subjects:
        split = subject_dependent(corpus, subject, session)
        train, test = split.train, split.test
        if normalize:
            norm = SubjectNormalizer().fit(train)
            train, test = norm.transform(train), norm.transform(test)
        yield Fold(split.manifest.fold or f"s{subject}-e{session}", train, test, split.manifest)


def scaled(value: int, scale: float) -> int:
    """``round(value * scale)``, at least 1."""
    return max(1, round(value * scale))


def generator_overrides(method: str, scale: float) -> dict[str, Any]:
    """Config overrides for one method: scaled epoch fields and the unused head cut to one epoch."""
    import emozoo

    config = emozoo.get_spec(method).load_config_class()()
    fields = {f.name for f in dataclasses.fields(config)}
    out = {name: scaled(getattr(config, name), scale) for name in SCALED_FIELDS if name in fields}
    out.update({k: v for k, v in UNUSED_HEAD.items() if k in fields})
    return out


def make_factory(method: str, overrides: dict[str, Any], device: str) -> Any:
    """``factory(seed=, epochs=)`` building ``method`` with ``overrides`` and the protocol seed."""
    import emozoo

    def factory(*, seed: int, epochs: int | None) -> Any:
        extra = {"epochs": epochs} if epochs is not None else {}
        model = emozoo.load(method, **{**overrides, **extra, "seed": seed})
        return model.to(device) if device != "auto" else model

    return factory


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _versions(methods: list[str]) -> dict[str, str]:
    from importlib import metadata

    import torch

    import emozoo

    out = {"python": platform.python_version(), "torch": torch.__version__, "emozoo": emozoo.__version__}
    for dist in ["emozoo-eeg", *(emozoo.get_spec(m).plugin or "" for m in methods)]:
        if dist:
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                out[dist] = "not installed"
    return out


def paper_rows(result: Any, methods: list[str]) -> list[dict[str, Any]]:
    """Per method: the paper's number, our best real+synthetic accuracy (and where), real-only with that classifier, gap."""
    rows = []
    cells = [a for a in result.aggregates if a["condition"] == "real+synthetic"]
    for method in methods:
        mine = [a for a in cells if a["method"] == method]
        best = max(mine, key=lambda a: a["mean"]) if mine else None
        real = result.cell(method, "real", 0.0, best["classifier"]) if best else None
        paper = PAPERS.get(method, {}).get("acc")
        ours = 100 * best["mean"] if best else None
        rows.append({
            "method": method, "paper_acc": paper, "paper_source": PAPERS.get(method, {}).get("source"),
            "ours_acc": ours, "ours_std": 100 * best["std"] if best else None,
            "ours_classifier": best["classifier"] if best else None, "ours_ratio": best["ratio"] if best else None,
            "ours_real_only_acc": 100 * real["mean"] if real else None,
            "gap": (ours - paper) if ours is not None and paper is not None else None,
        })  # fmt: skip
    return rows


def _fmt(x: float | None, sign: bool = False) -> str:
    return "–" if x is None else (f"{x:+.2f}" if sign else f"{x:.2f}")


def render_markdown(payload: dict[str, Any], result: Any) -> str:
    """results.md: the data warning, the paper / ours / gap table, the protocol table, provenance."""
    data, synthetic = payload["data"], payload["data"]["synthetic"]
    lines = ["# EEG augmentation benchmark (SEED protocol): VAE-D2GAN vs cWGAN", ""]
    if synthetic:
        lines += [f"> **{NOT_REAL}**", ""]
    setup = (
        f"Data: {data['description']}. Protocol: subject-dependent (first 9 trials train, last 6 test), session "
        f"{data['session']}, subjects {data['subjects']}, seeds {payload['config']['seeds']}; features "
        f"{'z-scored per subject with train statistics' if data['normalized'] else 'raw'}. Generators trained for "
        f"`--epochs-scale {payload['config']['epochs_scale']}` x their default epochs ({payload['generator_overrides']}); "
        f"protocol classifiers for `--classifier-epochs-scale {payload['config']['classifier_epochs_scale']}` x theirs "
        f"({payload['classifier_epochs']})."
    )
    lines += [
        setup,
        "",
        "## Paper / ours / gap",
        "",
        "| method | paper ACC (%) | ours: best real+synthetic ACC (%) | classifier, ratio | ours: real only (%) | gap (pp) |",
        "|---|---|---|---|---|---|",
    ]
    for r in payload["paper_comparison"]:
        where = f"{r['ours_classifier']}, {r['ours_ratio']:g}" if r["ours_classifier"] else "–"
        lines.append(f"| {r['method']} | {_fmt(r['paper_acc'])} | {_fmt(r['ours_acc'])} ± {_fmt(r['ours_std'])} | {where} | "
                     f"{_fmt(r['ours_real_only_acc'])} | {_fmt(r['gap'], sign=True)} |")  # fmt: skip
    lines += [
        "",
        (f"Data difference: the papers used {PAPER_DATA}; ours: {data['description']}."
         + (" The gap therefore measures nothing about the methods: the data is synthetic." if synthetic else "")),
        "",
        "## Protocol table",
        "",
        result.to_markdown(note=NOT_REAL if synthetic else None).rstrip("\n"),
        "",
        "## Provenance",
        "",
        f"git commit `{payload['environment']['git_commit']}`, device `{payload['environment']['device']}`, "
        f"torch threads {payload['environment']['torch_threads']}, wall time {payload['seconds']:.0f} s; versions: "
        + ", ".join(f"{k} {v}" for k, v in payload["environment"]["versions"].items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch
    from emozoo_eeg.formats import read_seed
    from emozoo_eeg.layout import to_grid
    from emozoo_eeg.synthetic import NOTICE, write_synthetic_seed

    from emozoo.protocols.augmentation import AugmentationProtocol, run_augmentation
    from emozoo.runtime import Runtime

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="emozoo-synthetic-seed-") as tmp:
        if args.data_dir is None:
            subjects = args.subjects or [1, 2, 3]
            print(f"[eeg_augmentation] {NOT_REAL}", file=sys.stderr)
            data_dir = write_synthetic_seed(tmp, n_subjects=max(subjects), n_sessions=args.session, seed=0)
        else:
            data_dir = args.data_dir
        corpus = read_seed(data_dir, feature=args.feature, subjects=args.subjects)
        subjects = args.subjects or list(corpus.subjects)
        synthetic = bool(corpus.synthetic)
        if synthetic and args.data_dir is not None:
            print(f"[eeg_augmentation] {NOT_REAL} (the files in --data-dir carry the synthetic notice)", file=sys.stderr)
        description = (
            f"SYNTHETIC SEED-format features (NOT real SEED; {NOTICE})" if synthetic
            else f"SEED ExtractedFeatures from {str(data_dir)!r} ({args.feature})"
        )
        base = AugmentationProtocol()
        settings = {k: dataclasses.replace(s, epochs=scaled(s.epochs, args.classifier_epochs_scale)) for k, s in base.classifier_settings.items()}
        protocol = AugmentationProtocol(
            ratios=tuple(args.ratios), seeds=tuple(args.seeds), classifiers=tuple(args.classifiers), classifier_settings=settings
        )
        overrides = {m: generator_overrides(m, args.epochs_scale) for m in args.methods}
        factories = {m: make_factory(m, overrides[m], args.device) for m in args.methods}
        runtime = Runtime(device=args.device, progress=False)
        folds = list(iter_folds(corpus, subjects, args.session, not args.no_normalize))
        result = run_augmentation(
            factories, folds, protocol, feature_transform=lambda f: to_grid(f, "seed62"), runtime=runtime, on_error="record"
        )
        data_sha = sorted({f.manifest.data_sha256 for f in folds})
    import emozoo

    payload: dict[str, Any] = {
        "benchmark": "eeg_augmentation",
        "data": {
            "synthetic": synthetic, "warning": NOT_REAL if synthetic else None, "description": description,
            "dataset": corpus.dataset, "feature": args.feature, "session": args.session, "subjects": subjects,
            "normalized": not args.no_normalize, "data_sha256": data_sha,
        },
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "generator_overrides": overrides,
        "classifier_epochs": {k: s.epochs for k, s in settings.items()},
        "generator_configs": {m: dataclasses.asdict(emozoo.load(m, **overrides[m]).config) for m in args.methods},
        "environment": {
            "versions": _versions(args.methods), "git_commit": _git_commit(), "device": str(runtime.device),
            "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
        },
        "seconds": time.perf_counter() - started,
    }
    payload["paper_comparison"] = paper_rows(result, args.methods)
    payload["result"] = result.to_dict()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(render_markdown(payload, result), encoding="utf-8")
    print(render_markdown(payload, result))
    print(f"[eeg_augmentation] wrote {args.out / 'results.json'} and results.md in {payload['seconds']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("EMOZOO_PROGRESS", "0")
    raise SystemExit(main())
