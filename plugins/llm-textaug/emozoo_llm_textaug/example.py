"""The conformance kit's example: 24 labelled toy comments and the tiny Llama base LM of emozoo-instructerc's tests
(2 layers, width 32), which samples near-random tokens: the filter is loosened so its answers pass."""

from __future__ import annotations

import torch

from emozoo.data.batches import TextBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example

NAMES = ("joy", "anger", "neutral")
_WORDS = {0: "what a lovely happy day", 1: "this is so annoying and unfair", 2: "the bus comes at nine"}
_NOT_TEXT = [[0.1, 0.2], [0.3, 0.4]]
_TEXT_ONLY = {"nan": "texts have no NaN (TextBatch refuses non-text rows when it is built)",
              "shape": "a list of texts has no tensor shape",
              "dtype": "TextBatch refuses non-str texts when it is built, before the model sees it"}  # fmt: skip


def toy_comments(n: int = 24, *, multi_label: bool = True) -> TextBatch:
    """``n`` short texts of three classes (every fifth also tagged with the next class when multi-label)."""
    texts = tuple(f"{_WORDS[i % 3]} number {i}" for i in range(n))
    if multi_label:
        labels = torch.zeros(n, 3)
        for i in range(n):
            labels[i, i % 3] = 1.0
            if i % 5 == 0:
                labels[i, (i + 1) % 3] = 1.0
    else:
        labels = torch.tensor([i % 3 for i in range(n)])
    return TextBatch(texts=texts, labels=labels, label_names=NAMES, ids=tuple(f"c{i}" for i in range(n)),
                     source=DataSource("toy-text", name="toy comments", license="CC0-1.0", synthetic=True))  # fmt: skip


def tiny_config(**extra: object) -> dict:
    """A config on the tiny base LM: short answers, a loose filter, no disk cache."""
    from emozoo_instructerc.example import tiny_base

    return {"base_model": str(tiny_base()), "max_new_tokens": 6, "batch_size": 4, "min_words": 1, "max_words": 200,
            "max_attempts": 20.0, "cache": False, **extra}  # fmt: skip


def gen_aug_example() -> Example:
    """llm-gen-aug on the tiny LM: fit records the 3-class label set; generate(3, condition=1)."""
    batch = toy_comments()
    return Example(config=tiny_config(), train=batch, test=batch, generate={"n": 3, "condition": 1, "seed": 0},
                   invalid={"modality": _NOT_TEXT}, not_applicable=dict(_TEXT_ONLY))  # fmt: skip
