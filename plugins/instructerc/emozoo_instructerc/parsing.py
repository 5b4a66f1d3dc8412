"""Generated text → label: exact match, then a label word inside the text, then the closest label by edit distance.

Outputs whose closest label is still far (normalised edit similarity below ``cutoff``) are *unparseable*:
they are mapped to that closest label (as the official code does, so every utterance gets a prediction)
but counted, so a report can say how often the model answered off the label set.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

STATUSES = ("exact", "contained", "closest", "unparseable")
_STRIP = " \t\r\n\"'<>.,:;!?()[]{}*`"


@dataclass(frozen=True)
class ParsedLabel:
    """A parsed answer: the label, how it was found, and the raw text."""

    label: str
    status: str
    text: str


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def parse_label(text: str, label_names: Sequence[str], cutoff: float = 0.5) -> ParsedLabel:
    """Map generated ``text`` to one of ``label_names`` (case-insensitive); see the module doc for the order."""
    lowered = {name.lower(): name for name in label_names}
    first = text.strip().split("\n", 1)[0].strip(_STRIP).lower() if text.strip() else ""
    if first in lowered:
        return ParsedLabel(lowered[first], "exact", text)
    words = re.findall(r"[a-z_]+", text.lower())
    for word in words:
        if word in lowered:
            return ParsedLabel(lowered[word], "contained", text)
    candidate = first or text.strip().lower()
    best = min(label_names, key=lambda n: (edit_distance(candidate, n.lower()), label_names.index(n)))
    similarity = 1.0 - edit_distance(candidate, best.lower()) / max(len(candidate), len(best), 1)
    return ParsedLabel(best, "closest" if similarity >= cutoff else "unparseable", text)


def parse_report(parsed: Sequence[ParsedLabel]) -> dict[str, int]:
    """Counts per status (every status present, zeros included)."""
    counts = Counter(p.status for p in parsed)
    return {s: counts.get(s, 0) for s in STATUSES}
