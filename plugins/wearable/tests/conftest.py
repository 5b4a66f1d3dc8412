"""Fixtures: the shared real Stress-Predict folder (read at run time, never copied) and tiny generated E4 sessions."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

START = 1644829200  # 2022-02-14 09:00:00 UTC = Irish time (UTC+0 in February)


def _data_dir() -> Path | None:
    here = Path(__file__).resolve()
    for cand in (here.parents[4] / "shared" / "data", here.parents[3] / "shared" / "data"):
        if (cand / "stress-predict" / "raw" / "S01").is_dir():
            return cand / "stress-predict"
    return None


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The checkout's ../shared/data/stress-predict; absent data fails under CI=true and skips elsewhere."""
    root = _data_dir()
    if root is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("shared/data/stress-predict is missing beside the checkout; CI must provide it")
        pytest.skip("shared/data/stress-predict not found beside the checkout")
    return root


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "emozoo-cache"
    monkeypatch.setenv("EMOZOO_CACHE", str(cache))
    return cache


def write_signal(path: Path, start: float, rate: float, values, *, gz: bool = True, header: list[str] | None = None) -> Path:
    """An E4-layout signal file (header lines then one value per line; 'nan' for missing)."""
    lines = header if header is not None else [f"{start:.6f}", f"{rate:.6f}"]
    lines = lines + [("nan" if isinstance(v, float) and np.isnan(v) else f"{v:.6f}") if not isinstance(v, str) else v for v in values]
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def toy_signals(seconds: int, stress: np.ndarray, seed: int) -> dict[str, tuple[float, float, np.ndarray]]:
    """Class-dependent toy E4 signals: HR and pulse rate rise, EDA rises and bursts, TEMP drifts down under stress."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, rate, offset in (("BVP", 64, 0), ("EDA", 4, 0), ("TEMP", 4, 0), ("HR", 1, 10)):
        n = (seconds - offset) * rate
        t = offset + np.arange(n) / rate
        s = stress[np.minimum(t.astype(int), len(stress) - 1)].astype(float)
        if name == "BVP":
            hz = 1.1 + 0.5 * s
            v = 50 * np.sin(2 * np.pi * np.cumsum(hz) / rate) + rng.normal(0, 2, n)
        elif name == "EDA":
            v = 0.3 + 0.4 * s + 0.05 * np.sin(2 * np.pi * t / 17) + rng.normal(0, 0.005, n)
        elif name == "TEMP":
            v = 33 - 0.5 * s + rng.normal(0, 0.01, n)
        else:
            v = 70 + 25 * s + rng.normal(0, 1, n)
        out[name] = (START + offset, rate, v)
    return out


def write_time_logs(path: Path, rows: list[tuple[str, dict[str, tuple[str, str]]]]) -> Path:
    """A Time_logs.xlsx in Stress-Predict's layout (two header rows, phase Start/End column pairs, Date column)."""
    import pandas as pd

    phases = ["Consent", "Baseline/Questionniare", "Stroop Test", "Relax", "Interview", "Relax", "Hyperventilation", "Relax"]
    head0 = ["S. ID.", "Start Time", "End Time", "Session ID"]
    head1 = [None] * 4
    for p in phases:
        head0 += [p, None]
        head1 += ["Start", "End"]
    head0 += [None, "Date"]
    head1 += [None, None]
    body = []
    for sid, times in rows:
        r = [sid, dt.time(9, 0), dt.time(10, 0), 1]
        seen: dict[str, int] = {}
        for p in phases:
            k = seen.get(p, 0)
            seen[p] = k + 1
            a, b = times.get(f"{p}#{k}", (None, None))
            r += [dt.time.fromisoformat(a) if a else None, dt.time.fromisoformat(b) if b else None]
        r += ["Day 2", dt.datetime(2022, 2, 14)]
        body.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([head0, head1] + body).to_excel(path, header=False, index=False)
    return path


# the toy protocol (minutes after 09:00): baseline 0-2, stroop 2-4, relax 4-6, interview 6-8, relax 8-10
TOY_PHASES = {"Baseline/Questionniare#0": ("09:00:00", "09:02:00"), "Stroop Test#0": ("09:02:00", "09:04:00"),
              "Relax#0": ("09:04:00", "09:06:00"), "Interview#0": ("09:06:00", "09:08:00"), "Relax#1": ("09:08:00", "09:10:00")}
TOY_TAGS = [START + 125, START + 238, START + 360, START + 481]  # stress boundaries, seconds off the logged minutes


def make_toy_dataset(root: Path, subjects: int = 4, seconds: int = 600) -> Path:
    """A Stress-Predict-shaped folder of generated sessions (10 min each; no real data)."""
    stress = np.zeros(seconds, dtype=int)
    for a, b in ((125, 238), (360, 481)):
        stress[a:b] = 1
    rows = []
    for k in range(1, subjects + 1):
        sid = f"S{k:02d}"
        folder = root / "raw" / sid
        for name, (start, rate, v) in toy_signals(seconds, stress, k).items():
            write_signal(folder / f"{name}.csv.gz", start, rate, v)
        (folder / "IBI.csv").write_text(f"{START}, IBI\n10.0,0.8\n10.8,0.8\n")
        (folder / f"tags_{sid}.csv").write_text("\n".join(str(t) for t in TOY_TAGS) + "\n")
        rows.append((sid, TOY_PHASES))
    write_time_logs(root / "processed" / "Time_logs.xlsx", rows)
    return root


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    """A 4-subject toy Stress-Predict folder."""
    return make_toy_dataset(tmp_path / "toy")


@pytest.fixture
def write_e4():
    """write_e4(path, start, rate, values, gz=True, header=None) -> path of an E4-layout signal file."""
    return write_signal


@pytest.fixture
def toy():
    """The toy helpers: make_toy_dataset, write_time_logs, toy_signals and the constants START / TOY_TAGS / TOY_PHASES."""
    import types

    return types.SimpleNamespace(make=make_toy_dataset, write_time_logs=write_time_logs, signals=toy_signals,
                                 START=START, TAGS=TOY_TAGS, PHASES=TOY_PHASES)
