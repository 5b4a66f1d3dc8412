"""Reading audio files into float32 mono waveforms at one sample rate, refusing files that cannot be trusted.

Everything libsndfile reads (WAV of 8/16/24/32-bit PCM or float, FLAC, OGG, MP3 with libsndfile >= 1.1) goes
through :mod:`soundfile`; channels are mixed down by their mean; a file at another rate is resampled with soxr
(quality "HQ", the same filter as librosa's ``res_type="soxr_hq"``). A file that is missing, empty, truncated,
not audio, has no samples or holds NaN/inf samples raises :class:`~emozoo_speech.errors.AudioFileError` naming
the file and the fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .errors import AudioFileError

__all__ = ["read_audio", "read_many", "resample", "to_mono"]

#: WAV data-chunk sizes that streaming writers put in the header when the length is unknown (not truncation).
_STREAMING_SIZES = {0, 0x7FFFFFFF, 0xFFFFFFFF}
_DATA_LINE = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_FIX = "re-export the file (e.g. `sox in out.wav`) or leave it out (skip_bad_files=True)"


def to_mono(x: np.ndarray) -> np.ndarray:
    """[S] or [S, C] samples -> [S] float32, the mean over channels."""
    x = np.asarray(x, dtype=np.float32)
    return x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)


def resample(x: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """[S] float32 resampled from ``orig_sr`` to ``target_sr`` with soxr "HQ" (returned as is at equal rates)."""
    if int(orig_sr) == int(target_sr):
        return np.asarray(x, dtype=np.float32)
    import soxr

    return np.ascontiguousarray(soxr.resample(np.asarray(x, dtype=np.float32), int(orig_sr), int(target_sr), quality="HQ"), dtype=np.float32)


def _check_rate(sample_rate: int) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or int(sample_rate) <= 0:
        raise AudioFileError(f"sample_rate: expected a positive int (Hz), got {sample_rate!r}; e.g. sample_rate=16000")
    return int(sample_rate)


def read_audio(path: str | os.PathLike[str], sample_rate: int = 16000) -> np.ndarray:
    """The file's samples as float32 mono [S] at ``sample_rate`` (mixed down by channel mean, resampled with soxr)."""
    import soundfile as sf

    target = _check_rate(sample_rate)
    p = Path(path)
    if not p.is_file():
        raise AudioFileError(f"{str(p)!r}: no such audio file; check the path (for a corpus, pass --data-dir with its folder)")
    if p.stat().st_size == 0:
        raise AudioFileError(f"{str(p)!r}: the file is empty (0 bytes); {_FIX}")
    try:
        with sf.SoundFile(str(p)) as fh:
            m = _DATA_LINE.search(fh.extra_info or "")
            if m and int(m.group(1)) > int(m.group(2)) and int(m.group(1)) not in _STREAMING_SIZES:
                raise AudioFileError(
                    f"{str(p)!r}: truncated audio file (its header declares {m.group(1)} data bytes, {m.group(2)} are present); {_FIX}"
                )
            sr = fh.samplerate
            data = fh.read(dtype="float32", always_2d=True)
    except sf.LibsndfileError as exc:
        raise AudioFileError(f"{str(p)!r}: not a readable audio file, or truncated ({exc}); {_FIX}") from exc
    except (RuntimeError, ValueError, TypeError) as exc:  # soundfile's own errors (older versions) and bad headers
        raise AudioFileError(f"{str(p)!r}: cannot decode audio ({exc}); {_FIX}") from exc
    if data.shape[0] == 0:
        raise AudioFileError(f"{str(p)!r}: the file holds no samples (zero length); record or export the audio again")
    if not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise AudioFileError(f"{str(p)!r}: {bad} NaN/inf sample(s); {_FIX}")
    return resample(to_mono(data), int(sr), target)


def read_many(
    paths: Iterable[str | os.PathLike[str]], sample_rate: int = 16000, *, skip_bad: bool = False
) -> tuple[list[np.ndarray], list[tuple[str, str]]]:
    """(waveforms of the readable files in order, [(path, reason)] of the skipped ones); without ``skip_bad`` the
    first bad file raises its AudioFileError."""
    waves: list[np.ndarray] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        try:
            waves.append(read_audio(path, sample_rate))
        except AudioFileError as exc:
            if not skip_bad:
                raise
            skipped.append((str(path), str(exc)))
    return waves, skipped
