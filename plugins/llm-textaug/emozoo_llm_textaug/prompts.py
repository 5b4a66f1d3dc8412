"""The class-conditional generation prompt (ours, after [249]'s zero-shot emotion prompts; stated in the card).

    Write one {style} written by a person who feels {emotion}. Reply with the {noun} only.

``style`` follows the data set (GoEmotions: "short Reddit comment"; others: "short English sentence"); the label word
is the data set's own, with "neutral" described as "no particular emotion (a neutral, matter-of-fact tone)". With
``examples`` (few-shot), the real texts are listed before the request as "Examples:" lines.
"""

from __future__ import annotations

from collections.abc import Sequence

STYLES: dict[str, tuple[str, str]] = {
    "reddit": ("short Reddit comment", "comment"),
    "sentence": ("short English sentence", "sentence"),
}
#: Data set id -> style; any other data set gets "sentence".
DATASET_STYLES: dict[str, str] = {"goemotions": "reddit", "goemotions-ekman": "reddit"}


def style_for(dataset: str | None) -> str:
    """The prompt style of a data set."""
    return DATASET_STYLES.get(dataset or "", "sentence")


def describe(label: str) -> str:
    """How a label is named in the prompt."""
    if label.strip().lower() == "neutral":
        return "no particular emotion (a neutral, matter-of-fact tone)"
    return label.replace("_", " ")


def generation_prompt(label: str, style: str, examples: Sequence[str] = ()) -> str:
    """The instruction asking for one new text of class ``label``."""
    text, noun = STYLES[style]
    shots = "".join(f"- {e}\n" for e in examples)
    head = f"Examples of {text}s that express {describe(label)}:\n{shots}\n" if shots else ""
    return f"{head}Write one new {text} written by a person who feels {describe(label)}. Reply with the {noun} only."
