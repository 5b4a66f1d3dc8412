"""Sampling, the generation cache and llm-gen-aug on the tiny base LM: determinism, prefixes, cache reuse, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import emozoo
from emozoo.errors import ConfigError, InputError, LabelError, ModalityError, NotFittedError
from emozoo.evaluation.text_audit import audit_duplicates
from emozoo_llm_textaug.base import AllRejectedError
from emozoo_llm_textaug.example import tiny_config, toy_comments
from emozoo_llm_textaug.generation import GenerationCache, TextGenerator, truncate_to_tokens
from emozoo_llm_textaug.prompts import generation_prompt


def _fitted(**extra):
    model = emozoo.load("llm-gen-aug", **tiny_config(**extra))
    model.fit(toy_comments())
    return model


def test_same_seed_same_texts_and_requests_are_prefixes() -> None:
    model = _fitted()
    a = model.generate(3, condition="anger", seed=5)
    b = model.generate(3, condition=np.int64(1), seed=5)
    longer = model.generate(7, condition=1, seed=5)
    other = model.generate(3, condition=1, seed=6)
    assert a.texts == b.texts and longer.texts[:3] == a.texts and other.texts != a.texts
    assert a.labels.tolist() == [[0.0, 1.0, 0.0]] * 3 and a.source.synthetic


def test_single_label_data_gives_ids() -> None:
    model = emozoo.load("llm-gen-aug", **tiny_config())
    model.fit(toy_comments(multi_label=False))
    out = model.generate(2, condition="neutral", seed=0)
    assert out.labels.dtype == torch.int64 and out.labels.tolist() == [2, 2]


def test_generation_does_not_move_the_global_rng() -> None:
    model = _fitted()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    model.generate(2, condition=0, seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_cached_rerun_reads_the_texts_and_samples_nothing(tmp_path, monkeypatch) -> None:
    first = _fitted(cache=True, cache_dir=str(tmp_path))
    texts = first.generate(5, condition=0, seed=2).texts
    assert first.generation_report()["cache_hits"] == 0
    second = _fitted(cache=True, cache_dir=str(tmp_path))

    def refuse(*_a, **_k):
        raise AssertionError("sampled although every chunk is cached")

    monkeypatch.setattr(TextGenerator, "_sample", refuse)
    second._generator = None
    assert second.generate(5, condition=0, seed=2).texts == texts
    report = second.generation_report()
    assert report["cache_hits"] == report["chunks"] > 0 and report["cache_hit_share"] == 1.0


def test_cache_misses_on_other_material_and_on_corrupt_files(tmp_path) -> None:
    cache = GenerationCache(tmp_path)
    material = {"version": 1, "model": "abc", "prompts": ["p1", "p2"], "seed": 3, "settings": {"top_p": 0.9}}
    cache.put(material, ["t1", "t2"])
    assert cache.get(material) == ["t1", "t2"]
    assert cache.get({**material, "seed": 4}) is None
    assert cache.get({**material, "model": "abd"}) is None
    path = next(tmp_path.rglob("*.json"))
    path.write_text("{not json", encoding="utf-8")
    assert cache.get(material) is None
    path.write_text(json.dumps({"material": {**material, "seed": 9}, "texts": ["x", "y"]}), encoding="utf-8")
    assert cache.get(material) is None  # a file whose material differs from its name is not trusted


def test_truncation_keeps_the_first_tokens() -> None:
    model = _fitted()
    tok = model.generator().tokenizer
    long_text = " ".join(["lovely happy day"] * 40)
    cut, was_cut = truncate_to_tokens(tok, long_text, 10)
    assert was_cut and long_text.startswith(cut[:10]) and len(tok(cut, add_special_tokens=False)["input_ids"]) <= 12
    assert truncate_to_tokens(tok, "short", 10) == ("short", False)


def test_a_prompt_beyond_the_limit_is_refused() -> None:
    model = _fitted(max_prompt_tokens=8)
    with pytest.raises(InputError, match="max_prompt_tokens"):
        model.generate(2, condition=0, seed=0)


def test_bad_input() -> None:
    fresh = emozoo.load("llm-gen-aug", **tiny_config())
    with pytest.raises(NotFittedError):
        fresh.generate(2, condition=0)
    with pytest.raises(ModalityError):
        fresh.fit(torch.zeros(4, 3))
    rated = toy_comments()
    from emozoo.data.batches import TextBatch

    with pytest.raises(LabelError, match="llm-paraphrase"):
        fresh.fit(TextBatch(texts=rated.texts, targets=torch.rand(len(rated), 3)))
    with pytest.raises(LabelError, match="label_names"):
        fresh.fit(TextBatch(texts=rated.texts, labels=rated.labels))
    model = _fitted()
    with pytest.raises(LabelError, match="unknown class"):
        model.generate(2, condition="surprise")
    with pytest.raises(LabelError, match="outside"):
        model.generate(2, condition=3)
    with pytest.raises(ConfigError, match="condition"):
        model.generate(2)
    with pytest.raises(ConfigError):
        emozoo.load("llm-gen-aug", min_words=5, max_words=2)
    with pytest.raises(AllRejectedError, match="rejected"):
        _fitted(min_words=100, max_attempts=1.0).generate(2, condition=0, seed=0)


def test_few_shot_copies_are_rejected_counted_and_audited(monkeypatch) -> None:
    """A generator that answers with one of its prompt examples: the filter rejects the copies as copy_of_training;
    with that rule off, the audit of the returned texts finds them all."""
    def echo(self, instructions, seed):
        return [line[2:] for line in (i.split("\n")[1] for i in instructions)]

    monkeypatch.setattr(TextGenerator, "sample", echo)
    strict = _fitted(examples_per_prompt=2, max_attempts=2.0)
    with pytest.raises(AllRejectedError):
        strict.generate(4, condition=0, seed=0)
    assert strict.generation_report()["rejected"]["copy_of_training"] == 8
    loose = _fitted(examples_per_prompt=2, reject_training_copies=False)
    out = loose.generate(3, condition=0, seed=0)
    assert set(out.texts) <= set(loose.prompt_sources)
    assert audit_duplicates(out.texts, toy_comments().texts).exact == len(out)


def test_prompt_names_the_class_and_shows_examples() -> None:
    assert "neutral, matter-of-fact" in generation_prompt("neutral", "reddit")
    p = generation_prompt("joy", "sentence", ["so happy", "great day"])
    assert p.startswith("Examples of short English sentences that express joy:\n- so happy\n- great day\n")
    assert p.endswith("Write one new short English sentence written by a person who feels joy. Reply with the sentence only.")


def test_the_judge_keeps_only_texts_it_labels_with_the_class(monkeypatch) -> None:
    """Answers alternate between the asked class's words and another class's: a tfidf judge fitted on the training
    texts rejects the off-class half, counted as 'judge'; without a judge all are kept."""
    pytest.importorskip("emozoo_text_baselines")
    words = {0: "what a lovely happy day", 1: "this is so annoying and unfair"}

    def alternate(self, instructions, seed):
        return [f"{words[i % 2]} take {seed % 97} {i}" for i in range(len(instructions))]

    monkeypatch.setattr(TextGenerator, "sample", alternate)
    plain = _fitted().generate(4, condition=0, seed=3)
    assert sum("annoying" in t for t in plain.texts) == 2
    judge = _fitted(judge="tfidf-logreg")
    judged = judge.generate(4, condition=0, seed=3)
    assert all("lovely" in t for t in judged.texts) and len(judged) == 4
    assert judge.generation_report()["rejected"]["judge"] == 3  # answers 1, 3, 5 of the 7 examined
    with pytest.raises(ConfigError, match="judge"):
        emozoo.load("llm-gen-aug", judge=3)
