"""Fixtures that write small files in the real SEED / SEED-IV / DEAP / DREAMER formats (real key names and layouts)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

SEED_LABELS = np.array([[1, 0, -1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 0, 1, -1]], dtype=np.int16)


def _seed_session(rng: np.random.Generator, n_trials: int, subject: int, session: int) -> dict[str, np.ndarray]:
    """One session file: de_LDS{t}, de_movingAve{t}, psd_LDS{t} (62 x T x 5), values encoding their ids."""
    out = {}
    for t in range(1, n_trials + 1):
        n_win = 3 + t % 4
        x = rng.normal(15, 2, (62, n_win, 5))
        x[0, 0, 0] = subject * 10000 + session * 100 + t  # id tag to check indexing
        out[f"de_LDS{t}"] = x
        out[f"de_movingAve{t}"] = x + 1
        out[f"psd_LDS{t}"] = x * 2
    return out


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """SEED ExtractedFeatures with 2 subjects x 2 sessions; file dates deliberately not in listing order."""
    root = tmp_path / "SEED" / "ExtractedFeatures"
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    dates = {1: ("20131027", "20131107"), 2: ("20140404", "20140413")}
    for subject, (d1, d2) in dates.items():
        savemat(root / f"{subject}_{d2}.mat", _seed_session(rng, 15, subject, 2))
        savemat(root / f"{subject}_{d1}.mat", _seed_session(rng, 15, subject, 1))
    savemat(root / "label.mat", {"label": SEED_LABELS})
    return root


@pytest.fixture
def seed_iv_dir(tmp_path: Path) -> Path:
    """SEED-IV eeg_feature_smooth/{1,2,3} with 2 subjects."""
    root = tmp_path / "SEED_IV" / "eeg_feature_smooth"
    rng = np.random.default_rng(1)
    for session in (1, 2, 3):
        (root / str(session)).mkdir(parents=True)
        for subject in (1, 2):
            savemat(root / str(session) / f"{subject}_2016051{session}.mat", _seed_session(rng, 24, subject, session))
    return root.parent


DEAP_SAMPLES = 384 + 128 * 4  # 3 s baseline + 4 s of trial
DEAP_RATINGS = np.array([[7.1, 2.0, 5.0, 9.0], [3.0, 6.5, 1.0, 4.0], [5.0, 8.0, 4.0, 5.5]])


def _deap_subject(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"data": rng.normal(0, 10, (3, 40, DEAP_SAMPLES)), "labels": DEAP_RATINGS.copy()}


@pytest.fixture
def deap_dir(tmp_path: Path) -> Path:
    """data_preprocessed_matlab with s01.mat and s02.mat (3 trials each, 40 channels, 128 Hz)."""
    root = tmp_path / "DEAP" / "data_preprocessed_matlab"
    root.mkdir(parents=True)
    rng = np.random.default_rng(2)
    for s in (1, 2):
        savemat(root / f"s{s:02d}.mat", _deap_subject(rng))
    return tmp_path / "DEAP"


@pytest.fixture
def deap_pickle_dir(tmp_path: Path, deap_dir: Path) -> Path:
    """data_preprocessed_python with the same arrays as deap_dir, pickled like DEAP's .dat (protocol 2)."""
    from scipy.io import loadmat

    root = tmp_path / "DEAPpy" / "data_preprocessed_python"
    root.mkdir(parents=True)
    for s in (1, 2):
        mat = loadmat(deap_dir / "data_preprocessed_matlab" / f"s{s:02d}.mat")
        with open(root / f"s{s:02d}.dat", "wb") as fh:
            pickle.dump({"labels": mat["labels"], "data": mat["data"]}, fh, protocol=2)
    return root


def _cell(items: list) -> np.ndarray:
    """A MATLAB n x 1 cell array for savemat."""
    out = np.empty((len(items), 1), dtype=object)
    for i, v in enumerate(items):
        out[i, 0] = v
    return out


@pytest.fixture
def dreamer_dir(tmp_path: Path) -> Path:
    """DREAMER.mat with 2 subjects x 3 stimuli (struct DREAMER.Data{s}.EEG.stimuli{t}, samples x 14)."""
    rng = np.random.default_rng(3)
    subjects = np.empty((1, 2), dtype=object)
    for s in range(2):
        stimuli = [rng.normal(0, 5, (128 * (3 + t), 14)) for t in range(3)]
        baseline = [rng.normal(0, 5, (128 * 2, 14)) for _ in range(3)]
        subjects[0, s] = {
            "Age": "25", "Gender": "male",
            "EEG": {"baseline": _cell(baseline), "stimuli": _cell(stimuli)},
            "ECG": {"baseline": _cell([np.zeros((10, 2))] * 3), "stimuli": _cell([np.zeros((10, 2))] * 3)},
            "ScoreValence": np.array([[4.0], [2.0], [3.0]]),
            "ScoreArousal": np.array([[1.0], [5.0], [4.0]]),
            "ScoreDominance": np.array([[3.0], [3.0], [2.0]]),
        }
    electrodes = np.empty((1, 14), dtype=object)
    for i, name in enumerate(["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]):
        electrodes[0, i] = name
    top = {
        "Data": subjects, "EEG_SamplingRate": 128.0, "ECG_SamplingRate": 256.0, "EEG_Electrodes": electrodes,
        "noOfSubjects": 2.0, "noOfVideoSequences": 3.0, "Disclaimer": "test", "Provider": "test", "Version": "1.0.2",
    }
    root = tmp_path / "DREAMER"
    root.mkdir()
    savemat(root / "DREAMER.mat", {"DREAMER": top})
    return root


@pytest.fixture(scope="session")
def synthetic_seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic SEED folder (3 subjects, 1 session), written once per test session."""
    from emozoo_eeg.synthetic import write_synthetic_seed

    return write_synthetic_seed(tmp_path_factory.mktemp("synthetic_seed"), n_subjects=3, n_sessions=1, seed=0)
