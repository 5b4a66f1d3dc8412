"""Readers for Empatica E4 CSV exports (``.csv`` or ``.csv.gz``): signals, IBI and tags, with typed errors.

Layouts (Empatica's ``info.txt``): a signal file (BVP, EDA, TEMP, HR) has line 1 = session start (unix s, UTC),
line 2 = sampling rate in Hz, then one sample per line. ``IBI.csv`` has line 1 = ``"<start>, IBI"``, then rows of
(seconds since start, inter-beat interval in s). ``tags_SXX.csv`` holds one unix time per line (the event button).

NaN rule (:data:`MAX_GAP_S`): a run of missing samples (empty or ``nan`` lines) of at most ``max_gap_s`` seconds is
filled by linear interpolation between its neighbours; a longer run, or one at either end, stays NaN and is returned
as ``mask`` (True = valid), so that every window touching it is dropped later.
"""

from __future__ import annotations

import gzip
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import E4FormatError, MissingSignalError

__all__ = ["IBI", "MAX_GAP_S", "Signal", "find_file", "read_ibi", "read_signal", "read_tags"]

MAX_GAP_S = 1.0
SIGNALS: tuple[str, ...] = ("BVP", "EDA", "TEMP", "HR")


@dataclass(frozen=True)
class Signal:
    """One E4 signal: ``values`` float64 [S] from ``start`` (unix s) at ``rate`` Hz; ``mask`` False where missing."""

    name: str
    start: float
    rate: float
    values: np.ndarray
    mask: np.ndarray

    @property
    def end(self) -> float:
        """Unix time one sample past the last one."""
        return self.start + len(self.values) / self.rate


@dataclass(frozen=True)
class IBI:
    """Inter-beat intervals: beat ``times`` (s since ``start``) and ``intervals`` (s), both float64 [B]."""

    start: float
    times: np.ndarray
    intervals: np.ndarray


def find_file(folder: str | os.PathLike[str], stem: str, subject: str, *, required: bool = True) -> Path | None:
    """``folder/stem.csv.gz`` or ``folder/stem.csv``; MissingSignalError naming subject and fix when required."""
    for suffix in (".csv.gz", ".csv"):
        p = Path(folder) / f"{stem}{suffix}"
        if p.is_file():
            return p
    if not required:
        return None
    raise MissingSignalError(
        f"{subject}: {stem}.csv(.gz) is missing in {str(folder)!r}; copy the subject's full Empatica E4 export "
        f"(BVP, EDA, TEMP, HR, tags) there, or leave the subject out with subjects=[...]"
    )


def _text(path: Path) -> bytes:
    """The file's bytes (gunzipped); kept as bytes so pandas parses them without a str copy."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            return fh.read()
    except (OSError, EOFError) as exc:
        raise E4FormatError(f"{str(path)!r}: cannot read the file ({exc}); re-copy it from the E4 export") from exc


def _bad_line(lines: list, first: int, path: Path, subject: str, columns: int) -> E4FormatError:
    """The error naming the first non-numeric line (1-based) of ``lines`` from index ``first``."""
    lines = [ln.decode("utf-8", "replace") if isinstance(ln, bytes) else ln for ln in lines]
    for i in range(first, len(lines)):
        parts = [p.strip() for p in lines[i].split(",")]
        try:
            if len(parts) != columns:
                raise ValueError
            [float(p) if p not in ("", "nan", "NaN") else math.nan for p in parts]
        except ValueError:
            return E4FormatError(
                f"{subject}: {path.name} line {i + 1} is not numeric ({lines[i][:40]!r}); an E4 export holds one "
                f"number per line ({columns} per row for IBI); remove the line or re-export the session"
            )
    return E4FormatError(f"{subject}: {path.name} could not be parsed as numbers; re-export the session")


def _numbers(body: bytes, path: Path, subject: str, header_lines: int, columns: int) -> np.ndarray:
    """Parse the sample lines with pandas' C reader (fast); blank or 'nan' lines become NaN; errors name the file line."""
    import pandas as pd

    if not body.strip():
        return np.empty((0, columns))
    try:
        frame = pd.read_csv(io.BytesIO(body), header=None, dtype=np.float64, skip_blank_lines=False,
                            na_values=["", "nan", "NaN"], keep_default_na=False, engine="c")
    except (ValueError, pd.errors.ParserError) as exc:
        raise _bad_line([b""] * header_lines + body.splitlines(), header_lines, path, subject, columns) from exc
    if frame.shape[1] != columns:
        raise _bad_line([b""] * header_lines + body.splitlines(), header_lines, path, subject, columns)
    return frame.to_numpy()


def _header_number(text: str, what: str, path: Path, subject: str) -> float:
    try:
        value = float(text.split(",")[0].strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise E4FormatError(f"{subject}: {path.name} header {what} is {text.strip()!r}, not a number; the E4 layout is "
                            "line 1 = session start (unix s), line 2 = rate (Hz); restore the header")
    return value


def fill_gaps(values: np.ndarray, rate: float, max_gap_s: float = MAX_GAP_S) -> tuple[np.ndarray, np.ndarray]:
    """(values with NaN runs of <= max_gap_s interpolated, mask True where valid); longer or edge runs stay masked."""
    bad = np.isnan(values)
    if not bad.any():
        return values, np.ones(len(values), dtype=bool)
    out = values.copy()
    idx = np.flatnonzero(np.diff(np.concatenate(([0], bad.view(np.int8), [0]))))
    starts, stops = idx[0::2], idx[1::2]
    limit = max_gap_s * rate
    for a, b in zip(starts, stops):
        if a > 0 and b < len(values) and (b - a) <= limit:
            out[a:b] = np.interp(np.arange(a, b), [a - 1, b], [values[a - 1], values[b]])
    return out, ~np.isnan(out)


def read_signal(path: str | os.PathLike[str], subject: str = "?", *, max_gap_s: float = MAX_GAP_S) -> Signal:
    """One E4 signal file (BVP, EDA, TEMP, HR), with the NaN rule of the module docstring applied."""
    p = Path(path)
    text = _text(p)
    head_b, _, rest = text.partition(b"\n")
    rate_b, _, body = rest.partition(b"\n")
    head, rate_line = head_b.decode("utf-8", "replace"), rate_b.decode("utf-8", "replace")
    if not head.strip() or not rate_line.strip():
        raise E4FormatError(f"{subject}: {p.name} has no header (start time and rate lines); the E4 layout is line 1 = "
                            "session start (unix s), line 2 = rate (Hz); re-export the session")
    start = _header_number(head, "start time", p, subject)
    rate = _header_number(rate_line, "rate", p, subject)
    if rate <= 0:
        raise E4FormatError(f"{subject}: {p.name} states a sampling rate of {rate:g} Hz; it must be > 0 "
                            "(BVP 64, EDA/TEMP 4, HR 1); fix line 2")
    data = _numbers(body.rstrip(b"\n"), p, subject, 2, 1)
    if data.size == 0:
        raise E4FormatError(f"{subject}: {p.name} holds no samples after its header; re-export the session")
    values, mask = fill_gaps(data[:, 0], rate, max_gap_s)
    return Signal(p.name.split(".")[0].upper(), start, rate, values, mask)


def _check_increasing(t: np.ndarray, what: str, path: Path, subject: str) -> None:
    d = np.diff(t)
    if (d <= 0).any():
        i = int(np.flatnonzero(d <= 0)[0])
        kind = "duplicated" if d[i] == 0 else "out of order"
        raise E4FormatError(f"{subject}: {path.name} {what} {kind} at row {i + 2} ({t[i]:.3f} then {t[i + 1]:.3f}); "
                            "timestamps must strictly increase; sort the file and drop duplicate rows")


def read_ibi(path: str | os.PathLike[str], subject: str = "?") -> IBI:
    """The E4's IBI file: header ``"<start>, IBI"``, then (seconds since start, interval s); times must increase."""
    p = Path(path)
    text = _text(p)
    head_b, _, body = text.partition(b"\n")
    head = head_b.decode("utf-8", "replace")
    if "," not in head:
        raise E4FormatError(f"{subject}: {p.name} line 1 is {head[:40]!r}; IBI's header is '<start unix s>, IBI'; restore it")
    start = _header_number(head, "start time", p, subject)
    data = _numbers(body.rstrip(b"\n"), p, subject, 1, 2) if body.strip() else np.empty((0, 2))
    if np.isnan(data).any():
        raise E4FormatError(f"{subject}: {p.name} has an empty or NaN field; every IBI row is 'time, interval'; drop the row")
    _check_increasing(data[:, 0], "beat time", p, subject)
    if (data[:, 1] <= 0).any():
        raise E4FormatError(f"{subject}: {p.name} has a non-positive inter-beat interval; intervals are seconds > 0")
    return IBI(start, data[:, 0].copy(), data[:, 1].copy())


def read_tags(path: str | os.PathLike[str], subject: str = "?", *, span: tuple[float, float] | None = None,
              outside: str = "error") -> tuple[np.ndarray, np.ndarray]:
    """(kept tags, dropped tags): event-button unix times float64, strictly increasing.

    With ``span`` = (recording start, end), a tag more than 1 s outside it is a TimelineError (``outside="error"``)
    or is dropped and returned as dropped (``outside="drop"``, the adapter's stated rule: S17's export holds two tags
    11.8 h before its session, a clock glitch). The order check runs on the kept tags.
    """
    from .errors import TimelineError

    if outside not in ("error", "drop"):
        raise ValueError(f"outside must be 'error' or 'drop', got {outside!r}")
    p = Path(path)
    body = _text(p).strip()
    tags = _numbers(body, p, subject, 0, 1)[:, 0] if body else np.empty(0)
    if np.isnan(tags).any():
        raise E4FormatError(f"{subject}: {p.name} has an empty line among its tags; one unix time per line; remove it")
    dropped = np.empty(0)
    if span is not None:
        bad = (tags < span[0] - 1) | (tags > span[1] + 1)
        if bad.any() and outside == "error":
            raise TimelineError(
                f"{subject}: {p.name} tag {tags[bad][0]:.0f} lies outside the recording [{span[0]:.0f}, {span[1]:.0f}] "
                "(unix s); the tags belong to another session or the clock is off; fix the file or pass outside='drop'")
        tags, dropped = tags[~bad], tags[bad]
    _check_increasing(tags, "tag", p, subject)
    return tags, dropped
