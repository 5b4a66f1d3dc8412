"""llm-paraphrase on the tiny base LM: sources of the class, labels and ratings inherited, copies rejected, bad input."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.data.batches import TextBatch
from emozoo.errors import ConfigError, NotFittedError
from emozoo_llm_paraphrase.model import paraphrase_prompt
from emozoo_llm_textaug.example import tiny_config, toy_comments
from emozoo_llm_textaug.generation import TextGenerator


def _echo_source(self, instructions, seed):
    """A 'paraphraser' that answers with the embedded source, upper-cased every other time (a copy either way)."""
    return [i.rsplit(": ", 1)[1] for i in instructions]


def _reverse_words(self, instructions, seed):
    return [" ".join(reversed(i.rsplit(": ", 1)[1].split())) for i in instructions]


def _fitted(batch=None, **extra):
    model = emozoo.load("llm-paraphrase", **tiny_config(**extra))
    model.fit(batch if batch is not None else toy_comments())
    return model


def test_paraphrases_inherit_their_source_rows(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", _reverse_words)
    train = toy_comments()
    model = _fitted(train)
    out = model.generate(5, condition=1, seed=0)
    by_text = {" ".join(reversed(t.split())): i for i, t in enumerate(train.texts)}
    for text, row in zip(out.texts, out.labels):
        source = by_text[text]
        assert torch.equal(row, train.labels[source]) and row[1] == 1  # the full multi-label row, carrying class 1
    assert len(set(out.texts)) == 5 and set(model.prompt_sources) <= set(train.texts)


def test_rating_data_keeps_each_source_rating(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", _reverse_words)
    texts = toy_comments().texts
    targets = torch.arange(len(texts) * 3, dtype=torch.float32).reshape(-1, 3)
    train = TextBatch(texts=texts, targets=targets, target_names=("V", "A", "D"))
    model = _fitted(train)
    out = model.generate(6, seed=1)
    for text, t in zip(out.texts, out.targets):
        assert torch.equal(t, targets[texts.index(" ".join(reversed(text.split())))])
    with pytest.raises(ConfigError, match="no classes"):
        model.generate(2, condition=0)


def test_copies_of_the_source_are_rejected(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", _echo_source)
    model = _fitted(reject_training_copies=False, max_attempts=2.0)
    with pytest.raises(Exception, match="rejected"):
        model.generate(3, condition=0, seed=0)
    assert model.generation_report()["rejected"]["copy_of_source"] == 8


def test_real_sampling_is_deterministic_and_labelled() -> None:
    model = _fitted()
    a, b = model.generate(3, condition=0, seed=4), model.generate(3, condition=0, seed=4)
    assert a.texts == b.texts and bool((a.labels[:, 0] == 1).all())


def test_bad_input() -> None:
    model = emozoo.load("llm-paraphrase", **tiny_config())
    with pytest.raises(NotFittedError):
        model.generate(2, condition=0)
    model = _fitted()
    with pytest.raises(ConfigError, match="condition"):
        model.generate(2)
    single = toy_comments(multi_label=False)
    only_two = TextBatch(texts=single.texts[:2], labels=torch.tensor([0, 2]), label_names=single.label_names)
    with pytest.raises(ConfigError, match="no training text"):
        _fitted(only_two).generate(1, condition=1)


def test_prompt_embeds_the_source() -> None:
    p = paraphrase_prompt("i love it", "reddit")
    assert p.endswith("Reply with the paraphrase only.\n\nComment: i love it") and "keeping the feelings" in p
