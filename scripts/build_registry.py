#!/usr/bin/env python3
"""Build ``registry.json``, the survey catalogue, from the shared survey data (standard library only).

Usage::

    python scripts/build_registry.py [--shared DIR] [--out registry.json] [--check] [--from-text]

The primary source is ``shared/survey/methods.csv`` (+ ``datasets.csv``). When ``methods.csv`` is
missing (or with ``--from-text``) the method tables 4-12 are parsed best-effort out of the survey's text
extraction ``shared/seed/survey.txt`` (:func:`parse_survey_text`). The output is deterministic: sorted
keys, indent 2, a trailing newline, methods sorted by (ref, id). Published ``artifacts`` pins of the
registry being replaced are carried over by entry id, so regenerating never wipes them.

``--check`` writes nothing: it exits 1 with a diff summary when the file on disk is stale.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import tomllib

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
DEFAULT_OUT = REPO_ROOT / "registry.json"
SCHEMA_VERSION = 1

SURVEY = {
    "title": "Generative Technology for Human Emotion Recognition: A Scope Review",
    "authors": "Fei Ma, Yucheng Yuan, Yifan Xie, Hongwei Ren, Ivan Liu, Ying He, Fuji Ren, "
    "Fei Richard Yu, Shiguang Ni",
    "arxiv": "2407.03640",
    "year": 2024,
}

# Survey reference number -> the emozoo plugin distribution that implements it, and its method ids.
IMPLEMENTATIONS: dict[int, dict[str, Any]] = {
    265: {"plugin": "emozoo-vae-d2gan", "methods": ["vae-d2gan"]},
    264: {"plugin": "emozoo-cwgan", "methods": ["cwgan", "cwgan-wrist"]},
    253: {"plugin": "emozoo-instructerc", "methods": ["instructerc"]},
    307: {"plugin": "emozoo-imder", "methods": ["imder"]},
    44: {"plugin": "emozoo-bagan", "methods": ["bagan-ser"]},
    155: {"plugin": "emozoo-aae", "methods": ["aae-ser"]},
    34: {"plugin": "emozoo-aae", "methods": ["aae-ser-semisupervised"]},
    149: {"plugin": "emozoo-speech-diffusion", "methods": ["speech-ddpm"]},
    217: {"plugin": "emozoo-acgan", "methods": ["acgan-fer"]},
    191: {"plugin": "emozoo-stargan", "methods": ["laun-stargan"]},
    47: {"plugin": "emozoo-semantic-aug", "methods": ["semantic-aug-fer"]},
    269: {"plugin": "emozoo-biosignal-gan", "methods": ["biosignal-gan"]},
    274: {"plugin": "emozoo-physio-diffusion", "methods": ["physio-ddpm"]},
    249: {"plugin": "emozoo-llm-textaug", "methods": ["llm-gen-aug"]},
    49: {"plugin": "emozoo-llm-paraphrase", "methods": ["llm-paraphrase"]},
    252: {"plugin": "emozoo-multistep-erc", "methods": ["multistep-erc"]},
}

TASKS = (
    "data_augmentation", "feature_extraction", "semi_supervised", "cross_domain",
    "adversarial_defense", "noisy_environment", "dynamic_fer", "modality_completion",
)
FAMILY_GROUPS = ("AE", "VAE", "GAN", "DM", "LLM", "hybrid", "other")
MODALITIES = ("speech", "face", "text", "physiological", "multimodal")

# --- small helpers ------------------------------------------------------------------------------------


def none_if_empty(value: str | None) -> str | None:
    """Strip a cell; an empty cell becomes None."""
    value = (value or "").strip()
    return value or None


def ascii_fold(text: str) -> str:
    """Drop diacritics (Díaz -> Diaz)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(text: str) -> str:
    """Lower-case slug: runs of non-alphanumerics become one hyphen (VAE-D2GAN -> vae-d2gan)."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def first_surname(authors: str) -> str:
    """The first author's surname from a short label ('Fonnegra and Díaz' -> 'Fonnegra')."""
    head = re.split(r"\s+(?:et\s+al\b|and\b|&)", authors.strip(), maxsplit=1)[0]
    return head.strip(" .,")


def split_list(cell: str | None, sep: str) -> list[str]:
    """Split a cell on ``sep``, strip the parts, drop empty ones."""
    return [part.strip() for part in (cell or "").split(sep) if part.strip()]


def parse_number(text: str) -> float | None:
    """A printed value as a float ('88 55' -> 88.55, an OCR'd space for the point); None if unreadable."""
    text = text.strip().rstrip("%").strip()
    text = re.sub(r"^(\d+)\s+(\d+)$", r"\1.\2", text)
    try:
        return float(text)
    except ValueError:
        return None


# --- results --------------------------------------------------------------------------------------------


def split_metric_cell(cell: str, default_metric: str | None) -> list[tuple[str | None, str]]:
    """Split 'UF1: 84.52, UAR: 84.65' into [(metric, values)]; a bare '92.5/82.3' uses default_metric."""
    cell = cell.strip()
    if not cell:
        return []
    parts = re.split(r",\s*(?=[A-Za-z])", cell)
    matches = [re.match(r"^\s*([A-Za-z][A-Za-z0-9]{0,5})\s*[:.]?\s+(.*)$", p) for p in parts]
    labelled = [m for m in matches if m]
    has_labels = len(labelled) == len(parts) and (":" in cell or default_metric is None)
    if not has_labels:
        return [(default_metric, cell)]
    return [(m.group(1), m.group(2).strip()) for m in labelled]


def align_results(datasets: list[str], pairs: list[tuple[str | None, str]], raw: str) -> tuple[list[dict], str | None]:
    """Align '/'-separated values with datasets; on a count mismatch keep values with dataset None and raw."""
    results: list[dict[str, Any]] = []
    aligned = True
    for metric, values_text in pairs:
        values = [parse_number(v) for v in values_text.split("/") if v.strip()]
        if any(v is None for v in values):
            aligned = False
            values = [v for v in values if v is not None]
        # "verified": False - the number as the survey's table prints it; nobody has checked it against the paper
        if len(values) == len(datasets):
            results += [{"dataset": d, "metric": metric, "value": v, "verified": False} for d, v in zip(datasets, values)]
        else:
            aligned = False
            results += [{"dataset": None, "metric": metric, "value": v, "verified": False} for v in values]
    return results, (None if aligned else (raw.strip() or None))


# --- the CSV source ---------------------------------------------------------------------------------------


def method_from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    """One methods.csv row as a registry entry (without id, implementation and artifacts)."""
    datasets = split_list(row["datasets"], "/")
    metric = none_if_empty(row["metric"])
    results_cell = row["results"].strip()
    results, results_raw = align_results(datasets, split_metric_cell(results_cell, metric), results_cell)
    return {
        "ref": int(row["ref"]),
        "authors": row["authors_short"].strip(),
        "year": int(row["year"]) if row["year"].strip() else None,
        "title": none_if_empty(row["title"]),
        "method_name": none_if_empty(row["method_name"]),
        "modality": row["modality"].strip(),
        "modalities": split_list(row["modalities"], "+"),
        "task": row["task"].strip(),
        "family": none_if_empty(row["family"]),
        "family_group": row["family_group"].strip(),
        "datasets": datasets,
        "results": results,
        "metric": metric,
        "results_raw": results_raw,
        "survey_table": none_if_empty(row["survey_table"]),
        "notes": none_if_empty(row["notes"]),
    }


def check_taxonomy(entry: dict[str, Any]) -> dict[str, Any]:
    """Reject a CSV row whose task, family_group or modality is outside the registry's vocabulary."""
    for key, allowed in (("task", TASKS), ("family_group", FAMILY_GROUPS), ("modality", MODALITIES)):
        if entry[key] not in allowed:
            raise ValueError(f"methods.csv ref {entry['ref']}: {key} {entry[key]!r} is not one of {allowed}")
    return entry


def read_methods_csv(path: Path) -> list[dict[str, Any]]:
    """All rows of methods.csv as registry entries (without ids)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [check_taxonomy(method_from_csv_row(row)) for row in csv.DictReader(fh)]


def int_or_none(cell: str | None, what: str) -> int | None:
    """An integer cell, None when empty; anything else is a data error."""
    cell = (cell or "").strip()
    if not cell:
        return None
    if not cell.isdigit():
        raise ValueError(f"{what}: expected an integer, got {cell!r}")
    return int(cell)


def dataset_from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    """One datasets.csv row as a registry dataset object."""
    name = row["name"].strip()
    return {
        "name": name,
        "year": int_or_none(row["year"], f"dataset {name} year"),
        "modalities": split_list(row["modalities"], "+"),
        "setting": none_if_empty(row["setting"]),
        "samples": none_if_empty(row["samples"]),
        "subjects": int_or_none(row["subjects"], f"dataset {name} subjects"),
        "categories": split_list(row["categories"], ";"),
        "ref": int_or_none(row["ref"], f"dataset {name} ref"),
        "notes": none_if_empty(row["notes"]),
    }


def read_datasets_csv(path: Path) -> list[dict[str, Any]]:
    """All rows of datasets.csv, in file order."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [dataset_from_csv_row(row) for row in csv.DictReader(fh)]


# --- the text fallback: reference list ---------------------------------------------------------------------


@dataclass
class Reference:
    """One entry of the survey's reference list."""

    number: int
    text: str

    @property
    def year(self) -> int | None:
        """The publication year: '(2021)' or '(9 2023)', else the last plausible year before doi/URL."""
        m = re.search(r"\((?:\d{1,2}\s+)?((?:19|20)\d{2})\)", self.text)
        if m:
            return int(m.group(1))
        head = re.split(r"\b(?:doi|URL)\b", self.text)[0]
        years = re.findall(r"\b((?:19|20)\d{2})\b", head)
        return int(years[-1]) if years else None

    @property
    def segments(self) -> list[str]:
        """The entry split on ', '."""
        return [s.strip() for s in re.split(r",\s+", self.text)]

    @property
    def n_authors(self) -> int:
        """How many leading segments are author names."""
        count = 0
        for seg in self.segments:
            if not looks_like_author(seg, first=count == 0):
                break
            count += 1
        return count

    @property
    def first_surname(self) -> str | None:
        """The first author's surname (last word of the first author segment)."""
        if not self.n_authors:
            return None
        return self.segments[0].split()[-1].strip(".")

    @property
    def title(self) -> str | None:
        """The title: the segments after the authors, while the next segment starts in lower case."""
        segs = self.segments[self.n_authors:]
        if not segs:
            return None
        title = segs[0]
        for seg in segs[1:]:
            if not seg[:1].islower() or re.match(r"(?:arXiv|in:|doi\b|vol\b|pp\b)", seg):
                break
            title += ", " + seg
        title = re.sub(r"\s*\((?:\d{1,2}\s+)?(?:19|20)\d{2}\)\.?.*$", "", title)
        title = re.sub(r"\s+URL\s.*$", "", title).strip().rstrip(".").strip()
        return title or None


AUTHOR_PARTICLES = {"de", "van", "der", "da", "del", "di", "von", "le", "la", "den", "dos", "bin"}


def looks_like_author(segment: str, first: bool) -> bool:
    """Whether a reference-list segment is an author name ('M.-W. Mak', 'et al.', 'Mustaqeem')."""
    if segment in {"et al.", "et al"}:
        return True
    if ":" in segment or not segment:
        return False
    words = segment.split()
    if re.match(r"^(?:[A-Z][a-z]?\.(?:\s?-?[A-Z][a-z]?\.)*\s*)+\S", segment):
        return len(words) <= 8
    return first and len(words) == 1 and segment[0].isupper()


def parse_reference_list(lines: list[str]) -> dict[int, Reference]:
    """The numbered reference list; entries whose label was lost are numbered by position."""
    start = next((i for i, line in enumerate(lines) if line.strip() == "References"), None)
    if start is None:
        return {}
    refs: dict[int, Reference] = {}
    current: Reference | None = None
    for line in lines[start + 1:]:
        stripped = line.strip()
        m = re.match(r"^-\s+(?:\[(\d+)\]\s*)?(.*)$", stripped)
        if m:
            number = int(m.group(1)) if m.group(1) else (current.number + 1 if current else 1)
            current = Reference(number, m.group(2).strip())
            refs.setdefault(number, current)
        elif stripped and current is not None and not stripped.startswith("URL"):
            current.text += " " + stripped
    return refs


# --- the text fallback: layout (sections, captions, table blocks) ---------------------------------------------


@dataclass
class Section:
    """A numbered heading ('5.3. Semi-Supervised Learning') and the line it starts on."""

    line: int
    number: str
    title: str

    @property
    def top(self) -> str:
        """The top-level section number ('5' for '5.3')."""
        return self.number.split(".")[0]


def find_sections(lines: list[str]) -> list[Section]:
    """Every numbered heading, in order."""
    sections = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\d{1,2}(?:\.\d{1,2})?)\.?\s+([A-Z][^\t]{2,80})$", line.strip())
        if m and not line.strip().endswith(".") and "\t" not in line:
            sections.append(Section(i, m.group(1), m.group(2).strip()))
    return sections


def section_at(sections: list[Section], line: int) -> Section | None:
    """The innermost section a line belongs to."""
    current = None
    for sec in sections:
        if sec.line > line:
            break
        current = sec
    return current


def find_captions(lines: list[str]) -> dict[int, tuple[int, str]]:
    """Table captions by line: 'Table N: ...', also captions printed one word a line in reverse order."""
    captions: dict[int, tuple[int, str]] = {}
    for i, line in enumerate(lines):
        m = re.match(r"^Table\s+(\d+)(?::\s*(.*)|\s+c(?:on|\b).*)$", line.strip())
        if m:
            captions[i] = (int(m.group(1)), m.group(2) or "")
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].strip() and len(lines[j].split()) == 1 and "\t" not in lines[j]:
            j += 1
        if j - i >= 4:
            m = re.match(r"^Table\s+(\d+):\s*(.*)$", " ".join(w.strip() for w in reversed(lines[i:j])))
            if m:
                captions[i] = (int(m.group(1)), m.group(2))
        i = max(j, i + 1)
    return captions


REF_CELL = re.compile(r"^(?P<label>.*?)\s*\$?\[\s*(?P<ref>\d{1,3})\s*\]\$?\s*$")
YEAR_CELL = re.compile(r"^(?:19|20)\d{2}$")


def table_blocks(lines: list[str]) -> list[tuple[int, list[list[str]]]]:
    """Runs of consecutive tab-separated lines (start line, rows of cells) that cite a reference."""
    blocks: list[tuple[int, list[list[str]]]] = []
    current: list[list[str]] = []
    start = 0
    for i, line in enumerate(lines + [""]):
        if "\t" in line:
            if not current:
                start = i
            current.append([c.strip() for c in line.rstrip("\n").split("\t")])
            continue
        if current and any(REF_CELL.match(c) for row in current for c in row):
            blocks.append((start, current))
        current = []
    return blocks


CANONICAL_COLUMNS = (
    "Reference", "Year", "Model", "Dataset", "Performance", "Application", "Modality",
    "Modalities", "Type", "Augmentation Domain",
)


def canonical_column(header: str) -> str | None:
    """A (possibly OCR-garbled) header cell as a canonical column name ('Datacat' -> 'Dataset')."""
    key = re.sub(r"[^a-z]", "", ascii_fold(header).lower())
    if not key:
        return None
    options = {re.sub(r"[^a-z]", "", c.lower()): c for c in CANONICAL_COLUMNS}
    if key in options:
        return options[key]
    match = difflib.get_close_matches(key, list(options), n=1, cutoff=0.45)
    return options[match[0]] if match else None


# --- the text fallback: rows ---------------------------------------------------------------------------------


@dataclass
class RawRow:
    """One table row as read, with every alternative reading of its cells kept for later resolution."""

    table: int | None
    line: int
    labels: list[str] = field(default_factory=list)
    refs: list[int] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    cells: dict[str, list[str]] = field(default_factory=dict)

    def add(self, column: str, value: str) -> None:
        """Record one reading of a cell."""
        self.cells.setdefault(column, []).append(value)

    def first(self, column: str) -> str:
        """The first non-empty reading of a cell, or ''."""
        return next((v for v in self.cells.get(column, []) if v), "")


def row_from_cells(columns: list[str | None], cells: list[str], table: int | None, line: int) -> RawRow | None:
    """A row-oriented table line as a RawRow, columns located by content where the header is unreliable."""
    ref_at = next((i for i, c in enumerate(cells) if REF_CELL.match(c)), None)
    if ref_at is None:
        return None
    m = REF_CELL.match(cells[ref_at])
    row = RawRow(table, line, labels=[m.group("label")], refs=[int(m.group("ref"))])
    rest = cells[ref_at + 1:]
    names = columns[ref_at + 1:] if len(columns) == len(cells) else [None] * len(rest)
    for name, value in zip(names, rest):
        if YEAR_CELL.match(value) and not row.years:
            row.years.append(int(value))
        elif name and name not in ("Reference", "Year"):
            row.add(name, value)
    if "Performance" not in row.cells and rest:
        row.add("Performance", rest[-1])
        if len(rest) >= 2:
            row.add("Dataset", rest[-2])
    return row


def is_continuation(prev: RawRow, row: RawRow) -> bool:
    """Whether a line continues (or re-reads) the previous row: it opens with a '(...)' cell or follows a '/'."""
    if prev.table != row.table or row.line != prev.line + 1:
        return False
    if any(v.startswith("(") for v in row.cells.get("Augmentation Domain", [])):
        return True
    return prev.first("Dataset").endswith("/") or prev.first("Performance").endswith("/")


def merge_rows(prev: RawRow, row: RawRow) -> None:
    """Fold a continuation line into the previous row: join split cells, keep the other readings."""
    prev.labels += row.labels
    prev.refs += row.refs
    prev.years += row.years
    for column, values in row.cells.items():
        new = next((v for v in values if v), "")
        old = prev.cells.setdefault(column, [])
        if old and old[0].endswith("/") and column in ("Dataset", "Performance"):
            old[0] = old[0] + new
        elif old and new.startswith("(") and column == "Augmentation Domain":
            old[0] = f"{old[0]} {new}".strip()
        else:
            old.append(new)


def rows_from_row_block(start: int, block: list[list[str]], table: int | None) -> list[RawRow]:
    """Rows of a table printed one row a line (Tables 4, 6-9, 11)."""
    header = block[0] if not any(REF_CELL.match(c) for c in block[0]) else None
    columns = [canonical_column(c) for c in header] if header else []
    rows: list[RawRow] = []
    for offset, cells in enumerate(block):
        row = row_from_cells(columns, cells, table, start + offset)
        if row is None:
            continue
        if rows and is_continuation(rows[-1], row):
            merge_rows(rows[-1], row)
            rows[-1].line = row.line
        else:
            rows.append(row)
    return rows


def rows_from_transposed_block(start: int, block: list[list[str]], table: int | None) -> list[RawRow]:
    """Rows of a table printed one column a line (Tables 5 and 12): the first cell names the column."""
    by_column = {canonical_column(cells[0]): cells[1:] for cells in block if cells}
    refs = by_column.get("Reference", [])
    rows: list[RawRow] = []
    for i, cell in enumerate(refs):
        m = REF_CELL.match(cell)
        if not m:
            continue
        row = RawRow(table, start, labels=[m.group("label")], refs=[int(m.group("ref"))])
        years = by_column.get("Year", [])
        if i < len(years) and YEAR_CELL.match(years[i]):
            row.years.append(int(years[i]))
        for column, values in by_column.items():
            if column not in (None, "Reference", "Year"):
                row.add(column, values[i] if i < len(values) else "")
        rows.append(row)
    if rows and "Application" in by_column:
        filled = [v for v in by_column["Application"] if v]
        if len(filled) != len(rows):  # merged cells shifted the row: do not trust it
            for row in rows:
                row.cells.pop("Application", None)
    return rows


def rows_from_block(start: int, block: list[list[str]], table: int | None) -> list[RawRow]:
    """Dispatch on the block's orientation."""
    transposed = sum(1 for cells in block if sum(bool(REF_CELL.match(c)) for c in cells) > 2) >= 1
    if transposed:
        return rows_from_transposed_block(start, block, table)
    return rows_from_row_block(start, block, table)


def nearest_caption(captions: dict[int, tuple[int, str]], start: int, end: int) -> tuple[int, str] | None:
    """The caption closest to a block's lines, if it is a method table's (Tables 4-12) and near enough."""
    best = None
    for line, (number, text) in captions.items():
        distance = start - line if line < start else max(0, line - end)
        if best is None or distance < best[0]:
            best = (distance, (number, text))
    if best is None or best[0] > 40 or not 4 <= best[1][0] <= 12:
        return None
    return best[1]


# --- the text fallback: resolving readings and normalising cells ---------------------------------------------------


KNOWN_METRICS = ("ACC", "UAR", "UF1", "CCC")  # the metrics the survey's tables use and define
KNOWN_MODELS = (
    "AE", "AAE", "DAE", "SAE", "CAE", "DCAE", "MAE", "VAE", "GAN", "CGAN", "DCGAN", "CycleGAN", "StyleGAN",
    "StyleGAN2", "starGAN", "ACGAN", "CWGAN", "DGAN", "Wasserstein GAN", "ADDi", "DM", "GPT-4", "ChatGPT",
    "LLM", "COMET",
)
AE_MODELS = {"AE", "AAE", "DAE", "SAE", "CAE", "DCAE", "MAE"}
LLM_MODELS = {"GPT-4", "CHATGPT", "LLM", "COMET"}
# Spellings the survey's method tables use for Table 3's dataset names (see shared/survey/README.md).
DATASET_ALIASES = {
    "EmoDB": "EMO-DB", "EMODB": "EMO-DB", "FER 2013": "FER2013", "Affectnet": "AffectNet", "SEED V A": "SEED-V",
}
TASK_KEYWORDS = (
    ("augmentation", "data_augmentation"), ("feature", "feature_extraction"), ("semi", "semi_supervised"),
    ("cross", "cross_domain"), ("completion", "modality_completion"), ("noisy", "noisy_environment"),
    ("dynamic", "dynamic_fer"), ("adversarial", "adversarial_defense"),
)
MODALITY_KEYWORDS = (
    ("multimodal", "multimodal"), ("speech", "speech"), ("facial", "face"), ("textual", "text"),
    ("physiological", "physiological"),
)


def tasks_in(text: str) -> list[str]:
    """The task categories a caption, heading or Application cell names."""
    low = text.lower()
    return [task for key, task in TASK_KEYWORDS if key in low]


def modality_of(text: str) -> str | None:
    """The modality a top-level section title names ('8. Physiological Signal-based ...' -> physiological)."""
    low = text.lower()
    return next((mod for key, mod in MODALITY_KEYWORDS if key in low), None)


def clean_latex(text: str) -> str:
    """Drop LaTeX residue the extraction left in cells ('$\\rm FER2013$', '${ m Speech+Image}$')."""
    text = re.sub(r"\\rm\b|[${}]", "", text)
    return re.sub(r"^\s*m\s+(?=[A-Z])", "", text).strip()


def normalise_metric(raw: str | None) -> str | None:
    """An OCR'd metric name as a known one ('JAR' -> 'UAR', 'UAIL' -> 'UAR'); unknown ones kept."""
    if not raw:
        return None
    key = raw.upper()
    if key in KNOWN_METRICS:
        return key
    match = difflib.get_close_matches(key, KNOWN_METRICS, n=1, cutoff=0.5)
    return match[0] if match else raw


def normalise_model_part(part: str) -> str:
    """One '+'-part of a Model cell, with C/G misreads repaired ('CAN' -> 'GAN', 'CPT 4' -> 'GPT-4')."""
    part = re.sub(r"^([CG])PT[\s-]*4$", "GPT-4", part.strip())
    if part in KNOWN_MODELS:
        return part
    swapped = re.sub(r"^GPT[\s-]*4$", "GPT-4", part.replace("C", "G"))
    return swapped if swapped in KNOWN_MODELS else part


def normalise_model(readings: list[str]) -> str | None:
    """The Model cell: the first reading whose parts are all known models, else the first non-empty one."""
    candidates = [" + ".join(normalise_model_part(p) for p in r.split("+")) for r in readings if r.strip()]
    for cand in candidates:
        if all(p.strip() in KNOWN_MODELS for p in cand.split("+")):
            return cand
    return candidates[0] if candidates else None


def group_of_model(model: str) -> str | None:
    """The family group of one model name."""
    key = model.strip().upper()
    if key in AE_MODELS:
        return "AE"
    if key == "VAE":
        return "VAE"
    if "GAN" in key or key == "ADDI":
        return "GAN"
    if key == "DM":
        return "DM"
    return "LLM" if key in LLM_MODELS else None


def family_group(family: str | None) -> str | None:
    """Normalise a Model cell to AE/VAE/GAN/DM/LLM, 'hybrid' for two groups, None if unknown."""
    if not family:
        return None
    groups = [group_of_model(p) for p in family.split("+")]
    if None in groups:
        return None
    distinct = sorted(set(groups), key=groups.index)
    return distinct[0] if len(distinct) == 1 else "hybrid"


def normalise_modalities(cell: str) -> list[str]:
    """A Modality cell as a list: acronyms kept, words lower-cased and singular ('Eye movements' -> 'eye movement')."""
    out = []
    for part in split_list(clean_latex(cell), "+"):
        words = [w if any(ch.isupper() for ch in w[1:]) or w.isupper() else w.lower() for w in part.split()]
        if words and words[-1].islower() and words[-1].endswith("s") and not words[-1].endswith("ss"):
            words[-1] = words[-1][:-1]
        out.append(" ".join(words))
    return out


def normalise_label(label: str) -> str:
    """An author label with OCR'd 'et al.' variants repaired ('He of al $' -> 'He et al.')."""
    label = clean_latex(label).replace("$", "").strip()
    label = re.sub(r"\b[a-z][a-z]?\s+al\b\.?", "et al.", label, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", label).strip()


def surname_similarity(a: str | None, b: str | None) -> float:
    """How alike two surnames are (0..1), case- and accent-insensitive."""
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, ascii_fold(a).lower(), ascii_fold(b).lower()).ratio()


def choose_label(labels: list[str], ref: Reference | None) -> str:
    """The best author label among the readings, its surname spelt as in the reference list when close."""
    labels = [normalise_label(lbl) for lbl in labels if normalise_label(lbl)]
    if not labels:
        return ""
    ref_surname = ref.first_surname if ref else None
    best = max(labels, key=lambda lbl: (surname_similarity(first_surname(lbl), ref_surname), -labels.index(lbl)))
    surname = first_surname(best)
    score = surname_similarity(surname, ref_surname)
    if ref_surname and 0.7 <= score < 1.0 and surname[:1].lower() == ref_surname[:1].lower():
        best = best.replace(surname, ref_surname, 1)
    return best


def score_reference(candidate: int, row: RawRow, refs: dict[int, Reference], claimed: set[int]) -> float:
    """How plausible a reading of a row's reference number is (unclaimed, year and surname agree)."""
    ref = refs.get(candidate)
    score = 0.0 if candidate in claimed else 2.0
    if ref is not None:
        score += 1.0 if ref.year in row.years else 0.0
        score += max((surname_similarity(first_surname(normalise_label(lbl)), ref.first_surname)
                      for lbl in row.labels), default=0.0)
    return score


def resolve_reference_numbers(rows: list[RawRow], refs: dict[int, Reference]) -> dict[int, int]:
    """Pick one reference number per row: clean rows claim theirs first, ambiguous rows take the best rest."""
    chosen: dict[int, int] = {}
    claimed: set[int] = set()
    for i, row in enumerate(rows):
        if len(set(row.refs)) == 1:
            chosen[i] = row.refs[0]
            claimed.add(row.refs[0])
    for i, row in enumerate(rows):
        if i in chosen:
            continue
        options = list(dict.fromkeys(row.refs))
        best = max(options, key=lambda r: (score_reference(r, row, refs, claimed), -options.index(r)))
        chosen[i] = best
        claimed.add(best)
    return chosen


def choose_year(row: RawRow, ref: Reference | None) -> int | None:
    """The row's year: the reading that agrees with the reference list, else the first reading."""
    if ref is not None and ref.year in row.years:
        return ref.year
    return row.years[0] if row.years else None


def choose_performance(readings: list[str]) -> str:
    """The Performance cell: the first reading with a known metric and plausible values, else the first."""
    for text in readings:
        m = re.match(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*:", text)
        if m and m.group(1).upper() in KNOWN_METRICS and not re.search(r"(^|[/:\s])0\d", text):
            return text
    return next((t for t in readings if t), "")


def dataset_vocabulary(rows: list[RawRow]) -> Counter:
    """How often each (aliased) dataset name occurs over all rows' first readings."""
    counts: Counter = Counter()
    for row in rows:
        counts.update(alias_datasets(split_list(clean_latex(row.first("Dataset")), "/")))
    return counts


def alias_datasets(names: Iterable[str]) -> list[str]:
    """Apply the documented spelling aliases."""
    return [DATASET_ALIASES.get(n, n) for n in names]


def fix_dataset(name: str, vocabulary: Counter) -> str:
    """Repair a one-off OCR misread of a dataset named elsewhere ('IEMOCAR' -> 'IEMOCAP')."""
    if vocabulary[name] > 1:
        return name
    peers = [v for v in vocabulary if vocabulary[v] > 1 and len(v) == len(name)]
    match = difflib.get_close_matches(name, peers, n=1, cutoff=0.85)
    return match[0] if match else name


def choose_datasets(readings: list[str], vocabulary: Counter) -> list[str]:
    """The Dataset cell as a list, taking the first reading and repairing misread names."""
    first = next((r for r in readings if r), "")
    return [fix_dataset(n, vocabulary) for n in alias_datasets(split_list(clean_latex(first), "/"))]


def cited_refs(line: str) -> set[int]:
    """Reference numbers cited on a prose line ('[224, 225, 226]', '[161]-[165]' style lists included)."""
    found: set[int] = set()
    for group in re.findall(r"\[([\d,\s–-]+)\]", line):
        for part in group.split(","):
            bounds = [int(x) for x in re.findall(r"\d+", part)]
            if len(bounds) == 2 and bounds[0] < bounds[1] <= bounds[0] + 50:
                found.update(range(bounds[0], bounds[1] + 1))
            else:
                found.update(bounds)
    return found


def task_from_prose(ref: int, top: str, lines: list[str], sections: list[Section]) -> str | None:
    """The task of the first sub-section of section ``top`` whose prose cites ``ref``."""
    for sec in sections:
        if sec.top != top or sec.number == top:
            continue
        nxt = next((s.line for s in sections if s.line > sec.line), len(lines))
        for line in lines[sec.line + 1:nxt]:
            if "\t" in line or re.match(r"^(Figure|Table)\s+\d+", line.strip()):
                continue
            if ref in cited_refs(line) and tasks_in(sec.title):
                return tasks_in(sec.title)[0]
    return None


def restore_hyphens(title: str | None, text: str) -> str | None:
    """Put back hyphens lost at line breaks: a one-off word that the prose (not the reference list) hyphenates."""
    if not title:
        return title
    low = text.lower()
    prose, _, ref_list = low.partition("\nreferences\n")
    hyphenated = {a + b: f"{a}-{b}" for a, b in re.findall(r"\b([a-z]{2,})-([a-z]{2,})\b", prose)}

    def fix(m: re.Match) -> str:
        word = m.group(0)
        form = hyphenated.get(word.lower())
        if form is None or len(re.findall(rf"\b{re.escape(word.lower())}\b", low)) != 1 or form in ref_list:
            return word
        return form if word.islower() else form[0].upper() + form[1:]

    return re.sub(r"(?<![\w-])[A-Za-z]{6,}(?![\w-])", fix, title)


def method_name_from_title(title: str | None, text: str) -> str | None:
    """A method name from a 'Name: subtitle' title, in the spelling the survey's prose uses most."""
    m = re.match(r"^([A-Za-z][\w-]{1,24}):", title or "")
    if not m:
        return None
    name = m.group(1)
    spellings = Counter(re.findall(rf"\b{re.escape(name)}\b", text, flags=re.IGNORECASE))
    cased = [s for s, _ in spellings.most_common() if s != s.lower() and s != name]
    return cased[0] if cased else name


# --- the text fallback: entry point ----------------------------------------------------------------------------


@dataclass
class TableInfo:
    """What a table's caption and location say about all its rows."""

    label: str | None
    task: str | None
    modality: str | None
    top_section: str | None


def table_info(start: int, end: int, captions: dict, sections: list[Section]) -> TableInfo:
    """Caption- and section-derived defaults for a table block."""
    caption = nearest_caption(captions, start, end)
    sec = section_at(sections, start)
    top = sec.top if sec else None
    top_title = next((s.title for s in sections if s.number == top), "") if top else ""
    tasks = tasks_in(caption[1]) if caption else []
    return TableInfo(
        label=f"Table {caption[0]}" if caption else None,
        task=tasks[0] if len(tasks) == 1 else None,
        modality=modality_of(top_title) or (modality_of(caption[1]) if caption else None),
        top_section=top,
    )


def entry_from_raw(row: RawRow, ref_no: int, info: TableInfo, ctx: dict[str, Any]) -> dict[str, Any]:
    """A registry entry (without id/implementation/artifacts) from one resolved table row."""
    refs: dict[int, Reference] = ctx["refs"]
    ref = refs.get(ref_no)
    datasets = choose_datasets(row.cells.get("Dataset", []), ctx["vocabulary"])
    performance = choose_performance(row.cells.get("Performance", []))
    pairs = [(normalise_metric(m), v) for m, v in split_metric_cell(performance, None)]
    raw_values = pairs[0][1] if len(pairs) == 1 else performance
    results, results_raw = align_results(datasets, pairs, raw_values)
    if any(r["metric"] is None for r in results):  # a value without a readable metric is not a result
        results, results_raw = [r for r in results if r["metric"] is not None], performance
    family = normalise_model(row.cells.get("Model", []))
    app = row.first("Application")
    task = (tasks_in(app)[:1] or [None])[0] if app else info.task
    if task is None and info.top_section:
        task = task_from_prose(ref_no, info.top_section, ctx["lines"], ctx["sections"])
    domain = row.first("Augmentation Domain")
    modality_cell = row.first("Modalities") or row.first("Modality")
    title = restore_hyphens(ref.title, ctx["text"]) if ref else None
    metrics = list(dict.fromkeys(m for m, _ in pairs if m))
    return {
        "ref": ref_no,
        "authors": choose_label(row.labels, ref) or None,
        "year": choose_year(row, ref),
        "title": title,
        "method_name": method_name_from_title(title, ctx["text"]),
        "modality": info.modality,
        "modalities": normalise_modalities(modality_cell) if modality_cell else [],
        "task": task,
        "family": family,
        "family_group": family_group(family),
        "datasets": datasets,
        "results": results,
        "metric": ", ".join(metrics) or None,
        "results_raw": results_raw,
        "survey_table": info.label,
        "notes": f"augmentation domain: {domain}" if domain else None,
    }


def parse_survey_text(text: str) -> list[dict[str, Any]]:
    """Best-effort registry entries (without ids) for every row of the survey's method Tables 4-12."""
    lines = text.splitlines()
    refs = parse_reference_list(lines)
    sections = find_sections(lines[: next((i for i, l in enumerate(lines) if l.strip() == "References"), len(lines))])
    captions = find_captions(lines)
    tagged: list[tuple[RawRow, TableInfo]] = []
    for start, block in table_blocks(lines):
        info = table_info(start, start + len(block), captions, sections)
        if info.label is None:
            continue
        tagged += [(row, info) for row in rows_from_block(start, block, int(info.label.split()[1]))]
    rows = [row for row, _ in tagged]
    numbers = resolve_reference_numbers(rows, refs)
    ctx = {"refs": refs, "lines": lines, "sections": sections, "text": text, "vocabulary": dataset_vocabulary(rows)}
    entries: dict[int, dict[str, Any]] = {}
    for i, (row, info) in enumerate(tagged):
        entries.setdefault(numbers[i], entry_from_raw(row, numbers[i], info, ctx))
    return list(entries.values())


def read_survey_text(path: Path) -> list[dict[str, Any]]:
    """Parse the survey text file at ``path`` (see :func:`parse_survey_text`)."""
    return parse_survey_text(path.read_text(encoding="utf-8"))


# --- ids, implementation status, artifacts --------------------------------------------------------------------


def base_id(entry: dict[str, Any]) -> str:
    """The id before collision handling: slug of the method name, else surname + year."""
    if entry.get("method_name"):
        slug = slugify(entry["method_name"])
        if slug:
            return slug
    surname = re.sub(r"[^a-z0-9]", "", ascii_fold(first_surname(entry.get("authors") or "")).lower())
    return f"{surname}{entry.get('year') or ''}" if surname else f"ref{entry['ref']}"


def assign_ids(entries: list[dict[str, Any]]) -> None:
    """Give every entry a unique id; colliding base ids all get '-r<ref>' appended."""
    bases = [base_id(e) for e in entries]
    counts = Counter(bases)
    for entry, base in zip(entries, bases):
        entry["id"] = f"{base}-r{entry['ref']}" if counts[base] > 1 else base
    dupes = [i for i, n in Counter(e["id"] for e in entries).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate ids after collision handling: {dupes}")


def installed_plugins(repo_root: Path) -> set[str]:
    """Distribution names declared by plugins/*/pyproject.toml in the repo."""
    names: set[str] = set()
    for pyproject in sorted((repo_root / "plugins").glob("*/pyproject.toml")):
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            print(f"warning: skipping unreadable {pyproject}: {exc}", file=sys.stderr)
            continue
        name = data.get("project", {}).get("name")
        if isinstance(name, str):
            names.add(name)
    return names


def implementation_for(ref: int, plugins: set[str]) -> dict[str, Any]:
    """The implementation object of the entry citing ``ref``."""
    impl = IMPLEMENTATIONS.get(ref)
    if impl is None:
        return {"status": "not_implemented"}
    return {
        "status": "implemented" if impl["plugin"] in plugins else "planned",
        "plugin": impl["plugin"],
        "methods": list(impl["methods"]),
        "install": f"pip install {impl['plugin']}",
    }


def existing_artifacts(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Artifacts lists of the registry currently at ``path``, keyed by entry id ({} if there is none)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SystemExit(f"error: {path} is not valid JSON ({exc}); refusing to overwrite its artifact pins")
    return {m["id"]: m.get("artifacts") or [] for m in data.get("methods", []) if isinstance(m, dict) and "id" in m}


def existing_releases(path: Path) -> dict[str, Any]:
    """The ``releases`` and ``unreleased`` blocks of the registry at ``path`` (written by `emozoo release`; kept as is)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: data[key] for key in ("releases", "unreleased") if key in data}


# --- assembling and writing ------------------------------------------------------------------------------------


def build_registry(shared: Path, repo_root: Path, previous: dict[str, list], from_text: bool = False) -> dict[str, Any]:
    """The whole registry document from the shared inputs, the repo's plugins and the previous pins."""
    methods_csv = shared / "survey" / "methods.csv"
    if methods_csv.exists() and not from_text:
        entries, source = read_methods_csv(methods_csv), "survey/methods.csv"
    else:
        entries, source = read_survey_text(shared / "seed" / "survey.txt"), "seed/survey.txt"
    assign_ids(entries)
    plugins = installed_plugins(repo_root)
    for entry in entries:
        entry["implementation"] = implementation_for(entry["ref"], plugins)
        entry["artifacts"] = previous.get(entry["id"], [])
    orphans = sorted(i for i, arts in previous.items() if arts and i not in {e["id"] for e in entries})
    if orphans:
        raise SystemExit(f"error: published artifacts of {orphans} would be dropped (ids no longer generated); "
                         "move them to the new ids in the registry by hand first")
    entries.sort(key=lambda e: (e["ref"], e["id"]))
    datasets_csv = shared / "survey" / "datasets.csv"
    datasets = read_datasets_csv(datasets_csv) if datasets_csv.exists() else []
    return {"schema_version": SCHEMA_VERSION, "survey": dict(SURVEY), "source": source,
            "methods": entries, "datasets": datasets}


def render(registry: dict[str, Any]) -> str:
    """The registry as deterministic JSON text."""
    return json.dumps(registry, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def diff_summary(old_text: str, new_text: str, limit: int = 60) -> str:
    """A short human summary of how the on-disk registry differs from the generated one."""
    lines = []
    try:
        old = {m["id"]: m for m in json.loads(old_text).get("methods", [])}
        new = {m["id"]: m for m in json.loads(new_text)["methods"]}
        for label, ids in (("added", sorted(set(new) - set(old))), ("removed", sorted(set(old) - set(new))),
                           ("changed", sorted(i for i in set(old) & set(new) if old[i] != new[i]))):
            if ids:
                lines.append(f"{label} ({len(ids)}): {', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}")
    except (ValueError, KeyError, TypeError, AttributeError):
        lines.append("the file on disk is not a readable registry")
    diff = list(difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), "on disk", "generated", lineterm=""))
    lines += diff[:limit] + ([f"... ({len(diff) - limit} more diff lines)"] if len(diff) > limit else [])
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared/ directory (default: ../shared next to the repo)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output file (default: registry.json at the repo root)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 with a diff summary if the output file is not up to date; write nothing")
    parser.add_argument("--from-text", action="store_true",
                        help="parse seed/survey.txt even if survey/methods.csv exists")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build (or check) the registry; returns the exit status."""
    args = parse_args(argv)
    if not args.shared.is_dir():
        print(f"error: shared directory {args.shared} not found (pass --shared DIR)", file=sys.stderr)
        return 2
    registry = build_registry(args.shared, REPO_ROOT, existing_artifacts(args.out), args.from_text)
    registry.update(existing_releases(args.out))
    text = render(registry)
    if args.check:
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if old == text:
            print(f"{args.out} is up to date ({len(registry['methods'])} methods)")
            return 0
        print(f"{args.out} is stale; regenerate it with `python scripts/build_registry.py`\n{diff_summary(old, text)}")
        return 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(registry['methods'])} methods, {len(registry['datasets'])} datasets "
          f"(source: {registry['source']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
