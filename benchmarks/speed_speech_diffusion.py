"""Speed of speech-ddpm: one epoch of the plugin vs a hand-written PyTorch loop, and DDIM generate throughput.

Both loops train the same U-Net (default config: 16 base channels, (1, 2, 2), patch 2, learned variance) with the same
L_hybrid, Adam and EMA on 1,000 random log-mel maps of 128 x 64 at batch size 32; the plugin goes through emozoo's
Runtime. Then 200 maps are generated with the default sampler (50 DDIM steps). One CPU thread.
Writes benchmarks/results/speech/speed_speech_diffusion.json and .md.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

from emozoo.data.batches import AudioBatch  # noqa: E402
from emozoo.runtime import Runtime  # noqa: E402
from emozoo_speech_diffusion.diffusion import q_sample, training_losses  # noqa: E402
from emozoo_speech_diffusion.model import SpeechDDPM, ema_update  # noqa: E402

OUT = Path(__file__).parent / "results" / "speech"
N, T, D, BATCH, GENERATE = 1000, 128, 64, 32, 200


def hand_written_epoch(model: SpeechDDPM, z: torch.Tensor, y: torch.Tensor) -> float:
    """One epoch of plain PyTorch over the same network, objective, optimiser, EMA and batch size; seconds."""
    c = model.config
    net, ema = model.net, copy.deepcopy(model.net).requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=c.lr)
    schedule, mask = model.schedule, model.loss_mask()
    g = torch.Generator().manual_seed(0)
    net.train()
    start = time.perf_counter()
    for step, rows in enumerate(torch.randperm(len(y), generator=g).split(BATCH)):
        x0, labels = z[rows], y[rows]
        index = torch.randint(0, schedule.num_steps, (len(x0),))
        noise = torch.randn_like(x0)
        xt = q_sample(schedule, x0, index, noise)
        out = net(xt, schedule.timesteps[index], labels)
        loss = training_losses(out, schedule, x0, xt, index, noise, mask, c.vlb_weight)["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema_update(ema, net, c.ema_decay, step)
    return time.perf_counter() - start


def main() -> None:
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    train = AudioBatch(inputs=-40 + 15 * torch.randn(N, T, D, generator=g), labels=torch.arange(N) % 8, kind="features")
    results: dict[str, object] = {"n": N, "frames": T, "n_mels": D, "batch_size": BATCH, "threads": torch.get_num_threads(),
                                  "torch": torch.__version__, "cpu": platform.processor() or platform.machine()}
    reference = SpeechDDPM({"epochs": 1, "batch_size": BATCH})
    with torch.no_grad():
        flat = train.inputs.reshape(-1, D)
        reference.mel_mean.copy_(flat.mean(0))
        reference.mel_std.copy_(flat.std(0, unbiased=False))
    z = reference.standardize(train.inputs)
    hand_first = hand_written_epoch(reference, z, train.labels)  # also warms up oneDNN's kernels for both
    plugin = SpeechDDPM({"epochs": 2, "batch_size": BATCH})
    results["parameters"] = sum(p.numel() for p in plugin.net.parameters())
    history = plugin.fit_generator(train, runtime=Runtime(device="cpu", progress=False))
    plugin_s = min(r["seconds"] for r in history)  # the loop's own epoch time: set-up (statistics, prepare) is not an epoch
    hand_s = min(hand_first, hand_written_epoch(SpeechDDPM({"epochs": 1, "batch_size": BATCH}), z, train.labels))
    results.update({"plugin_epoch_s": round(plugin_s, 2), "hand_epoch_s": round(hand_s, 2), "ratio": round(plugin_s / hand_s, 3)})
    start = time.perf_counter()
    fake = plugin.generate(GENERATE, seed=0)
    gen_s = time.perf_counter() - start
    assert fake.features.shape == (GENERATE, T, D)
    results.update({"generate_n": GENERATE, "sampler": f"{plugin.config.sampler} x {plugin.config.sampling_steps} steps",
                    "generate_s": round(gen_s, 2), "samples_per_s": round(GENERATE / gen_s, 2)})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "speed_speech_diffusion.json").write_text(json.dumps(results, indent=2) + "\n")
    md = [
        "# speech-ddpm speed (CPU, 1 thread)", "",
        f"Default config ({results['parameters']:,} U-Net parameters), {N} log-mel maps of {T} x {D}, batch {BATCH}.", "",
        "| what | seconds | note |", "|---|---|---|",
        f"| one epoch, plugin (Runtime) | {plugin_s:.2f} | best of 2 epochs, as the training loop times them |",
        f"| one epoch, hand-written loop | {hand_s:.2f} | same U-Net, L_hybrid, Adam, EMA; best of 2 (before and after the plugin) |",
        f"| ratio plugin / hand | {plugin_s / hand_s:.3f} | target <= 1.05 |",
        f"| generate {GENERATE} maps | {gen_s:.2f} | {results['sampler']}, {GENERATE / gen_s:.2f} samples/s |", "",
        "The machine is shared with other jobs; timings vary by about 10 % between runs.",
    ]
    (OUT / "speed_speech_diffusion.md").write_text("\n".join(md) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
