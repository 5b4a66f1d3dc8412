"""The generated-text audit: how many generated texts copy a training text, exactly or nearly (pure Python).

A generator that copies its prompt examples must show up here. Texts are compared after :func:`normalise` (Unicode
NFKC, lower case, every run of non-word characters one space). *Exact* duplicates are equal after normalising; *near*
duplicates are not exact but share at least ``threshold`` (default 0.8) of their character 5-gram shingles (Jaccard
similarity of the shingle sets; texts shorter than 5 characters are their own single shingle). Candidates are found
through an inverted index of shingles, so the audit is linear in practice; every candidate pair is then scored exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from emozoo.errors import InputError

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
SHINGLE = 5


def normalise(text: str) -> str:
    """NFKC, lower case, runs of non-word characters collapsed to one space, stripped."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """The set of character ``k``-grams of a normalised text (the text itself when shorter than ``k``)."""
    return frozenset({text} if len(text) < k else {text[i : i + k] for i in range(len(text) - k + 1)})


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (1.0 for two empty sets)."""
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


@dataclass(frozen=True)
class DuplicateAudit:
    """Counts over the generated texts, and for each flagged text its position and the training text it copies."""

    n_generated: int
    exact: int
    near: int
    exact_examples: tuple[tuple[int, str], ...]
    near_examples: tuple[tuple[int, str, float], ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (shares of the generated texts included)."""
        n = max(self.n_generated, 1)
        return {"n_generated": self.n_generated, "exact_duplicates": self.exact, "near_duplicates": self.near,
                "exact_share": self.exact / n, "near_share": self.near / n,
                "exact_examples": [list(e) for e in self.exact_examples], "near_examples": [list(e) for e in self.near_examples]}  # fmt: skip


def audit_duplicates(generated: Sequence[str], training: Sequence[str], *, threshold: float = 0.8, examples: int = 5) -> DuplicateAudit:
    """Count generated texts that duplicate a training text exactly or nearly (module doc), keeping a few examples."""
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"threshold must be in (0, 1], got {threshold!r}")
    train_norm = [normalise(t) for t in training]
    exact_set = {t: i for i, t in enumerate(train_norm)}
    train_sh = [shingles(t) for t in train_norm]
    index: dict[str, list[int]] = defaultdict(list)
    for i, sh in enumerate(train_sh):
        for s in sh:
            index[s].append(i)
    exact, near, exact_ex, near_ex = 0, 0, [], []
    for pos, text in enumerate(generated):
        g = normalise(text)
        if g in exact_set:
            exact += 1
            if len(exact_ex) < examples:
                exact_ex.append((pos, training[exact_set[g]]))
            continue
        sh = shingles(g)
        hits: dict[int, int] = defaultdict(int)
        for s in sh:
            for i in index.get(s, ()):
                hits[i] += 1
        best, score = None, 0.0
        for i, shared in hits.items():
            upper = shared / max(len(sh), len(train_sh[i]))  # the best Jaccard these shared shingles allow
            if upper < threshold:
                continue
            j = jaccard(sh, train_sh[i])
            if j > score:
                best, score = i, j
        if best is not None and score >= threshold:
            near += 1
            if len(near_ex) < examples:
                near_ex.append((pos, training[best], round(score, 4)))
    return DuplicateAudit(len(generated), exact, near, tuple(exact_ex), tuple(near_ex))
