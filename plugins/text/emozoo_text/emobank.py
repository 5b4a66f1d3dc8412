"""EmoBank (Buechel & Hahn 2017): 10,062 English sentences with valence, arousal and dominance (1-5), official split.

File, as upstream: ``emobank.csv`` with columns id, split (train / dev / test), V, A, D, text (the weighted average of
reader and writer ratings, upstream's default). Rules: a text is read verbatim, never as a missing value (dev sentence
``easy_money_13624_13628`` is the word "None", which pandas' default reading turns into NaN); a row whose
text has no visible character is dropped and counted; a rating that is not a number in [1, 5], a split outside the
three, a missing column or a repeated id is a :class:`CorpusFormatError` naming the line.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from emozoo_text.errors import CorpusFormatError
from emozoo_text.reading import keep_text, read_text

DIMENSIONS: tuple[str, ...] = ("V", "A", "D")
SPLITS: tuple[str, ...] = ("train", "dev", "test")
COLUMNS: tuple[str, ...] = ("id", "split", "V", "A", "D", "text")


@dataclass(frozen=True)
class EmoBankSplit:
    """One split as read: texts, their (V, A, D) ratings, sentence ids, and the ids dropped by the empty-text rule."""

    texts: tuple[str, ...]
    vad: tuple[tuple[float, float, float], ...]
    ids: tuple[str, ...]
    dropped: tuple[str, ...]


def _rating(value: str, where: str, dim: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = math.nan
    if not (math.isfinite(x) and 1.0 <= x <= 5.0):
        raise CorpusFormatError(f"{where}: {dim} = {value!r} is not a rating in [1, 5]; restore the upstream file")
    return x


def read_all(root: Path) -> dict[str, EmoBankSplit]:
    """Every split of ``emobank.csv`` under the module's rules."""
    text = read_text(root / "emobank.csv", "emobank")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CorpusFormatError(f"emobank: emobank.csv lacks column(s) {missing}; expected {list(COLUMNS)}")
    parts: dict[str, tuple[list, list, list, list]] = {s: ([], [], [], []) for s in SPLITS}
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        where = f"emobank emobank.csv line {line}"
        if row["split"] not in parts:
            raise CorpusFormatError(f"{where}: split {row['split']!r} is not one of {SPLITS}")
        if row["id"] in seen:
            raise CorpusFormatError(f"{where}: id {row['id']!r} appears twice; ids must be unique")
        seen.add(row["id"])
        vad = tuple(_rating(row[d], where, d) for d in DIMENSIONS)
        texts, ratings, ids, dropped = parts[row["split"]]
        if not keep_text(row["text"] or ""):
            dropped.append(row["id"])
            continue
        texts.append(row["text"])
        ratings.append(vad)
        ids.append(row["id"])
    return {s: EmoBankSplit(tuple(t), tuple(r), tuple(i), tuple(d)) for s, (t, r, i, d) in parts.items()}
