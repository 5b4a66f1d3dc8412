"""Merge the face benchmark's finished cells into one table (``results.md`` / ``results.json``).

Reads every verified cell under ``OUT/<stage>/cells`` (as the speech table does), aggregates them with emozoo's one
statistics convention (:func:`emozoo.bench.report.aggregate`: mean ± sample std over folds x seeds, 95 % t-interval
over the folds, whose person sets are the independent units) and writes: the three FER CNN baselines; the
protocol's generator-independent rows (real-only, noise copies, tail oversampling, both ceilings); every generator at
each ratio, train-on-synthetic and the tail-only setting; the paired tail comparison (generated minus oversampled, per
fold); FID / KID in the real-only CNN's feature space; paper / ours / gap; and the plain answer to "did generative
augmentation beat rebalancing and classical augmentation on the tail?".
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from speech_table import _pct, _paper, load_cells  # benchmarks/speech_table.py

from emozoo._fileio import atomic_write_text
from emozoo.bench import report

STAGES = ("recognition", "augmentation")
BASELINES = ("fer-cnn", "fer-cnn-classicaug", "fer-cnn-rebalanced")
TAIL = ("contempt", "fear", "disgust", "anger")  # the four smallest classes
SHARED = ("real", "real+noise", "real+oversample:tail", "ceiling:same-units", "ceiling:new-units")
ANCHOR = ("FER2013, single network (VGGNet variant; Khaireddin & Chen 2021)", 73.28)


def _row(label: str, row: dict[str, Any], note: str = "") -> str:
    m = row["metrics"]
    gain = (row.get("gain") or {}).get("UAR")
    gain_text = "–" if gain is None else f"{100 * gain['mean']:+.2f}" + ("" if gain.get("ci95") is None else f" [±{100 * gain['ci95']:.2f}]")
    recalls = " | ".join(_short(m.get(f"recall:{c}")) for c in TAIL)
    return f"| {label} | {_pct(m.get('UAR'))} | {_pct(m.get('ACC'))} | {_pct(m.get('MF1'))} | {recalls} | {gain_text} | {row['n']} ({row['n_units']}) | {note} |"


def _short(stat: dict[str, Any] | None) -> str:
    if not stat:
        return "–"
    return f"{100 * stat['mean']:.1f}" + ("" if stat.get("ci95") is None else f" ±{100 * stat['ci95']:.1f}")


def _label(r: dict[str, Any], shared: bool) -> str:
    ratio = "" if r["ratio"] is None else f" @ {r['ratio']:g}"
    return f"{r['condition']}{ratio}" if shared else f"{r['method']}: {r['condition']}{ratio}"


def paired(cells: list[dict[str, Any]], method: str, a: str, b: str, metric: str) -> dict[str, Any] | None:
    """Per fold, the mean over seeds of metric(condition a) - metric(condition b) in the same cells; mean, t-interval."""
    by_unit: dict[str, list[float]] = {}
    for cell in cells:
        if cell["method"] != method:
            continue
        recs = {r["condition"]: r["metrics"] for r in cell["records"] if r.get("classifier") and r.get("ratio") is None}
        if a in recs and b in recs and metric in recs[a] and metric in recs[b]:
            by_unit.setdefault(str(cell.get("unit") or cell["fold"]), []).append(recs[a][metric] - recs[b][metric])
    if not by_unit:
        return None
    means = [sum(v) / len(v) for v in by_unit.values()]
    return {"mean": sum(means) / len(means), "ci95": report.t_interval(means), "n_units": len(means)}


def paired_vs_baseline(aug: list[dict[str, Any]], rec: list[dict[str, Any]], method: str, condition: str, baseline: str,
                       metric: str, ratio: Any = None) -> dict[str, Any] | None:
    """Per fold, the mean over the seeds both ran of metric(generator's condition) - metric(baseline's test record) on the
    same fold and seed (the same test images); mean over folds and t-interval. No best-of selection: one named condition."""
    base = {(c["fold"], c["seed"]): c["records"][0]["metrics"] for c in rec if c["method"] == baseline and c["records"]}
    by_unit: dict[str, list[float]] = {}
    for cell in aug:
        if cell["method"] != method or (cell["fold"], cell["seed"]) not in base:
            continue
        mine = [r["metrics"] for r in cell["records"] if r["condition"] == condition and r.get("ratio") == ratio and r.get("classifier")]
        ref = base[(cell["fold"], cell["seed"])]
        if mine and metric in mine[0] and metric in ref:
            by_unit.setdefault(str(cell.get("unit") or cell["fold"]), []).append(mine[0][metric] - ref[metric])
    if not by_unit:
        return None
    means = [sum(v) / len(v) for v in by_unit.values()]
    return {"mean": sum(means) / len(means), "ci95": report.t_interval(means), "n_units": len(means)}


def _diff_text(d: dict[str, Any] | None) -> str:
    if d is None:
        return "–"
    text = f"{100 * d['mean']:+.2f}"
    if d["ci95"] is None:
        return text + " (1 fold: no interval)"
    lo, hi = d["mean"] - d["ci95"], d["mean"] + d["ci95"]
    word = "a gain" if lo > 0 else "a loss" if hi < 0 else "no measurable difference"
    return f"{text} [±{100 * d['ci95']:.2f}] ({word})"


def build(out: Path) -> dict[str, Any]:
    cells, left_out = load_cells(out, STAGES)
    rows = {stage: report.aggregate(stage_cells) for stage, stage_cells in cells.items()}
    aug = cells.get("augmentation", [])
    methods = sorted({c["method"] for c in aug})
    tail = {m: {metric: paired(aug, m, "real+synthetic:tail", "real+oversample:tail", metric)
                for metric in ("UAR", "MF1", *(f"recall:{c}" for c in TAIL))} for m in methods}  # fmt: skip
    rec = cells.get("recognition", [])
    vs_baselines = {m: {b: {metric: paired_vs_baseline(aug, rec, m, "real+synthetic:tail", b, metric) for metric in ("UAR", "MF1")}
                        for b in BASELINES} for m in methods}  # fmt: skip
    return {"rows": rows, "cells": cells, "left_out": left_out, "tail_vs_oversampling": tail, "tail_vs_baselines": vs_baselines,
            "seeds": sorted({c["seed"] for cs in cells.values() for c in cs}),
            "folds": {s: sorted({c["fold"] for c in cs}) for s, cs in cells.items()},
            "n_cells": {s: len(c) for s, c in cells.items()}}  # fmt: skip


def _find(rows: list[dict[str, Any]], method: str | None, condition: str, ratio: Any = None) -> dict[str, Any] | None:
    for r in rows:
        if (method is None or r["method"] == method) and r["condition"] == condition and r["ratio"] == ratio and r.get("classifier"):
            return r
    return None


def verdict(data: dict[str, Any]) -> list[str]:
    """Plain sentences from the numbers: each generator's tail setting against oversampling of the same tail classes,
    and against each recognition baseline on the same folds and seeds (paired, one prespecified condition)."""
    rec, aug = data["rows"].get("recognition", []), data["rows"].get("augmentation", [])
    base = {r["method"]: r for r in rec if r["method"] in BASELINES}
    lines = []
    for method, diffs in data["tail_vs_oversampling"].items():
        tail = _find(aug, method, "real+synthetic:tail")
        if tail is None:
            continue
        text = (f"- **{method}**, tail-only setting: UAR {100 * tail['metrics']['UAR']['mean']:.2f}; generated minus "
                f"oversampled tail (same classes, same counts, same CNN, per fold): UAR {_diff_text(diffs['UAR'])}, "
                f"macro-F1 {_diff_text(diffs['MF1'])}")
        recall_bits = [f"{c} {_diff_text(diffs[f'recall:{c}'])}" for c in TAIL if diffs.get(f"recall:{c}")]
        if recall_bits:
            text += "; tail recalls: " + ", ".join(recall_bits)
        for name in BASELINES:
            d = data["tail_vs_baselines"].get(method, {}).get(name, {}).get("UAR")
            if d is not None and name in base:
                text += f"; against {name} on the same folds and seeds: UAR {_diff_text(d)}"
        lines.append(text + ".")
    return lines


def markdown(data: dict[str, Any], cfg: dict[str, Any] | None) -> str:
    rows = data["rows"]
    proto = (cfg or {}).get("protocol", {}).get("augmentation", {})
    settings = proto.get("classifier_settings", {}).get("pooled_cnn", {})
    out = [
        "# Face benchmark: FER CNN baselines and surveyed generators side by side (muxspace facial_expressions)",
        "",
        "Real faces: 13,677 48 x 48 grey images, 8 classes with a long tail (contempt 9, fear 20, disgust 207, anger 251 "
        "images); person-grouped stratified 5-fold splits (identity from the file name; no person in two splits). Every "
        "method trains on the same reduced training set: a person-disjoint validation split (10 % of the training people), "
        "a quarter of the remaining people (new-units ceiling pool) and half of each remaining person's repeated images "
        "per class (same-units pool) are held back. "
        + "; ".join(f"{s}: folds {', '.join(f)}" for s, f in data["folds"].items())
        + f"; seeds {', '.join(map(str, data['seeds'])) or '–'}.",
        "",
        f"Budget (2 CPU cores, `benchmarks/configs/face_muxspace.toml`): every CNN is `pooled_cnn` (channels "
        f"{settings.get('options', {}).get('channels', '?')}), {settings.get('epochs', '?')} epochs, Adam {settings.get('lr', '?')}, "
        f"batch {settings.get('batch_size', '?')}; generators at the CPU widths and epochs of the config (their cards say how "
        "far that is from the papers). Ratios: synthetic:real per class as the protocol defines it (proportional to each "
        f"class's count); tail-only: every class under {proto.get('tail_below', '?')} x the largest class topped up to that "
        "count, with generated images or with its own real images drawn again (oversampling).",
        "",
        "Photo caveat: the images are photographs of real third parties (LFW and web images) whose copyright is not "
        "addressed upstream; no real image is written by this benchmark (the pictures show generated images only).",
        "",
        "Cells: % mean ± std over folds x seeds [95 % t-interval over folds]; tail recalls: mean ±95 % interval; gain = UAR "
        "minus the real-only reference of the same cell (per fold). A fold whose test split lacks a class has no recall for it.",
        "",
        "| method / condition | UAR | ACC | macro-F1 | recall contempt | recall fear | recall disgust | recall anger | gain UAR | cells (folds) | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows.get("recognition", []):
        out.append(_row(f"{r['method']} (baseline)", r, "recognition protocol"))
    aug = rows.get("augmentation", [])
    seen: set[tuple] = set()
    for r in sorted(aug, key=lambda r: (r["condition"] not in SHARED, r["method"], r["condition"], r["ratio"] or 0.0)):
        if not r.get("classifier"):
            continue
        shared = r["condition"] in SHARED
        if shared:
            key = (r["condition"], r["ratio"])
            if key in seen:
                continue  # the same numbers in every generator's cells
            seen.add(key)
        note = "train on synthetic, test on real (TSTR)" if r["condition"] == "synthetic" else ""
        out.append(_row(_label(r, shared), r, note))
    out += ["", "## Tail-only: generated against oversampled tail images (paired per fold)", "",
            "| method | UAR | macro-F1 | " + " | ".join(f"recall {c}" for c in TAIL) + " |", "|---|---|---|" + "---|" * len(TAIL)]
    for method, d in data["tail_vs_oversampling"].items():
        out.append(f"| {method} | {_diff_text(d['UAR'])} | {_diff_text(d['MF1'])} | " + " | ".join(_diff_text(d.get(f"recall:{c}")) for c in TAIL) + " |")
    out += ["", "## Tail-only generation against the recognition baselines (paired per fold, same folds and seeds)", "",
            "| method | vs " + " | vs ".join(BASELINES) + " |", "|---|" + "---|" * len(BASELINES)]
    for method, by_base in data["tail_vs_baselines"].items():
        out.append(f"| {method} (UAR) | " + " | ".join(_diff_text(by_base[b]["UAR"]) for b in BASELINES) + " |")
    out += ["", "## Distribution distance in the baseline CNN's feature space", "",
            "FID and KID between real training images and generated ones (ratio 1), computed on the input of the last linear "
            "layer of the real-only `pooled_cnn` of the same cell (128-d): not Inception features, so the values are not "
            "comparable with published FIDs. The floor: the same distance between the real training and real test images.", "",
            "| method | FID_cnn | KID_cnn | floor FID (real train vs real test) | floor KID |", "|---|---|---|---|---|"]
    for r in aug:
        if r["condition"] == "feature-distance":
            m = r["metrics"]
            out.append(f"| {r['method']} | {_num(m.get('FID_cnn'))} | {_num(m.get('KID_cnn'), 4)} | {_num(m.get('FID_cnn_real_test'))} | {_num(m.get('KID_cnn_real_test'), 4)} |")
    out += ["", "## Paper / ours / gap", "", "| method | paper | ours (ACC %, best real+synthetic) | gap | paper's data vs ours |", "|---|---|---|---|---|"]
    for method in sorted({r["method"] for r in aug}):
        best = max((r for r in aug if r["method"] == method and r["condition"].startswith("real+synthetic")),
                   key=lambda r: r["metrics"]["ACC"]["mean"], default=None)
        paper, source = _paper(method)
        ours = 100 * best["metrics"]["ACC"]["mean"] if best else None
        gap = "–" if ours is None or paper is None else f"{ours - paper:+.2f}"
        out.append(f"| {method} | {'–' if paper is None else f'{paper:.2f}'} | {'–' if ours is None else f'{ours:.2f}'} | {gap} | {source}; ours: muxspace, 8 long-tailed classes, person-disjoint folds |")
    out += ["", f"Outside anchor: {ANCHOR[0]}: {ANCHOR[1]:.2f} % ACC (7 classes, 28.7k training images, a far larger network); "
            "on this set ACC is dominated by neutral + happiness (92 % of the images), so UAR is the headline here.",
            "", "## Did generative augmentation beat rebalancing and classical augmentation on the tail?", ""]
    out += verdict(data) or ["- no generator cells finished yet"]
    zero = [c for c in TAIL[:2] if all((r["metrics"].get(f"recall:{c}") or {}).get("mean", 0) == 0 for r in aug
                                       if r.get("classifier") and r["condition"] != "synthetic")]
    rebalanced = next((r for r in rec_rows(data) if r["method"] == "fer-cnn-rebalanced"), None)
    if zero and rebalanced:
        recalls = ", ".join(f"{c} {100 * rebalanced['metrics'][f'recall:{c}']['mean']:.1f} %" for c in zero if f"recall:{c}" in rebalanced["metrics"])
        out.append(f"- No condition of the augmentation protocol (real, noise, oversampling, any generator at any ratio, the "
                   f"tail-only setting, either ceiling) recalls a single {' or '.join(zero)} test image in any fold; the "
                   f"class-weighted baseline (fer-cnn-rebalanced) recalls {recalls}, at an accuracy of "
                   f"{100 * rebalanced['metrics']['ACC']['mean']:.1f} %; only classifiers trained on synthetic images alone (TSTR), which "
                   "assign tail classes to much of the test set, hit some.")
    if data["left_out"]:
        out += ["", "## Cells left out", ""] + [f"- {x}" for x in data["left_out"]]
    return "\n".join(out) + "\n"


def rec_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The recognition stage's aggregated rows."""
    return data["rows"].get("recognition", [])


def _num(stat: dict[str, Any] | None, digits: int = 2) -> str:
    if not stat or not math.isfinite(stat.get("mean", math.nan)):
        return "–"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def write_table(out: Path, cfg: dict[str, Any] | None = None) -> Path:
    """Write ``out/results.md`` and ``out/results.json`` from every finished cell; returns the Markdown path."""
    data = build(out)
    payload = {k: v for k, v in data.items() if k != "cells"}
    payload.update(statistics=report.CONVENTION, config=cfg, verdict=verdict(data))
    atomic_write_text(out / "results.json", json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    atomic_write_text(out / "results.md", markdown(data, cfg))
    return out / "results.md"
