"""Front-ends: shapes, the fixed log floor, padding / cropping / trimming, resampling, eGeMAPS, batch extraction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from emozoo_speech.audio import read_audio
from emozoo_speech.frontends import (
    EGeMAPS,
    EGeMAPSConfig,
    LogMel,
    LogMelConfig,
    extract,
    make_frontend,
)

from emozoo.data.batches import AudioBatch
from emozoo.data.source import DataSource
from emozoo.errors import ConfigError, InputError, NonFiniteError, ShapeError


def test_logmel_shape_and_fixed_reference(tone) -> None:
    x = tone(16000, 1.0, 1000, amp=0.05)
    lm = LogMel()
    a = lm(x, 16000)
    assert a.shape == (1 + 16000 // 160, 64) and a.dtype == np.float32
    b = lm(10 * x, 16000)  # +20 dB: ref=1.0 is fixed, so levels move (ref=np.max would pin both peaks at 0 dB)
    loud = a > -60
    np.testing.assert_allclose(b[loud] - a[loud], 20.0, atol=1e-3)
    assert a.max() < b.max() - 19.9


def test_silence_and_short_clips_give_the_floor(tone) -> None:
    lm = LogMel()
    silent = lm(np.zeros(16000, np.float32), 16000)
    assert np.all(silent == -80.0)  # exactly the floor, never -inf
    short = lm(tone(16000, 0.00625), 16000)  # 100 samples < n_fft=400: zero-padded to 400
    assert short.shape == (1 + 400 // 160, 64) and np.isfinite(short).all()


def test_n_frames_crops_from_start_and_pads_with_floor(tone) -> None:
    x = tone(16000, 1.0, 500)
    full = LogMel()(x, 16000)
    np.testing.assert_array_equal(LogMel(LogMelConfig(n_frames=40))(x, 16000), full[:40])
    long = LogMel(LogMelConfig(n_frames=150))(x, 16000)
    np.testing.assert_array_equal(long[: full.shape[0]], full)
    assert np.all(long[full.shape[0]:] == -80.0)


def test_trim_removes_leading_and_trailing_silence(tone) -> None:
    x = np.concatenate([np.zeros(8000, np.float32), tone(16000, 0.5, 800), np.zeros(8000, np.float32)])
    trimmed = LogMel(LogMelConfig(trim_db=40.0))(x, 16000)
    assert trimmed.shape[0] < 60 and trimmed[0].max() > -40  # about 0.5 s of tone, first frame loud
    assert LogMel(LogMelConfig(trim_db=40.0))(np.zeros(8000, np.float32), 16000).shape[0] == 1 + 8000 // 160


def test_other_rate_is_resampled_first(tone) -> None:
    a = LogMel()(tone(16000, 1.0, 700), 16000)
    b = LogMel()(tone(48000, 1.0, 700), 48000)
    assert a.shape == b.shape
    assert np.abs(a - b)[a > -50].mean() < 1.0  # dB


def test_config_dict_is_canonical_and_keyed_on_every_setting() -> None:
    d = LogMel().config_dict()
    assert json.loads(json.dumps(d)) == d and d["librosa"] and d["fmax"] == 8000.0
    assert LogMel(LogMelConfig(fmax=8000.0)).config_dict() == d  # None and the Nyquist rate are the same setting
    assert LogMel(LogMelConfig(n_mels=40)).config_dict() != d
    assert EGeMAPS().config_dict()["opensmile"] and EGeMAPS().kind == "functionals" and LogMel().kind == "features"


@pytest.mark.parametrize("bad", [{"n_mels": 0}, {"win_length": 800}, {"fmax": 9000.0}, {"top_db": -1.0},
                                 {"n_frames": 0}, {"hop_length": 1.5}])
def test_bad_logmel_config(bad: dict) -> None:
    with pytest.raises(ConfigError):
        LogMelConfig(**bad)


def test_bad_waveforms_raise_typed_errors(tone) -> None:
    lm = LogMel()
    with pytest.raises(ShapeError, match="mono"):
        lm(np.zeros((100, 2), np.float32), 16000)
    x = tone(16000, 0.1)
    x[3] = np.nan
    with pytest.raises(NonFiniteError):
        lm(x, 16000)
    with pytest.raises(InputError, match="sample_rate"):
        lm(tone(16000, 0.1), 0)
    with pytest.raises(ConfigError):
        EGeMAPSConfig(level="frames")
    with pytest.raises(ConfigError, match="unknown"):
        make_frontend("mfcc")


def test_egemaps_on_speech_silence_and_short_clips(data_root: Path) -> None:
    eg = EGeMAPS()
    x = read_audio(data_root / "ravdess" / "speech_16k" / "Actor_01" / "03-01-05-02-01-01-01.flac")
    v = eg(x, 16000)
    assert v.shape == (88,) and v.dtype == np.float32 and np.isfinite(v).all()
    assert eg.feature_names[0].startswith("F0semitone") and v[0] > 10  # mean F0 in semitones above 27.5 Hz
    for clip in (np.zeros(16000, np.float32), x[:100]):  # silence; shorter than the 60 ms window (zero-padded)
        w = eg(clip, 16000)
        assert w.shape == (88,) and np.isfinite(w).all()


def test_extract_turns_waveforms_into_padded_features(tone) -> None:
    src = DataSource("toy", license="CC0")
    waves = torch.zeros(2, 16000)
    waves[0] = torch.from_numpy(tone(16000, 1.0))
    waves[1, :8000] = torch.from_numpy(tone(16000, 0.5, 300))
    batch = AudioBatch(inputs=waves, labels=torch.tensor([1, 0]), sample_rate=16000, lengths=torch.tensor([16000, 8000]), source=src)
    out = extract(batch, LogMel(), cache=False)
    assert out.kind == "features" and tuple(out.inputs.shape) == (2, 101, 64)
    assert out.lengths.tolist() == [101, 51] and out.source is src and out.labels.tolist() == [1, 0]
    assert torch.all(out.inputs[1, 51:] == -80.0)
    np.testing.assert_array_equal(out.inputs[1, :51].numpy(), LogMel()(tone(16000, 0.5, 300), 16000))
    fun = extract(batch, EGeMAPS(), cache=False)
    assert fun.kind == "functionals" and tuple(fun.inputs.shape) == (2, 88) and fun.source is src
    with pytest.raises(InputError, match="already holds"):
        extract(out, LogMel())


def test_logmel_equals_librosa_melspectrogram_in_db(tone) -> None:
    import librosa

    x = tone(16000, 0.7, 350) + tone(16000, 0.7, 2100, amp=0.01)
    ours = LogMel()(x, 16000)
    ref = librosa.feature.melspectrogram(y=x, sr=16000, n_fft=400, win_length=400, hop_length=160, n_mels=64, pad_mode="constant")
    ref_db = np.maximum(10 * np.log10(np.maximum(ref, 1e-8)), -80.0).T
    np.testing.assert_allclose(ours, ref_db, atol=1e-3)
