"""Protocols: split sizes, no train/test leakage, train-only normalisation, manifests saved and reloaded."""

import numpy as np
import pytest
import torch

from emozoo.data.manifest import SplitManifest, sha256_files
from emozoo.errors import ConfigError, InputError, NotFittedError
from emozoo_eeg.formats import read_seed, read_seed_iv
from emozoo_eeg.protocols import (
    SubjectNormalizer,
    folds,
    leave_one_subject_out,
    load_split_manifests,
    save_split_manifests,
    subject_dependent,
)


def test_seed_subject_dependent_is_9_train_6_test_trials(seed_dir):
    corpus = read_seed(seed_dir)
    split = subject_dependent(corpus, subject=2, session=2)
    recs = corpus.select(subjects=[2], sessions=[2])
    assert set(split.train.trials.tolist()) == set(range(1, 10))
    assert set(split.test.trials.tolist()) == set(range(10, 16))
    assert len(split.train) == sum(r.features.shape[0] for r in recs[:9])
    assert len(split.test) == sum(r.features.shape[0] for r in recs[9:])
    assert split.train.features.shape[1:] == (62, 5) and split.train.layout == "channels_bands"
    assert split.train.band_names == ("delta", "theta", "alpha", "beta", "gamma")
    assert set(split.train.subjects.tolist()) == {2} and split.train.labels.dtype == torch.int64
    # windows are stacked in trial order: the first window of trial 1 is the first sample
    np.testing.assert_array_equal(split.train.features[0].numpy(), recs[0].features[0])
    m = split.manifest
    assert m.protocol == "subject_dependent" and m.fold == "s2-e2" and m.dataset == "seed"
    assert m.splits["train"][0] == "s2-e2-t1-w0" and m.splits["test"][-1].startswith("s2-e2-t15-w")
    assert len(m.splits["train"]) == len(split.train) and len(m.splits["test"]) == len(split.test)
    assert m.data_sha256 == sha256_files(corpus.source_files)


def test_seed_iv_default_is_16_of_24(seed_iv_dir):
    split = subject_dependent(read_seed_iv(seed_iv_dir), subject=1, session=3)
    assert set(split.train.trials.tolist()) == set(range(1, 17)) and set(split.test.trials.tolist()) == set(range(17, 25))


def test_folds_cover_every_subject_session_without_leakage(seed_dir):
    corpus = read_seed(seed_dir)
    got = list(folds(corpus, "subject_dependent"))
    assert [name for name, _ in got] == ["s1-e1", "s1-e2", "s2-e1", "s2-e2"]
    for _, split in got:
        train_ids, test_ids = set(split.manifest.splits["train"]), set(split.manifest.splits["test"])
        assert not train_ids & test_ids
        train_trials = {i.rsplit("-w", 1)[0] for i in train_ids}
        test_trials = {i.rsplit("-w", 1)[0] for i in test_ids}
        assert not train_trials & test_trials and len(train_trials) == 9 and len(test_trials) == 6
    loso = dict(folds(corpus, "loso"))
    assert list(loso) == ["s1", "s2"]
    split = loso["s1"]
    assert set(split.test.subjects.tolist()) == {1} and set(split.train.subjects.tolist()) == {2}
    assert len(split.train) + len(split.test) == sum(r.features.shape[0] for r in corpus.recordings)
    only_first = leave_one_subject_out(corpus, 2, sessions=[1])
    assert only_first.manifest.extra["sessions"] == [1]
    assert all(i.split("-")[1] == "e1" for i in only_first.manifest.splits["train"] + only_first.manifest.splits["test"])


def test_protocol_errors(seed_dir, deap_dir):
    corpus = read_seed(seed_dir)
    with pytest.raises(ConfigError, match="protocol"):
        list(folds(corpus, "k_fold"))
    with pytest.raises(InputError, match="subject 7"):
        subject_dependent(corpus, 7, 1)
    with pytest.raises(ConfigError):
        subject_dependent(corpus, 1, 1, n_train_trials=15)
    from emozoo_eeg.formats import read_deap

    deap = read_deap(deap_dir)
    with pytest.raises(ConfigError, match="n_train_trials"):
        subject_dependent(deap, 1, 1)
    assert set(subject_dependent(deap, 1, 1, n_train_trials=2).test.trials.tolist()) == {3}


def test_manifests_save_and_reload(seed_dir, tmp_path):
    splits = list(folds(read_seed(seed_dir), "subject_dependent"))
    paths = save_split_manifests(tmp_path / "manifests", splits)
    assert len(paths) == 4 and all(p.suffix == ".json" for p in paths)
    loaded = load_split_manifests(tmp_path / "manifests")
    for name, split in splits:
        assert loaded[name] == split.manifest and loaded[name].digest() == split.manifest.digest()
    assert SplitManifest.load(paths[0]).extra["train_trials"][:2] == ["s1-e1-t1", "s1-e1-t2"]


def test_normalizer_uses_train_statistics_only(seed_dir):
    split = subject_dependent(read_seed(seed_dir), 1, 1)
    norm = SubjectNormalizer().fit(split.train)
    x_train = split.train.features.double().numpy()
    mean, std = x_train.mean(0), x_train.std(0)
    np.testing.assert_allclose(norm.means[1], mean)
    np.testing.assert_allclose(norm.stds[1], std)
    train_z, test_z = norm.transform(split.train), norm.transform(split.test)
    np.testing.assert_allclose(train_z.features.numpy(), (x_train - mean) / std, rtol=1e-5, atol=1e-5)
    expected_test = (split.test.features.double().numpy() - mean) / std  # train stats, not the test set's own
    np.testing.assert_allclose(test_z.features.numpy(), expected_test, rtol=1e-5, atol=1e-5)
    assert np.abs(train_z.features.numpy().mean(0)).max() < 1e-4
    assert not np.allclose(test_z.features.numpy().mean(0), 0.0, atol=1e-3)  # test is not re-centred on itself
    assert torch.equal(test_z.labels, split.test.labels) and torch.equal(test_z.trials, split.test.trials)


def test_normalizer_unseen_subjects(seed_dir):
    split = leave_one_subject_out(read_seed(seed_dir), 1)
    norm = SubjectNormalizer().fit(split.train)
    assert sorted(norm.means) == [2]
    x = split.train.features.double().numpy()
    z = norm.transform(split.test).features.double().numpy()
    np.testing.assert_allclose(z, (split.test.features.double().numpy() - x.mean(0)) / x.std(0), rtol=1e-5, atol=1e-5)
    with pytest.raises(InputError, match="subject 1"):
        SubjectNormalizer(unseen="error").fit(split.train).transform(split.test)
    with pytest.raises(NotFittedError):
        SubjectNormalizer().transform(split.test)
