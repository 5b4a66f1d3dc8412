"""The sentence-embedding linear baseline of the benchmark."""

import pytest
import torch

import emozoo

from emozoo.data.batches import Dialogue, DialogueBatch, Utterance
from emozoo.errors import LabelError, NotFittedError
from emozoo_instructerc.baseline import LinearHeadConfig, SentenceEmbeddingLinear

LABELS = ("neutral", "joy", "anger")
WORDS = {"neutral": "table chair", "joy": "happy great", "anger": "furious hate"}


def batch(n: int) -> DialogueBatch:
    names = list(WORDS)
    return DialogueBatch(
        tuple(Dialogue(f"d{i}", (Utterance("A", WORDS[names[i % 3]], names[i % 3]),)) for i in range(n)), LABELS
    )


def _model(**kw) -> SentenceEmbeddingLinear:
    return SentenceEmbeddingLinear(LinearHeadConfig(encoder="hashing", hashing_dim=64, label_names=LABELS, lr=0.1, epochs=30, batch_size=8, **kw))


def test_linear_head_learns_separable_words_and_checks_labels():
    model = _model()
    with pytest.raises(NotFittedError):
        model.predict(batch(3))
    losses = model.fit(batch(12)).series("loss")
    assert losses[-1] < 0.1 * losses[0]
    prediction = model.predict(batch(6))
    gold = torch.tensor([i % 3 for i in range(6)])
    assert torch.equal(prediction.labels, gold) and prediction.probabilities.shape == (6, 3)
    assert model.evaluate(batch(6))["ACC"] == 1.0
    other = DialogueBatch((Dialogue("x", (Utterance("A", "hi", "sad"),)),), ("sad", "happy"))
    with pytest.raises(LabelError):
        model.predict(other)


