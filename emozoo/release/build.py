"""Train one release on its held-out split, score it, save it with its card, and prove the saved copy scores the same.

A release is the benchmark's own cell: the method with the config the benchmark ran (``results.json``), trained on
every split of one fold but its test split, at the planned seed. Its test split is scored with the recognition
protocol's scorer; then the artifact is saved, loaded back through :func:`emozoo.from_pretrained` and scored again.
Only when every metric of the reload equals the first score exactly is the artifact moved into place
(:class:`ReproductionError` otherwise, and nothing is written).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emozoo.errors import ArtifactError, ConfigError
from emozoo.release.plan import ReleaseSpec

RECOGNITION_OPTIONS = ("per_class_recall", "positive_class", "per_unit")
DATA_LICENSE_NAME = "DATA_LICENSE.md"


class ReproductionError(ArtifactError):
    """The saved release, loaded back, does not score what the trained model scored: it is not published."""


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a release's training: data options, method config, scorer options, the benchmark row."""

    dataset_options: dict[str, Any]
    overrides: dict[str, Any]
    protocol_options: dict[str, Any]
    benchmark: dict[str, Any] | None


@dataclass(frozen=True)
class BuiltRelease:
    """A release written to ``directory``: its held-out scores and how long training took."""

    name: str
    directory: Path
    scores: dict[str, float]
    fit_seconds: float


def _stage_view(data: dict[str, Any], stage: str, spec: ReleaseSpec) -> dict[str, Any]:
    """One stage of a merged results.json (``rows``/``folds``/``seeds`` keyed by stage, e.g. the wrist benchmark's
    ``benchmarks/wearable_table.py``) in the layout of one ``emozoo bench`` run."""
    rows, config = data.get("rows"), data.get("config") or {}
    if not isinstance(rows, dict) or stage not in rows:
        raise ConfigError(f"release {spec.name}: {spec.benchmark} has no stage {stage!r}; its stages: {sorted(rows or {})}")
    methods = sorted({r["method"] for r in rows[stage]})
    protocol = "augmentation" if stage.startswith("augmentation") else "recognition"
    return {
        "dataset": {"id": spec.dataset}, "protocol": protocol, "headline_metric": data.get("headline_metric", "UAR"),
        "methods": [{"id": m, "overrides": (config.get("methods") or {}).get(m, {})} for m in methods],
        "config": {"dataset": config.get("dataset") or {}, "protocol": (config.get("protocol") or {}).get(stage, {})},
        "rows": rows[stage], "folds": [{"name": f} for f in (data.get("folds") or {}).get(stage, [])],
        "seeds": (data.get("seeds") or {}).get(stage, []), "statistics": data.get("statistics"), "comparisons": [],
    }  # fmt: skip


def _benchmark_results(spec: ReleaseSpec, repo_root: Path) -> dict[str, Any] | None:
    """The benchmark run ``spec.benchmark`` names: a results directory, or ``<directory>:<stage>`` for one stage of a
    merged results.json."""
    if not spec.benchmark:
        return None
    folder, _, stage = spec.benchmark.partition(":")
    path = repo_root / folder / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"release {spec.name}: cannot read its benchmark result {path} ({exc}); run the benchmark first") from exc
    if stage:
        data = _stage_view(data, stage, spec)
    if data.get("dataset", {}).get("id") != spec.dataset:
        raise ConfigError(f"release {spec.name}: {path} benchmarked {data.get('dataset', {}).get('id')!r}, not {spec.dataset!r}")
    if spec.method not in {m["id"] for m in data.get("methods", [])}:
        raise ConfigError(f"release {spec.name}: {path} has no run of {spec.method!r}")
    return data


def recipe(spec: ReleaseSpec, repo_root: Path) -> Recipe:
    """The release's data options, config and scorer options: the benchmark's, with the plan's on top."""
    bench = _benchmark_results(spec, repo_root)
    dataset_options: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    protocol_options: dict[str, Any] = {}
    summary = None
    if bench is not None:
        dataset_options = dict((bench.get("config") or {}).get("dataset") or {})
        overrides = dict(next(m for m in bench["methods"] if m["id"] == spec.method).get("overrides") or {})
        if bench.get("protocol") == "recognition":
            given = (bench.get("config") or {}).get("protocol") or {}
            protocol_options = {k: v for k, v in given.items() if k in RECOGNITION_OPTIONS}
        summary = augmentation_summary(bench, spec) if bench.get("protocol") == "augmentation" else benchmark_summary(bench, spec)
    return Recipe(
        dataset_options={**dataset_options, **spec.dataset_options},
        overrides={**overrides, **spec.overrides},
        protocol_options={**protocol_options, **spec.protocol_options},
        benchmark=summary,
    )


def benchmark_summary(bench: dict[str, Any], spec: ReleaseSpec) -> dict[str, Any]:
    """The benchmark's cross-validated rows (this method's, and every other method's test row beside it) and the paper number."""
    tests = [r for r in bench.get("rows", []) if r.get("condition") == "test" and r.get("ratio") is None]
    ours = next((r for r in tests if r["method"] == spec.method), None)
    if ours is None:
        raise ConfigError(f"release {spec.name}: the benchmark {spec.benchmark} has no test row for {spec.method!r}")
    comparison = next((c for c in bench.get("comparisons", []) if c.get("method") == spec.method), {})
    return {
        "path": spec.benchmark,
        "headline_metric": bench.get("headline_metric"),
        "folds": len(bench.get("folds", [])),
        "seeds": list(bench.get("seeds", [])),
        "statistics": bench.get("statistics"),
        "git_commit": (bench.get("environment") or {}).get("git_commit"),
        "metrics": ours["metrics"],
        "n_cells": ours.get("n"),
        "n_units": ours.get("n_units"),
        "others": {r["method"]: r["metrics"] for r in tests if r["method"] != spec.method},
        "paper": {k: comparison.get(k) for k in ("metric", "paper", "paper_dataset", "paper_source", "data_note")} if comparison else None,
    }


def augmentation_summary(bench: dict[str, Any], spec: ReleaseSpec) -> dict[str, Any]:
    """A generator's augmentation benchmark: its cross-validated rows at the release's ratio, by condition."""
    from emozoo.release.generator import augmentation_rows

    rows = augmentation_rows(bench, spec.method, spec.ratio)
    if "real+synthetic" not in rows:
        raise ConfigError(f"release {spec.name}: the benchmark {spec.benchmark} has no real+synthetic row of {spec.method!r} at ratio {spec.ratio}")
    return {
        "path": spec.benchmark, "protocol": "augmentation", "headline_metric": bench.get("headline_metric"),
        "folds": len(bench.get("folds", [])), "seeds": list(bench.get("seeds", [])), "statistics": bench.get("statistics"),
        "git_commit": (bench.get("environment") or {}).get("git_commit"), "augmentation": rows,
        "classifier_settings": ((bench.get("config") or {}).get("protocol") or {}).get("classifier_settings"),
    }  # fmt: skip


def _numbers(record: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in record["metrics"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _test_fold(spec: ReleaseSpec, data_root: Path | None, dataset_options: dict[str, Any]) -> tuple[Any, Any]:
    from emozoo.api import resolve_folds

    data_dir = str(data_root / spec.data) if spec.data and data_root is not None else None
    dataset, folds = resolve_folds(spec.dataset, protocol="recognition", data_dir=data_dir, **dataset_options)
    chosen = [f for f in folds if f.name == spec.fold]
    if not chosen:
        raise ConfigError(f"release {spec.name}: {spec.dataset} has no fold {spec.fold!r}; its folds: {[f.name for f in folds]}")
    return dataset, chosen[0]


def fold_sizes(fold: Any) -> dict[str, int]:
    """Items in each split of ``fold`` (samples; dialogues for dialogue data)."""
    return {name: len(batch) for name, batch in (("train", fold.train), ("val", fold.val), ("test", fold.test)) if batch is not None}


def install(staged: Path, target: Path) -> None:
    """Put the files of the staged folder ``staged`` into ``target`` in one atomic swap (files only there are kept)."""
    from emozoo._fileio import atomic_directory

    with atomic_directory(target) as tmp:
        for path in staged.iterdir():
            shutil.copy2(path, tmp / path.name)


def _data_license_text(dataset: Any, data_root: Path | None, spec: ReleaseSpec) -> str:
    """DATA_LICENSE.md: the data set's licence line, its SOURCE.md and licence files, copied from beside the data."""
    parts = [f"# Training data of {spec.repo_id}: {dataset.name}", "", f"Licence: {dataset.license}", ""]
    if spec.data_terms:
        parts += [spec.data_terms, ""]
    folder = data_root / spec.data if spec.data and data_root is not None else None
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and (path.name == "SOURCE.md" or path.name.upper().startswith("LICENSE")):
                parts += [f"## {path.name} (from the data set's folder)", "", path.read_text(encoding="utf-8", errors="replace").strip(), ""]
    return "\n".join(parts).rstrip() + "\n"


def build_release(
    spec: ReleaseSpec,
    out_root: str | Path,
    *,
    data_root: str | Path | None,
    repo_root: str | Path,
    small: bool = False,
    command: str = "",
) -> BuiltRelease:
    """Train, score, save and verify one release into ``out_root/<name>`` (replaced atomically only if it reproduces)."""
    import emozoo
    from emozoo.bench.protocols import build_model
    from emozoo.bench.protocols.recognition import check_options, score
    from emozoo.bench.provenance import environment, package_versions
    from emozoo.release.card import release_card_values
    from emozoo.runtime import Runtime

    repo_root = Path(repo_root)
    data_root = Path(data_root) if data_root is not None else None
    run_spec = spec.shrunk() if small else spec
    plan = recipe(run_spec, repo_root)
    check_options(plan.protocol_options)
    dataset, fold = _test_fold(run_spec, data_root, plan.dataset_options)
    model = build_model(spec.method, spec.seed, plan.overrides)
    start = time.perf_counter()
    model.fit(fold.train, fold.val, runtime=Runtime(device="cpu", progress=False))
    fit_seconds = time.perf_counter() - start
    record = score(model, fold.test, plan.protocol_options)
    scores = _numbers(record)
    env = environment("cpu")
    release = {
        "name": spec.name, "repo_id": spec.repo_id, "method": spec.method, "modality": spec.modality,
        "dataset": dataset.id, "data": spec.data, "fold": fold.name, "seed": spec.seed, "small": small,
        "dataset_options": plan.dataset_options, "protocol_options": plan.protocol_options, "overrides": plan.overrides,
        "test_manifest_sha256": fold.manifest.digest(),
        "sizes": fold_sizes(fold), "size_unit": "dialogues" if hasattr(fold.test, "dialogues") else "samples", "scored": record.get("n_test"),
        "held_out": scores, "benchmark": plan.benchmark, "fit_seconds": round(fit_seconds, 1),
        "command": command, "emozoo_commit": env["git_commit"],
        "packages": {**env["packages"], **package_versions([model.artifact_metadata()["plugin"]["distribution"]])},
    }  # fmt: skip
    training = {"dataset": dataset.id, "license": dataset.license, "split_manifest_sha256": fold.manifest.digest()}
    if spec.note:
        training["note"] = spec.note
    metrics = [{"dataset": dataset.id, "metric": k, "value": v, "split": f"test ({fold.name}, held out)"} for k, v in scores.items()]
    metadata = {"training_data": training, "metrics": metrics, "release": release}
    out = Path(out_root) / spec.name
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".release-{spec.name}-", dir=out.parent) as tmp:
        staged = Path(tmp) / spec.name
        card = release_card_values(release, spec)
        model.save_pretrained(staged, metadata=metadata, model_card_kwargs={"repo_id": spec.repo_id, **card})
        reloaded = emozoo.from_pretrained(staged)
        again = _numbers(score(reloaded, fold.test, plan.protocol_options))
        if again != scores:
            differ = {k: (scores.get(k), again.get(k)) for k in sorted(set(scores) | set(again)) if scores.get(k) != again.get(k)}
            raise ReproductionError(
                f"release {spec.name}: the saved artifact, loaded back, scores differently on {fold.name}'s test split "
                f"(trained, reloaded: {differ}); it is not published"
            )
        (staged / DATA_LICENSE_NAME).write_text(_data_license_text(dataset, data_root, spec), encoding="utf-8")
        install(staged, out)
    return BuiltRelease(name=spec.name, directory=out, scores=scores, fit_seconds=fit_seconds)


def same_tensors(a: Path, b: Path) -> bool:
    """Whether two safetensors files hold the same metadata and bit-identical tensors (their bytes may order the header
    differently: files written before :func:`emozoo.weights.canonical_header` was applied)."""
    import torch
    from safetensors import safe_open

    with safe_open(str(a), "pt") as fa, safe_open(str(b), "pt") as fb:
        if fa.metadata() != fb.metadata() or sorted(fa.keys()) != sorted(fb.keys()):
            return False
        for key in fa.keys():
            x, y = fa.get_tensor(key), fb.get_tensor(key)
            if x.dtype != y.dtype or x.shape != y.shape:
                return False
            if x.numel() and not torch.equal(x.reshape(-1).view(torch.uint8), y.reshape(-1).view(torch.uint8)):  # bits, so NaN == NaN
                return False
    return True


def rerender_card(spec: ReleaseSpec, directory: str | Path) -> bool:
    """Write a kept release's card again from its recorded results (the card code or the plan's texts may have changed).

    The weights and config are re-saved from the loaded model and must hold exactly the same values; returns whether any
    file changed.
    """
    import emozoo
    from emozoo._fileio import sha256_file
    from emozoo.artifact import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME, read_metadata
    from emozoo.release.card import release_card_values

    directory = Path(directory)
    meta = read_metadata(directory)
    before = {name: sha256_file(directory / name) for name in (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME)}
    model = emozoo.from_pretrained(directory)
    metadata = {k: meta[k] for k in ("training_data", "metrics", "release") if k in meta}
    card = release_card_values(meta["release"], spec)
    with tempfile.TemporaryDirectory(prefix=f".recard-{spec.name}-", dir=directory.parent) as tmp:
        staged = Path(tmp) / spec.name
        model.save_pretrained(staged, metadata=metadata, model_card_kwargs={"repo_id": spec.repo_id, **card})
        after = {name: sha256_file(staged / name) for name in (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME)}
        if after[CONFIG_NAME] != before[CONFIG_NAME] or not same_tensors(directory / WEIGHTS_NAME, staged / WEIGHTS_NAME):
            raise ArtifactError(f"release {spec.name}: re-saving the loaded model changed its weights or config; rebuild it (--rebuild)")
        if after == before:
            return False
        install(staged, directory)  # keeps DATA_LICENSE.md, which the save does not write
    return True
