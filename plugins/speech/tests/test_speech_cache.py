"""The feature cache: a second run extracts nothing, keys follow bytes and settings, failures cache nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from emozoo_speech.audio import read_audio
from emozoo_speech.cache import CACHE_SUBDIR, FeatureCache, extract_files
from emozoo_speech.errors import AudioFileError
from emozoo_speech.frontends import LogMel, LogMelConfig


class CountingLogMel(LogMel):
    """LogMel that counts how often it really extracts."""

    calls = 0

    def __call__(self, wave, sample_rate):
        type(self).calls += 1
        return super().__call__(wave, sample_rate)


@pytest.fixture
def clips(tmp_path: Path, tone) -> list[Path]:
    paths = []
    for i in range(3):
        p = tmp_path / f"c{i}.wav"
        sf.write(p, tone(16000, 0.3, 200 + 100 * i), 16000, subtype="PCM_16")
        paths.append(p)
    return paths


def test_second_run_extracts_nothing_and_is_bit_exact(clips: list[Path], _private_cache: Path) -> None:
    CountingLogMel.calls = 0
    first, _ = extract_files(clips, CountingLogMel())
    assert CountingLogMel.calls == 3
    stats: dict[str, int] = {}
    second, _ = extract_files(clips, CountingLogMel(), stats=stats)
    assert CountingLogMel.calls == 3 and stats == {"hits": 3, "misses": 0}
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    root = _private_cache / CACHE_SUBDIR  # EMOZOO_CACHE points it there
    entries = sorted(root.glob("*.npy"))
    assert len(entries) == 3 and stat.S_IMODE(root.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(e.stat().st_mode) == 0o600 for e in entries)
    extract_files(clips, CountingLogMel(LogMelConfig(n_mels=40)))  # another setting: another key
    assert CountingLogMel.calls == 6
    extract_files(clips, CountingLogMel(), cache=False)
    assert CountingLogMel.calls == 9


def test_changed_bytes_are_extracted_again(clips: list[Path], tone) -> None:
    CountingLogMel.calls = 0
    extract_files(clips, CountingLogMel())
    sf.write(clips[0], tone(16000, 0.3, 999), 16000, subtype="PCM_16")
    feats, _ = extract_files(clips, CountingLogMel())
    assert CountingLogMel.calls == 4
    np.testing.assert_array_equal(feats[0], LogMel()(read_audio(clips[0]), 16000))  # the new audio, not the stale entry


def test_failed_extraction_caches_nothing(tmp_path: Path, clips: list[Path], _private_cache: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioFileError, match="bad.wav"):
        extract_files([bad], LogMel())
    assert not list((_private_cache / CACHE_SUBDIR).glob("*.npy"))  # (glob of a missing folder is empty too)
    feats, skipped = extract_files([clips[0], bad], LogMel(), skip_bad=True)
    assert feats[1] is None and Path(skipped[0][0]).name == "bad.wav"
    assert len(list((_private_cache / CACHE_SUBDIR).glob("*.npy"))) == 1


def test_waveform_entries_and_a_shared_folder_is_not_trusted(tone, _private_cache: Path) -> None:
    CountingLogMel.calls = 0
    store = FeatureCache()
    x = tone(16000, 0.2)
    a = store.for_waveform(x, 16000, CountingLogMel())
    b = FeatureCache().for_waveform(x.copy(), 16000, CountingLogMel())
    assert CountingLogMel.calls == 1
    np.testing.assert_array_equal(a, b)
    FeatureCache().for_waveform(x, 8000, CountingLogMel())  # same samples at another rate: another clip
    assert CountingLogMel.calls == 2
    os.chmod(_private_cache / CACHE_SUBDIR, 0o777)  # open to others: neither read nor written
    FeatureCache().for_waveform(x, 16000, CountingLogMel())
    assert CountingLogMel.calls == 3
    os.chmod(_private_cache / CACHE_SUBDIR, 0o700)


def test_worker_processes_give_the_same_features(clips: list[Path]) -> None:
    serial, _ = extract_files(clips, LogMel(), cache=False)
    parallel, _ = extract_files(clips, LogMel(), cache=False, workers=2)
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def test_the_front_end_code_is_part_of_the_key(clips: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    from emozoo_speech import cache as cache_mod

    module = tmp_path / "edited_frontend.py"
    module.write_text("from emozoo_speech.frontends import LogMel\n\nclass Edited(LogMel):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    edited = importlib.import_module("edited_frontend").Edited()
    stats: dict[str, int] = {}
    extract_files(clips[:1], edited, stats=stats)
    assert stats == {"hits": 0, "misses": 1}
    before = cache_mod.code_digest(edited)
    module.write_text(module.read_text() + "\n# an edit of the extraction code\n")
    cache_mod._module_code.cache_clear()  # a new process would hash the file afresh
    assert cache_mod.code_digest(edited) != before
    extract_files(clips[:1], edited, stats=stats)
    assert stats == {"hits": 0, "misses": 2}  # the entry the earlier code wrote is not served
    assert cache_mod.feature_key("c" * 64, {"a": 1}, "x") != cache_mod.feature_key("c" * 64, {"a": 1}, "y")
    sys.modules.pop("edited_frontend", None)
