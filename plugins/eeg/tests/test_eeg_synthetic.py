"""Synthetic SEED-format data: loads with the SEED reader unchanged, says it is synthetic, is learnable but not trivial."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.io import loadmat

from emozoo.errors import ConfigError
from emozoo_eeg.adapters import load_corpus
from emozoo_eeg.formats import SEED_TRIAL_LABELS, SYNTHETIC_NOTICE_KEY, read_seed
from emozoo_eeg.probe import linear_probe_accuracy
from emozoo_eeg.protocols import SubjectNormalizer, folds
from emozoo_eeg.synthetic import write_synthetic_seed


def test_every_file_says_synthetic(synthetic_seed_dir):
    readme = (synthetic_seed_dir / "SYNTHETIC_README.txt").read_text()
    assert "NOT real SEED data" in readme
    mats = sorted(synthetic_seed_dir.glob("*.mat"))
    assert [p.name for p in mats] == ["1_20990111.mat", "2_20990112.mat", "3_20990113.mat", "label.mat"]
    for path in mats:
        assert "NOT real SEED data" in str(loadmat(path)[SYNTHETIC_NOTICE_KEY][0])


def test_seed_reader_loads_it_unchanged(synthetic_seed_dir):
    corpus = read_seed(synthetic_seed_dir)
    assert corpus.synthetic and corpus.dataset == "seed-synthetic"  # never reported as real SEED
    assert corpus.subjects == (1, 2, 3) and len(corpus.recordings) == 45
    assert [r.label - 1 for r in corpus.recordings[:15]] == list(SEED_TRIAL_LABELS)
    mat = loadmat(synthetic_seed_dir / "2_20990112.mat")
    assert {f"de_LDS{t}" for t in range(1, 16)} | {f"de_movingAve{t}" for t in range(1, 16)} <= set(mat)
    for rec in corpus.recordings:
        assert 40 <= rec.features.shape[0] <= 60 and rec.features.shape[1:] == (62, 5)
    x = np.concatenate([r.features for r in corpus.recordings])
    band_means = x.mean(axis=(0, 1))
    assert (np.diff(band_means) < 0).all() and 14 < band_means.min() and band_means.max() < 25  # delta > ... > gamma
    # LDS-like smoothness: consecutive windows are strongly correlated within a trial
    f = corpus.recordings[0].features.reshape(corpus.recordings[0].features.shape[0], -1)
    d = f - f.mean(0)
    assert np.mean(np.sum(d[1:] * d[:-1], 0) / np.sum(d * d, 0)) > 0.6


def test_generation_is_deterministic_and_validated(tmp_path):
    a = write_synthetic_seed(tmp_path / "a", n_subjects=1, windows_per_trial=(5, 6), seed=3)
    b = write_synthetic_seed(tmp_path / "b", n_subjects=1, windows_per_trial=(5, 6), seed=3)
    ra, rb = read_seed(a), read_seed(b)
    assert all(np.array_equal(x.features, y.features) for x, y in zip(ra.recordings, rb.recordings))
    with pytest.raises(ConfigError):
        write_synthetic_seed(tmp_path / "c", windows_per_trial=(10, 5))


def test_linear_probe_is_between_chance_and_perfect(synthetic_seed_dir):
    corpus = read_seed(synthetic_seed_dir)
    accs = []
    for _, split in folds(corpus, "subject_dependent"):
        norm = SubjectNormalizer().fit(split.train)
        accs.append(linear_probe_accuracy(norm.transform(split.train), norm.transform(split.test)))
    mean = float(np.mean(accs))
    assert 0.5 < mean < 0.95, accs  # chance is 1/3
    assert min(accs) > 0.4


def test_adapter_writes_then_reads(tmp_path):
    corpus = load_corpus("seed-synthetic", tmp_path / "syn", n_subjects=1, windows_per_trial=(4, 5), seed=1)
    assert corpus.dataset == "seed-synthetic" and corpus.synthetic and len(corpus.recordings) == 15
    again = load_corpus("seed-synthetic", tmp_path / "syn")  # existing folder is read, not rewritten
    assert again.data_sha256 == corpus.data_sha256


def test_plugin_registers_datasets_without_importing_torch():
    code = (
        "import json, sys, emozoo; from emozoo.registry import get_registry; r = get_registry();"
        "ids = [d.id for d in r.list_datasets()];"
        "spec = r.get_dataset('seed');"
        "before = ['torch' in sys.modules, 'scipy' in sys.modules];"
        "cls = r.get_dataset('seed4').load_adapter_class();"
        "print(json.dumps([ids, spec.adapter_class, spec.url, *before, cls.dataset_id]))"
    )
    env = {**os.environ, "EMOZOO_PLUGINS": "eeg", "EMOZOO_DISABLE_PLUGIN_AUTOLOAD": "1", "EMOZOO_STRICT_PLUGINS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    ids, adapter, url, torch_loaded, scipy_loaded, alias_target = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"seed", "seed-iv", "deap", "dreamer", "seed-synthetic"} <= set(ids)
    assert adapter == "emozoo_eeg.adapters:SEEDAdapter" and url.startswith("https://bcmi.sjtu.edu.cn")
    assert not torch_loaded and not scipy_loaded
    assert alias_target == "seed-iv"  # the alias resolves and the adapter class imports
