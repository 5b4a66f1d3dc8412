"""Multistep prompting [252] beside its single-step zero-shot baseline, InstructERC and the majority class (issue #18).

MELD and EmoryNLP: the very train / test utterances of the InstructERC runs (``benchmarks/instructerc_erc.py``: the first
150 training dialogues, the first test dialogues holding >= 150 labelled utterances), whose recorded numbers
(``benchmarks/results/instructerc/erc-<data>.json``) are read back for the comparison. GoEmotions: the first
``--goemotions-test`` official test comments, 28 labels (one predicted per comment), beside tfidf-logreg trained on the
full training split and scored on the same comments. Neither LLM method trains; ``fit`` records the label set.
Answers are cached (``$EMOZOO_CACHE/generations``), so a rerun reads them back.

    python benchmarks/multistep_erc.py                       # SmolLM2-135M-Instruct, all three data sets

Writes ``benchmarks/results/text/multistep/results.json`` and ``results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "results" / "text" / "multistep"
INSTRUCTERC = ROOT / "benchmarks" / "results" / "instructerc"
sys.path.insert(0, str(ROOT / "benchmarks"))
from instructerc_erc import _batch, _metrics as _scores  # noqa: E402  (the InstructERC runs' data selection and scores)


def _llm(method: str, base: str, train, test, gold, num_labels: int) -> dict:
    import emozoo

    model = emozoo.load(method, base_model=base)
    model.fit(train)
    t = time.perf_counter()
    pred = model.predict(test)
    labels = pred.labels.numpy()
    out = {"seconds": round(time.perf_counter() - t, 1), "parse_report": pred.extra["parse_report"],
           "unparseable_share": round(pred.extra["unparseable_share"], 4), "truncated_utterances": pred.extra["truncated_utterances"],
           "examples": [{"answer": a, "description": d} for a, d in list(zip(pred.extra["answers"], pred.extra["descriptions"]))[:5]]}  # fmt: skip
    if labels.ndim == 2:
        from emozoo import metrics

        rep = metrics.multilabel_report(gold, labels)
        out.update({k: round(100 * rep[k], 2) for k in ("MF1", "microF1", "WF1")})
    else:
        out.update(_scores(gold, labels, num_labels))
    return out


def run_dialogues(name: str, base: str) -> dict:
    import numpy as np

    from emozoo_text.dialogue import EmoryNLPAdapter, MELDAdapter

    adapter = {"meld": MELDAdapter, "emorynlp": EmoryNLPAdapter}[name]
    recorded = json.loads((INSTRUCTERC / f"erc-{name}.json").read_text())["datasets"][0]
    sizes = recorded["sizes"]
    train, _ = _batch(adapter, DATA / name, "train", dialogues=sizes["train_dialogues"])
    test, _ = _batch(adapter, DATA / name, "test", utterances=150)
    names = list(test.label_names)
    gold = np.array([names.index(d.utterances[p].label) for d, p in test.targets()])
    assert len(gold) == sizes["test_utterances"], (len(gold), sizes)
    majority = np.full_like(gold, np.bincount([names.index(d.utterances[p].label) for d, p in train.targets()]).argmax())
    row = {"sizes": sizes, "majority-class (train)": _scores(gold, majority, len(names)),
           "instructerc zero-shot (recorded)": recorded["zero_shot"]["generate+parse"] | {"parse_report": recorded["zero_shot"]["parse_report"]},
           "instructerc LoRA 120 steps (recorded)": recorded["instructerc"]["generate+parse"]}  # fmt: skip
    for method in ("zero-shot-erc", "multistep-erc"):
        row[method] = _llm(method, base, train, test, gold, len(names))
        print(name, method, {k: row[method][k] for k in ("WF1", "ACC", "MF1", "unparseable_share")}, file=sys.stderr, flush=True)
    return row


def run_goemotions(base: str, n_test: int) -> dict:
    import emozoo
    from emozoo import metrics
    from emozoo_text.adapters import GoEmotionsAdapter

    fold = next(GoEmotionsAdapter().folds(data_dir=DATA / "goemotions"))
    test = fold.test.index(slice(0, n_test))
    gold = test.labels.numpy().astype("int64")
    tfidf = emozoo.load("tfidf-logreg")
    tfidf.fit(fold.train, fold.val)
    rep = metrics.multilabel_report(gold, tfidf.predict(test).labels.numpy())
    row = {"sizes": {"test_texts": n_test, "train_texts": len(fold.train)},
           "tfidf-logreg (full train)": {k: round(100 * rep[k], 2) for k in ("MF1", "microF1", "WF1")}}  # fmt: skip
    for method in ("zero-shot-erc", "multistep-erc"):
        row[method] = _llm(method, base, fold.train, test, gold, gold.shape[1])
        print("goemotions", method, {k: row[method][k] for k in ("MF1", "microF1", "unparseable_share")}, file=sys.stderr, flush=True)
    return row


def markdown(results: dict) -> str:
    lines = ["# Multistep prompting [252] beside zero-shot, InstructERC and the majority class", "",
             f"Base LM: {results['base_model']}; no task training; greedy decoding. Percent. {results['note']}", ""]  # fmt: skip
    for name, row in results["datasets"].items():
        lines += [f"## {name} ({row['sizes']})", "", "| method | WF1 | ACC | MF1 | microF1 | unparseable |", "|---|---|---|---|---|---|"]
        for method, r in row.items():
            if method == "sizes":
                continue
            pr = r.get("parse_report")
            unp = f"{r['unparseable_share']:.1%}" if "unparseable_share" in r else (f"{pr['unparseable']} of {sum(pr.values())}" if pr else "-")
            lines.append(f"| {method} | {r.get('WF1', '-')} | {r.get('ACC', '-')} | {r.get('MF1', '-')} | {r.get('microF1', '-')} | {unp} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-model", default="smollm2-135m")
    p.add_argument("--datasets", nargs="+", default=["meld", "emorynlp", "goemotions"])
    p.add_argument("--goemotions-test", type=int, default=300)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {"datasets": {}}
    results.update({"base_model": args.base_model, "note": "unparseable answers get the closest label and are counted."})
    t0 = time.perf_counter()
    for name in args.datasets:
        results["datasets"][name] = run_goemotions(args.base_model, args.goemotions_test) if name == "goemotions" else run_dialogues(name, args.base_model)
        results["wall_seconds"] = round(time.perf_counter() - t0, 1)
        from emozoo._fileio import atomic_write_text

        atomic_write_text(path, json.dumps(results, indent=2, ensure_ascii=False))
        atomic_write_text(args.out / "results.md", markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
