"""The filter between an LLM's raw answer and a training text: stated rules, every rejection counted by its reason.

In order: U+FFFD characters (a multi-byte character cut by ``max_new_tokens`` or an invalid byte) are removed; a
leading "Here is ...:" line and a label prefix ("Comment:", "Sentence:", "Paraphrase:", "Text:") are dropped; the first
non-empty line is kept, without surrounding quotes. Then the answer is rejected as

* ``empty``: nothing visible is left;
* ``refusal``: it reads as a refusal or an assistant's aside ("as an AI", "I'm sorry", "I cannot", "language model");
* ``too_short`` / ``too_long``: fewer than ``min_words`` or more than ``max_words`` whitespace-separated words;
* ``copy_of_source``: equal (after :func:`emozoo.evaluation.text_audit.normalise`) to the text it should paraphrase;
* ``duplicate``: equal to a text this generator already accepted (same normalisation);
* ``copy_of_training``: equal to a training text (when the caller passes them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field

from emozoo.evaluation.text_audit import normalise

REASONS: tuple[str, ...] = ("empty", "refusal", "too_short", "too_long", "copy_of_source", "duplicate", "copy_of_training")
_PREAMBLE = re.compile(r"^\s*(here('s| is| are)|sure|certainly|okay|ok)\b[^\n]*:\s*$", re.IGNORECASE)
_PREFIX = re.compile(r"^\s*(comment|sentence|paraphrase|paraphrased text|text|answer|response|reddit comment)\s*[:\-]\s*", re.IGNORECASE)
_REFUSAL = re.compile(r"\b(as an ai|i'?m sorry|i am sorry|i cannot|i can'?t (help|write|provide)|language model)\b", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»`"


def extract(raw: str) -> str:
    """The candidate text of a raw answer (the module's first rules), possibly empty."""
    lines = [line for line in raw.replace("\ufffd", "").splitlines() if line.strip()]
    if lines and _PREAMBLE.match(lines[0]):
        lines = lines[1:]
    if not lines:
        return ""
    text = _PREFIX.sub("", lines[0].strip(), count=1).strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    if text[:1] in _QUOTES and text.count(text[0]) == 1:  # an opening quote whose closing one was cut off
        text = text[1:].strip()
    return text


@dataclass
class TextFilter:
    """Applies the module's rules, remembering accepted texts (for ``duplicate``) and counting rejections."""

    min_words: int = 3
    max_words: int = 60
    training: Container[str] = frozenset()
    """Normalised training texts (``copy_of_training``); empty: the rule is off."""
    seen: set[str] = field(default_factory=set)
    rejected: Counter = field(default_factory=Counter)
    accepted: int = 0

    def __call__(self, raw: str, source: str | None = None) -> str | None:
        """The cleaned text, or None (its reason counted in ``rejected``)."""
        text = extract(raw)
        reason = self._reason(text, source)
        if reason is not None:
            self.rejected[reason] += 1
            return None
        self.seen.add(normalise(text))
        self.accepted += 1
        return text

    def _reason(self, text: str, source: str | None) -> str | None:
        norm = normalise(text)
        if not norm:
            return "empty"
        if _REFUSAL.search(text):
            return "refusal"
        words = len(text.split())
        if words < self.min_words:
            return "too_short"
        if words > self.max_words:
            return "too_long"
        if source is not None and norm == normalise(source):
            return "copy_of_source"
        if norm in self.seen:
            return "duplicate"
        if norm in self.training:
            return "copy_of_training"
        return None

    def report(self) -> dict[str, int]:
        """Rejections by reason (every reason listed) and the accepted count."""
        return {**{r: int(self.rejected.get(r, 0)) for r in REASONS}, "accepted": self.accepted}
