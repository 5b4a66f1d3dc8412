"""Generation throughput of emozoo's LLM text generator vs a plain ``transformers`` ``generate`` loop (issue #18).

Both sample the same chunks of class-conditional prompts (``llm-gen-aug``'s prompt for a few GoEmotions classes) with
the same model, batch size, sampling settings and per-chunk seeds; runs alternate (plain, ours, plain, ours, ...) so
load on the shared machine hits both alike, and the medians are compared. Target: ours >= 1.0x the plain loop's
tokens/s. A third timing reads the same chunks back from the generation cache (the cached rerun of an augmentation).

    python benchmarks/speed_text_generation.py --rounds 3

Writes ``benchmarks/results/text/speed_generation.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "text"
CLASSES = ("joy", "anger", "fear", "neutral")


def plain_loop(model, tokenizer, prompts: list[list[str]], seeds: list[int], settings) -> tuple[float, int]:
    """The reference: tokenize each chunk (left padding), ``model.generate`` with sampling, decode; (seconds, new tokens)."""
    import torch

    tokenizer.padding_side = "left"
    start, tokens = time.perf_counter(), 0
    for chunk, seed in zip(prompts, seeds):
        rendered = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True) for p in chunk]
        enc = tokenizer(rendered, return_tensors="pt", padding=True, add_special_tokens=False)
        torch.manual_seed(seed)
        with torch.inference_mode():
            out = model.generate(**enc, do_sample=True, temperature=settings.temperature, top_p=settings.top_p, top_k=0,
                                 max_new_tokens=settings.max_new_tokens, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
        new = out[:, enc["input_ids"].shape[1]:]
        tokenizer.batch_decode(new, skip_special_tokens=True)
        eos = {tokenizer.eos_token_id, tokenizer.pad_token_id} - {None}
        tokens += sum(next((i + 1 for i, t in enumerate(row) if t in eos), len(row)) for row in new.tolist())  # ours' rule
    return time.perf_counter() - start, tokens


def ours(generator, prompts: list[list[str]], seeds: list[int]) -> tuple[float, int]:
    before = generator.stats.new_tokens
    start = time.perf_counter()
    for chunk, seed in zip(prompts, seeds):
        generator.sample(chunk, seed)
    return time.perf_counter() - start, generator.stats.new_tokens - before


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-model", default="smollm2-135m")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--chunks", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    from emozoo_llm_textaug.generation import GenerationCache, SamplingSettings, TextGenerator, load_base_once
    from emozoo_llm_textaug.prompts import generation_prompt

    model, tokenizer, sha = load_base_once(args.base_model)
    settings = SamplingSettings(max_new_tokens=32, temperature=0.8, top_p=0.95)
    prompts = [[generation_prompt(CLASSES[(k + j) % len(CLASSES)], "reddit") for j in range(args.batch_size)] for k in range(args.chunks)]
    seeds = list(range(100, 100 + args.chunks))
    plain_generator = TextGenerator(model, tokenizer, sha, settings, cache=None)
    ours(plain_generator, prompts[:1], seeds[:1])  # warm-up (first-call allocations), not timed
    runs = {"plain": [], "ours": []}
    for _ in range(args.rounds):
        s, n = plain_loop(model, tokenizer, prompts, seeds, settings)
        runs["plain"].append((s, n))
        s, n = ours(plain_generator, prompts, seeds)
        runs["ours"].append((s, n))
    with tempfile.TemporaryDirectory() as tmp:
        cached = TextGenerator(model, tokenizer, sha, settings, cache=GenerationCache(tmp))
        first = ours(cached, prompts, seeds)[0]
        again = [ours(cached, prompts, seeds)[0] for _ in range(args.rounds)]
    texts = args.batch_size * args.chunks

    def summary(key: str) -> dict:
        secs = statistics.median(s for s, _ in runs[key])
        toks = statistics.median(n for _, n in runs[key])
        return {"median_seconds": round(secs, 3), "new_tokens": toks, "tokens_per_s": round(toks / secs, 2), "texts_per_s": round(texts / secs, 3),
                "runs": [[round(s, 3), n] for s, n in runs[key]]}  # fmt: skip

    result = {"base_model": args.base_model, "batch_size": args.batch_size, "chunks": args.chunks, "rounds": args.rounds,
              "threads": args.threads, "max_new_tokens": settings.max_new_tokens, "plain": summary("plain"), "ours": summary("ours"),
              "cached_rerun_seconds": round(statistics.median(again), 4), "uncached_first_seconds": round(first, 3)}  # fmt: skip
    result["ratio_tokens_per_s"] = round(result["ours"]["tokens_per_s"] / result["plain"]["tokens_per_s"], 3)
    result["cached_speedup"] = round(first / max(result["cached_rerun_seconds"], 1e-6), 1)
    result["same_tokens"] = [n for _, n in runs["plain"]] == [n for _, n in runs["ours"]]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed_generation.json").write_text(json.dumps(result, indent=2))
    md = [f"# Generation throughput: emozoo's TextGenerator vs a plain transformers generate loop ({args.base_model})", "",
          f"Same {args.chunks} chunks of {args.batch_size} prompts, same seeds, {settings.max_new_tokens} new tokens at most, "
          f"{args.threads} thread(s); {args.rounds} alternating rounds, medians.", "",
          "| loop | tokens/s | texts/s | median s |", "|---|---|---|---|",
          f"| plain transformers generate | {result['plain']['tokens_per_s']} | {result['plain']['texts_per_s']} | {result['plain']['median_seconds']} |",
          f"| emozoo TextGenerator | {result['ours']['tokens_per_s']} | {result['ours']['texts_per_s']} | {result['ours']['median_seconds']} |", "",
          f"Ratio (ours / plain, tokens/s): **{result['ratio_tokens_per_s']}x** (target >= 1.0x); the same tokens sampled: {result['same_tokens']}.",
          f"Cached rerun: {result['cached_rerun_seconds']} s vs {result['uncached_first_seconds']} s first time ({result['cached_speedup']}x)."]  # fmt: skip
    (args.out / "speed_generation.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
