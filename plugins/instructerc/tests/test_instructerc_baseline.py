"""The sentence-embedding linear baseline of the benchmark."""

import pytest
import torch

from emozoo.data.batches import Dialogue, DialogueBatch, Utterance
from emozoo.errors import LabelError, NotFittedError
from emozoo_instructerc.baseline import LinearHeadConfig, SentenceEmbeddingLinear
from emozoo_instructerc.retrieval import HashingEncoder

LABELS = ("neutral", "joy", "anger")
WORDS = {"neutral": "table chair", "joy": "happy great", "anger": "furious hate"}


def batch(n: int) -> DialogueBatch:
    names = list(WORDS)
    return DialogueBatch(
        tuple(Dialogue(f"d{i}", (Utterance("A", WORDS[names[i % 3]], names[i % 3]),)) for i in range(n)), LABELS
    )


def test_linear_head_learns_separable_words_and_checks_labels():
    model = SentenceEmbeddingLinear(HashingEncoder(64), LinearHeadConfig(lr=0.1, epochs=30, batch_size=8))
    with pytest.raises(NotFittedError):
        model.predict(batch(3))
    losses = model.fit(batch(12))
    assert losses[-1] < 0.1 * losses[0]
    pred, probs, gold = model.predict(batch(6))
    assert torch.equal(pred, gold) and probs.shape == (6, 3)
    other = DialogueBatch((Dialogue("x", (Utterance("A", "hi", "sad"),)),), ("sad", "happy"))
    with pytest.raises(LabelError):
        model.predict(other)
