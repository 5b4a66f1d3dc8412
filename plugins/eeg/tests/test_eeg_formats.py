"""Readers on files written in the real formats: shapes, labels, subject/session/trial indexing, typed errors."""

import os
import pickle

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from emozoo.errors import ConfigError, LabelError, ShapeError, UnknownDatasetError
from emozoo_eeg.adapters import load_corpus
from emozoo_eeg.de import differential_entropy
from emozoo_eeg.errors import EEGFileNotFoundError, EEGFormatError, UnsafePickleError
from emozoo_eeg.formats import SEED_IV_SESSION_LABELS, read_deap, read_dreamer, read_seed, read_seed_iv
from emozoo_eeg.safe_pickle import load_array_pickle

# --- SEED -----------------------------------------------------------------------------------------


def test_seed_reader_indexes_subjects_sessions_trials(seed_dir):
    corpus = read_seed(seed_dir.parent)  # the parent of ExtractedFeatures works too
    assert corpus.dataset == "seed" and corpus.layout == "seed62" and len(corpus.channels) == 62
    assert corpus.label_names == ("negative", "neutral", "positive")
    assert len(corpus.recordings) == 2 * 2 * 15 and corpus.subjects == (1, 2) and corpus.sessions(1) == (1, 2)
    assert not corpus.synthetic
    for rec in corpus.recordings:
        assert rec.features.dtype == np.float32 and rec.features.shape == (3 + rec.trial % 4, 62, 5)
        # the id tag written at de_LDS{t}[0, 0, 0]: sessions follow the file dates, trials the key numbers
        assert rec.features[0, 0, 0] == rec.subject * 10000 + rec.session * 100 + rec.trial
    assert [r.label for r in corpus.recordings[:15]] == [2, 1, 0, 0, 1, 2, 0, 1, 2, 2, 1, 0, 1, 2, 0]
    raw = loadmat(seed_dir / "1_20131027.mat")["de_LDS4"]
    np.testing.assert_array_equal(corpus.recordings[3].features, raw.transpose(1, 0, 2).astype(np.float32))
    assert {p.name for p in corpus.source_files} == {"label.mat", "1_20131027.mat", "1_20131107.mat",
                                                     "2_20140404.mat", "2_20140413.mat"}
    assert len(corpus.data_sha256) == 64


def test_seed_reader_other_feature_and_subject_filter(seed_dir):
    ma = read_seed(seed_dir, feature="de_movingAve", subjects=[2])
    lds = read_seed(seed_dir, subjects=[2])
    assert ma.subjects == (2,)
    np.testing.assert_allclose(ma.recordings[0].features, lds.recordings[0].features + 1, rtol=1e-6)


def test_seed_missing_label_file_is_a_typed_error(seed_dir):
    (seed_dir / "label.mat").unlink()
    with pytest.raises(EEGFileNotFoundError, match="label.mat"):
        read_seed(seed_dir)


def test_seed_wrong_label_values_and_shapes(seed_dir):
    savemat(seed_dir / "label.mat", {"label": np.array([[1, 2, 0] * 5])})
    with pytest.raises(LabelError):
        read_seed(seed_dir)
    savemat(seed_dir / "label.mat", {"label": np.zeros((1, 14))})
    with pytest.raises(ShapeError, match="15"):
        read_seed(seed_dir)


def test_seed_wrong_key_shape_and_missing_key(seed_dir):
    mat = {k: v for k, v in loadmat(seed_dir / "1_20131027.mat").items() if not k.startswith("__")}
    mat["de_LDS7"] = mat["de_LDS7"][:32]
    savemat(seed_dir / "1_20131027.mat", mat)
    with pytest.raises(ShapeError, match="de_LDS7"):
        read_seed(seed_dir)
    del mat["de_LDS7"]
    savemat(seed_dir / "1_20131027.mat", mat)
    with pytest.raises(EEGFormatError, match="de_LDS7"):
        read_seed(seed_dir)


def test_missing_data_dir_and_corrupt_file(tmp_path, seed_dir):
    with pytest.raises(EEGFileNotFoundError):
        read_seed(tmp_path / "nope")
    (seed_dir / "3_20150101.mat").write_bytes(b"not a mat file at all")
    with pytest.raises(EEGFormatError, match="3_20150101"):
        read_seed(seed_dir)


# --- SEED-IV --------------------------------------------------------------------------------------


def test_seed_iv_reader(seed_iv_dir):
    corpus = read_seed_iv(seed_iv_dir)
    assert corpus.dataset == "seed-iv" and corpus.label_names == ("neutral", "sad", "fear", "happy")
    assert len(corpus.recordings) == 3 * 2 * 24 and corpus.sessions() == (1, 2, 3)
    for rec in corpus.recordings:
        assert rec.label == SEED_IV_SESSION_LABELS[rec.session][rec.trial - 1]
        assert rec.features[0, 0, 0] == rec.subject * 10000 + rec.session * 100 + rec.trial
    assert [r.label for r in corpus.select(subjects=[1], sessions=[3])][:6] == [1, 2, 2, 1, 3, 3]


# --- DEAP -----------------------------------------------------------------------------------------


def test_deap_reader_de_labels_and_baseline(deap_dir):
    mat = loadmat(deap_dir / "data_preprocessed_matlab" / "s02.mat")
    none = read_deap(deap_dir, baseline="none")
    sub = read_deap(deap_dir)  # valence > 5, baseline subtracted
    assert none.dataset == "deap" and none.layout == "deap32" and len(none.channels) == 32
    assert [(r.subject, r.trial) for r in sub.recordings] == [(s, t) for s in (1, 2) for t in (1, 2, 3)]
    assert [r.label for r in sub.recordings[:3]] == [1, 0, 0]  # 7.1 > 5, 3.0, 5.0 (not above 5)
    rec_none, rec_sub = none.recordings[4], sub.recordings[4]  # subject 2, trial 2
    eeg = mat["data"][1, :32]
    np.testing.assert_allclose(rec_none.features, differential_entropy(eeg[:, 384:], 128.0), rtol=1e-6)
    base = differential_entropy(eeg[:, :384], 128.0).mean(axis=0)
    np.testing.assert_allclose(rec_sub.features, rec_none.features - base, rtol=1e-5, atol=1e-5)
    assert rec_sub.features.shape == (4, 32, 5)
    arousal = read_deap(deap_dir, label="arousal", threshold=4.5, subjects=[1])
    assert [r.label for r in arousal.recordings] == [0, 1, 1] and arousal.label_names == ("low_arousal", "high_arousal")
    with pytest.raises(ConfigError):
        read_deap(deap_dir, label="happiness")
    with pytest.raises(ConfigError):
        read_deap(deap_dir, baseline="divide")


def test_deap_pickles_read_like_the_matlab_files(deap_dir, deap_pickle_dir):
    from_mat, from_dat = read_deap(deap_dir), read_deap(deap_pickle_dir)
    assert [p.suffix for p in from_dat.source_files] == [".dat", ".dat"]
    for a, b in zip(from_mat.recordings, from_dat.recordings):
        assert (a.subject, a.trial, a.label) == (b.subject, b.trial, b.label)
        np.testing.assert_array_equal(a.features, b.features)


def test_deap_wrong_data_shape(deap_dir):
    path = deap_dir / "data_preprocessed_matlab" / "s01.mat"
    savemat(path, {"data": np.zeros((3, 16, 1000)), "labels": np.zeros((3, 4))})
    with pytest.raises(ShapeError, match="32"):
        read_deap(deap_dir)


class _Evil:
    """Pickles to a call of os.mkdir: the restricted unpickler must refuse it before calling anything."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_restricted_unpickler_refuses_code_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "s01.dat"
    path.write_bytes(pickle.dumps({"data": np.zeros((1, 40, 900)), "labels": _Evil(str(marker))}, protocol=2))
    with pytest.raises(UnsafePickleError, match="mkdir"):
        load_array_pickle(path)
    assert not marker.exists()
    with pytest.raises(UnsafePickleError):
        read_deap(tmp_path)
    assert not marker.exists()


def test_restricted_unpickler_refuses_object_arrays_and_garbage(tmp_path):
    path = tmp_path / "obj.dat"
    path.write_bytes(pickle.dumps({"data": np.array([1, "x"], dtype=object)}))
    with pytest.raises(UnsafePickleError, match="object"):
        load_array_pickle(path)
    path.write_bytes(b"\x80\x02garbage")
    with pytest.raises(EEGFormatError):
        load_array_pickle(path)


def test_restricted_unpickler_reads_arrays_and_containers(tmp_path):
    path = tmp_path / "ok.dat"
    obj = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": [1, 2.5, (3, "x")], "c": {1, 2}, "d": np.float64(2.0)}
    path.write_bytes(pickle.dumps(obj, protocol=2))
    got = load_array_pickle(path)
    np.testing.assert_array_equal(got["a"], obj["a"])
    assert got["b"] == obj["b"] and got["c"] == {1, 2} and got["d"] == 2.0


# --- DREAMER --------------------------------------------------------------------------------------


def test_dreamer_reader(dreamer_dir):
    corpus = read_dreamer(dreamer_dir)
    assert corpus.dataset == "dreamer" and corpus.layout == "dreamer14" and len(corpus.channels) == 14
    assert [(r.subject, r.trial) for r in corpus.recordings] == [(s, t) for s in (1, 2) for t in (1, 2, 3)]
    assert [r.label for r in corpus.recordings[:3]] == [1, 0, 0]  # valence 4, 2, 3 > 3
    assert [r.features.shape[0] for r in corpus.recordings[:3]] == [3, 4, 5]
    mat = loadmat(dreamer_dir / "DREAMER.mat", simplify_cells=True)
    subj = mat["DREAMER"]["Data"][1]
    stim, base = subj["EEG"]["stimuli"][2].T, subj["EEG"]["baseline"][2].T
    expected = differential_entropy(stim, 128.0) - differential_entropy(base, 128.0).mean(axis=0)
    np.testing.assert_allclose(corpus.recordings[5].features, expected, rtol=1e-5, atol=1e-5)
    arousal = read_dreamer(dreamer_dir / "DREAMER.mat", label="arousal", baseline="none", subjects=[2])
    assert arousal.subjects == (2,) and [r.label for r in arousal.recordings] == [0, 1, 1]


def test_dreamer_missing_file(tmp_path):
    with pytest.raises(EEGFileNotFoundError, match="DREAMER.mat"):
        read_dreamer(tmp_path)


# --- adapters -------------------------------------------------------------------------------------


def test_load_corpus_by_name_and_unknown_name(seed_dir, dreamer_dir):
    assert load_corpus("SEED", seed_dir).dataset == "seed"
    assert load_corpus("dreamer", dreamer_dir, label="dominance").label_names == ("low_dominance", "high_dominance")
    with pytest.raises(UnknownDatasetError, match="seed-iv"):
        load_corpus("seed-v", seed_dir)
