"""Load speed: ``emozoo.from_pretrained(local dir)`` against a raw ``safetensors.torch.load_file`` of the same weights.

Target (issue 5): from_pretrained <= 1.2x the raw load. from_pretrained does more than the raw load on
purpose: it reads and checks ``emozoo.json`` and the config, checks the plugin's version range, sha256s
every file, builds the model through the plugin and loads strictly; the raw load only reads tensors.
``load_file`` memory-maps the file, so its tensors are not even read; a second, fairer reference is the
least a strict loader must do without any checks: build the model, ``load_file``, ``load_state_dict(strict=True)``.
Runs alternate between the loaders so machine noise hits all alike; medians are recorded, with a breakdown
of from_pretrained's extra time (sha256 of every file, building the model). Subjects: the toy plugin at
three sizes and every installed real plugin at its default config.

    python benchmarks/load_speed.py [--runs 15] [--out benchmarks/results/load_speed]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOY_SIZES = {"toy-small": 16, "toy-medium": 2048, "toy-large": 8192}  # hidden width with in_features=310 (62 x 5)
REAL = ("vae-d2gan", "cwgan")


def _times(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _subjects():
    """(name, model) pairs: the toy at three sizes, then the installed real plugins."""
    import emozoo
    from emozoo import registry as registry_mod

    sys.path.insert(0, str(REPO / "tests" / "fixtures" / "emozoo-toy"))
    reg = registry_mod.get_registry()
    if "toy-mlp" not in {s.id for s in reg.list_methods()}:
        reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
    for name, hidden in TOY_SIZES.items():
        yield name, emozoo.load("toy-mlp", in_features=310, hidden=hidden)
    for method in REAL:
        try:
            emozoo.get_spec(method)
        except emozoo.EmozooError:
            continue
        yield method, emozoo.load(method)


def measure(name: str, model, root: Path, runs: int) -> dict:
    """Median seconds of both loads (alternating), plus the hashing and build components of from_pretrained."""
    import torch
    from safetensors.torch import load_file

    import emozoo
    from emozoo._fileio import sha256_file
    from emozoo.artifact import WEIGHTS_NAME

    directory = root / name
    model.save_pretrained(directory, metadata={"training_data": {"dataset": "benchmark", "license": "n/a"}})
    weights = directory / WEIGHTS_NAME
    ours_fn = lambda: emozoo.from_pretrained(directory)
    raw_fn = lambda: load_file(str(weights))
    minimal_fn = lambda: type(model)(model.config).load_state_dict(load_file(str(weights)), strict=True)
    ours_fn(), raw_fn(), minimal_fn()  # warm the page cache and lazy imports
    ours, raw, minimal = [], [], []
    for _ in range(runs):
        ours += _times(ours_fn, 1)
        raw += _times(raw_fn, 1)
        minimal += _times(minimal_fn, 1)
    hashing = _times(lambda: [sha256_file(p) for p in directory.iterdir() if p.is_file()], runs)
    build = _times(lambda: type(model)(model.config), runs)
    params = sum(p.numel() for p in model.parameters())
    return {
        "subject": name,
        "method": model.method_id,
        "parameters": params,
        "weights_bytes": weights.stat().st_size,
        "from_pretrained_median_s": round(statistics.median(ours), 5),
        "raw_load_file_median_s": round(statistics.median(raw), 5),
        "ratio": round(statistics.median(ours) / statistics.median(raw), 3),
        "build_load_file_load_state_dict_median_s": round(statistics.median(minimal), 5),
        "ratio_vs_build_and_load_state_dict": round(statistics.median(ours) / statistics.median(minimal), 3),
        "sha256_all_files_median_s": round(statistics.median(hashing), 5),
        "build_model_median_s": round(statistics.median(build), 5),
        "torch_threads": torch.get_num_threads(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "load_speed"))
    args = parser.parse_args()

    import huggingface_hub
    import safetensors
    import torch

    with tempfile.TemporaryDirectory(prefix="emozoo-load-speed-") as tmp:
        rows = [measure(name, model, Path(tmp), args.runs) for name, model in _subjects()]
    result = {
        "benchmark": "from_pretrained (local directory) vs safetensors.torch.load_file",
        "target_ratio": 1.2,
        "runs": args.runs,
        "subjects": rows,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "versions": {"torch": torch.__version__, "safetensors": safetensors.__version__, "huggingface_hub": huggingface_hub.__version__},
        "date": time.strftime("%Y-%m-%d"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Load speed: `emozoo.from_pretrained` vs raw `safetensors.torch.load_file`",
        "",
        (
            f"Measured {result['date']} on {result['cpus']} CPUs, Python {result['python']}, torch {torch.__version__}; "
            f"{args.runs} alternating runs each, medians, warm page cache (`python benchmarks/load_speed.py`)."
        ),
        "",
        "| subject | params | weights | from_pretrained (s) | load_file (s) | ratio | build + load_file + load_state_dict (s) | ratio | of which sha256 (s) | of which build (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['subject']} | {r['parameters']:,} | {r['weights_bytes'] / 1e6:.2f} MB | {r['from_pretrained_median_s']:.4f} | "
            f"{r['raw_load_file_median_s']:.4f} | **{r['ratio']:.2f}x** | {r['build_load_file_load_state_dict_median_s']:.4f} | "
            f"**{r['ratio_vs_build_and_load_state_dict']:.2f}x** | {r['sha256_all_files_median_s']:.4f} | {r['build_model_median_s']:.4f} |"
        )
    met = all(r["ratio"] <= result["target_ratio"] for r in rows)
    lines += ["", (
        f"Target: from_pretrained <= {result['target_ratio']}x the raw load_file: **{'met' if met else 'not met'}**. "
        "load_file only maps the file; from_pretrained also hashes every file, builds (and initialises) the model "
        "and copies the weights in. The second ratio compares with building the model and a strict load_state_dict "
        "without any checks; what remains is mostly the sha256 of every file."
    )]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
