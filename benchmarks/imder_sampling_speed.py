"""IMDer samplers side by side: Euler-Maruyama (paper, 100 steps) vs fewer EM steps vs the probability-flow ODE (Heun).

One scaled-down IMDer is trained on the speaker-grouped synthetic data of the MR sweep (seed 0, MR 0.5, per-sample
masks, the training samples feeding the refiner drawn with the config's sampler and ``train_sample_steps``); then
each sampler recovers the test set's missing modalities. Reported per sampler: sampler steps/s and samples/s for
recovering audio of the whole test set from text + vision (median of ``--repeats``), score-network evaluations,
the audio recovery MSE (vs zero-fill), and the sentiment metrics at MR 0.5. Writes ``results.json`` / ``results.md``
under ``benchmarks/results/imder/sampling_speed``.

    python benchmarks/imder_sampling_speed.py [--speakers 16] [--per-speaker 16] [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from emozoo_imder.model import IMDer
from imder_common import (
    DATA_NOTE,
    RESULTS,
    bench_config,
    provenance,
    report,
    speaker_data,
    test_masks,
)

from emozoo.runtime import Runtime

SAMPLERS = [("euler_maruyama", 100), ("euler_maruyama", 20), ("euler_maruyama", 10), ("pf_ode", 20), ("pf_ode", 10), ("pf_ode", 5)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=16, help="train speakers, and as many (other) test speakers")
    parser.add_argument("--per-speaker", type=int, default=16, help="utterances per speaker")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "sampling_speed"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, test, _ = speaker_data(args.speakers, args.speakers, args.per_speaker)
    cfg = bench_config(seed=0, missing_rate=0.5)
    torch.manual_seed(0)
    model = IMDer(cfg)
    model.fit(train, runtime=Runtime(device="cpu", seed=0))
    masks = test_masks(len(test), 0.5)
    with torch.no_grad():
        truth = model.project(test.features)["audio"].transpose(1, 2)
    zero_mse = float((truth**2).mean())
    rows = []
    for method, steps in SAMPLERS:
        model.config.sampler, model.config.sample_steps = method, steps
        times, recovered = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            recovered = model.generate(test, missing="audio", seed=0).features["audio"]
            times.append(time.perf_counter() - t0)
        sec = statistics.median(times)
        evals = steps if method == "euler_maruyama" else 2 * steps - 1
        rep = report(model, test, masks)
        rows.append(
            {
                "sampler": method,
                "steps": steps,
                "score_evals": evals,
                "seconds": sec,
                "steps_per_s": steps / sec,
                "samples_per_s": len(test) / sec,
                "audio_mse": float(((recovered - truth) ** 2).mean()),
                "metrics_mr0.5": rep,
            }
        )
        print(f"{method:15s} {steps:4d} steps: {steps / sec:8.1f} steps/s {len(test) / sec:8.1f} samples/s "
              f"mse {rows[-1]['audio_mse']:.4f} Acc-2 {rep['Acc-2']:.2f} MAE {rep['MAE']:.3f}", flush=True)
    result = {
        "benchmark": "imder_sampling_speed",
        "task": "recover audio for every test sample from text + vision (speed); predict at MR 0.5 per-sample masks (metrics)",
        "zero_fill_audio_mse": zero_mse,
        "rows": rows,
        "provenance": provenance(cfg, started),
    }
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# IMDer sampling speed vs accuracy (synthetic MOSI-shaped data, CPU)",
        "",
        f"> {DATA_NOTE}",
        "",
        (
            f"{len(test)} test samples, one batch, {args.threads} torch thread(s), median of {args.repeats}; shared 2-core machine, "
            f"so absolute times are noisy — compare rows. The model was trained with {cfg.train_sample_steps}-step {cfg.sampler} "
            f"samples feeding the refiner (sigma {cfg.sigma:g}). Audio MSE is in the projected feature space; zero-fill MSE = "
            f"{zero_mse:.4f}. Metrics: MR 0.5, per-sample masks, pooled over the {len(test)} test utterances."
        ),
        "",
        "| sampler | steps | score evals | steps/s | samples/s | audio MSE | Acc-2 | F1 | Acc-7 | MAE | Corr |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        m = r["metrics_mr0.5"]
        lines.append(
            f"| {r['sampler']} | {r['steps']} | {r['score_evals']} | {r['steps_per_s']:.1f} | {r['samples_per_s']:.1f} | "
            f"{r['audio_mse']:.4f} | {m['Acc-2']:.2f} | {m['F1']:.2f} | {m['Acc-7']:.2f} | {m['MAE']:.3f} | {m['Corr']:.3f} |"
        )
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'results.json'} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
