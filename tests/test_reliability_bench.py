"""Issue 13, class 8: tests that pin what the augmentation protocol trains and scores on, what a resumed benchmark
reuses, and which number becomes "ours" — each would fail on a plausible planted bug (named in its docstring)."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.bench import compare, report
from emozoo.bench.protocols import augmentation

FAST = {"ratios": [1.0, 2.0], "classifiers": ["mlp", "svm"],
        "classifier_settings": {k: {"epochs": 2, "lr": 0.01, "batch_size": 8} for k in ("mlp", "svm")}}


@pytest.fixture
def gens(protocol_fixtures):
    return protocol_fixtures


@pytest.fixture
def calls(monkeypatch):
    """Every (condition, training x, training y, test x, test y) the protocol's scorer is asked to train and score."""
    seen = []
    original = augmentation._Scorer.records

    def spy(self, condition, ratio, x, y, seed, n_real):
        seen.append({"condition": condition, "ratio": ratio, "x": x.clone(), "y": y.clone(), "x_test": self.x_test.clone(),
                     "y_test": self.y_test.clone(), "n_real": n_real})
        return original(self, condition, ratio, x, y, seed, n_real)

    monkeypatch.setattr(augmentation._Scorer, "records", spy)
    return seen


def _rows_in(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """For each row of ``a``: whether it equals some row of ``b``."""
    return (a.flatten(1)[:, None, :] == b.flatten(1)[None, :, :]).all(-1).any(-1)


def _run_cell(gens, fold):
    return augmentation.run_cell("gauss-eeg", fold, 0, {}, FAST, runtime=None)


def test_the_test_set_is_only_the_held_out_real_split(gens, calls):
    """Planted bug: synthetic (or training) samples leak into the test set."""
    fold = gens.make_fold("eeg")
    records = _run_cell(gens, fold)
    x_test, y_test = fold.test.features.float(), fold.test.labels
    for call in calls:
        assert torch.equal(call["x_test"], x_test) and torch.equal(call["y_test"], y_test)
    assert {r["n_test"] for r in records if "n_test" in r} == {len(y_test)}


def test_train_on_synthetic_trains_on_no_real_sample(gens, calls):
    """Planted bug: the TSTR condition keeps the real training data (or part of it)."""
    fold = gens.make_fold("eeg")
    _run_cell(gens, fold)
    x_real = fold.train.features.float()
    tstr = [c for c in calls if c["condition"] == "synthetic"]
    assert tstr and all(c["n_real"] == 0 and not _rows_in(c["x"], x_real).any() for c in tstr)
    for c in (c for c in calls if c["condition"] == "real+synthetic"):
        real_rows = _rows_in(c["x"], x_real)
        assert int(real_rows.sum()) == len(x_real) and torch.equal(c["x"][: len(x_real)], x_real)  # all real, then synthetic
        assert int((~real_rows).sum()) == sum(augmentation.class_balanced_counts(fold.train.labels, c["ratio"]).values())
    assert all(torch.equal(c["x"], x_real) for c in calls if c["condition"] == "real")


def test_the_gain_compares_the_same_classifier_with_and_without_synthetic_data():
    """Planted bug: the gain of one classifier is computed against another classifier's real-only score."""
    cell = {"method": "m", "fold": "f", "seed": 0, "status": "ok", "records": [
        {"condition": "real", "ratio": None, "classifier": "mlp", "metrics": {"ACC": 0.50}},
        {"condition": "real", "ratio": None, "classifier": "svm", "metrics": {"ACC": 0.80}},
        {"condition": "real+synthetic", "ratio": 1.0, "classifier": "mlp", "metrics": {"ACC": 0.60}},
        {"condition": "real+synthetic", "ratio": 1.0, "classifier": "svm", "metrics": {"ACC": 0.70}}]}
    rows = {(r["condition"], r["classifier"]): r for r in report.aggregate([cell])}
    assert rows[("real+synthetic", "mlp")]["gain"]["ACC"]["mean"] == pytest.approx(0.10)
    assert rows[("real+synthetic", "svm")]["gain"]["ACC"]["mean"] == pytest.approx(-0.10)


def test_the_headline_is_the_generators_condition_never_a_baseline():
    """Planted bug: "ours" picks the best row of any condition (here the real-only or noise baseline, which are higher)."""
    rows = [{"method": "g", "condition": c, "ratio": r, "classifier": k, "metrics": {"ACC": {"mean": v, "std": 0.0}}}
            for c, r, k, v in [("real", None, "mlp", 0.90), ("real+noise", 1.0, "mlp", 0.95), ("synthetic", 1.0, "mlp", 0.99),
                               ("real+synthetic", 1.0, "mlp", 0.70), ("real+synthetic", 2.0, "mlp", 0.75),
                               ("real+synthetic", 1.0, "svm", 0.80)]]
    assert compare.headline("augmentation", "g", "ACC", rows) == pytest.approx(75.0)  # best ratio, first classifier


def test_summary_tables_agree_with_the_metric_functions(registry, tmp_path):
    """Planted bug: a table reports a number the metric functions would not give for the recorded predictions."""
    import numpy as np

    from emozoo import metrics

    result = emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=2, config={"methods": {"toy-mlp": {"epochs": 3}}}, out=tmp_path)
    values = {name: [] for name in ("ACC", "UAR", "WF1", "MF1")}
    for cell in result.cells:
        (record,) = cell["records"]
        confusion = np.array(record["confusion"])
        y_true = np.repeat(np.arange(len(confusion)), confusion.sum(1))
        y_pred = np.concatenate([np.repeat(np.arange(len(row)), row) for row in confusion])
        recomputed = metrics.classification_report(y_true, y_pred)
        for name in values:
            assert record["metrics"][name] == pytest.approx(recomputed[name])
            values[name].append(recomputed[name])
    (row,) = result.rows
    for name, vals in values.items():
        mean, std = report.mean_std(vals)
        assert row["metrics"][name]["mean"] == pytest.approx(mean) and row["metrics"][name]["std"] == pytest.approx(std)
        assert report.format_value(name, mean, std) in result.markdown
    assert result.comparisons[0]["ours"] == pytest.approx(100 * row["metrics"]["ACC"]["mean"])


def test_baselines_shared_across_methods_are_keyed_by_the_data_itself(gens):
    """Planted bug: two folds with the same name and manifest but other data reuse each other's real-only numbers."""
    fold = gens.make_fold("eeg")
    a = [r for r in _run_cell(gens, fold) if r["condition"] == "real"]
    other = gens.make_fold("eeg", train_counts=(6, 6, 6))
    other.name, other.manifest = fold.name, fold.manifest  # same identity on paper, different samples
    b = [r for r in _run_cell(gens, other) if r["condition"] == "real"]
    assert {r["n_real"] for r in a} == {15} and {r["n_real"] for r in b} == {18}


def test_data_set_filters_by_modality(gens):
    """Planted bug: list_datasets ignores the modality filter or matches only the coarse modality."""
    ids = lambda **kw: {d.id for d in emozoo.list_datasets(**kw)}  # noqa: E731
    assert {"test-speech"} <= ids(modality="speech") and "test-eeg" not in ids(modality="speech")
    assert "test-eeg" in ids(modality="physiological") and "test-eeg" in ids(modality="eeg")
    assert "test-av" in ids(modality="audio") and "test-faces" not in ids(modality="audio")


# --- issue 14: oracle ceilings, unit-level intervals, converged classifiers ----------------------------------------


def test_ceilings_add_real_pool_samples_in_the_generators_counts(gens, calls):
    """The same-units / new-units ceilings train on real + pool samples only, in the counts a generator is asked for."""
    fold = gens.make_fold("eeg")
    same, new = gens.make_batch("eeg", (20, 20, 20), seed=91), gens.make_batch("eeg", (2, 20, 20), seed=92)
    fold.pools = {"same_units": same, "new_units": new}
    records = _run_cell(gens, fold)
    x_real = fold.train.features.float()
    for condition, pool in (("ceiling:same-units", same), ("ceiling:new-units", new)):
        mine = [c for c in calls if c["condition"] == condition]
        assert {c["ratio"] for c in mine} == {1.0, 2.0}
        for c in mine:
            added = c["x"][len(x_real):]
            assert torch.equal(c["x"][: len(x_real)], x_real) and bool(_rows_in(added, pool.features.float()).all())
            want = augmentation.class_balanced_counts(fold.train.labels, c["ratio"])
            have = torch.bincount(c["y"][len(x_real):], minlength=3).tolist()
            pool_counts = torch.bincount(pool.labels, minlength=3).tolist()
            assert have == [min(want.get(k, 0), pool_counts[k]) for k in range(3)]
    short = {r["pool_short"] for r in records if r["condition"] == "ceiling:new-units" and r["ratio"] == 2.0}
    assert short == {2 * 5 - 2}  # class 0 asked for 10 (ratio 2 x 5), the new-units pool holds 2


def test_no_pools_no_ceiling_rows_and_the_option_turns_them_off(gens):
    fold = gens.make_fold("eeg")
    assert not [r for r in _run_cell(gens, fold) if r["condition"].startswith("ceiling")]
    fold.pools = {"same_units": gens.make_batch("eeg", (5, 5, 5), seed=3)}
    off = augmentation.run_cell("gauss-eeg", fold, 0, {}, {**FAST, "ceilings": False}, runtime=None)
    assert not [r for r in off if r["condition"].startswith("ceiling")]


def test_intervals_are_over_independent_units_not_folds():
    """Two sessions of one subject are one unit: the interval uses U = 2 subject means, not 4 fold values."""
    def cell(fold, unit, acc):
        return {"method": "m", "fold": fold, "unit": unit, "seed": 0, "status": "ok",
                "records": [{"condition": "real", "ratio": None, "classifier": "logreg", "metrics": {"ACC": acc}}]}

    (row,) = report.aggregate([cell("s1-e1", "s1", 0.5), cell("s1-e2", "s1", 0.7), cell("s2-e1", "s2", 0.8), cell("s2-e2", "s2", 0.8)])
    stat = row["metrics"]["ACC"]
    assert stat["mean"] == pytest.approx(0.7) and row["n_units"] == 2 and row["n_folds"] == 4
    # unit means 0.6 and 0.8: s = 0.141421, ci95 = t(0.975, 1) * s / sqrt(2) = 12.7062 * 0.1 = 1.27062
    assert stat["ci95"] == pytest.approx(1.27062, abs=1e-4)
    assert stat["std"] == pytest.approx(0.141421, abs=1e-5)  # over all 4 cells: values .5 .7 .8 .8


def test_logreg_is_solved_to_convergence_and_the_share_is_reported():
    from emozoo.evaluation.augmentation import default_classifier_settings, score_classifier
    from emozoo.evaluation.classifiers import converged

    g = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat(40)
    x = torch.randn(120, 10, 4, generator=g) + y[:, None, None]
    score = score_classifier("logreg", default_classifier_settings()["logreg"], x, y, x, y, 3, seed=0)
    assert score.converged and score.metrics["ACC"] > 0.9
    assert converged([{"loss": v} for v in [1.0] * 5 + [0.5] * 5 + [0.2] * 10]) is True
    assert converged([{"loss": 1.0 - 0.04 * i} for i in range(20)]) is False  # still falling: not converged
    cell = {"method": "m", "fold": "f", "seed": 0, "status": "ok", "records": [
        {"condition": "real", "ratio": None, "classifier": "mlp", "metrics": {"ACC": 0.5}, "converged": False},
        {"condition": "real", "ratio": None, "classifier": "logreg", "metrics": {"ACC": 0.6}, "converged": True}]}
    rows = {r["classifier"]: r for r in report.aggregate([cell])}
    assert rows["mlp"]["converged"] == 0.0 and rows["logreg"]["converged"] == 1.0
    assert "| converged fits |" in report.results_table(list(rows.values()))


def test_a_planted_bug_makes_the_suite_fail(tmp_path):
    """The mutation audit's machinery (benchmarks/mutants.py; all mutants: `benchmarks/reliability.py --only mutants`):
    with one bug planted the pinned test fails, without it the same test passes."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo / "benchmarks"), str(repo)])}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "mutants",
           "tests/test_reliability_bench.py::test_the_gain_compares_the_same_classifier_with_and_without_synthetic_data"]
    clean = subprocess.run(cmd, cwd=repo, env={k: v for k, v in env.items() if k != "EMOZOO_MUTANT"},
                           capture_output=True, text=True, timeout=300)
    planted = subprocess.run(cmd, cwd=repo, env={**env, "EMOZOO_MUTANT": "gain-against-another-classifier"},
                             capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stdout[-2000:]
    assert planted.returncode == 1 and "1 failed" in planted.stdout
