"""Terminal tables (emozoo._table): columns fit the width, the identifying columns are never cut."""

from __future__ import annotations

from emozoo._table import render_table

HEADERS = ["release", "licence", "notes"]
ROWS = [("speech-cnn-ravdess", "CC BY-NC-SA 4.0", "default"), ("fer-cnn-muxspace", "see SOURCE.md", "-")]


def test_a_table_that_fits_is_printed_whole():
    assert render_table(HEADERS, ROWS, width=200).splitlines() == [
        "release             licence          notes",
        "------------------  ---------------  -------",
        "speech-cnn-ravdess  CC BY-NC-SA 4.0  default",
        "fer-cnn-muxspace    see SOURCE.md    -",
    ]


def test_a_narrow_terminal_cuts_the_widest_other_column_not_the_name():
    # natural width 18 + 15 + 7 + 2 gaps of 2 = 44; at 37 the licence column (the widest one that may shrink) loses 7
    assert render_table(HEADERS, ROWS, width=37).splitlines() == [
        "release             licence   notes",
        "------------------  --------  -------",
        "speech-cnn-ravdess  CC BY-N…  default",
        "fer-cnn-muxspace    see SOU…  -",
    ]


def test_columns_stop_shrinking_at_eight_and_the_kept_ones_stay_whole():
    lines = render_table(HEADERS, ROWS, width=10).splitlines()
    assert lines[2] == "speech-cnn-ravdess  CC BY-N…  default"  # licence at its floor of 8 (7 and an ellipsis); notes is 7
    assert render_table(["ref", "id", "text"], [("[12]", "a-very-long-method-id", "x" * 30)], width=20, keep=2).splitlines()[2] == (
        "[12]  a-very-long-method-id  xxxxxxx…"
    )
