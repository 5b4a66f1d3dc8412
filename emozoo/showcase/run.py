"""The main job: one released model per modality pulled and scored on its held-out data, one short fresh augmentation
benchmark beside its baselines, then the leaderboard of every recorded result; progress printed as it goes.

``python -m emozoo.showcase`` (what ``scripts/main.sh`` runs after the set-up). Everything it writes goes under
``--out`` (default ``benchmarks/results/main-job``): ``held_out.json`` (the releases' scores now, with intervals),
the benchmark's own ``results.json`` and plots, and the leaderboard is rebuilt from all recorded results.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import emozoo._env as _env
from emozoo._fileio import atomic_write_text

#: One release per modality: the recognizers the main job pulls and scores (each card's held-out number is checked);
#: the wearable one is the raw-window CNN, as wearable-gbt needs NeuroKit2 features of every subject first (~1.5 min).
RELEASES: tuple[str, ...] = ("speech-cnn-ravdess", "fer-cnn-muxspace", "tfidf-logreg-goemotions", "wearable-cnn1d-stress-predict")


@dataclass(frozen=True)
class FreshBenchmark:
    """The short fresh benchmark: a generative augmentation method against its baselines on one real fold."""

    method: str = "speech-ddpm"
    dataset: str = "ravdess"
    data: str | None = "ravdess"  # the data set's folder under the data root (None: the adapter needs none)
    protocol: str = "augmentation"
    config: str | dict[str, Any] = "benchmarks/configs/main_job.toml"  # a TOML file of the checkout, or the config itself
    seeds: tuple[int, ...] = (0,)
    max_folds: int = 1
    what: str = "speech-ddpm's synthetic log-mel spectrograms vs real data only and vs Gaussian noise, RAVDESS fold 1"


@dataclass
class MainJobResult:
    """What the main job measured and where it wrote it."""

    held_out: list[dict[str, Any]]
    bench_rows: list[dict[str, Any]]
    out_dir: Path
    leaderboard: Path | None
    seconds: float
    failures: list[str] = field(default_factory=list)


def say(text: str) -> None:
    """One progress line, at once (the job's output is usually piped)."""
    print(text, flush=True)


def run_main_job(
    *,
    repo_root: str | os.PathLike[str],
    data_root: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    releases: Sequence[str] = RELEASES,
    fresh: FreshBenchmark | None = FreshBenchmark(),
    leaderboard: bool = True,
) -> MainJobResult:
    """Run the three parts (see the module docstring); a part that fails is reported and the others still run."""
    from emozoo.showcase.held_out import score_release

    start = time.perf_counter()
    repo_root, data_root = Path(repo_root), Path(data_root)
    out_dir = Path(out) if out is not None else repo_root / "benchmarks" / "results" / "main-job"
    out_dir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    parts = 2 + bool(fresh) if leaderboard else 1 + bool(fresh)

    say(f"[1/{parts}] {len(releases)} released models, pulled from the embedded Hub and scored on their held-out test data")
    held_out: list[dict[str, Any]] = []
    for i, name in enumerate(releases, 1):
        say(f"  ({i}/{len(releases)}) {name}: pulling, predicting its test split ...")
        try:
            score = score_release(name, data_root=data_root)
        except Exception as exc:  # noqa: BLE001 - reported, and the other releases still run
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            say(f"  ({i}/{len(releases)}) {name}: FAILED: {type(exc).__name__}: {exc}")
            continue
        held_out.append(score.as_dict())
        say(f"  ({i}/{len(releases)}) {_held_out_line(score.as_dict())}  ({score.seconds:.0f} s)")
    atomic_write_text(out_dir / "held_out.json", json.dumps({"releases": held_out}, indent=2, sort_keys=True) + "\n")

    bench_rows: list[dict[str, Any]] = []
    if fresh is not None:
        say(f"[2/{parts}] fresh benchmark: {fresh.what} (one line per training epoch with its time left)")
        try:
            bench_rows = _run_fresh(fresh, repo_root, data_root, out_dir / "bench")
        except Exception as exc:  # noqa: BLE001 - reported; the leaderboard is still built
            failures.append(f"benchmark: {type(exc).__name__}: {exc}")
            say(f"  benchmark FAILED: {type(exc).__name__}: {exc}")

    page = None
    if leaderboard:
        say(f"[{parts}/{parts}] leaderboard of every recorded results.json")
        try:
            page = _build_leaderboard(repo_root)
        except Exception as exc:  # noqa: BLE001 - reported
            failures.append(f"leaderboard: {type(exc).__name__}: {exc}")
            say(f"  leaderboard FAILED: {type(exc).__name__}: {exc}")
    result = MainJobResult(held_out, bench_rows, out_dir, page, time.perf_counter() - start, failures)
    say("")
    say(summary(result))
    return result


def _held_out_line(r: dict[str, Any]) -> str:
    ci = f" [±{100 * r['ci95']:.2f} over {r['n_units']} {r['unit']}s]" if r["ci95"] is not None else ""
    check = "= card" if r["reproduced"] else f"card says {100 * r['card']:.2f}: NOT reproduced"
    return f"{r['release']}: {r['metric']} {100 * r['now']:.2f}{ci} on {r['n_test']} {r['dataset']} test samples ({r['fold']}), {check}"


def _run_fresh(fresh: FreshBenchmark, repo_root: Path, data_root: Path, out: Path) -> list[dict[str, Any]]:
    import emozoo

    config = fresh.config if isinstance(fresh.config, dict) else tomllib.loads((repo_root / fresh.config).read_text(encoding="utf-8"))
    data_dir = str(data_root / fresh.data) if fresh.data else None
    with _env.temporarily("EMOZOO_EPOCH_LOG", "1"):  # per-epoch lines: a bar cannot live in a piped log
        result = emozoo.benchmark([fresh.method], fresh.dataset, protocol=fresh.protocol, seeds=list(fresh.seeds), config=config,
                                  out=out, data_dir=data_dir, max_folds=fresh.max_folds, device="cpu", progress=True,
                                  resume=False)  # fmt: skip
    if result.failed:
        error = result.failed[0].get("error") or {}
        raise RuntimeError(f"{len(result.failed)} cell(s) failed; the first: {error.get('type')}: {error.get('message')}")
    say(f"  written to {out}/ (results.json, results.md, plots)")
    return result.rows


def _build_leaderboard(repo_root: Path) -> Path:
    from emozoo.leaderboard import build_leaderboard

    built = build_leaderboard(results=[repo_root / "benchmarks" / "results"], out=repo_root / "benchmarks" / "leaderboard")
    return Path(built.html)


def summary(result: MainJobResult) -> str:
    """The compact closing table: the releases' held-out scores, the fresh benchmark's conditions, the page's path."""
    lines = ["| model | data (held-out) | metric | now [95 % CI] | card |", "|---|---|---|---|---|"]
    for r in result.held_out:
        ci = f" [±{100 * r['ci95']:.2f}, {r['n_units']} {r['unit']}s]" if r["ci95"] is not None else ""
        lines.append(f"| {r['release']} | {r['dataset']} ({r['fold']}) | {r['metric']} | {100 * r['now']:.2f}{ci} | "
                     f"{100 * r['card']:.2f}{'' if r['reproduced'] else ' (NOT reproduced)'} |")  # fmt: skip
    if result.bench_rows:
        headline = "UAR"
        lines += ["", f"| fresh benchmark condition | ratio | classifier | {headline} |", "|---|---|---|---|"]
        for row in result.bench_rows:
            stat = row.get("metrics", {}).get(headline)
            if isinstance(stat, dict):
                lines.append(f"| {row.get('method')} {row.get('condition')} | {row.get('ratio') or ''} | {row.get('classifier') or ''} | "
                             f"{100 * stat['mean']:.2f} |")  # fmt: skip
    lines.append("")
    if result.leaderboard is not None:
        lines.append(f"leaderboard: {result.leaderboard}")
    lines.append(f"main job: {result.seconds / 60:.1f} min; results in {result.out_dir}")
    if result.failures:
        lines.append(f"{len(result.failures)} part(s) failed: " + "; ".join(result.failures))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m emozoo.showcase [--out DIR] [--data-root DIR] [--no-bench] [--no-leaderboard]``; exit 1 if a part failed."""
    import argparse

    from emozoo.release.paths import checkout_root, default_data_root

    parser = argparse.ArgumentParser(prog="python -m emozoo.showcase", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="where the job's results go (default: benchmarks/results/main-job)")
    parser.add_argument("--data-root", help="the data sets (default: $EMOZOO_DATA_ROOT or ../shared/data)")
    parser.add_argument("--no-bench", action="store_true", help="skip the fresh benchmark")
    parser.add_argument("--no-leaderboard", action="store_true", help="skip building the leaderboard")
    args = parser.parse_args(argv)
    root = checkout_root()
    data = Path(args.data_root) if args.data_root else default_data_root()
    if root is None or data is None:
        print("the main job runs from a source checkout with ../shared/data beside it (or pass --data-root)", file=sys.stderr)
        return 2
    result = run_main_job(repo_root=root, data_root=data, out=args.out, fresh=None if args.no_bench else FreshBenchmark(),
                          leaderboard=not args.no_leaderboard)  # fmt: skip
    return 1 if result.failures else 0
