"""Merge the wrist benchmark's finished cells into one table (``results.md`` / ``results.json``), issue #17.

Reads every verified cell under ``OUT/<stage>/cells`` and aggregates them with emozoo's one statistics convention
(:func:`emozoo.bench.report.aggregate`). The headline statistics are *per subject*: every test subject is scored on its
own windows (the protocols' ``per_unit`` option), and the intervals are 95 % Student-t intervals over the subjects
(the independent unit), not over the five folds. Written: the six recognition baselines; the protocol's
generator-independent rows (real-only FCN, noise copies, both ceilings); every generator at each ratio and train on
synthetic (TSTR); paired per-subject gains over the real-only FCN and over the classically augmented FCN
(``wearable-cnn1d-aug``, same folds, seeds and test windows); the distribution checks; paper / ours / gap with the
outside anchors; and the plain answer to "did generation help?".

    python benchmarks/wearable_table.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from speech_table import _paper, load_cells  # benchmarks/speech_table.py

from emozoo._fileio import atomic_write_text
from emozoo.bench import report

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "wearable"
STAGES = ("recognition", "augmentation", "recognition-loso")
SHARED = ("real", "real+noise", "ceiling:same-units", "ceiling:new-units")
METRICS = ("F1_pos", "UAR", "AUROC")
CLASSIC = "wearable-cnn1d-aug"  # the same FCN with jitter / scaling / time warping: the classical-augmentation baseline
ANCHORS = (
    "WESAD (Schmidt et al. 2018): leave-one-subject-out, stress vs non-stress, up to 93 % accuracy (the abstract's best "
    "figure; the wrist-only Empatica E4 figures are lower). Different data: 15 subjects, the Trier Social Stress Test, "
    "baseline / amusement / stress conditions labelled by protocol, features from 60 s windows with hand-tuned classical "
    "classifiers; ours: 35 subjects, Stroop / interview / hyperventilation tasks, subject-grouped 5-fold.",
    "Lange et al. 2024 (differentially private GANs for smartwatch stress detection, WESAD wrist signals): synthetic "
    "data improved F1 by +11.9 to +15.5 points over the non-augmented baseline. Different data and privacy setting; "
    "their gain is against their own baseline on WESAD's 15 subjects.",
)


def _stat(stat: dict[str, Any] | None, scale: float = 100.0, digits: int = 2) -> str:
    """'mean [±ci]' of a statistics dict (scaled), '–' when absent."""
    if not stat or not math.isfinite(stat.get("mean", math.nan)):
        return "–"
    text = f"{scale * stat['mean']:.{digits}f}"
    return text if stat.get("ci95") is None else f"{text} [±{scale * stat['ci95']:.{digits}f}]"


def _metric(row: dict[str, Any], name: str, key: str = "per_unit") -> str:
    stat = (row.get(key) or {}).get(name)
    return _stat(stat, 1.0, 3) if name == "AUROC" else _stat(stat)


def _gain_text(d: dict[str, Any] | None, scale: float = 100.0) -> str:
    """'+1.23 [±2.34] (no measurable difference)': a paired difference (x100 for % metrics; AUROC passes scale 1)."""
    if d is None:
        return "–"
    digits = 2 if scale == 100.0 else 3
    text = f"{scale * d['mean']:+.{digits}f}"
    if d.get("ci95") is None:
        return text + " (no interval)"
    lo, hi = d["mean"] - d["ci95"], d["mean"] + d["ci95"]
    word = "a gain" if lo > 0 else "a loss" if hi < 0 else "no measurable difference"
    return f"{text} [±{scale * d['ci95']:.{digits}f}] ({word})"


def subject_scores(cells: list[dict[str, Any]], method: str, condition: str, ratio: Any, metric: str) -> dict[tuple[str, str, int], float]:
    """(fold, subject, seed) -> metric for one (method, condition, ratio) of the classifier rows (or the recognition test)."""
    out = {}
    for cell in cells:
        if cell["method"] != method:
            continue
        for r in cell["records"]:
            if r["condition"] == condition and r.get("ratio") == ratio:
                for subject, scores in (r.get("per_unit") or {}).items():
                    if metric in scores and math.isfinite(scores[metric]):
                        out[(cell["fold"], subject, cell["seed"])] = float(scores[metric])
    return out


def paired_subjects(a: dict[tuple[str, str, int], float], b: dict[tuple[str, str, int], float]) -> dict[str, Any] | None:
    """Per subject, the mean over shared (fold, seed) of a - b; mean over subjects and the t-interval over them."""
    by: dict[str, list[float]] = {}
    for key in a.keys() & b.keys():
        by.setdefault(key[1], []).append(a[key] - b[key])
    if not by:
        return None
    means = [sum(v) / len(v) for v in by.values()]
    return {"mean": sum(means) / len(means), "ci95": report.t_interval(means), "n_subjects": len(means)}


def build(out: Path) -> dict[str, Any]:
    cells, left_out = load_cells(out, STAGES)
    rows = {stage: report.aggregate(stage_cells) for stage, stage_cells in cells.items()}
    rec, aug = cells.get("recognition", []), cells.get("augmentation", [])
    vs_classic: dict[str, dict[str, Any]] = {}
    for row in rows.get("augmentation", []):
        if row["method"] and row["condition"] in ("real+synthetic", "synthetic") and row.get("classifier"):
            label = f"{row['method']}: {row['condition']} @ {row['ratio']:g}"
            vs_classic[label] = {m: paired_subjects(subject_scores(aug, row["method"], row["condition"], row["ratio"], m),
                                                    subject_scores(rec, CLASSIC, "test", None, m)) for m in METRICS}  # fmt: skip
    real_vs_recognition = {}
    methods = sorted({c["method"] for c in aug})
    if methods:
        for m in METRICS:
            real_vs_recognition[m] = paired_subjects(subject_scores(aug, methods[0], "real", None, m), subject_scores(rec, "wearable-cnn1d", "test", None, m))
    distribution = json.loads((out / "distribution.json").read_text(encoding="utf-8")) if (out / "distribution.json").is_file() else None
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()] if (out / "runs.jsonl").is_file() else []
    return {"rows": rows, "cells": cells, "left_out": left_out, "vs_classic": vs_classic, "real_vs_recognition": real_vs_recognition,
            "distribution": distribution, "peak_rss_mb": max((r.get("peak_rss_mb", 0) for r in runs), default=None),
            "seeds": {s: sorted({c["seed"] for c in cs}) for s, cs in cells.items()},
            "folds": {s: sorted({c["fold"] for c in cs}) for s, cs in cells.items()}}  # fmt: skip


def _line(label: str, row: dict[str, Any], gain: str, note: str = "") -> str:
    per = " | ".join(_metric(row, m) for m in METRICS)
    fold = f"{_metric(row, 'F1_pos', 'metrics')} / {_metric(row, 'UAR', 'metrics')}"
    return f"| {label} | {per} | {gain} | {fold} | {row['n']} ({row.get('n_subjects', '–')}) | {note} |"


def verdict(data: dict[str, Any]) -> list[str]:
    """Plain sentences from the paired per-subject numbers."""
    aug = data["rows"].get("augmentation", [])
    lines = []
    for row in aug:
        if row["condition"] != "real+synthetic" or not row.get("classifier"):
            continue
        gain = (row.get("per_unit_gain") or {})
        classic = data["vs_classic"].get(f"{row['method']}: real+synthetic @ {row['ratio']:g}", {})
        lines.append(f"- **{row['method']}** at ratio {row['ratio']:g}: stress-class F1 {_gain_text(gain.get('F1_pos'))}, "
                     f"UAR {_gain_text(gain.get('UAR'))}, AUROC {_gain_text(gain.get('AUROC'), 1.0)} over the real-only FCN; against "
                     f"the classically augmented FCN (wearable-cnn1d-aug): F1 {_gain_text(classic.get('F1_pos'))}, UAR "
                     f"{_gain_text(classic.get('UAR'))} (paired per subject, 95 % interval over subjects).")
    gains = [g for row in aug if row["condition"] == "real+synthetic" and row.get("classifier")
             for g in [(row.get("per_unit_gain") or {}).get("F1_pos")] if g and g.get("ci95") is not None]  # fmt: skip
    if gains:
        helped = [g for g in gains if g["mean"] - g["ci95"] > 0]
        hurt = [g for g in gains if g["mean"] + g["ci95"] < 0]
        lines.append(f"- In plain words: {len(helped)} of {len(gains)} generator × ratio settings raised the stress-class F1 "
                     f"measurably over real data alone, {len(hurt)} lowered it measurably, and the rest are within the "
                     "subject-level noise.")
    return lines


def markdown(data: dict[str, Any], cfg: dict[str, Any] | None) -> str:
    rows = data["rows"]
    proto = (cfg or {}).get("protocol", {}).get("augmentation", {})
    fcn = proto.get("classifier_settings", {}).get("fcn1d", {})
    out = [
        "# Wrist benchmark: stress detection on Stress-Predict (Empatica E4), baselines and surveyed generators side by side",
        "",
        "Real data: 35 people's Empatica E4 wrist recordings (BVP, EDA, TEMP, HR), labelled stress / no stress from the "
        "Stroop, interview and hyperventilation phases of the protocol; 60 s windows with a 30 s step, every signal at 16 Hz "
        "([4, 960]), a window labelled by its majority phase when >= 80 % of it lies in one phase (else dropped). "
        "Split: **subject-grouped stratified 5-fold** (no person in two splits), the CPU fallback the issue allows for "
        "leave-one-subject-out; a subject-disjoint validation split and the ceilings' pools are carved out of the training "
        "subjects for every method alike. "
        + "; ".join(f"{s}: folds {', '.join(f)}, seeds {', '.join(map(str, data['seeds'][s]))}" for s, f in data["folds"].items())
        + ".",
        "",
        f"Every FCN (baselines and the augmentation protocol's downstream classifier) is Wang et al.'s FCN at the CPU widths "
        f"{fcn.get('options', {}).get('filters', '?')}, {fcn.get('epochs', '?')} epochs, Adam {fcn.get('lr', '?')}, batch "
        f"{fcn.get('batch_size', '?')}; generators at the CPU settings of `benchmarks/configs/wearable_stress.toml` (their "
        "cards say how far that is from the papers). Ratios: synthetic:real per class, proportional to each class's count.",
        "",
        "Cells: **per subject**: each test subject scored on its own windows, mean over (subject, seed) and [95 % "
        "Student-t interval over subjects]; F1 is the stress class's; AUROC from the predicted stress probability (a subject "
        "whose windows hold one class has no AUROC). The fold-level column pools each fold's windows (mean over folds x "
        "seeds). Gain: paired per subject against the real-only FCN of the same fold and seed.",
        "",
        "| method / condition | F1 stress | UAR | AUROC | gain F1 vs real | fold-level F1 / UAR | cells (subjects) | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows.get("recognition", []):
        out.append(_line(f"{r['method']} (baseline)", r, "–", "recognition protocol, subject-grouped 5-fold"))
    seen: set[tuple] = set()
    aug = rows.get("augmentation", [])
    for r in sorted(aug, key=lambda r: (r["condition"] not in SHARED, r["method"], r["condition"], r["ratio"] or 0.0)):
        if not r.get("classifier"):
            continue
        shared = r["condition"] in SHARED
        if shared:
            if (r["condition"], r["ratio"]) in seen:
                continue  # the same numbers in every generator's cells
            seen.add((r["condition"], r["ratio"]))
        ratio = "" if r["ratio"] is None else f" @ {r['ratio']:g}"
        label = f"{r['condition']}{ratio}" if shared else f"{r['method']}: {r['condition']}{ratio}"
        note = "train on synthetic, test on real (TSTR)" if r["condition"] == "synthetic" else ""
        out.append(_line(label, r, _gain_text((r.get("per_unit_gain") or {}).get("F1_pos")) if r["condition"] != "real" else "–", note))
    rr = data.get("real_vs_recognition") or {}
    if rr.get("UAR"):
        out += ["", f"Check: the protocol's real-only FCN minus the `wearable-cnn1d` baseline on the same folds, seeds and "
                f"subjects: UAR {_gain_text(rr['UAR'])}, F1 {_gain_text(rr.get('F1_pos'))} (the same network and training; "
                "the baseline also reads the validation split, which it does not use for selection here)."]
    loso = rows.get("recognition-loso", [])
    if loso:
        out += ["", "## Leave-one-subject-out (the issue's protocol), the baselines", "",
                "35 folds, each testing one subject on a model trained on the other 34 (minus the validation and ceiling "
                "subjects carved out as above), seed 0; the feature models read the adapter's cached NeuroKit2 features "
                "(`frontend = \"features\"`, identical to the 15 features the raw-window runs compute), the FCN the raw "
                "windows. Intervals over the 35 subjects. The generators were not run leave-one-subject-out: 35 trainings "
                "per generator do not fit 2 CPU cores.", "",
                "| method | F1 stress | UAR | AUROC | ACC | subjects |", "|---|---|---|---|---|---|"]
        for r in loso:
            out.append(f"| {r['method']} | {_metric(r, 'F1_pos')} | {_metric(r, 'UAR')} | {_metric(r, 'AUROC')} | "
                       f"{_metric(r, 'ACC')} | {r.get('n_subjects', '–')} |")
    out += ["", "## Generators against classical augmentation (paired per subject)", "",
            "Each generator condition minus `wearable-cnn1d-aug` (the same FCN trained with jitter, scaling and time warping) "
            "on the same folds, seeds and test subjects.", "",
            "| generator condition | F1 stress | UAR | AUROC |", "|---|---|---|---|"]
    for label, d in data["vs_classic"].items():
        out.append(f"| {label} | {_gain_text(d.get('F1_pos'))} | {_gain_text(d.get('UAR'))} | {_gain_text(d.get('AUROC'), 1.0)} |")
    out += ["", "## Distribution checks", "",
            "Whole-window checks from the protocol (ratio 1): MMD² of synthetic vs real training windows (flattened, RBF, "
            "median bandwidth) and FID / KID in the feature space of the real-only FCN (the input of its linear layer; not "
            "Inception features). Per-channel spectra, autocorrelation and MMD: [distribution.md](distribution.md), with the "
            "real-vs-real floor.", "",
            "| method | MMD² (per class, mean) | FID_fcn | KID_fcn | floor FID (real train vs real test) |", "|---|---|---|---|---|"]
    for method in sorted({r["method"] for r in aug}):
        mmd = next((r for r in aug if r["method"] == method and r["condition"] == "distribution"), None)
        fd = next((r for r in aug if r["method"] == method and r["condition"] == "feature-distance"), None)
        m = (fd or {}).get("metrics", {})
        out.append(f"| {method} | {_num((mmd or {}).get('metrics', {}).get('MMD2'), 4)} | {_num(m.get('FID_cnn'))} | "
                   f"{_num(m.get('KID_cnn'), 4)} | {_num(m.get('FID_cnn_real_test'))} |")
    dist = data.get("distribution")
    if dist:
        out += ["", "Per-channel MMD² on fold 1 (mean over the two classes; floor = two halves of the real windows):", "",
                "| source | BVP | EDA | TEMP | HR |", "|---|---|---|---|---|"]
        for source, classes in dist.items():
            vals = [sum(classes[c][ch]["MMD2"] for c in classes) / len(classes) for ch in ("BVP", "EDA", "TEMP", "HR")]
            out.append(f"| {source} | " + " | ".join(f"{v:.4f}" for v in vals) + " |")
    out += ["", "## Paper / ours / gap", "",
            "Ours: accuracy of the downstream FCN trained on real + synthetic windows at ratio 1 (prespecified, not the best "
            "of the ratios), pooled per fold.", "",
            "| method | paper | ours (ACC %) | gap | paper's data vs ours |", "|---|---|---|---|---|"]
    for method in sorted({r["method"] for r in aug}):
        row = next((r for r in aug if r["method"] == method and r["condition"] == "real+synthetic" and r["ratio"] == 1.0 and r.get("classifier")), None)
        paper, source = _paper(method)
        ours = 100 * row["metrics"]["ACC"]["mean"] if row else None
        gap = "–" if ours is None or paper is None else f"{ours - paper:+.2f}"
        out.append(f"| {method} | {'–' if paper is None else f'{paper:.2f}'} | {'–' if ours is None else f'{ours:.2f}'} | {gap} | "
                   f"{source}; ours: Stress-Predict wrist windows, 2 classes, subject-grouped folds |")
    out += ["", "Outside anchors:", ""] + [f"- {a}" for a in ANCHORS]
    out += ["", "## Did generation help?", ""] + (verdict(data) or ["- no generator cells finished yet"])
    if data.get("peak_rss_mb"):
        out += ["", f"Peak resident memory of one benchmark process (all folds of a stage): {data['peak_rss_mb']:.0f} MB."]
    out += ["", "Pictures: [pictures/](pictures/) (real vs generated windows per channel and class, spectra and "
            "autocorrelation overlays, per-subject scores)."]
    if data["left_out"]:
        out += ["", "## Cells left out", ""] + [f"- {x}" for x in data["left_out"]]
    return "\n".join(out) + "\n"


def _num(stat: dict[str, Any] | None, digits: int = 2) -> str:
    if not stat or not math.isfinite(stat.get("mean", math.nan)):
        return "–"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def write_table(out: Path, cfg: dict[str, Any] | None = None) -> Path:
    """Write ``out/results.md`` and ``out/results.json`` from every finished cell; returns the Markdown path."""
    data = build(out)
    payload = {k: v for k, v in data.items() if k != "cells"}
    payload.update(statistics=report.CONVENTION + "; per_unit: the same over test subjects", config=cfg, verdict=verdict(data))
    atomic_write_text(out / "results.json", json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    atomic_write_text(out / "results.md", markdown(data, cfg))
    return out / "results.md"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from face_muxspace import load_config  # benchmarks/face_muxspace.py

    print(write_table(OUT, load_config(ROOT / "benchmarks" / "configs" / "wearable_stress.toml")))
