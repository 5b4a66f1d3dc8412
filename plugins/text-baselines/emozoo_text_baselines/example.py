"""The conformance kit's examples: generated multi-label sentences (each class has its own words) and tiny configs."""

from __future__ import annotations

import numpy as np
import torch

from emozoo.data.batches import TextBatch
from emozoo.data.source import DataSource
from emozoo.testing import Example

SOURCE = DataSource("toy-text", name="generated sentences", license="CC0-1.0", synthetic=True)
NAMES = ("joy", "anger", "fear")
WORDS = {0: ("great", "lovely", "wonderful", "glad"), 1: ("furious", "annoying", "hate", "outrageous"),
         2: ("scared", "afraid", "terrifying", "nervous")}  # fmt: skip
FILLER = ("the", "day", "was", "really", "so", "this", "today", "it")


def toy_texts(n: int, seed: int = 0, *, multi_label: bool = True) -> TextBatch:
    """``n`` sentences: class ``i % 3`` words (plus a second class's on every fourth row when multi-label) among fillers."""
    rng = np.random.default_rng(seed)
    texts, rows = [], []
    for i in range(n):
        classes = {i % 3} | ({(i + 1) % 3} if multi_label and i % 4 == 0 else set())
        words = [str(w) for c in sorted(classes) for w in rng.choice(WORDS[c], size=2)] + [str(w) for w in rng.choice(FILLER, size=4)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        rows.append(sorted(classes))
    if multi_label:
        labels = torch.zeros(n, 3)
        for i, classes in enumerate(rows):
            labels[i, classes] = 1.0
    else:
        labels = torch.tensor([r[0] for r in rows])
    return TextBatch(texts=tuple(texts), labels=labels, label_names=NAMES, ids=tuple(f"t{i}" for i in range(n)), source=SOURCE)


CONFIG = {"min_df": 1, "max_features": 500, "num_classes": 3}
_TEXT_ONLY = {"nan": "texts have no NaN (TextBatch refuses non-text rows when it is built)",
              "shape": "a list of texts has no tensor shape"}  # fmt: skip
_INVALID = {"dtype": [1, 2, 3], "modality": torch.tensor([[0.1, 0.2], [0.3, 0.4]])}


def _example(config: dict) -> Example:
    batch = toy_texts(36)
    return Example(config=dict(config), train=batch.index(slice(0, 27)), test=batch.index(slice(27, 36)), invalid=dict(_INVALID),
                   not_applicable=dict(_TEXT_ONLY))  # fmt: skip


def example_plain() -> Example:
    """tfidf-logreg on 27 generated multi-label sentences."""
    return _example(CONFIG)


def example_aug() -> Example:
    """tfidf-logreg-aug: one token-level augmented copy per sentence."""
    return _example({**CONFIG, "augment": True, "augmentation": {"copies": 1}})
