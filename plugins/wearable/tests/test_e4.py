"""The E4 readers against tiny generated files: values, headers, the NaN rule and every bad-input error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emozoo_wearable.e4 import fill_gaps, find_file, read_ibi, read_signal, read_tags
from emozoo_wearable.errors import E4FormatError, MissingSignalError, TimelineError


@pytest.mark.parametrize("gz", [True, False])
def test_signal_header_and_values(tmp_path: Path, write_e4, gz: bool) -> None:
    p = write_e4(tmp_path / ("EDA.csv.gz" if gz else "EDA.csv"), 1644226061, 4, [0.1, 0.2, 0.3], gz=gz)
    s = read_signal(p, "S01")
    assert (s.start, s.rate, s.name) == (1644226061.0, 4.0, "EDA")
    np.testing.assert_array_equal(s.values, [0.1, 0.2, 0.3])
    assert s.end == pytest.approx(1644226061 + 0.75) and s.mask.all()


def test_missing_file_names_subject_and_fix(tmp_path: Path) -> None:
    with pytest.raises(MissingSignalError, match=r"S07: BVP.csv\(.gz\) is missing.*copy the subject"):
        find_file(tmp_path, "BVP", "S07")
    assert find_file(tmp_path, "IBI", "S07", required=False) is None


@pytest.mark.parametrize("rate", ["0", "-4"])
def test_bad_rate(tmp_path: Path, write_e4, rate: str) -> None:
    p = write_e4(tmp_path / "EDA.csv", 0, 4, [1.0, 2.0], gz=False, header=["1644226061", rate])
    with pytest.raises(E4FormatError, match=r"S02: EDA.csv states a sampling rate of -?[04] Hz; it must be > 0"):
        read_signal(p, "S02")


def test_absent_rate_and_non_numeric_header(tmp_path: Path, write_e4) -> None:
    p = write_e4(tmp_path / "TEMP.csv", 0, 4, [], gz=False, header=["1644226061"])
    with pytest.raises(E4FormatError, match="no header"):
        read_signal(p, "S03")
    p = write_e4(tmp_path / "HR.csv", 0, 1, [70.0], gz=False, header=["1644226061", "fast"])
    with pytest.raises(E4FormatError, match="header rate is 'fast'"):
        read_signal(p, "S03")


def test_non_numeric_line_is_named(tmp_path: Path, write_e4) -> None:
    p = write_e4(tmp_path / "BVP.csv", 0, 64, [1.0, 2.0, "oops", 3.0], gz=False)
    with pytest.raises(E4FormatError, match=r"S04: BVP.csv line 5 is not numeric \('oops'\)"):
        read_signal(p, "S04")


def test_nan_rule_short_runs_filled_long_runs_masked() -> None:
    x = np.array([0.0, 1.0, np.nan, 3.0, 4.0, np.nan, np.nan, np.nan, np.nan, np.nan, 10.0, np.nan])
    out, mask = fill_gaps(x, rate=2.0, max_gap_s=1.0)  # a run of <= 2 samples is filled
    assert out[2] == 2.0 and mask[2]
    assert not mask[5:10].any() and np.isnan(out[5:10]).all()
    assert not mask[11]  # a run at the end is never filled
    assert mask.sum() == 6


def test_nan_file_round_trip(tmp_path: Path, write_e4) -> None:
    p = write_e4(tmp_path / "EDA.csv", 0, 4, [1.0, np.nan, 3.0, 4.0], gz=False)
    s = read_signal(p, "S05")
    np.testing.assert_array_equal(s.values, [1.0, 2.0, 3.0, 4.0])


def test_ibi_layout_and_order(tmp_path: Path) -> None:
    (tmp_path / "IBI.csv").write_text("1644226061.000000, IBI\n35.48,0.89\n36.34,0.86\n")
    ibi = read_ibi(tmp_path / "IBI.csv", "S01")
    assert ibi.start == 1644226061.0
    np.testing.assert_array_equal(ibi.intervals, [0.89, 0.86])
    (tmp_path / "IBI.csv").write_text("1644226061, IBI\n36.34,0.86\n35.48,0.89\n")
    with pytest.raises(E4FormatError, match="S01: IBI.csv beat time out of order at row 2"):
        read_ibi(tmp_path / "IBI.csv", "S01")
    (tmp_path / "IBI.csv").write_text("1644226061, IBI\n35.48,0.86\n35.48,0.89\n")
    with pytest.raises(E4FormatError, match="duplicated"):
        read_ibi(tmp_path / "IBI.csv", "S01")
    (tmp_path / "IBI.csv").write_text("1644226061\n35.48,0.86\n")
    with pytest.raises(E4FormatError, match="IBI's header"):
        read_ibi(tmp_path / "IBI.csv", "S01")


def test_tags_order_duplicates_and_outside(tmp_path: Path) -> None:
    p = tmp_path / "tags_S09.csv"
    p.write_text("100\n200\n150\n")
    with pytest.raises(E4FormatError, match="tag out of order"):
        read_tags(p, "S09")
    p.write_text("100\n200\n200\n")
    with pytest.raises(E4FormatError, match="tag duplicated"):
        read_tags(p, "S09")
    p.write_text("100\n200\n5000\n")
    with pytest.raises(TimelineError, match="S09: tags_S09.csv tag 5000 lies outside the recording"):
        read_tags(p, "S09", span=(0, 1000))
    kept, dropped = read_tags(p, "S09", span=(0, 1000), outside="drop")
    np.testing.assert_array_equal(kept, [100, 200])
    np.testing.assert_array_equal(dropped, [5000])
