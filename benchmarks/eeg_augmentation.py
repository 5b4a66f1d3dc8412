"""EEG augmentation benchmark: VAE-D2GAN, its CVAE ablation and cWGAN side by side under emozoo's augmentation protocol.

A thin front-end over ``emozoo.benchmark(..., protocol="augmentation")``: for every subject and session (SEED's
subject-dependent split: first 9 trials train, last 6 test; features z-scored per subject with train statistics)
and seed, each generator is trained with ``fit_generator`` on the real training windows; the protocol's fixed
classifiers (logreg solved to convergence, mlp; optionally svm and a cnn on 9 x 9 maps) are trained on real data,
real + synthetic data at several synthetic:real ratios, synthetic data only, real + Gaussian-noise copies, and the
two oracle ceilings (real + more windows of the training trials; real + the training trials of the subject's other
sessions), and tested on the real test trials (:mod:`emozoo.bench.protocols.augmentation`). Intervals are over
subjects. Cells are stored under ``--out/cells`` as they finish, so an interrupted run resumes where it stopped.

    python benchmarks/eeg_augmentation.py                        # synthetic SEED-format data (NOT real SEED)
    python benchmarks/eeg_augmentation.py --data-dir /data/SEED/ExtractedFeatures --epochs-scale 1

Without ``--data-dir`` the script writes synthetic data in SEED's exact file format (``emozoo_eeg.synthetic``) to
a temporary folder, because SEED may not be redistributed; every output then says, loudly, that the data is NOT
real and that the numbers say nothing about SEED. Writes ``results.json`` and ``results.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
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
    p.add_argument("--methods", nargs="+", default=["vae-d2gan", "vae-d2gan-cvae", "cwgan"], help="installed generating methods to compare")
    p.add_argument("--subjects", type=_ints, default=None, help="subjects, e.g. 1-15 or 1,2,3 (default: 1-15)")
    p.add_argument("--sessions", type=_ints, default=[1, 2, 3], help="sessions whose subject-dependent folds run")
    p.add_argument("--seeds", type=_ints, default=[0, 1, 2], help="protocol seeds, e.g. 0-2")
    p.add_argument("--ratios", type=float, nargs="+", default=[1.0, 2.0], help="synthetic:real ratios per class")
    p.add_argument("--classifiers", nargs="+", default=["logreg", "mlp"], choices=["logreg", "mlp", "svm", "cnn"])
    p.add_argument("--epochs-scale", type=float, default=0.3,
                   help="multiplies the generators' epochs (their config defaults; a CPU budget, stated in the results)")
    p.add_argument("--classifier-epochs-scale", type=float, default=1.2,
                   help="multiplies the mini-batch classifiers' epochs (mlp/svm 50, cnn 30); logreg is solved to convergence")
    p.add_argument("--windows-per-trial", default="20,30", help="synthetic data only: min,max one-second windows per trial")
    p.add_argument("--no-ceilings", action="store_true", help="leave out the oracle ceilings (same-trial and new-trial real data)")
    p.add_argument("--pool-fraction", type=float, default=0.5, help="share of each training trial's windows held back for the same-units ceiling")
    p.add_argument("--feature", default="de_LDS", choices=["de_LDS", "de_movingAve"], help="SEED feature key")
    p.add_argument("--no-normalize", action="store_true", help="skip per-subject z-scoring (train statistics)")
    p.add_argument("--device", default="cpu", help="emozoo Runtime device (cpu, cuda, auto)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest for these small models)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return p.parse_args(argv)


def scaled(value: int, scale: float) -> int:
    """``round(value * scale)``, at least 1."""
    return max(1, round(value * scale))


#: Per-method overrides beyond the epoch budget. cWGAN runs as its 2018 paper (survey ref. 264, the number the
#: table compares with) describes it: without the sWGAN quality selection of Luo et al. 2020, which on this data
#: passes no sample of some classes at the CPU budget (0 of 31,200 candidates), failing the cell.
EXTRA_OVERRIDES: dict[str, dict[str, Any]] = {"cwgan": {"select": False}}


def generator_overrides(method: str, scale: float) -> dict[str, Any]:
    """Config overrides for one method: its epoch fields scaled (the protocol trains only the generator part)."""
    import emozoo

    spec = emozoo.get_spec(method)
    config = emozoo.load(method).config  # with the spec's preset applied
    fields = {f.name for f in dataclasses.fields(config)}
    out = {name: scaled(getattr(config, name), scale) for name in SCALED_FIELDS if name in fields}
    return {**out, **EXTRA_OVERRIDES.get(spec.id, {})}


def classifier_epochs(scale: float) -> dict[str, int]:
    """The protocol classifiers' epochs times ``scale``."""
    from emozoo.evaluation.augmentation import default_classifier_settings

    return {kind: scaled(s.epochs, scale) for kind, s in default_classifier_settings().items()}


def bench_config(args: argparse.Namespace, subjects: list[int]) -> tuple[str, dict[str, Any]]:
    """(data set id, ``emozoo.benchmark`` config) for the command line."""
    epochs = classifier_epochs(args.classifier_epochs_scale)
    dataset_options: dict[str, Any] = {"feature": args.feature, "subjects": subjects, "sessions": list(args.sessions),
                                       "normalize": not args.no_normalize, "ceilings": not args.no_ceilings,
                                       "pool_fraction": args.pool_fraction}
    if args.data_dir is None:
        lo, hi = (int(v) for v in args.windows_per_trial.split(","))
        dataset_options.update(n_subjects=max(subjects), n_sessions=max(args.sessions), windows_per_trial=[lo, hi], seed=0)
    protocol: dict[str, Any] = {
        "ratios": list(args.ratios), "classifiers": list(args.classifiers),
        "classifier_settings": {k: {"epochs": epochs[k]} for k in args.classifiers if k != "logreg"},
    }  # fmt: skip
    if "cnn" in args.classifiers:
        protocol["feature_transform"] = "emozoo_eeg.layout:to_grid"
    config = {"methods": {m: generator_overrides(m, args.epochs_scale) for m in args.methods}, "dataset": dataset_options,
              "protocol": protocol}  # fmt: skip
    return ("seed-synthetic" if args.data_dir is None else "seed"), config


def _row(rows: list[dict[str, Any]], method: str, condition: str, classifier: str | None, ratio: float | None) -> dict[str, Any] | None:
    return next((r for r in rows if r["method"] == method and r["condition"] == condition and r["classifier"] == classifier
                 and (ratio is None or r["ratio"] == ratio)), None)  # fmt: skip


def _acc(row: dict[str, Any] | None) -> dict[str, float | None]:
    stat = (row or {}).get("metrics", {}).get("ACC")
    if not stat:
        return {"mean": None, "std": None, "ci95": None}
    return {"mean": 100 * stat["mean"], "std": 100 * stat["std"], "ci95": None if stat["ci95"] is None else 100 * stat["ci95"]}


def paper_rows(rows: list[dict[str, Any]], methods: list[str], classifier: str) -> list[dict[str, Any]]:
    """Per method, with ``classifier``: the paper's number; our best real+synthetic ratio; beside it, at that ratio, the
    real-only reference, the noise baseline and both oracle ceilings (ACC %, mean, std, 95 % CI over subjects)."""
    out = []
    for method in methods:
        mine = [r for r in rows if r["method"] == method and r["condition"] == "real+synthetic" and r["classifier"] == classifier]
        best = max(mine, key=lambda r: r["metrics"]["ACC"]["mean"]) if mine else None
        ratio = best["ratio"] if best else None
        paper = PAPERS.get(method, {}).get("acc")
        ours = _acc(best)
        out.append({
            "method": method, "paper_acc": paper, "paper_source": PAPERS.get(method, {}).get("source"), "classifier": classifier,
            "ratio": ratio, "ours": ours, "real": _acc(_row(rows, method, "real", classifier, None)),
            "noise": _acc(_row(rows, method, "real+noise", classifier, ratio)),
            "ceiling_same": _acc(_row(rows, method, "ceiling:same-units", classifier, ratio)),
            "ceiling_new": _acc(_row(rows, method, "ceiling:new-units", classifier, ratio)),
            "gain": _acc({"metrics": {"ACC": best["gain"]["ACC"]}} if best and best.get("gain") else None),
            "gap": (ours["mean"] - paper) if ours["mean"] is not None and paper is not None else None,
        })  # fmt: skip
    return out


def _fmt(x: float | None, sign: bool = False) -> str:
    return "–" if x is None else (f"{x:+.2f}" if sign else f"{x:.2f}")


def protocol_tables(rows: list[dict[str, Any]], methods: list[str], classifiers: list[str], metric: str = "ACC") -> list[str]:
    """One table per method: rows condition x ratio, columns classifier, cells "mean ± std (gain)" in %."""
    from emozoo.bench.protocols.augmentation import CONDITIONS

    lines: list[str] = []
    for method in methods:
        mine = {(r["condition"], r["ratio"], r["classifier"]): r for r in rows if r["method"] == method}
        keys = sorted({(c, r) for c, r, _ in mine if c in CONDITIONS}, key=lambda k: (CONDITIONS.index(k[0]), k[1] or 0.0))
        lines += [f"### {method}", "", "| condition | ratio | " + " | ".join(classifiers) + " |", "|---|---|" + "---|" * len(classifiers)]
        for condition, ratio in keys:
            cells = []
            for clf in classifiers:
                row = mine.get((condition, ratio, clf))
                stat = row["metrics"].get(metric) if row else None
                if stat is None:
                    cells.append("–")
                    continue
                text = f"{100 * stat['mean']:.2f} ± {100 * stat['std']:.2f}"
                gain = (row.get("gain") or {}).get(metric)
                if gain is not None:
                    text += f" ({100 * gain['mean']:+.2f})"
                cells.append(text)
            lines.append(f"| {condition} | {'–' if ratio is None else f'{ratio:g}'} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def render_markdown(payload: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """results.md: the data warning, the paper / ours / gap table, the protocol tables, every metric, provenance."""
    from emozoo.bench import report

    data, synthetic = payload["data"], payload["data"]["synthetic"]
    lines = ["# EEG augmentation benchmark (SEED protocol): VAE-D2GAN vs cWGAN", ""]
    if synthetic:
        lines += [f"> **{NOT_REAL}**", ""]
    cfg = payload["config"]
    setup = (
        f"Data: {data['description']}. Protocol: subject-dependent (first 9 trials of a session train, last 6 test), "
        f"sessions {data['sessions']} of subjects {data['subjects']} ({payload['n_folds']} folds, {payload['n_units']} "
        f"independent units: the subjects), seeds {cfg['seeds']}; features "
        f"{'z-scored per subject with train statistics' if data['normalized'] else 'raw'}. Oracle ceilings: the last "
        f"{cfg['pool_fraction']:g} of every training trial's windows are held back from training (the same-units pool: "
        f"what a perfect generator of the training trials could add), and the training trials of the subject's other "
        f"sessions form the new-units pool (new trials: the information ceiling). Run with `emozoo.benchmark` (protocol "
        f"`augmentation`): each generator trained with `fit_generator` for `--epochs-scale {cfg['epochs_scale']}` x its "
        f"default epochs ({payload['generator_overrides']}); logreg is solved to convergence (L-BFGS), the mini-batch "
        f"classifiers train for {payload['classifier_epochs']} epochs (share of converged fits in the table below)."
    )
    lines += [
        setup, "", "## Paper / ours / gap, with the baselines and ceilings beside", "",
        "ACC (%) on the real test trials, mean ± std over folds × seeds [95 % CI over subjects], with the "
        f"`{payload['paper_comparison'][0]['classifier'] if payload['paper_comparison'] else '-'}` classifier at each method's best ratio.",
        "",
        "| method | paper | ours: real + synthetic (ratio) | gain over real | real only | real + noise | ceiling: same trials | ceiling: new trials | gap to paper |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip

    def cell(stat: dict[str, float | None], sign: bool = False) -> str:
        if stat["mean"] is None:
            return "–"
        ci = f" [±{stat['ci95']:.2f}]" if stat["ci95"] is not None else ""
        return f"{_fmt(stat['mean'], sign)} ± {stat['std']:.2f}{ci}"

    for r in payload["paper_comparison"]:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:g}"
        lines.append(f"| {r['method']} | {_fmt(r['paper_acc'])} | {cell(r['ours'])} ({ratio}) | {cell(r['gain'], True)} | "
                     f"{cell(r['real'])} | {cell(r['noise'])} | {cell(r['ceiling_same'])} | {cell(r['ceiling_new'])} | "
                     f"{_fmt(r['gap'], sign=True)} |")  # fmt: skip
    lines += [
        "",
        (f"Data difference: the papers used {PAPER_DATA}; ours: {data['description']}."
         + (" The gap therefore measures nothing about the methods: the data is synthetic." if synthetic else "")),
        "", "## Protocol table (ACC)", "",
    ]  # fmt: skip
    if synthetic:
        lines += [f"> {NOT_REAL}", ""]
    lines += protocol_tables(rows, cfg["methods"], cfg["classifiers"])
    lines += [
        "ACC (%) on the real test split. (gain) = paired difference from `real` (the same classifier on real data only, same "
        "fold and seed), in percentage points. ratio = synthetic:real per class.",
        "", "## Every metric", "", report.results_table(rows, "ACC"), "",
    ]  # fmt: skip
    failed = payload["failed_cells"]
    if failed:
        lines += ["Failed cells (left out of the means above):", ""] + [f"- {c['method']}, fold {c['fold']}, seed {c['seed']}: "
                                                                       f"{c['error']['type']}: {c['error']['message']}" for c in failed] + [""]  # fmt: skip
    lines += [
        f"Statistics: {report.CONVENTION} (emozoo.bench.report).", "",
        "Split manifests (sha256 prefix): " + ", ".join(f"{f['name']}: `{f['manifest_sha256'][:12]}`" for f in payload["folds"]),
        "", "## Provenance", "",
        f"git commit `{payload['environment']['git_commit']}`, device `{payload['environment']['device']}`, "
        f"torch threads {payload['environment']['torch_threads']}, wall time {payload['seconds']:.0f} s "
        f"({payload['resumed_cells']} of {payload['n_cells']} cells resumed from an earlier run); versions: "
        + ", ".join(f"{k} {v}" for k, v in payload["environment"]["versions"].items()),
        "",
    ]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch
    from emozoo_eeg.synthetic import NOTICE

    import emozoo
    from emozoo.bench.provenance import environment, package_versions

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    subjects = args.subjects or list(range(1, 16))
    if args.data_dir is None:
        print(f"[eeg_augmentation] {NOT_REAL}", file=sys.stderr)
    dataset, config = bench_config(args, subjects)
    result = emozoo.benchmark(
        args.methods, dataset, protocol="augmentation", seeds=args.seeds, config=config, out=args.out,
        data_dir=None if args.data_dir is None else str(args.data_dir), device=args.device, progress=True,
    )  # fmt: skip
    results = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
    synthetic = bool(results["dataset"]["synthetic"])
    description = (
        f"SYNTHETIC SEED-format features (NOT real SEED; {NOTICE})" if synthetic
        else f"SEED ExtractedFeatures from {str(args.data_dir)!r} ({args.feature})"
    )
    failed = [c for c in result.cells if c.get("status") != "ok"]
    payload: dict[str, Any] = {
        "benchmark": "eeg_augmentation",
        "data": {
            "synthetic": synthetic, "warning": NOT_REAL if synthetic else None, "description": description,
            "dataset": dataset, "feature": args.feature, "sessions": list(args.sessions), "subjects": subjects,
            "normalized": not args.no_normalize, "data_sha256": sorted({f["data_sha256"] for f in results["folds"]}),
        },
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "generator_overrides": config["methods"],
        "classifier_epochs": {k: v["epochs"] for k, v in config["protocol"]["classifier_settings"].items()},
        "generator_configs": {m: dataclasses.asdict(emozoo.load(m, **config["methods"][m]).config) for m in args.methods},
        "environment": {**environment(results["environment"]["device"]), "torch_threads": torch.get_num_threads(),
                        "versions": package_versions(["emozoo-eeg", *(emozoo.get_spec(m).plugin for m in args.methods)])},
        "seconds": time.perf_counter() - started,
        "n_cells": len(result.cells), "resumed_cells": sum(bool(c.get("resumed")) for c in result.cells),
        "failed_cells": [{k: c.get(k) for k in ("method", "fold", "seed", "error")} for c in failed],
        "folds": results["folds"],
        "statistics": results["statistics"],
    }  # fmt: skip
    payload["paper_comparison"] = paper_rows(result.rows, args.methods, args.classifiers[0])
    payload["n_folds"] = len(results["folds"])
    payload["n_units"] = len({f["unit"] for f in results["folds"]})
    payload["bench"] = results  # emozoo.benchmark's own results.json: rows, comparisons, cells, provenance
    markdown = render_markdown(payload, result.rows)
    (args.out / "results.json").write_text(json.dumps(payload, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"[eeg_augmentation] wrote {args.out / 'results.json'} and results.md in {payload['seconds']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("EMOZOO_PROGRESS", "0")
    raise SystemExit(main())
