"""GoEmotions (Demszky et al. 2020): Reddit comments with 27 emotions + neutral, multi-label, official splits.

Files, as upstream (``train.tsv``, ``dev.tsv``, ``test.tsv``, ``emotions.txt``): tab-separated, no header, columns text,
comma-separated emotion ids (indexes into ``emotions.txt``; neutral = 27) and the comment id; CSV-style double quotes
are honoured. Rules: a row whose text has no visible character is dropped and counted; a label id outside the label set,
a row with no label or a row without exactly three columns is a :class:`CorpusFormatError` naming file and line; a
repeated id within one row counts once. The Ekman grouping is the paper's (upstream ``ekman_mapping.json``): six
groups of the 27 emotions, with neutral kept as the seventh class.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from emozoo_text.errors import CorpusFormatError
from emozoo_text.reading import keep_text, read_text

SPLITS: dict[str, str] = {"train": "train.tsv", "dev": "dev.tsv", "test": "test.tsv"}
EMOTIONS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity", "desire",
    "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear", "gratitude", "grief", "joy", "love",
    "nervousness", "optimism", "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip
#: Demszky et al. 2020's Ekman grouping (upstream goemotions/data/ekman_mapping.json), neutral as its own class.
EKMAN_GROUPS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride", "admiration",
            "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}  # fmt: skip
EKMAN: tuple[str, ...] = tuple(EKMAN_GROUPS)
_TO_EKMAN: dict[int, int] = {EMOTIONS.index(e): g for g, members in enumerate(EKMAN_GROUPS.values()) for e in members}


@dataclass(frozen=True)
class GoEmotionsSplit:
    """One split as read: texts, each row's sorted label ids (into EMOTIONS), comment ids, and what was dropped."""

    texts: tuple[str, ...]
    labels: tuple[tuple[int, ...], ...]
    ids: tuple[str, ...]
    dropped: tuple[str, ...]
    """Comment ids of rows dropped by the empty-text rule."""


def check_emotions(root: Path) -> tuple[str, ...]:
    """The label names of ``emotions.txt``; a file that differs from the paper's 28 names is a typed error."""
    names = tuple(line.strip() for line in read_text(root / "emotions.txt", "goemotions").splitlines() if line.strip())
    if names != EMOTIONS:
        raise CorpusFormatError(f"goemotions: {root / 'emotions.txt'} lists {len(names)} names that differ from the paper's 28 "
                                f"(first {names[:3]}); restore the upstream file")  # fmt: skip
    return names


def _label_ids(field: str, where: str) -> tuple[int, ...]:
    parts = [p.strip() for p in field.split(",") if p.strip()]
    if not parts:
        raise CorpusFormatError(f"{where}: the row has no emotion id; every GoEmotions row carries at least one (27 = neutral)")
    ids = []
    for p in parts:
        if not p.isdigit() or int(p) >= len(EMOTIONS):
            raise CorpusFormatError(f"{where}: emotion id {p!r} is not one of 0..{len(EMOTIONS) - 1} (emotions.txt); "
                                    "restore the upstream file")  # fmt: skip
        ids.append(int(p))
    return tuple(sorted(set(ids)))


def read_split(root: Path, split: str) -> GoEmotionsSplit:
    """Read one official split (``train``, ``dev`` or ``test``) under the module's rules."""
    if split not in SPLITS:
        raise CorpusFormatError(f"goemotions: split {split!r} is not one of {tuple(SPLITS)}")
    name = SPLITS[split]
    text = read_text(root / name, "goemotions")
    texts, labels, ids, dropped = [], [], [], []
    for line, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter="\t"), start=1):
        where = f"goemotions {name} line {line}"
        if len(row) != 3:
            raise CorpusFormatError(f"{where}: expected 3 tab-separated columns (text, emotion ids, comment id), got {len(row)}")
        body, field, cid = row
        ids_ = _label_ids(field, where)
        if not keep_text(body):
            dropped.append(cid)
            continue
        texts.append(body)
        labels.append(ids_)
        ids.append(cid)
    return GoEmotionsSplit(tuple(texts), tuple(labels), tuple(ids), tuple(dropped))


def to_ekman(labels: tuple[int, ...]) -> tuple[int, ...]:
    """The Ekman classes (into EKMAN) of one row's GoEmotions ids: the union of their groups, sorted."""
    return tuple(sorted({_TO_EKMAN[i] for i in labels}))
