"""Ceiling pools of the EEG folds and the per-trial structure of the synthetic data they rely on."""

from __future__ import annotations

import pytest
import torch

import emozoo


@pytest.fixture(scope="module")
def folds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed-synthetic")
    return emozoo.load_folds("seed-synthetic", protocol="augmentation", data_dir=str(folder), n_subjects=3, n_sessions=3,
                             windows_per_trial=[12, 16], ceilings=True)


def _ids(fold, split):
    return set(fold.manifest.splits[split])


def test_pools_never_overlap_train_or_test_and_are_named_in_the_manifest(folds):
    assert len(folds) == 9
    for fold in folds:
        train, test = _ids(fold, "train"), _ids(fold, "test")
        same, new = _ids(fold, "pool_same_units"), _ids(fold, "pool_new_units")
        assert not (train & same or train & new or test & same or test & new or same & new)
        assert len(fold.pools["same_units"]) == len(same) and len(fold.pools["new_units"]) == len(new)
        session = fold.name.split("-e")[1]
        assert all(i.split("-")[1] == f"e{session}" for i in same)  # more windows of this session's trials
        assert all(i.split("-")[1] != f"e{session}" for i in new)  # other sessions only: new trials
        train_trials = {i.split("-w")[0].split("-t")[1] for i in train}
        assert {i.split("-w")[0].split("-t")[1] for i in same} == train_trials
        assert {i.split("-w")[0].split("-t")[1] for i in new} <= train_trials  # never a test trial number
        assert fold.unit == fold.name.split("-e")[0]


def test_same_trial_windows_are_the_later_windows_of_each_training_trial(folds):
    fold = folds[0]
    by_trial: dict[str, list[int]] = {}
    for split in ("train", "pool_same_units"):
        for i in fold.manifest.splits[split]:
            trial, window = i.rsplit("-w", 1)
            by_trial.setdefault(trial, []).append((int(window), split))
    for windows in by_trial.values():
        order = [split for _, split in sorted(windows)]
        assert order == sorted(order, key=lambda s: s != "train")  # train windows first, pool after


def test_pools_are_normalised_with_the_train_statistics(folds):
    fold = folds[0]
    assert abs(float(fold.train.features.mean())) < 1e-4  # z-scored on train
    assert fold.pools["same_units"].features.dtype == fold.train.features.dtype
    assert abs(float(fold.pools["new_units"].features.mean())) > 1e-3  # not re-centred on its own statistics


def test_new_trials_carry_information_that_more_windows_of_the_same_trials_do_not(folds):
    """The synthetic data's per-trial structure: adding new-trial windows helps a converged classifier more than
    adding the same number of windows of the training trials (averaged over 9 folds)."""
    from emozoo.evaluation.augmentation import default_classifier_settings, score_classifier

    settings = default_classifier_settings()["logreg"]
    gains = {"same_units": [], "new_units": []}
    for fold in folds:
        x, y, xt, yt = fold.train.features, fold.train.labels, fold.test.features, fold.test.labels
        real = score_classifier("logreg", settings, x, y, xt, yt, 3, seed=0).metrics["ACC"]
        n = min(len(fold.pools["same_units"]), len(fold.pools["new_units"]))
        for name in gains:
            pool = fold.pools[name].index(torch.randperm(len(fold.pools[name]), generator=torch.Generator().manual_seed(0))[:n])
            acc = score_classifier("logreg", settings, torch.cat([x, pool.features]), torch.cat([y, pool.labels]), xt, yt, 3, seed=0)
            gains[name].append(acc.metrics["ACC"] - real)
    mean = {k: sum(v) / len(v) for k, v in gains.items()}
    assert mean["new_units"] > mean["same_units"] + 0.02, mean


def test_pool_fraction_is_checked():
    from emozoo.errors import ConfigError

    with pytest.raises(ConfigError, match="pool_fraction"):
        emozoo.load_folds("seed-synthetic", protocol="augmentation", n_subjects=1, ceilings=True, pool_fraction=1.0)
