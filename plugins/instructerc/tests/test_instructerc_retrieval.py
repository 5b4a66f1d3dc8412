"""InstructERC's retrieval of training demonstrations and the hashing encoder of its tests."""

import pytest
import torch

from emozoo.data.batches import Dialogue, DialogueBatch, Utterance
from emozoo.errors import NotFittedError
from emozoo_instructerc.retrieval import DemonstrationRetriever, HashingEncoder


def test_retrieval_uses_only_training_split():
    train = DialogueBatch(
        (
            Dialogue("t0", (Utterance("A", "I love this cake so much", "joy"), Utterance("B", "the bus is late again", "anger"))),
            Dialogue("t1", (Utterance("A", "see you tomorrow", "neutral"),)),
        ),
        ("neutral", "joy", "anger"),
    )
    retriever = DemonstrationRetriever(HashingEncoder()).index(train)
    assert retriever.texts == ["I love this cake so much", "the bus is late again", "see you tomorrow"]
    demos = retriever.retrieve(["the bus is late", "I love cake"], ["test-9", "test-9"])
    assert [(d.text, d.label) for d in demos] == [("the bus is late again", "anger"), ("I love this cake so much", "joy")]
    # a query from a training dialogue never gets its own dialogue's utterances back
    own = retriever.retrieve(["I love this cake so much"], ["t0"])[0]
    assert own.text == "see you tomorrow"
    with pytest.raises(NotFittedError):
        DemonstrationRetriever(HashingEncoder()).retrieve(["x"])


def test_hashing_encoder_is_deterministic():
    a, b = HashingEncoder(64).encode(["Hello there"]), HashingEncoder(64).encode(["hello THERE"])
    assert torch.equal(a, b) and a.sum() == 2
