"""The sentence-embedding linear baseline of the benchmark."""

import pytest
import torch

import emozoo

from emozoo.data.batches import Dialogue, DialogueBatch, TextBatch, Utterance
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





def _texts(n: int, multi: bool) -> TextBatch:
    words = {0: "wonderful lovely glad", 1: "furious hate awful", 2: "scared afraid nervous"}
    texts = [f"{words[i % 3]} day {i}" + (f" {words[(i + 1) % 3]}" if multi and i % 4 == 0 else "") for i in range(n)]
    if multi:
        labels = torch.zeros(n, 3)
        for i in range(n):
            labels[i, i % 3] = 1
            if i % 4 == 0:
                labels[i, (i + 1) % 3] = 1
    else:
        labels = torch.arange(n) % 3
    return TextBatch(texts=texts, labels=labels, label_names=("joy", "anger", "fear"))


def test_minilm_linear_reads_single_and_multi_label_texts() -> None:
    for multi in (False, True):
        model = emozoo.load("minilm-linear", encoder="hashing", label_names=("joy", "anger", "fear"), epochs=80, lr=0.05)
        model.fit(_texts(60, multi))
        pred = model.predict(_texts(30, multi))
        truth = _texts(30, multi).labels
        assert bool(model.multi_label) is multi
        if multi:
            assert pred.labels.shape == (30, 3) and (pred.labels.sum(1) >= 1).all()
            assert emozoo.metrics.multilabel_report(truth.numpy(), pred.labels.numpy())["MF1"] > 0.8
        else:
            assert pred.labels.shape == (30,) and (pred.labels == truth).float().mean() > 0.8
    with pytest.raises(LabelError, match="uses labels"):
        model.fit(TextBatch(texts=["x y", "y z"], labels=torch.tensor([0, 1]), label_names=("a", "b", "c")))


def test_an_unfitted_model_takes_the_training_label_set() -> None:
    """Built with the default (MELD) labels, the first fit on other data adopts its labels and sizes the head to them;
    a fitted model still refuses data of another label set."""
    model = emozoo.load("minilm-linear", encoder="hashing", epochs=40, lr=0.05)
    model.fit(_texts(60, True))
    assert model.config.label_names == ("joy", "anger", "fear") and model.head.out_features == 3
    assert model.predict(_texts(9, True)).labels.shape == (9, 3)
    with pytest.raises(LabelError, match="uses labels"):
        model.predict(TextBatch(texts=["x y"], labels=torch.tensor([[1.0, 0.0]]), label_names=("a", "b")))
