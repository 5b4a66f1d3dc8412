"""Speed of physio-ddpm: one training epoch of the plugin vs a hand-written PyTorch loop, and generate throughput.

Both loops train the same 1-D U-Net (the benchmark's CPU configuration: base 16, mult (1, 2, 2, 2), 1 res block,
patch 4, attention at the lowest level) with the same L_simple, Adam, gradient clipping and EMA on the same
standardised windows [N, 4, 960] (toy wrist-like signals, 2 classes) at batch size 32; the plugin goes through
emozoo's Runtime. The runs alternate (plugin, hand, plugin, hand, ...) and the ratio is median(plugin epoch) /
median(hand epoch) in process CPU time (robust to other jobs on a shared machine); target <= 1.05. Then windows are
generated with 50 DDIM steps. One CPU thread.

    python benchmarks/speed_physio_ddpm.py [--n 600] [--repeats 3] [--generate 64]

Writes benchmarks/results/wearable/speed_physio_ddpm.json and .md.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch
from emozoo_physio_diffusion.diffusion import l_simple, q_sample
from emozoo_physio_diffusion.model import PhysioDDPM, ema_update

from emozoo.data.batches import PhysioBatch
from emozoo.runtime import Runtime

OUT = Path(__file__).parent / "results" / "wearable"
CHANNELS, LENGTH, BATCH = 4, 960, 32
CPU_CONFIG = {
    "base_channels": 16, "channel_mult": (1, 2, 2, 2), "num_res_blocks": 1, "attention_levels": (False, False, False, True),
    "patch_size": 4, "dropout": 0.0, "batch_size": BATCH, "lr": 1e-3, "ema_decay": 0.999, "sampler": "ddim",
    "sampling_steps": 50,
}


def make_data(n: int) -> PhysioBatch:
    """Toy wrist-like windows [n, 4, 960] at 16 Hz: class-dependent BVP frequency, EDA level and HR."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 2
    t = torch.arange(LENGTH) / 16.0
    bvp = torch.sin(2 * math.pi * (1.0 + 0.5 * labels.float()[:, None]) * t + 2 * math.pi * torch.rand(n, 1, generator=g))
    eda = 2 + labels.float()[:, None] + 0.1 * torch.randn(n, LENGTH, generator=g).cumsum(-1) / 30
    temp = (33 + 0.1 * torch.randn(n, 1, generator=g)).expand(n, LENGTH)
    hr = 70 + 15 * labels.float()[:, None] + 2 * torch.sin(2 * math.pi * 0.05 * t)
    x = torch.stack([bvp, eda, temp, hr], 1) + 0.05 * torch.randn(n, CHANNELS, LENGTH, generator=g)
    return PhysioBatch(features=x, labels=labels, modality="wrist", layout="channels_time", band_names=("bvp", "eda", "temp", "hr"))


def plugin_epoch(train: PhysioBatch) -> float:
    """CPU seconds of the plugin's one training epoch, as its training loop times it (set-up excluded)."""
    model = PhysioDDPM({**CPU_CONFIG, "epochs": 1})
    start = [0.0]

    class Clock:
        def on_train_begin(self) -> None:
            start[0] = time.process_time()

        def on_epoch_end(self, epoch: int, logs: dict) -> bool:
            start.append(time.process_time() - start[0])
            return False

    model.fit_generator(train, runtime=Runtime(device="cpu", progress=False), callbacks=[Clock()])
    return start[1]


def hand_epoch(train: PhysioBatch) -> float:
    """CPU seconds of one epoch of plain PyTorch over the same network, objective, optimiser, clipping, EMA and batch."""
    model = PhysioDDPM({**CPU_CONFIG, "epochs": 1})
    x, y = train.features, train.labels
    with torch.no_grad():
        model.channel_mean.copy_(x.mean((0, 2)))
        model.channel_std.copy_(x.std((0, 2), unbiased=False))
    z = model.standardize(x)
    net, ema = model.net, copy.deepcopy(model.net).requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=CPU_CONFIG["lr"])
    schedule, mask = model.schedule, model.loss_mask()
    g = torch.Generator().manual_seed(0)
    net.train()
    start = time.process_time()
    for step, rows in enumerate(torch.randperm(len(y), generator=g).split(BATCH)):
        x0, labels = z[rows], y[rows]
        index = torch.randint(0, schedule.num_steps, (len(x0),))
        noise = torch.randn_like(x0)
        loss = l_simple(net(q_sample(schedule, x0, index, noise), schedule.timesteps[index], labels), noise, mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        ema_update(ema, net, CPU_CONFIG["ema_decay"], step)
        _ = loss.item()  # the plugin's loop logs it
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--generate", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    train = make_data(args.n)
    hand_epoch(train)  # warm-up (oneDNN kernels) for both
    plugin_s, hand_s = [], []
    for _ in range(args.repeats):
        plugin_s.append(plugin_epoch(train))
        hand_s.append(hand_epoch(train))
    ratio = statistics.median(plugin_s) / statistics.median(hand_s)
    model = PhysioDDPM({**CPU_CONFIG, "epochs": 1})
    model.fit_generator(train)
    start = time.process_time()
    fake = model.generate(args.generate, seed=0)
    gen_s = time.process_time() - start
    assert fake.features.shape == (args.generate, CHANNELS, LENGTH)
    results = {
        "n": args.n, "channels": CHANNELS, "length": LENGTH, "batch_size": BATCH, "repeats": args.repeats,
        "threads": torch.get_num_threads(), "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in CPU_CONFIG.items()},
        "parameters": sum(p.numel() for p in model.net.parameters()),
        "plugin_epoch_cpu_s": [round(s, 3) for s in plugin_s], "hand_epoch_cpu_s": [round(s, 3) for s in hand_s],
        "ratio": round(ratio, 3), "generate_n": args.generate, "sampler": "ddim x 50 steps",
        "generate_cpu_s": round(gen_s, 2), "windows_per_s": round(args.generate / gen_s, 2),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "speed_physio_ddpm.json").write_text(json.dumps(results, indent=2) + "\n")
    md = [
        "# physio-ddpm speed (CPU, 1 thread)", "",
        (f"Benchmark CPU config ({results['parameters']:,} U-Net parameters), {args.n} windows of {CHANNELS} x {LENGTH}, "
         f"batch {BATCH}; {args.repeats} alternating runs, medians of process CPU time."), "",
        "| what | CPU seconds | note |", "|---|---|---|",
        f"| one epoch, plugin (Runtime) | {statistics.median(plugin_s):.2f} | runs {results['plugin_epoch_cpu_s']} |",
        f"| one epoch, hand-written loop | {statistics.median(hand_s):.2f} | same U-Net, L_simple, Adam, clipping, EMA; runs {results['hand_epoch_cpu_s']} |",
        f"| ratio plugin / hand | {ratio:.3f} | target <= 1.05 |",
        f"| generate {args.generate} windows | {gen_s:.2f} | 50 DDIM steps, {args.generate / gen_s:.2f} windows/s |", "",
        "The machine is shared with other jobs; CPU time is used because wall time varies with their load.",
    ]
    (OUT / "speed_physio_ddpm.md").write_text("\n".join(md) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
