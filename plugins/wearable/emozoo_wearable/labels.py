"""The label timeline of Stress-Predict: per second stress (1) / no stress (0) / unlabelled (-1) over a session.

Phase rule (:func:`timeline`):

* the phases come from ``processed/Time_logs.xlsx`` (one row per participant, a start and end per phase, minute
  resolution, Irish local time on a 12-hour clock without am/pm: an hour below 8 is read as pm; the date column
  gives the day; Europe/Dublin, which is UTC+0 on every session day, Feb-Mar 2022);
* stress = "Stroop Test", "Interview", "Hyperventilation"; no stress = "Baseline/Questionniare", the three "Relax",
  "Questionniare" and "Relax/Baseline"; "Consent", gaps between logged phases and time outside the logged session
  are unlabelled (-1): windows there are dropped by the purity rule;
* every stress-phase boundary is snapped to the nearest event-button tag within ``tag_tolerance_s`` (default 120 s),
  in time order and one tag per boundary (a start takes the nearest tag after the previous stress end, an end the
  nearest tag after its start): the tags are the second-exact button presses that the minute-rounded log describes;
  a boundary with no tag that close keeps the log's minute. The no-stress phases fill what they logged, and so do the parts of a logged stress phase that its
  snapped tags leave out (a button pressed 5 s after the logged minute makes those 5 s rest); stress overwrites.

The authors' 1 Hz labels (``Improved_All_Combined_hr_rsp_binary.csv``, participants 2-35) mark stress between tags
1-2, 3-4 and 5-6 and everything else 0; :func:`agreement` compares the two on the seconds both label. Ours wins where
they differ: it also covers S01 (whose 10 tags do not follow the 6-tag pattern, and whom the authors' file omits) and
keeps consent and gaps out of the no-stress class instead of calling them rest.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from .errors import TimelineError, WearableDataError

__all__ = ["NO_STRESS_PHASES", "STRESS_PHASES", "Phase", "agreement", "authors_labels", "read_time_logs", "timeline"]

STRESS_PHASES: tuple[str, ...] = ("Stroop Test", "Interview", "Hyperventilation")
NO_STRESS_PHASES: tuple[str, ...] = ("Baseline/Questionniare", "Relax", "Questionniare", "Relax/Baseline")
TZ = ZoneInfo("Europe/Dublin")
TAG_TOLERANCE_S = 120.0


@dataclass(frozen=True)
class Phase:
    """One logged protocol phase: name, label (1 stress, 0 no stress, -1 unlabelled), unix start and end."""

    name: str
    label: int
    start: float
    end: float


def _clock(value: object, day: dt.date, where: str) -> float:
    """Unix time of a 12-hour-clock cell (hour < 8 read as pm) on ``day`` in Irish time."""
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, str):
        try:
            value = dt.time.fromisoformat(value.strip())
        except ValueError as exc:
            raise WearableDataError(f"Time_logs.xlsx {where}: {value!r} is not a clock time HH:MM[:SS]; fix the cell") from exc
    if not isinstance(value, dt.time):
        raise WearableDataError(f"Time_logs.xlsx {where}: {value!r} is not a clock time; fill the cell as HH:MM:SS")
    hour = value.hour + 12 if value.hour < 8 else value.hour
    local = dt.datetime(day.year, day.month, day.day, hour, value.minute, value.second, tzinfo=TZ)
    return local.timestamp()


def read_time_logs(path: str | os.PathLike[str]) -> dict[str, list[Phase]]:
    """Subject id ("S01") -> logged phases in sheet order, from ``Time_logs.xlsx`` (pandas + openpyxl)."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise WearableDataError(f"{str(p)!r}: the time logs are missing; copy processed/Time_logs.xlsx of Stress-Predict there")
    sheet = pd.read_excel(p, header=None, engine="openpyxl")
    names = sheet.iloc[0].tolist()
    kinds = sheet.iloc[1].tolist()
    date_col = next((j for j, n in enumerate(names) if isinstance(n, str) and n.strip() == "Date"), None)
    if date_col is None:
        raise WearableDataError(f"{p.name}: no 'Date' column in its header row; is this Stress-Predict's Time_logs.xlsx?")
    cols: list[tuple[str, int, int]] = []
    for j, kind in enumerate(kinds):
        if kind == "Start" and j + 1 < len(kinds) and kinds[j + 1] == "End" and isinstance(names[j], str):
            cols.append((names[j].strip(), j, j + 1))
    out: dict[str, list[Phase]] = {}
    for i in range(2, len(sheet)):
        sid = sheet.iat[i, 0]
        if not isinstance(sid, str) or not sid.strip():
            continue
        sid = sid.strip()
        day_cell = sheet.iat[i, date_col]
        day = pd.Timestamp(day_cell).date() if day_cell is not None and not pd.isna(day_cell) else None
        if day is None:
            raise WearableDataError(f"{p.name} row {i + 1} ({sid}): no date; fill the Date column")
        phases = []
        for name, a, b in cols:
            if pd.isna(sheet.iat[i, a]) or pd.isna(sheet.iat[i, b]):
                continue
            label = 1 if name in STRESS_PHASES else 0 if name in NO_STRESS_PHASES else -1
            start, end = _clock(sheet.iat[i, a], day, f"{sid} {name} start"), _clock(sheet.iat[i, b], day, f"{sid} {name} end")
            phases.append(Phase(name, label, start, end))
        out[sid] = phases
    return out


def _snap(t: float, tags: np.ndarray, tolerance: float, after: float) -> float:
    """The tag nearest ``t`` within ``tolerance`` among those later than ``after`` (else ``t``)."""
    later = tags[tags > after]
    if len(later) == 0:
        return t
    j = int(np.argmin(np.abs(later - t)))
    return float(later[j]) if abs(later[j] - t) <= tolerance else t


def timeline(phases: list[Phase], tags: np.ndarray, start: float, seconds: int, *, subject: str = "?",
             tag_tolerance_s: float = TAG_TOLERANCE_S) -> np.ndarray:
    """int8 [seconds]: the label of second k = [start + k, start + k + 1) by the phase rule (module docstring).

    Tags outside the recording [start, start + seconds] are a TimelineError (they would place a boundary where
    no signal was recorded: a clock or file mix-up).
    """
    end = start + seconds
    outside = tags[(tags < start - 1) | (tags > end + 1)]
    if len(outside):
        raise TimelineError(f"{subject}: tag {outside[0]:.0f} lies outside the recording [{start:.0f}, {end:.0f}] (unix s); "
                            "the tags file belongs to another session or its clock is off; use the session's own tags_SXX.csv")
    grid = start + np.arange(seconds) + 0.5  # centre of each second
    out = np.full(seconds, -1, dtype=np.int8)
    for ph in phases:  # rest phases, and the logged stress spans (what the tags trim off them is rest)
        if ph.label in (0, 1):
            out[(grid >= ph.start) & (grid < ph.end) & (out == -1)] = 0
    last = -np.inf
    for ph in sorted((ph for ph in phases if ph.label == 1), key=lambda ph: ph.start):
        a = _snap(ph.start, tags, tag_tolerance_s, last)
        b = _snap(ph.end, tags, tag_tolerance_s, a)
        last = b
        if b <= a:
            raise TimelineError(f"{subject}: phase {ph.name!r} ends ({b:.0f}) before it starts ({a:.0f}); fix Time_logs.xlsx")
        out[(grid >= a) & (grid < b)] = 1
    return out


def authors_labels(path: str | os.PathLike[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Subject id -> (unix seconds int64, label int8) from the authors' ``Improved_All_Combined_hr_rsp_binary.csv``."""
    import pandas as pd

    frame = pd.read_csv(path, usecols=["Participant", "Time(sec)", "Label"])
    return {f"S{int(pid):02d}": (g["Time(sec)"].to_numpy(np.int64), g["Label"].to_numpy(np.int8))
            for pid, g in frame.groupby("Participant", sort=True)}


def agreement(ours: np.ndarray, start: float, theirs: tuple[np.ndarray, np.ndarray]) -> dict[str, float | int]:
    """Per-second agreement of our timeline with the authors' labels on the seconds both label."""
    times, labels = theirs
    k = (times - int(np.floor(start))).astype(np.int64)
    ok = (k >= 0) & (k < len(ours))
    mine = ours[k[ok]]
    both = mine >= 0
    a, b = mine[both].astype(np.int64), labels[ok][both].astype(np.int64)
    n = int(both.sum())
    return {"seconds": n, "agree": float((a == b).mean()) if n else float("nan"),
            "ours_stress_theirs_not": int(((a == 1) & (b == 0)).sum()), "theirs_stress_ours_not": int(((a == 0) & (b == 1)).sum()),
            "theirs_unlabelled_by_us": int((~both).sum())}
