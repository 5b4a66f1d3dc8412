"""Release speed (issue #19): ratios measured side by side in one run, on the committed releases and the embedded Hub.

* warm: ``emozoo.from_pretrained("<release>")`` with the pinned commit already in the Hugging Face cache (pin and
  file checks included; no server is contacted) against a plain ``PyTorchModelHubMixin.from_pretrained`` of the same
  module class by the same repo id at the same commit from the same warm cache (huggingface_hub's cache lookup,
  config.json -> constructor -> safetensors, no checks). Target <= 1.0x, for repeated loads in one process and for
  the first load of a commit in a process (emozoo's per-process records cleared before each). Also recorded: the mixin
  on the snapshot folder itself, which skips the cache lookup too.
* cold: a pull into an empty cache through emozoo (``emozoo.hub.pull.download``: pin resolved, four files fetched
  and hashed, pin checked) against ``huggingface_hub.snapshot_download`` of the same four files at the same commit,
  from the same running embedded Hub. Target <= 1.1x.

Runs alternate between the two sides of each pair, so machine noise hits both alike; medians are reported.

    python benchmarks/release_speed.py [--runs 15] [--cold-runs 7] [--out benchmarks/results/releases/speed]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUBJECTS = ("speech-cnn-ravdess", "fer-cnn-muxspace", "wearable-cnn1d-stress-predict", "tfidf-logreg-goemotions")
WARM_TARGET, COLD_TARGET = 1.0, 1.1


def plain_mixin_class(model_class: type) -> type:
    """The method's module class as a plain ``PyTorchModelHubMixin`` would build it: ``cls(**config.json)``, then the
    mixin's own safetensors load (emozoo's checks bypassed)."""
    from huggingface_hub import PyTorchModelHubMixin

    from emozoo.config import config_from_dict

    class Plain(model_class):
        def __init__(self, config=None, **fields):  # the mixin passes config.json as ``config`` (or as fields)
            model_class.__init__(self, config_from_dict(model_class.config_class, config if isinstance(config, dict) else fields))

        from_pretrained = classmethod(PyTorchModelHubMixin.from_pretrained.__func__)
        _from_pretrained = classmethod(PyTorchModelHubMixin._from_pretrained.__func__)

    Plain.__name__ = f"Plain{model_class.__name__}"
    return Plain


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def warm(name: str, runs: int) -> dict:
    import emozoo
    from emozoo.hub.pull import download

    from emozoo.hash_cache import RACY_SECONDS

    directory = download(name).directory
    time.sleep(RACY_SECONDS + 0.2)  # a warm cache is one whose files settled: the stat rule never vouches for a file younger
    reference = emozoo.from_pretrained(name)  # than that (git's racy-clean rule); this load hashes it and records its stat
    plain = plain_mixin_class(type(reference))
    repo_id, commit, cache = reference.pretrained_source["metadata"]["release"]["repo_id"], directory.name, directory.parents[2]
    from emozoo import model as model_mod
    from emozoo.hub import pull as pull_mod

    def first_in_process():  # what the first load of this commit in a process does: no per-process record helps it
        pull_mod._VERIFIED.clear()
        model_mod._CONFIG_HASHES.clear()
        return emozoo.from_pretrained(name)

    sides = {
        "emozoo": lambda: emozoo.from_pretrained(name),
        "emozoo_first": first_in_process,
        # the mixin's own warm path: the repo id at its commit, from the same Hugging Face cache (a commit found in the
        # cache is returned without a request, by huggingface_hub's shortcut)
        "mixin": lambda: plain.from_pretrained(repo_id, revision=commit, cache_dir=str(cache)),
        "mixin_folder": lambda: plain.from_pretrained(str(directory)),  # for reference: no cache lookup at all
    }
    for fn in sides.values():
        fn()
    times = {k: [] for k in sides}
    for _ in range(runs):
        for key, fn in sides.items():
            times[key].append(timed(fn))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"release": name, "weights_bytes": os.path.getsize(directory / "model.safetensors"),
            **{f"{k}_median_s": round(v, 5) for k, v in med.items()}, "ratio": round(med["emozoo"] / med["mixin"], 3),
            "ratio_first": round(med["emozoo_first"] / med["mixin"], 3),
            "ratio_vs_folder": round(med["emozoo"] / med["mixin_folder"], 3)}  # fmt: skip


def cold(name: str, runs: int, endpoint: str, scratch: Path) -> dict:
    from huggingface_hub import snapshot_download

    from emozoo.artifact import ARTIFACT_FILES
    from emozoo.hub.pull import download
    from emozoo.release.lookup import find_release

    release = find_release(name)

    def ours(cache: Path):
        download(name, endpoint=endpoint, cache_dir=cache)

    def reference(cache: Path):
        snapshot_download(release.repo_id, revision=release.revision, cache_dir=str(cache), allow_patterns=list(ARTIFACT_FILES),
                          endpoint=endpoint)  # fmt: skip

    times = {"emozoo": [], "snapshot_download": []}
    for i in range(runs + 1):  # the first round warms imports and the server's own caches; it is not counted
        for key, fn in (("emozoo", ours), ("snapshot_download", reference)):
            cache = scratch / f"{key}-{i}"
            took = timed(lambda: fn(cache))
            shutil.rmtree(cache, ignore_errors=True)
            if i:
                times[key].append(took)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"release": name, **{f"{k}_median_s": round(v, 5) for k, v in med.items()},
            "ratio": round(med["emozoo"] / med["snapshot_download"], 3)}  # fmt: skip


def markdown(result: dict) -> str:
    lines = [
        "# Release speed: warm `from_pretrained` and cold pulls from the embedded Hub",
        "",
        f"Measured {result['date']} on {result['cpus']} CPUs (`python benchmarks/release_speed.py`), torch {result['torch']}, "
        f"huggingface_hub {result['huggingface_hub']}; medians of {result['runs']} (warm) and {result['cold_runs']} (cold) alternating runs.",
        "",
        f"## Warm cache: `emozoo.from_pretrained(\"<release>\")` vs a plain `PyTorchModelHubMixin.from_pretrained` (target <= {WARM_TARGET}x)",
        "",
        "The mixin loads the same repo id at the same commit from the same warm Hugging Face cache (its own warm path). "
        "emozoo keeps, per process, a record of the snapshots it checked against their pins (by their files' stats) and "
        "of the config hashes it computed; the *first load* columns clear both before every load, as the first load of "
        "a commit in a new process finds them. The last two columns, for reference, load with the mixin from the "
        "snapshot folder itself, which skips even the cache lookup.",
        "",
        "| release | weights | emozoo (ms) | mixin, repo id @ commit (ms) | ratio | emozoo, first load (ms) | ratio | "
        "mixin, folder (ms) | ratio vs folder |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["warm"]:
        lines.append(f"| {r['release']} | {r['weights_bytes'] / 1e6:.2f} MB | {1000 * r['emozoo_median_s']:.2f} | "
                     f"{1000 * r['mixin_median_s']:.2f} | **{r['ratio']:.2f}x** | {1000 * r['emozoo_first_median_s']:.2f} | "
                     f"**{r['ratio_first']:.2f}x** | {1000 * r['mixin_folder_median_s']:.2f} | {r['ratio_vs_folder']:.2f}x |")  # fmt: skip
    lines += [
        "",
        f"## Cold pull: emozoo's pull vs `snapshot_download` of the same files from the same server (target <= {COLD_TARGET}x)",
        "",
        "| release | emozoo (ms) | snapshot_download (ms) | ratio |",
        "|---|---|---|---|",
    ]
    for r in result["cold"]:
        lines.append(f"| {r['release']} | {1000 * r['emozoo_median_s']:.1f} | {1000 * r['snapshot_download_median_s']:.1f} | **{r['ratio']:.2f}x** |")
    warm_ok = sum(max(r["ratio"], r["ratio_first"]) <= WARM_TARGET for r in result["warm"])
    cold_ok = sum(r["ratio"] <= COLD_TARGET for r in result["cold"])
    lines += [
        "",
        f"Warm target met (both columns) for {warm_ok} of {len(result['warm'])} releases; cold target met for {cold_ok} of {len(result['cold'])}.",
        "",
        "The warm emozoo side does what the mixin does plus the checks: the catalogue pin's sha256 of every file and the "
        "weights' hash (both by the stat rule of git's index: an unchanged file is not re-read; a warm load reads the "
        "weights' bytes straight into the model's tensors and re-checks the open file's stat afterwards), `emozoo.json`'s "
        "plugin range, and the config's and card's hashes over the bytes it reads. The cold sides both fetch the same four files; emozoo also resolves the pin "
        "and hashes each file while writing it.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--releases", nargs="*", default=list(SUBJECTS))
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "releases" / "speed"))
    args = parser.parse_args()

    import huggingface_hub
    from huggingface_hub import constants
    import torch

    from emozoo.hub.embedded import embedded_endpoint

    with tempfile.TemporaryDirectory(prefix="emozoo-release-speed-") as tmp:
        os.environ["HF_HUB_CACHE"] = str(Path(tmp) / "hf")
        constants.HF_HUB_CACHE = str(Path(tmp) / "hf")
        endpoint = embedded_endpoint()
        warm_rows = [warm(name, args.runs) for name in args.releases]
        cold_rows = [cold(name, args.cold_runs, endpoint, Path(tmp) / "cold") for name in args.releases]
    result = {"warm": warm_rows, "cold": cold_rows, "runs": args.runs, "cold_runs": args.cold_runs, "cpus": os.cpu_count(),
              "python": platform.python_version(), "torch": torch.__version__, "huggingface_hub": huggingface_hub.__version__,
              "date": time.strftime("%Y-%m-%d"), "targets": {"warm": WARM_TARGET, "cold": COLD_TARGET}}  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
