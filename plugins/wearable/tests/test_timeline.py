"""The label timeline (phase rule, tag snapping), time-log parsing, windowing rules and the window cache on toy data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from emozoo.errors import ConfigError
from emozoo_wearable.errors import MissingSignalError, TimelineError
from emozoo_wearable.labels import Phase, _clock, agreement, read_time_logs, timeline
from emozoo_wearable.windows import WindowConfig, align, cut_windows, load_subjects


def test_twelve_hour_clock_reads_pm() -> None:
    day = dt.date(2022, 2, 14)
    assert _clock(dt.time(1, 5), day, "x") - _clock(dt.time(12, 8), day, "x") == 57 * 60
    assert _clock(dt.time(9, 0), day, "x") == 1644829200  # Irish time = UTC in February


def test_timeline_snaps_to_tags_and_leaves_consent_unlabelled() -> None:
    phases = [Phase("Consent", -1, 0, 60), Phase("Baseline/Questionniare", 0, 60, 120), Phase("Stroop Test", 1, 120, 240),
              Phase("Relax", 0, 240, 360)]
    tags = np.array([125.0, 233.0])
    tl = timeline(phases, tags, start=0, seconds=400)
    assert (tl[:60] == -1).all() and (tl[60:125] == 0).all() and (tl[125:233] == 1).all() and (tl[233:360] == 0).all()
    assert (tl[360:] == -1).all()
    far = timeline(phases, np.array([10.0]), start=0, seconds=400, tag_tolerance_s=60)  # no tag near: the log's minute
    assert (far[120:240] == 1).all() and far[119] == 0


def test_timeline_tags_outside_recording() -> None:
    with pytest.raises(TimelineError, match="S05: tag 9999 lies outside the recording"):
        timeline([], np.array([9999.0]), start=0, seconds=100, subject="S05")


def test_agreement_counts() -> None:
    ours = np.array([-1, 0, 0, 1, 1, 0], dtype=np.int8)
    theirs = (np.arange(100, 106), np.array([0, 0, 1, 1, 1, 0], dtype=np.int8))
    a = agreement(ours, 100.0, theirs)
    assert a["seconds"] == 5 and a["agree"] == pytest.approx(0.8) and a["theirs_stress_ours_not"] == 1


def test_time_logs_round_trip(tmp_path: Path, toy) -> None:
    p = toy.write_time_logs(tmp_path / "Time_logs.xlsx", [("S01", toy.PHASES)])
    logs = read_time_logs(p)
    stroop = [ph for ph in logs["S01"] if ph.name == "Stroop Test"][0]
    assert (stroop.label, stroop.start, stroop.end) == (1, toy.START + 120, toy.START + 240)
    assert [ph.label for ph in logs["S01"]] == [0, 1, 0, 1, 0]


def test_align_decimates_bvp_without_aliasing() -> None:
    from emozoo_wearable.e4 import Signal

    t = np.arange(64 * 60) / 64
    bvp = np.sin(2 * np.pi * 1.0 * t) + np.sin(2 * np.pi * 15.0 * t)  # 15 Hz would alias to 1 Hz at 16 Hz
    sig = lambda name, rate, v: Signal(name, 0.0, rate, v, np.ones(len(v), bool))  # noqa: E731
    slow = np.linspace(0, 1, 4 * 60)
    t0, data, valid = align({"bvp": sig("BVP", 64, bvp), "eda": sig("EDA", 4, slow), "temp": sig("TEMP", 4, slow),
                             "hr": sig("HR", 1, np.linspace(0, 1, 60))}, 16)
    assert data.shape == (4, 16 * 59 + 12) or data.shape[1] <= 16 * 60
    ref = np.sin(2 * np.pi * (t0 + np.arange(data.shape[1]) / 16))
    mid = slice(32, -32)
    assert np.abs(data[0, mid] - ref[mid]).max() < 0.05  # 15 Hz removed, 1 Hz kept
    np.testing.assert_allclose(data[1, 4:-4], np.interp(np.arange(data.shape[1]) / 16, np.arange(240) / 4, slow)[4:-4])
    assert valid.all()


def test_cut_windows_majority_purity_and_mask() -> None:
    cfg = WindowConfig(rate=1, window_s=10, step_s=5, min_purity=0.8)
    data = np.arange(40.0)[None].repeat(4, 0)
    labels = np.array([0] * 12 + [1] * 28, dtype=np.int8)
    valid = np.ones(40, bool)
    valid[37] = False
    w, y, starts, purity = cut_windows(data, valid, labels, cfg)
    # windows at 0, 5, 10, 15, 20, 25, 30: purities 1.0 (0), 0.7 (drop), 0.8 (1), 1, 1, 1; the one at 30 touches the mask
    assert starts.tolist() == [0, 10, 15, 20, 25] and y.tolist() == [0, 1, 1, 1, 1]
    assert purity[1] == pytest.approx(0.8) and w.shape == (5, 4, 10) and w.dtype == np.float32
    np.testing.assert_array_equal(w[1, 0], np.arange(10, 20))


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="min_purity"):
        WindowConfig(min_purity=0.3)
    with pytest.raises(ConfigError, match="whole numbers of samples"):
        WindowConfig(rate=16, window_s=60.03)


def test_toy_windows_and_cache_bit_exact(toy_dir: Path) -> None:
    stats: dict = {}
    first = load_subjects(toy_dir, WindowConfig(), stats=stats)
    again = load_subjects(toy_dir, WindowConfig(), stats=stats)
    assert stats == {"misses": 4, "hits": 4}
    s = first[0]
    assert s.windows.shape[1:] == (4, 960) and set(s.labels.tolist()) == {0, 1}
    for a, b in zip(first, again):
        assert a.windows.tobytes() == b.windows.tobytes() and a.labels.tolist() == b.labels.tolist()
    hr = s.windows[:, 3].mean(1)
    assert hr[s.labels == 1].mean() > hr[s.labels == 0].mean() + 10  # the toy HR rises under stress
    # a window's label is its majority: every stress window starts within the tag-bounded stress spans
    rel = s.starts - s.info["t0"]
    assert all((115 <= r <= 185) or (350 <= r <= 430) for r in rel[s.labels == 1])


def test_missing_signal_and_short_recording(tmp_path: Path, toy) -> None:
    root = toy.make(tmp_path / "a", subjects=1)
    (root / "raw" / "S01" / "EDA.csv.gz").unlink()
    with pytest.raises(MissingSignalError, match="S01: EDA.csv"):
        load_subjects(root, cache=False)
    short = toy.make(tmp_path / "b", subjects=1, seconds=50)
    with pytest.raises(TimelineError, match="shorter than one 60 s window"):
        load_subjects(short, cache=False)
