"""A generator's release: the generator, and the downstream classifier it was evaluated with, as two artifacts.

The generator is trained on the held-out fold's training split exactly as its augmentation benchmark trained it;
it then makes class-balanced samples (``ratio`` x each class's count, the protocol's rule and seeds), and the
downstream release's recognizer (same data, config and seed; e.g. ``speech-cnn`` for the log-mel generators) is
trained on real + synthetic and scored on the held-out test split. Beside it the card puts the same recognizer on
real data only (the downstream release), so the gain on this split is read off directly, and the benchmark's
cross-validated rows (real, real + synthetic, real + noise, the ceilings). Both artifacts are checked after saving:
the reloaded generator must draw bit-identical samples for the same seeds, the reloaded classifier the same scores.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from emozoo.errors import ConfigError
from emozoo.release.build import (
    DATA_LICENSE_NAME,
    BuiltRelease,
    ReproductionError,
    _data_license_text,
    _numbers,
    _test_fold,
    fold_sizes,
    install,
    recipe,
)
from emozoo.release.plan import ReleaseSpec

DOWNSTREAM_SUFFIX = "-downstream"
CONDITIONS = ("real", "real+synthetic", "real+noise", "synthetic", "ceiling:same-units", "ceiling:new-units")


def augmentation_rows(bench: dict[str, Any], method: str, ratio: float) -> dict[str, Any]:
    """The benchmark's cross-validated rows of ``method`` at ``ratio`` (and the ratio-free ones), by condition."""
    rows = {}
    for row in bench.get("rows", []):
        if row.get("method") != method or row.get("condition") not in CONDITIONS:
            continue
        if row.get("ratio") in (None, ratio) or row["condition"] == "synthetic":
            rows[row["condition"]] = {"metrics": row["metrics"], "ratio": row.get("ratio"), "classifier": row.get("classifier")}
    return rows


def generated(model: Any, counts: dict[int, int], name: str, sample_shape: tuple[int, ...], train: Any) -> dict[int, Any]:
    """``counts[c]`` samples of every class ``c``, each class from its own fixed seed (see :func:`generation_inputs`)."""
    from emozoo.bench.protocols.augmentation import _generate_class
    from emozoo.evaluation.augmentation import derive_seed

    extra = generation_inputs(model, train)
    return {c: _generate_class(model, n, c, derive_seed("release", name, c), sample_shape, model.method_id, **extra)
            for c, n in counts.items() if n}  # fmt: skip


def generation_inputs(model: Any, train: Any) -> dict[str, Any]:
    """What ``generate`` needs beyond the weights to draw the trained model's samples again: an image-to-image
    generator (``laun-stargan``) translates training faces it holds in memory only, so they are passed explicitly."""
    pick = getattr(model, "source_faces", None)
    return {"source": pick(train)} if callable(pick) else {}


def build_generator_release(
    spec: ReleaseSpec, downstream: ReleaseSpec, out_root: str | Path, *, data_root: str | Path | None, repo_root: str | Path,
    small: bool = False, command: str = "",
) -> BuiltRelease:  # fmt: skip
    """Train, sample, evaluate, save and verify a generator release and its downstream classifier (see the module docstring)."""
    import torch

    import emozoo
    from emozoo.bench.protocols import build_model
    from emozoo.bench.protocols.augmentation import _labelled
    from emozoo.bench.protocols.recognition import score
    from emozoo.bench.provenance import environment, package_versions
    from emozoo.evaluation.augmentation import class_balanced_counts
    from emozoo.release.card import release_card_values
    from emozoo.runtime import Runtime

    repo_root = Path(repo_root)
    data_root = Path(data_root) if data_root is not None else None
    run_spec, run_down = (spec.shrunk(), downstream.shrunk()) if small else (spec, downstream)
    own, down = recipe(run_spec, repo_root), recipe(run_down, repo_root)
    if run_spec.dataset != run_down.dataset or run_spec.fold != run_down.fold or spec.seed != downstream.seed:
        raise ConfigError(f"release {spec.name}: its downstream {downstream.name} must use the same data set, fold and seed")
    dataset, fold = _test_fold(run_down, data_root, down.dataset_options)  # the downstream's data: the same splits
    x_train, y_train = _labelled(fold.train, f"{spec.name} train")
    generator = build_model(spec.method, spec.seed, own.overrides)
    start = time.perf_counter()
    generator.fit_generator(fold.train, runtime=Runtime(device="cpu", progress=False))
    counts = class_balanced_counts(y_train, spec.ratio)
    pools = generated(generator, counts, spec.name, tuple(x_train.shape[1:]), fold.train)
    xs = torch.cat([pools[c] for c in sorted(pools)])
    ys = torch.cat([torch.full((len(pools[c]),), c, dtype=torch.long) for c in sorted(pools)])
    augmented = fold.train.with_samples(torch.cat([x_train, xs]), torch.cat([y_train, ys]))
    classifier = build_model(downstream.method, downstream.seed, down.overrides)
    classifier.fit(augmented, fold.val, runtime=Runtime(device="cpu", progress=False))
    fit_seconds = time.perf_counter() - start
    record = score(classifier, fold.test, down.protocol_options)
    scores = _numbers(record)
    real_only = _real_only_scores(Path(out_root) / downstream.name, small)
    env = environment("cpu")
    base = {
        "modality": spec.modality, "dataset": dataset.id, "data": spec.data, "fold": fold.name, "seed": spec.seed, "small": small,
        "dataset_options": down.dataset_options, "protocol_options": down.protocol_options,
        "test_manifest_sha256": fold.manifest.digest(),
        "sizes": fold_sizes(fold), "size_unit": "samples", "scored": record.get("n_test"), "held_out": scores, "fit_seconds": round(fit_seconds, 1),
        "command": command, "emozoo_commit": env["git_commit"],
        "packages": {**env["packages"], **package_versions([generator.artifact_metadata()["plugin"]["distribution"],
                                                            classifier.artifact_metadata()["plugin"]["distribution"]])},
    }  # fmt: skip
    synthetic = {"ratio": spec.ratio, "per_class": {str(c): n for c, n in counts.items()}, "total": int(len(ys))}
    gen_release = {**base, "name": spec.name, "repo_id": spec.repo_id, "method": spec.method, "kind": "generator", "overrides": own.overrides,
                   "downstream": {"name": spec.name + DOWNSTREAM_SUFFIX, "method": downstream.method, "overrides": down.overrides,
                                  "real_only_release": downstream.name, "real_only": real_only},
                   "synthetic": synthetic, "benchmark": own.benchmark}  # fmt: skip
    down_name = spec.name + DOWNSTREAM_SUFFIX
    down_release = {**base, "name": down_name, "repo_id": f"{spec.repo_id}{DOWNSTREAM_SUFFIX}", "method": downstream.method,
                    "kind": "downstream", "overrides": down.overrides, "generator": spec.name, "synthetic": synthetic,
                    "benchmark": down.benchmark}  # fmt: skip
    training = {"dataset": dataset.id, "license": dataset.license, "split_manifest_sha256": fold.manifest.digest()}
    if spec.note:
        training["note"] = spec.note
    metrics = [{"dataset": dataset.id, "metric": k, "value": v, "split": f"test ({fold.name}, held out), downstream on real+synthetic"}
               for k, v in scores.items()]  # fmt: skip
    out = Path(out_root)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".release-{spec.name}-", dir=out) as tmp:
        staged_gen, staged_down = Path(tmp) / spec.name, Path(tmp) / down_name
        generator.save_pretrained(staged_gen, metadata={"training_data": training, "metrics": metrics, "release": gen_release},
                                  model_card_kwargs={"repo_id": spec.repo_id, **release_card_values(gen_release, spec)})  # fmt: skip
        classifier.save_pretrained(staged_down, metadata={"training_data": training, "metrics": metrics, "release": down_release},
                                   model_card_kwargs={"repo_id": down_release["repo_id"], **release_card_values(down_release, spec)})  # fmt: skip
        again = generated(emozoo.from_pretrained(staged_gen), counts, spec.name, tuple(x_train.shape[1:]), fold.train)
        if any(not torch.equal(again[c], pools[c]) for c in pools):
            raise ReproductionError(f"release {spec.name}: the saved generator, loaded back, draws different samples for the same seeds; it is not published")
        rescored = _numbers(score(emozoo.from_pretrained(staged_down), fold.test, down.protocol_options))
        if rescored != scores:
            raise ReproductionError(f"release {spec.name}: the saved downstream classifier, loaded back, scores differently "
                                    f"({scores} vs {rescored}); it is not published")  # fmt: skip
        licence = _data_license_text(dataset, data_root, spec)
        for staged, name in ((staged_gen, spec.name), (staged_down, down_name)):
            (staged / DATA_LICENSE_NAME).write_text(licence, encoding="utf-8")
            install(staged, out / name)
    return BuiltRelease(name=spec.name, directory=out / spec.name, scores=scores, fit_seconds=fit_seconds)


def _real_only_scores(directory: Path, small: bool) -> dict[str, float] | None:
    """The held-out scores of the downstream recognizer's own release (real data only), when it is built alike."""
    from emozoo.artifact import read_metadata
    from emozoo.errors import EmozooError

    try:
        release = read_metadata(directory).get("release") or {}
    except EmozooError:
        return None
    return dict(release.get("held_out") or {}) if release.get("small") == small else None
