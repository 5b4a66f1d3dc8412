"""``emozoo leaderboard``: the page's numbers are the recorded ones, tables sort best-first, paper / ours / gap and the
ceilings are shown, missing plots and unreadable files are named, the same results give the same bytes, every link
resolves inside the output folder, and the page renders from ``file://`` with no network in a real headless Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from emozoo.cli import main
from emozoo.errors import InputError, UnsafePathError
from emozoo.leaderboard import build_leaderboard

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SCREENSHOT = REPO / "docs" / "leaderboard.png"


# --- fixtures: small results.json files written by hand ----------------------------------------------------------


def png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG of ``width`` x ``height`` grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def stat(mean: float, std: float = 0.0, ci95: float | None = None) -> dict:
    return {"mean": mean, "std": std, "ci95": ci95}


def row(method: str, condition: str = "test", ratio=None, classifier=None, n: int = 6, units: int = 3, **metrics) -> dict:
    return {"method": method, "condition": condition, "ratio": ratio, "classifier": classifier, "n": n, "n_folds": n,
            "n_units": units, "metrics": metrics}  # fmt: skip


def runner(rows: list[dict], *, dataset: str = "toy-data", protocol: str = "recognition", comparisons=(), plots=(),
           headline: str | None = "UAR", methods: dict[str, str] | None = None, synthetic: bool = False) -> dict:  # fmt: skip
    """A results.json as emozoo.bench.benchmark writes it (only the keys the leaderboard reads, plus provenance)."""
    return {
        "protocol": protocol, "headline_metric": headline, "rows": rows, "comparisons": list(comparisons), "plots": list(plots),
        "dataset": {"id": dataset, "name": f"{dataset} (test data)", "synthetic": synthetic, "license": "CC0", "plugin": "x 0.1"},
        "methods": [{"id": m, "plugin": p, "version": "0.1", "overrides": {}} for m, p in (methods or {}).items()],
        "cells": [], "environment": {"emozoo": "0.1.0"}, "statistics": "…",
    }  # fmt: skip


def write(folder: Path, data, name: str = "results.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


class Tables(HTMLParser):
    """Every <table> of a page: its classes, header texts, and rows of (text, attributes) cells; every href/src."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "table":
            self.tables.append({"class": (a.get("class") or "").split(), "head": [], "head_attrs": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
            self.tables[-1]["row_class"] = self.tables[-1].get("row_class", []) + [a.get("class") or ""]
        elif tag in ("td", "th") and self.tables:
            self._cell = [tag, "", a]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            kind, text, attrs = self._cell
            table = self.tables[-1]
            if kind == "th":
                table["head"].append(text.strip())
                table["head_attrs"].append(attrs)
            else:
                table["rows"][-1].append((" ".join(text.split()), attrs))
            self._cell = None


def parse(path: Path) -> Tables:
    parser = Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    for table in parser.tables:
        if table["head"]:  # the header row is not a body row
            table["row_class"] = table["row_class"][1:]
            table["rows"] = table["rows"][1:]
    return parser


def board(tables: Tables, index: int = 0) -> list[dict[str, str]]:
    """The index-th leaderboard table as {header: cell text} rows."""
    table = [t for t in tables.tables if "board" in t["class"]][index]
    return [dict(zip(table["head"], (text for text, _ in cells))) for cells in table["rows"]]


# --- unit tests on fixtures ------------------------------------------------------------------------------------------


def test_cells_are_the_recorded_means_with_their_intervals(tmp_path):
    write(tmp_path / "res" / "rec", runner([
        row("speech-cnn", UAR=stat(0.5, 0.05, 0.1), ACC=stat(0.75, 0.02), MAE=stat(0.123456, 0.01, 0.0021)),
    ], dataset="ravdess"))  # fmt: skip
    out = tmp_path / "out"
    built = build_leaderboard([tmp_path / "res"], out)
    assert (built.datasets, built.rows, built.images, built.results) == (1, 1, 0, 1)
    [line] = board(parse(out / "index.html"))
    # UAR and ACC are percent metrics: x100 with 2 decimals; MAE is not: 3 decimals; ACC has one unit's worth: no bracket
    assert line["UAR"] == "50.00 [±10.00]" and line["ACC"] == "75.00" and line["MAE"] == "0.123 [±0.002]"
    assert line["benchmark"] == "rec" and line["method"] == "speech-cnn" and line["cells (units)"] == "6 (3)"
    assert list(line)[6:9] == ["UAR", "ACC", "MAE"]  # the headline first, then METRIC_ORDER
    md = (out / "index.md").read_text(encoding="utf-8")
    assert "| 50.00 \\[±10.00\\] | 75.00 | 0.123 \\[±0.002\\] |" in md


def test_rows_sort_best_first_within_each_benchmark_and_carry_numeric_sort_keys(tmp_path):
    write(tmp_path / "res" / "a", runner([row("m1", UAR=stat(0.4)), row("m2", UAR=stat(0.6)), row("m3", ACC=stat(0.9)),
                                          row("m4", UAR=stat(0.05))]))  # fmt: skip
    write(tmp_path / "res" / "b", runner([row("m5", UAR=stat(0.99))]))
    build_leaderboard([tmp_path / "res"], tmp_path / "out")
    tables = parse(tmp_path / "out" / "index.html")
    lines = board(tables)
    assert [(r["benchmark"], r["method"]) for r in lines] == [("a", "m2"), ("a", "m1"), ("a", "m4"), ("a", "m3"), ("b", "m5")]
    table = next(t for t in tables.tables if "board" in t["class"])
    col = table["head"].index("UAR")
    assert [cells[col][1]["data-sort"] for cells in table["rows"]] == ["0.6", "0.4", "0.05", "", "0.99"]
    assert "sortable" in table["class"]


def test_paper_ours_gap_lines_are_the_recorded_comparisons(tmp_path):
    comparisons = [
        {"method": "m1", "metric": "UA", "paper": 60.0, "ours": 55.5, "gap": -4.5, "paper_dataset": "RAVDESS", "paper_source": "paper", "data_note": "ours"},
        {"method": "m2", "metric": "UA", "paper": None, "ours": 41.234, "gap": None, "paper_dataset": "RAVDESS", "paper_source": "", "data_note": "ours"},
    ]  # fmt: skip
    write(tmp_path / "res" / "a", runner([row("m1", UAR=stat(0.555)), row("m2", UAR=stat(0.41234))], comparisons=comparisons, headline="UA"))
    build_leaderboard([tmp_path / "res"], tmp_path / "out")
    tables = parse(tmp_path / "out" / "index.html")
    table = next(t for t in tables.tables if "comparisons" in t["class"])
    got = [dict(zip(table["head"], (text for text, _ in cells))) for cells in table["rows"]]
    assert [(g["method"], g["paper"], g["ours"], g["gap"]) for g in got] == [("m1", "60", "55.50", "-4.50"), ("m2", "–", "41.23", "–")]
    assert board(tables)[0]["UAR"] == "55.50"  # the headline "UA" is shown under its canonical name
    assert "| m1 | UA | 60 | 55.50 | -4.50 |" in (tmp_path / "out" / "index.md").read_text(encoding="utf-8")


def test_baselines_shared_by_every_generator_are_shown_once_and_ceilings_are_marked(tmp_path):
    rows = []
    for method in ("gan-a", "gan-b"):
        rows += [row(method, "real", None, "logreg", ACC=stat(0.5)), row(method, "ceiling:new-units", 1.0, "logreg", ACC=stat(0.7)),
                 row(method, "real+synthetic", 1.0, "logreg", ACC=stat(0.55 if method == "gan-a" else 0.45)),
                 row(method, "real+noise", 1.0, "logreg", ACC=stat(0.51 if method == "gan-a" else 0.52)),  # differ: kept per method
                 row(method, "distribution", None, None, MMD2=stat(0.01))]  # fmt: skip
    write(tmp_path / "res" / "aug", runner(rows, protocol="augmentation", headline="ACC"))
    build_leaderboard([tmp_path / "res"], tmp_path / "out")
    tables = parse(tmp_path / "out" / "index.html")
    got = [(r["method"], r["condition"], r["kind"], r["ACC"]) for r in board(tables)]
    assert got == [
        ("—", "ceiling:new-units @ 1 · logreg", "ceiling", "70.00"),
        ("gan-a", "real+synthetic @ 1 · logreg", "method", "55.00"),
        ("gan-b", "real+noise @ 1 · logreg", "baseline", "52.00"),
        ("gan-a", "real+noise @ 1 · logreg", "baseline", "51.00"),
        ("—", "real · logreg", "baseline", "50.00"),
        ("gan-b", "real+synthetic @ 1 · logreg", "method", "45.00"),
    ]
    table = next(t for t in tables.tables if "board" in t["class"])
    assert table["row_class"][0] == "k-ceiling"
    checks = next(t for t in tables.tables if "checks" in t["class"])  # MMD2 rows: generated-data checks, not the board
    assert [cells[1][0] for cells in checks["rows"]] == ["gan-a", "gan-b"]


def test_plots_are_copied_and_missing_or_broken_ones_are_named(tmp_path):
    folder = tmp_path / "res" / "rec"
    write(folder, runner([row("m1", UAR=stat(0.5))], plots=["confusion_m1.png", "gone.png", "broken.png", "../escape.png"]))
    (folder / "confusion_m1.png").write_bytes(png(5, 4))
    (folder / "broken.png").write_bytes(b"not a png at all")
    (folder / "stale.png").write_bytes(png())
    (folder / "pictures").mkdir()
    (folder / "pictures" / "grid.png").write_bytes(png(7, 2))
    out = tmp_path / "out"
    built = build_leaderboard([tmp_path / "res"], out)
    assert built.images == 2
    assert sorted(built.missing) == ["rec/results.json: ../escape.png (not a path inside the results folder)",
                                     "rec/results.json: broken.png (not a readable PNG, JPEG, GIF or SVG)",
                                     "rec/results.json: gone.png (listed in plots, not on disk)"]  # fmt: skip
    assert (out / "img" / "rec" / "confusion_m1.png").read_bytes() == png(5, 4)
    assert (out / "img" / "rec" / "pictures" / "grid.png").read_bytes() == png(7, 2)
    assert not (out / "img" / "rec" / "stale.png").exists() and not (out / "img" / "rec" / "broken.png").exists()
    text = (out / "index.html").read_text(encoding="utf-8")
    assert '<img src="img/rec/confusion_m1.png" alt="confusion_m1.png" width="5" height="4">' in text
    assert "missing plot: <code>gone.png (listed in plots, not on disk)</code>" in text
    assert "left out stale.png: beside results.json but not in its plots list" in text
    assert "missing plot: gone.png (listed in plots, not on disk)" in (out / "index.md").read_text(encoding="utf-8")


def test_unreadable_results_are_listed_with_their_reason_and_the_rest_is_shown(tmp_path):
    res = tmp_path / "res"
    write(res / "good", runner([row("m1", UAR=stat(0.5))]))
    write(res / "bad-json", '{"rows": [')
    write(res / "a-list", "[1, 2]")
    write(res / "other", {"hello": 1})
    write(res / "broken-row", runner([{"metrics": {}}]))
    (res / "not-utf8").mkdir()
    (res / "not-utf8" / "results.json").write_bytes(b"\xff\xfe{}")
    built = build_leaderboard([res], tmp_path / "out")
    reasons = {s.source: s.reason for s in built.skipped}
    assert reasons == {
        "a-list/results.json": "not a layout the leaderboard reads (a JSON list, not an object)",
        "bad-json/results.json": "not valid JSON (line 1, column 11: Expecting value)",
        "broken-row/results.json": "a runner file that breaks its layout: rows[0] is not an aggregated row (it needs a method and a metrics object)",
        "not-utf8/results.json": "not UTF-8 text (byte 0)",
        "other/results.json": 'not a layout the leaderboard reads (top-level keys ["hello"])',
    }
    assert built.rows == 1 and built.results == 6
    tables = parse(tmp_path / "out" / "index.html")
    skipped = next(t for t in tables.tables if "skipped" in t["class"])
    assert [cells[0][0] for cells in skipped["rows"]] == sorted(reasons)


def test_merged_stage_is_shown_from_its_own_file_and_a_pooled_one_is_labelled(tmp_path):
    res = tmp_path / "res"
    same = [row("m1", UAR=stat(0.5))]
    write(res / "wear" / "recognition", runner(same, dataset="stress-predict"))
    write(res / "wear" / "augmentation", runner([row("g", "real", None, "fcn", UAR=stat(0.4))], dataset="stress-predict", protocol="augmentation"))
    pooled = [row("g", "real", None, "fcn", n=30, UAR=stat(0.42, 0.1, 0.03))]
    write(res / "wear", {"rows": {"recognition": same, "augmentation": pooled, "extra": [row("x", UAR=stat(0.3))]},
                         "folds": {"augmentation": ["fold1", "fold2"]}, "seeds": [0, 1], "verdict": ["- **g** helped: no"]})  # fmt: skip
    (res / "wear" / "pictures").mkdir()
    (res / "wear" / "pictures" / "windows.png").write_bytes(png())
    built = build_leaderboard([res], tmp_path / "out")
    assert built.datasets == 1 and built.skipped == ()
    lines = board(parse(tmp_path / "out" / "index.html"))
    assert sorted((r["benchmark"], r["method"], r["UAR"]) for r in lines) == [
        ("wear › augmentation", "g", "42.00 [±3.00]"), ("wear › extra", "x", "30.00"),
        ("wear/augmentation", "g", "40.00"), ("wear/recognition", "m1", "50.00"),
    ]  # fmt: skip
    text = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "stage recognition: the same rows as wear/recognition/results.json, shown from there" in text
    assert "folds fold1, fold2; seeds 0, 1" in text and "g helped: no" in text
    assert (tmp_path / "out" / "img" / "wear" / "pictures" / "windows.png").is_file()


def test_script_layouts_are_read_in_their_own_units(tmp_path):
    res = tmp_path / "res"
    write(res / "multistep", {"datasets": {"meld": {"sizes": {"train_dialogues": 150},
                                                    "majority-class": {"WF1": 30.01, "ACC": 46.96, "seconds": 3.0}}}})  # fmt: skip
    write(res / "sweep" / "mr", {"benchmark": "imder_mr_sweep", "protocol": "per-sample masks, speaker-disjoint",
                                 "provenance": {"data": "SYNTHETIC data in CMU-MOSI's shapes"},
                                 "rows": [row("zero-fill", "missing_rate", 0.5, **{"Acc-2": stat(0.7)}),
                                          row("zero-fill", "missing_rate", 0.0, **{"Acc-2": stat(0.8)}),
                                          row("IMDer", "missing_rate", 0.5, **{"Acc-2": stat(0.75, 0.1, 0.05)})]})  # fmt: skip
    write(res / "sweep" / "speed", {"benchmark": "imder_sampling_speed",
                                    "rows": [{"sampler": "pf_ode", "steps": 5, "seconds": 0.82, "metrics_mr0.5": {"Acc-2": 76.62, "MAE": 0.64}}]})  # fmt: skip
    built = build_leaderboard([res], tmp_path / "out")
    assert built.skipped == () and built.datasets == 2
    tables = parse(tmp_path / "out" / "index.html")
    [majority] = board(tables, 0)  # percent points as the script writes them; "seconds" and "sizes" are no metrics
    assert (majority["method"], majority["WF1"], majority["ACC"]) == ("majority-class", "30.01", "46.96") and "seconds" not in majority
    sweep = board(tables, 1)  # completion: by missing rate, then best first; then the measurement rows
    assert [(r["method"], r["condition"], r["protocol"], r["Acc-2"]) for r in sweep] == [
        ("zero-fill", "missing_rate @ 0", "completion", "80.00"), ("IMDer", "missing_rate @ 0.5", "completion", "75.00 [±5.00]"),
        ("zero-fill", "missing_rate @ 0.5", "completion", "70.00"), ("imder", "sampler pf_ode, steps 5, mr0.5 metrics", "", "76.62"),
    ]  # fmt: skip
    assert (sweep[3]["MAE"], sweep[3]["seconds"], sweep[3]["card"]) == ("0.640", "0.820", "emozoo-imder card")
    md = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    assert "## sweep/ (data set not named in its results.json) (SYNTHETIC data, not real)" in md


def test_same_results_give_the_same_bytes_and_stale_files_go(tmp_path):
    folder = tmp_path / "res" / "rec"
    write(folder, runner([row("m1", UAR=stat(0.5))], plots=["a.png", "b.png"]))
    (folder / "a.png").write_bytes(png())
    (folder / "b.png").write_bytes(png(4, 4))
    out = tmp_path / "out"
    build_leaderboard([tmp_path / "res"], out)
    first = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    build_leaderboard([tmp_path / "res"], out)
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == first
    write(folder, runner([row("m1", UAR=stat(0.5))], plots=["a.png"]))
    build_leaderboard([tmp_path / "res"], out, stamp="built 2025-01-01")
    assert not (out / "img" / "rec" / "b.png").exists() and (out / "img" / "rec" / "a.png").exists()
    assert "built 2025-01-01" in (out / "index.html").read_text(encoding="utf-8")
    assert "built" not in first["index.html"].decode() and not list(out.parent.glob(".*.tmp"))


def relative_targets(out: Path) -> tuple[list[str], list[str]]:
    """(relative link targets of index.html and index.md, fragment links) — external URLs are not allowed at all."""
    html = parse(out / "index.html")
    md = re.findall(r"\]\(([^)\s]+)\)", (out / "index.md").read_text(encoding="utf-8"))
    targets, fragments = [], []
    for link in [*html.links, *md]:
        parts = urlsplit(link)
        assert not parts.scheme and not parts.netloc, f"the page links outside itself: {link}"
        if parts.path:
            targets.append(unquote(parts.path))
        else:
            fragments.append(parts.fragment)
    return targets, fragments


def test_every_link_resolves_inside_the_output_folder_and_cards_are_the_originals(tmp_path):
    write(tmp_path / "res" / "speech", runner([row("speech-cnn", UAR=stat(0.5)), row("bagan-ser", UAR=stat(0.4)),
                                               row("zero-fill", UAR=stat(0.3))], dataset="ravdess",
                                              methods={"speech-cnn": "emozoo-speech-cnn", "bagan-ser": "emozoo-bagan"}))  # fmt: skip
    out = tmp_path / "out"
    build_leaderboard([tmp_path / "res"], out)
    targets, fragments = relative_targets(out)
    assert targets and all((out / t).is_file() for t in targets), [t for t in targets if not (out / t).is_file()]
    ids = parse(out / "index.html").ids
    assert set(fragments) <= ids
    lines = {r["method"]: r for r in board(parse(out / "index.html"))}
    assert lines["speech-cnn"]["card"] == "release speech-cnn-ravdess" and lines["zero-fill"]["card"] == ""
    release = REPO / "releases" / "speech-cnn-ravdess"
    assert (out / "cards/releases/speech-cnn-ravdess/README.md").read_bytes() == (release / "README.md").read_bytes()
    assert (out / "cards/releases/speech-cnn-ravdess/DATA_LICENSE.md").read_bytes() == (release / "DATA_LICENSE.md").read_bytes()
    assert lines["speech-cnn"]["licence"] == "CC BY-NC-SA 4.0 (non-commercial)"
    # bagan-ser's release is trained on RAVDESS too; on another data set a method has only its plugin's card
    write(tmp_path / "res" / "speech", runner([row("bagan-ser", UAR=stat(0.4))], dataset="toy-data", methods={"bagan-ser": "emozoo-bagan"}))
    build_leaderboard([tmp_path / "res"], out)
    [line] = board(parse(out / "index.html"))
    assert line["card"] == "emozoo-bagan card" and line["licence"] == "code: Apache-2.0"
    assert (out / "cards/plugins/emozoo-bagan/card.md").read_bytes() == (REPO / "plugins/bagan/emozoo_bagan/card.md").read_bytes()
    assert not (out / "cards/releases").exists()  # the earlier build's cards are gone


def test_bad_input_gets_typed_errors_naming_the_problem(tmp_path, capsys):
    with pytest.raises(InputError, match="results folder '.*nowhere' does not exist; pass --results DIR"):
        build_leaderboard([tmp_path / "nowhere"], tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no results.json under"):
        build_leaderboard([tmp_path / "empty"], tmp_path / "out")
    write(tmp_path / "res" / "a", runner([row("m1", UAR=stat(0.5))]))
    with pytest.raises(InputError, match="lies inside the results folder"):
        build_leaderboard([tmp_path / "res"], tmp_path / "res" / "board")
    write(tmp_path / "mine", "<html>my own page</html>", name="index.html")
    with pytest.raises(UnsafePathError, match="was not written by `emozoo leaderboard`"):
        build_leaderboard([tmp_path / "res"], tmp_path / "mine")
    assert (tmp_path / "mine" / "index.html").read_text() == "<html>my own page</html>"
    code = main(["leaderboard", "--results", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code == 2 and "nowhere' does not exist" in capsys.readouterr().err


def test_cli_prints_the_pages_and_a_summary(tmp_path, capsys):
    write(tmp_path / "res" / "a", runner([row("m1", UAR=stat(0.5)), row("m2", UAR=stat(0.4))]))
    out = tmp_path / "out"
    assert main(["leaderboard", "--results", str(tmp_path / "res"), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [str(out / "index.html"), str(out / "index.md"), "1 data sets, 2 rows, 0 images from 1 results.json"]
    assert main(["leaderboard", "--results", str(tmp_path / "res"), "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["datasets"], report["rows"], report["images"], report["skipped"]) == (1, 2, 0, [])


def test_registering_the_subcommand_loads_nothing_heavy():
    code = "import sys, emozoo.cli; emozoo.cli.build_parser(); print('numpy' in sys.modules, 'emozoo.leaderboard.build' in sys.modules)"
    proc = subprocess.run([shutil.which("python") or "python", "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["False", "False"], proc.stderr


def test_every_recorded_results_file_is_read():
    """Each layout the benchmarks write is read: nothing under benchmarks/results is skipped, and every file gives
    rows or says where its stages are shown from."""
    from emozoo.leaderboard.collect import collect

    collection = collect([RESULTS])
    assert collection.skipped == [], collection.skipped
    assert len(collection.sources) == len(list(RESULTS.rglob("results.json")))
    for source in collection.sources:
        assert any(b.rows for b in source.blocks) or any("shown from there" in n for n in source.notes), source.label
    assert all(any(b.rows for b in d.blocks) for d in collection.datasets)


# --- the real browser ---------------------------------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-headless-shell", "chromium-browser")
#: No network: every host resolves nowhere and all traffic goes to a proxy that is not there; the page's own
#: Content-Security-Policy forbids any load that is not beside it.
OFFLINE = ("--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND")


def chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"Chromium not found at PATH ({', '.join(BROWSERS)}); `apt-get install chromium` (.ci/run does)")


def headless(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *OFFLINE, "--virtual-time-budget=10000", *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def sortable_numeric_tables(tables: Tables) -> int:
    """Tables the page's self-check sorts: sortable, with a numeric column holding two numbers or more."""

    def numbers(table: dict, col: int) -> int:
        return sum(1 for cells in table["rows"] if re.fullmatch(r"-?[0-9.e+-]+", cells[col][1].get("data-sort", "")))

    return sum(1 for t in tables.tables if "sortable" in t["class"] and any(
        a.get("data-type") == "num" and numbers(t, i) > 1 for i, a in enumerate(t["head_attrs"])))


def test_the_page_renders_from_file_urls_with_no_network_in_headless_chromium(tmp_path):
    binary = chromium()
    out = tmp_path / "board"
    built = build_leaderboard([RESULTS], out)
    url = (out / "index.html").as_uri()
    proc = headless(binary, tmp_path / "profile", "--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    status = re.search(r'<pre id="lb-status"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    assert status and status.group(1), f"the page's script did not run:\n{proc.stdout[-2000:]}"
    report = json.loads(status.group(1))
    assert report["broken"] == [] and report["images"] == report["loaded"] == built.images > 0
    assert report["boards"] == built.datasets and report["rows"] == built.rows > 0
    assert report["sort_checked"] == sortable_numeric_tables(parse(out / "index.html")) > 0 and report["sort_ok"] is True
    dom = Tables()
    dom.feed(proc.stdout)
    assert all(t["rows"] for t in dom.tables if "board" in t["class"])
    for link in dom.links:  # the DOM after the script ran: every link and image points at a file beside the page
        parts = urlsplit(link)
        assert not parts.netloc and parts.scheme in ("", "file"), link
        if parts.path:
            assert (out / unquote(parts.path)).is_file(), link
    shot = tmp_path / "leaderboard.png"
    proc = headless(binary, tmp_path / "profile", "--hide-scrollbars", "--window-size=1400,1800", f"--screenshot={shot}", url)
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", proc.stderr[-3000:]
    assert struct.unpack(">II", shot.read_bytes()[16:24]) == (1400, 1800)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)  # the README shows it
