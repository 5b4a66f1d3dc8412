"""The filter's rules, each with a hand-made answer; every rejection is counted by its reason."""

from __future__ import annotations

import pytest

from emozoo_llm_textaug.cleaning import REASONS, TextFilter, extract


@pytest.mark.parametrize(("raw", "text"), [
    ('  "I love this so much!"  ', "I love this so much!"),
    ("Here is a comment:\nWhat a great game that was", "What a great game that was"),
    ("Comment: that ref was awful\nSecond line ignored", "that ref was awful"),
    ("“Curly quotes are gone”", "Curly quotes are gone"),
    ('"cut off before the closing quote', "cut off before the closing quote"),
    ("broken emoji at the end \ufffd\ufffd", "broken emoji at the end"),
    ("\n\n  \nfirst visible line\nnext", "first visible line"),
    ("", ""),
])  # fmt: skip
def test_extract(raw: str, text: str) -> None:
    assert extract(raw) == text


def test_each_reason_is_counted() -> None:
    f = TextFilter(min_words=3, max_words=8, training=frozenset({"a text from the training set"}))
    answers = [
        ("   ", None, "empty"),
        ("As an AI, I cannot feel anything", None, "refusal"),
        ("too short", None, "too_short"),
        ("one two three four five six seven eight nine", None, "too_long"),
        ("I am so happy today", "i am SO happy today!", "copy_of_source"),
        ("A text from the training set.", None, "copy_of_training"),
        ("this one is fine", None, None),
        ("This one is FINE!", None, "duplicate"),
    ]
    for raw, source, reason in answers:
        out = f(raw, source)
        assert (out is None) == (reason is not None), raw
    report = f.report()
    assert report["accepted"] == 1
    assert {r: report[r] for r in REASONS} == {r: int(r in {a[2] for a in answers}) for r in REASONS}
