"""Merge the RAVDESS speech benchmark's finished cells into one table (``results.md`` / ``results.json``).

Reads every verified cell under ``OUT/<stage>/cells`` (:class:`emozoo.bench.store.CellStore`: a cell whose signature
does not verify is left out and listed), aggregates them with emozoo's one statistics convention
(:func:`emozoo.bench.report.aggregate`: mean ± sample std over folds x seeds, 95 % t-interval over the folds, whose
speaker sets are the independent units), and writes the side-by-side table: the three classical baselines, the
protocol's real-only reference (the same CNN), every generator at each synthetic:real ratio, train-on-synthetic,
the noise baseline and both oracle ceilings; then paper / ours / gap, EmoBox's outside anchors and the plain answer
to "did generative augmentation beat the classical baselines?".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emozoo._fileio import atomic_write_text
from emozoo.bench import report
from emozoo.bench.store import CellStore

STAGE_NAMES = ("recognition-logmel", "recognition-waveform", "augmentation-logmel", "augmentation-egemaps")
ANCHORS = {"WavLM-large": 72.00, "HuBERT-large": 70.00, "Whisper-large-v3": 75.32}
BASELINES = ("speech-cnn", "speech-cnn-specaugment", "speech-cnn-signalaug")
METRICS = ("UAR", "ACC")  # UA and WA


def load_cells(out: Path, stages: tuple[str, ...] = STAGE_NAMES) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Verified ok cells per stage, and what was left out (unverifiable or failed cells)."""
    cells: dict[str, list[dict[str, Any]]] = {}
    left_out: list[str] = []
    for stage in stages:
        root = out / stage / "cells"
        if not root.is_dir():
            continue
        store = CellStore(out / stage)
        for path in sorted(root.glob("*.json")):
            found = store.load(path.stem, expect={})
            if found.cell is None:
                left_out.append(f"{stage}/{path.name}: {found.problem}")
            elif found.cell.get("status") != "ok":
                left_out.append(f"{stage}/{path.name}: failed ({str(found.cell.get('error', ''))[:160]})")
            else:
                cells.setdefault(stage, []).append(found.cell)
    return cells, left_out


def _pct(stat: dict[str, Any] | None) -> str:
    if not stat:
        return "–"
    text = f"{100 * stat['mean']:.2f} ± {100 * stat['std']:.2f}"
    if stat.get("ci95") is not None:
        text += f" [±{100 * stat['ci95']:.2f}]"
    return text


def _row_line(label: str, row: dict[str, Any], extra: str = "") -> str:
    metrics = row["metrics"]
    gain = (row.get("gain") or {}).get("UAR")
    gain_text = "–" if gain is None else f"{100 * gain['mean']:+.2f}" + ("" if gain.get("ci95") is None else f" [±{100 * gain['ci95']:.2f}]")
    fit = "" if row.get("converged") is None else f"{100 * row['converged']:.0f} % of fits converged"
    notes = "; ".join(x for x in (extra, fit) if x)
    return f"| {label} | {_pct(metrics.get('UAR'))} | {_pct(metrics.get('ACC'))} | {gain_text} | {row['n']} ({row['n_units']} folds) | {notes} |"


def _best(rows: list[dict[str, Any]], method: str, condition: str = "real+synthetic", classifier: str | None = None) -> dict[str, Any] | None:
    mine = [r for r in rows if r["method"] == method and r["condition"] == condition and (classifier is None or r["classifier"] == classifier)]
    return max(mine, key=lambda r: r["metrics"]["UAR"]["mean"]) if mine else None


def _paper(method: str) -> tuple[float | None, str]:
    """The paper's reported number and where it comes from (the method's spec)."""
    try:
        import emozoo

        spec = emozoo.get_spec(method)
    except Exception:  # noqa: BLE001 - an uninstalled method has no spec here
        return None, ""
    for r in spec.reported:
        return float(r.value), f"{r.dataset} {r.metric} ({r.source}{'; ' + r.note if r.note else ''})"
    return None, ""


def build(out: Path) -> dict[str, Any]:
    """Rows per stage, the comparison lines and the verdict."""
    cells, left_out = load_cells(out)
    rows = {stage: report.aggregate(stage_cells) for stage, stage_cells in cells.items()}
    seeds = sorted({c["seed"] for cs in cells.values() for c in cs})
    folds = sorted({c["fold"] for cs in cells.values() for c in cs})
    return {"rows": rows, "left_out": left_out, "seeds": seeds, "folds": folds,
            "n_cells": {s: len(c) for s, c in cells.items()}}  # fmt: skip


def verdict(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Plain sentences: each generator's best ratio against the best classical baseline and the real-only reference."""
    rec = rows.get("recognition-logmel", []) + rows.get("recognition-waveform", [])
    base = [r for r in rec if r["method"] in BASELINES]
    best_base = max(base, key=lambda r: r["metrics"]["UAR"]["mean"]) if base else None
    lines = []
    for stage in ("augmentation-logmel", "augmentation-egemaps"):
        for method in sorted({r["method"] for r in rows.get(stage, [])}):
            best = _best(rows[stage], method)
            if best is None:
                continue
            ua = best["metrics"]["UAR"]
            gain = (best.get("gain") or {}).get("UAR")
            text = f"- **{method}** (best ratio {best['ratio']:g}, {best['classifier']}): UA {100 * ua['mean']:.2f}"
            if gain is not None:
                sig = gain.get("ci95")
                beats = sig is not None and gain["mean"] - sig > 0
                loses = sig is not None and gain["mean"] + sig < 0
                text += f", {100 * gain['mean']:+.2f} points over real-only with the same classifier"
                if sig is None:
                    text += " (one fold: no interval)"
                else:
                    text += f" [±{100 * sig:.2f}]" + (" (interval excludes 0: a gain)" if beats else " (interval excludes 0: a loss)"
                                                      if loses else " (interval includes 0: no measurable effect)")
            noise = next((r for r in rows[stage] if r["method"] == method and r["condition"] == "real+noise" and r["ratio"] == best["ratio"]
                          and r["classifier"] == best["classifier"]), None)  # fmt: skip
            if noise is not None:
                text += f"; Gaussian-noise copies at the same ratio give UA {100 * noise['metrics']['UAR']['mean']:.2f}"
            if best_base is not None and stage == "augmentation-logmel":
                diff = ua["mean"] - best_base["metrics"]["UAR"]["mean"]
                text += f"; {100 * diff:+.2f} points against the best classical baseline ({best_base['method']}, UA {100 * best_base['metrics']['UAR']['mean']:.2f})"
            lines.append(text + ".")
    return lines


def markdown(data: dict[str, Any], cfg: dict[str, Any] | None = None) -> str:
    rows = data["rows"]
    out = [
        "# RAVDESS speech benchmark: classical baselines and surveyed generators side by side",
        "",
        "Real RAVDESS speech (1,440 utterances, 24 actors, 8 emotions; CC BY-NC-SA 4.0, non-commercial), EmoBox's six "
        "speaker-independent folds. Every method trains on the same reduced training set (2 validation actors, 4 "
        "new-units pool actors and half of each remaining actor's utterances held back for the oracle ceilings). "
        f"Folds: {', '.join(data['folds']) or '–'}; seeds: {', '.join(map(str, data['seeds'])) or '–'}.",
        "",
        "Budget (2 CPU cores, `benchmarks/configs/speech_ravdess.toml`): 2.56 s per utterance (silence trimmed at 30 dB) as "
        "64 log-mel bands x 64 frames of 40 ms; every CNN is `pooled_cnn` (channels 8-16-32-64) trained 20 epochs; BAGAN at "
        "CPU width, 30 epochs; DDPM 60 epochs (840 steps, lr 2e-3); AAE 200 epochs. Cells per row are in the `cells` column: "
        "baselines and the eGeMAPS generators ran 3 seeds on all 6 folds; BAGAN and the DDPM 3 seeds on folds 1-2 and 1 seed "
        "on folds 3-6 (the CPU budget's fallback).",
        "",
        "Cells: UA (= UAR) and WA (= ACC) in %, mean ± std over folds x seeds [95 % t-interval over folds]; "
        "gain = UA minus the real-only reference of the same classifier, per fold (its interval over folds).",
        "",
        "| method / condition | UA | WA | gain UA | cells | notes |",
        "|---|---|---|---|---|---|",
    ]
    for stage in ("recognition-logmel", "recognition-waveform"):
        for r in rows.get(stage, []):
            out.append(_row_line(f"{r['method']} (baseline)", r, "recognition protocol"))
    for stage in ("augmentation-logmel", "augmentation-egemaps"):
        stage_rows = rows.get(stage, [])
        shared_done: set[tuple] = set()
        for r in sorted(stage_rows, key=lambda r: (r["condition"] not in ("real",), r["method"], r["condition"], r["ratio"] or 0.0, r["classifier"] or "")):
            if r["condition"] == "distribution":
                continue
            if r["condition"] in ("real", "real+noise", "ceiling:same-units", "ceiling:new-units"):
                key = (r["condition"], r["ratio"], r["classifier"])
                if key in shared_done:
                    continue  # the same numbers for every generator of the stage
                shared_done.add(key)
                label = f"{r['condition']}" + ("" if r["ratio"] is None else f" @ {r['ratio']:g}") + f" ({r['classifier']}, {stage.split('-')[1]})"
            else:
                label = f"{r['method']} {r['condition']}" + ("" if r["ratio"] is None else f" @ {r['ratio']:g}") + f" ({r['classifier']})"
            out.append(_row_line(label, r))
    out += ["", "## Paper / ours / gap", "", "| method | paper | ours (best ratio, UA %) | gap | paper's data |", "|---|---|---|---|---|"]
    for stage in ("augmentation-logmel", "augmentation-egemaps"):
        for method in sorted({r["method"] for r in rows.get(stage, [])}):
            best = _best(rows[stage], method)
            paper, source = _paper(method)
            ours = 100 * best["metrics"]["UAR"]["mean"] if best else None
            gap = "–" if ours is None or paper is None else f"{ours - paper:+.2f}"
            out.append(f"| {method} | {'–' if paper is None else f'{paper:.2f}'} | {'–' if ours is None else f'{ours:.2f}'} | {gap} | {source} |")
    out += ["", "The papers' numbers are on IEMOCAP (4 classes, mostly improvised or scripted dyadic speech) or other corpora, "
            "not on RAVDESS (8 acted classes, 2 sentences): the gap compares different data and is not a reproduction error by itself.",
            "", "## Outside anchors on the same folds (EmoBox)", "",
            "Frozen self-supervised encoders (pretrained on thousands of hours) with a small head, on the full training folds; "
            "ours train from scratch on a reduced set, so they are not expected to reach these.", "",
            "| model | UA % |", "|---|---|"]
    out += [f"| {k} | {v:.2f} |" for k, v in ANCHORS.items()]
    out += ["", "## Did generative augmentation beat the classical baselines?", ""] + (verdict(rows) or ["- no generator cells finished yet"])
    if data["left_out"]:
        out += ["", "## Cells left out", ""] + [f"- {x}" for x in data["left_out"]]
    return "\n".join(out) + "\n"


def write_table(out: Path, cfg: dict[str, Any] | None = None) -> Path:
    """Write ``out/results.md`` and ``out/results.json`` from every finished cell; returns the Markdown path."""
    data = build(out)
    payload = {**data, "statistics": report.CONVENTION, "config": cfg, "anchors": ANCHORS, "verdict": verdict(data["rows"])}
    cross = out / "cross_corpus.json"
    text = markdown(data, cfg)
    if cross.exists():
        payload["cross_corpus"] = json.loads(cross.read_text(encoding="utf-8"))
        text += "\n" + cross_corpus_markdown(payload["cross_corpus"])
    atomic_write_text(out / "results.json", json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    atomic_write_text(out / "results.md", text)
    return out / "results.md"


def cross_corpus_markdown(cross: dict[str, Any]) -> str:
    lines = ["## Cross-corpus: trained on RAVDESS fold 1, tested on the 12 bundled CREMA-D clips", "",
             cross.get("note", ""), "", "| model | UA % | WA % | correct / 12 |", "|---|---|---|---|"]
    for name, r in cross.get("models", {}).items():
        lines.append(f"| {name} | {100 * r['UAR']:.1f} | {100 * r['ACC']:.1f} | {r['correct']} / {r['n']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    print(write_table(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results" / "speech"))
