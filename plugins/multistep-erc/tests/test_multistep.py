"""multistep-erc: the prompts each step sees, parsing and its counts, the single-step preset, few-shot draws, bad input."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.data.batches import Dialogue, DialogueBatch, TextBatch, Utterance
from emozoo.errors import LabelError, ModalityError, NotFittedError
from emozoo_instructerc.example import DIALOGUES, LABELS
from emozoo_llm_textaug.generation import TextGenerator
from emozoo_multistep_erc.example import multistep_example
from emozoo_multistep_erc.prompts import context, decide_prompt, describe_prompt

SEEN: list[list[str]] = []


def _scripted(self, instructions, seed):
    """Step 1 answers a description; step 2 answers the label word of the target's first word, or gibberish."""
    SEEN.append(list(instructions))
    out = []
    for i in instructions:
        if i.endswith("and why."):
            out.append("They sound upset about it.\nsecond line dropped")
        else:
            target = i.split('Target utterance: ', 1)[1].split('"')[1]
            out.append({"I": "Joy!", "Stop": "the answer is anger", "Get": "xqzv"}.get(target.split()[0], "neutral"))
    return out


def _model(**extra):
    config = {**multistep_example().config, "batch_size": 6, **extra}
    model = emozoo.load("multistep-erc" if config.get("steps", "multistep") == "multistep" else "zero-shot-erc", **config)
    model.fit(DIALOGUES)
    return model


def test_two_steps_parse_and_count(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", _scripted)
    SEEN.clear()
    pred = _model().predict(DIALOGUES)
    # targets in order: "I love it", "Stop that now", "It is Monday", "Great news", "Get out", "The door is open"
    # "xqzv" is far from every label: unparseable, given the closest label by edit distance (joy), and counted
    assert [LABELS[i] for i in pred.labels.tolist()] == ["joy", "anger", "neutral", "neutral", "joy", "neutral"]
    report = pred.extra["parse_report"]
    assert report == {"exact": 4, "contained": 1, "closest": 0, "unparseable": 1} and pred.extra["unparseable"] == 1
    describe, decide = SEEN
    assert all(p.endswith("and why.") for p in describe)
    assert all("How the speaker feels: They sound upset about it.\n" in p for p in decide)
    assert 'Conversation:\nSpeaker_0: "It is Monday"\n\nTarget utterance: Speaker_1: "Great news"' in decide[3]


def test_single_step_skips_the_description_and_shows_examples(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", _scripted)
    SEEN.clear()
    model = _model(steps="single", examples_per_class=1)
    pred = model.predict(DIALOGUES)
    assert len(SEEN) == 1 and "How the speaker feels" not in SEEN[0][0]
    assert SEEN[0][0].count(" -> ") == 3 and len(pred.labels) == 6


def test_unparseable_answers_are_counted_not_hidden(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", lambda self, ins, seed: ["0000000000"] * len(ins))
    pred = _model(steps="single").predict(DIALOGUES)
    assert pred.extra["unparseable"] == 6 and pred.extra["unparseable_share"] == 1.0


def test_multi_label_texts_get_one_label_per_row(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", lambda self, ins, seed: ["anger"] * len(ins))
    texts = TextBatch(texts=("so mad", "fine"), labels=torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), label_names=LABELS)
    model = _model(steps="single")
    pred = model.predict(texts)
    assert pred.labels.tolist() == [[0, 0, 1], [0, 0, 1]]


def test_real_tiny_lm_is_deterministic() -> None:
    a, b = _model().predict(DIALOGUES), _model().predict(DIALOGUES)
    assert torch.equal(a.labels, b.labels) and a.extra["answers"] == b.extra["answers"]


def test_bad_input() -> None:
    fresh = emozoo.load("multistep-erc", **{**multistep_example().config, "label_names": ()})
    with pytest.raises(NotFittedError):
        fresh.predict(DIALOGUES)
    with pytest.raises(ModalityError):
        fresh.fit(torch.zeros(3, 2))
    model = _model()
    other = DialogueBatch((Dialogue("z", (Utterance("A", "hi", "happy"),)),), ("happy", "sad"))
    with pytest.raises(LabelError, match="differs"):
        model.predict(other)


def test_prompt_texts() -> None:
    ctx = context((("A", "hello"),), ("B", "go away"))
    assert ctx == 'Conversation:\nA: "hello"\n\nTarget utterance: B: "go away"'
    assert describe_prompt(ctx, "B").endswith("describe how B feels when saying the target utterance, and why.")
    assert context((), (None, "so happy")) == 'Text: "so happy"'
    assert decide_prompt('Text: "x"', ("joy", "anger")).endswith("fits the text best: joy, anger? Answer with the label only.")
