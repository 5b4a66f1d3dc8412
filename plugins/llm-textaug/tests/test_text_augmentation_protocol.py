"""The text-augmentation protocol (emozoo.bench.protocols.text_augmentation) with llm-gen-aug on the tiny LM and
tfidf-logreg as the downstream model: counts per class, conditions, the low-resource draw, ceilings and the audit."""

from __future__ import annotations

import pytest
import torch

from emozoo.bench.protocols import text_augmentation as ta
from emozoo.data.batches import TextBatch
from emozoo.data.folds import Fold
from emozoo.data.manifest import SplitManifest
from emozoo.errors import ConfigError, InputError
from emozoo_llm_textaug.example import tiny_config, toy_comments
from emozoo_llm_textaug.generation import TextGenerator

pytest.importorskip("emozoo_text_baselines")

WORDS = {0: "lovely happy glad", 1: "annoying unfair furious", 2: "bus nine schedule"}


def _fold(n_train: int = 60, multi_label: bool = True) -> Fold:
    batch = toy_comments(n_train + 30, multi_label=multi_label)
    train, test = batch.index(slice(0, n_train)), batch.index(slice(n_train, n_train + 30))
    manifest = SplitManifest(dataset="toy-text", protocol="text-augmentation", fold="official",
                             splits={"train": train.ids, "test": test.ids}, data_sha256="0" * 64)  # fmt: skip
    return Fold("official", train, test, manifest, val=test)


def _class_words(self, instructions, seed):
    """A 'generator' that writes the asked class's words (plus a counter, so texts differ)."""
    out = []
    for i, instruction in enumerate(instructions):
        label = next(j for j, name in enumerate(("joy", "anger", "neutral")) if f"feels {name}" in instruction
                     or (name == "neutral" and "no particular emotion" in instruction))  # fmt: skip
        out.append(f"{WORDS[label]} text {seed % 1000} {i}")
    return out


def test_wanted_counts_each_label_a_text_carries() -> None:
    batch = toy_comments(10)  # rows carry i % 3; rows 0 and 5 also (i + 1) % 3: class 1 and class 0
    assert ta.class_counts(batch) == {0: 4 + 1, 1: 3 + 1, 2: 3}
    assert ta.wanted(batch, 0.5) == {0: 3, 1: 2, 2: 2}  # round half up of 2.5, 2.0, 1.5
    rated = TextBatch(texts=batch.texts, targets=torch.rand(10, 3))
    assert ta.wanted(rated, 0.25) == {None: 3}  # round half up of 2.5


def test_a_cell_records_every_condition(monkeypatch) -> None:
    monkeypatch.setattr(TextGenerator, "sample", _class_words)
    options = {"ratios": [0.5, 1.0], "train_fraction": 0.5, "downstream_overrides": {"min_df": 1}, "audit_samples": 2}
    records = ta.run_cell("llm-gen-aug", _fold(), 0, tiny_config(), options, None)
    by = {(r["condition"], r["ratio"]): r for r in records}
    assert set(by) == {("real", None), ("real+token-aug", None), ("ceiling:new-units", 0.5), ("ceiling:new-units", 1.0),
                       ("real+synthetic", 0.5), ("real+synthetic", 1.0), ("synthetic", 1.0), ("audit", None)}
    real = by[("real", None)]
    assert real["n_real"] == 30 and real["classifier"] == "tfidf-logreg" and 0.0 <= real["metrics"]["MF1"] <= 1.0
    assert by[("real+token-aug", None)]["fitted_method"] == "tfidf-logreg-aug"
    train, _ = ta._subset(_fold().train, 0.5, 0, "official")  # the cell's draw
    assert by[("real+synthetic", 1.0)]["n_added"] == by[("synthetic", 1.0)]["n_added"] == sum(ta.wanted(train, 1.0).values())
    assert by[("real+synthetic", 0.5)]["n_added"] == sum(ta.wanted(train, 0.5).values())
    assert by[("ceiling:new-units", 0.5)]["n_added"] + by[("ceiling:new-units", 0.5)]["pool_short"] == sum(ta.wanted(train, 0.5).values())
    assert by[("synthetic", 1.0)]["metrics"]["MF1"] > 0.9  # class words only: train-on-synthetic separates the classes
    audit = by[("audit", None)]
    assert set(audit["samples"]) == {"joy", "anger", "neutral"} and all(len(v) == 2 for v in audit["samples"].values())
    assert audit["metrics"]["exact_share"] == 0.0 and audit["generation"]["returned"] == audit["metrics"]["generated"]


def test_the_same_seed_draws_the_same_subset_and_another_seed_another(monkeypatch) -> None:
    fold = _fold()
    a, _ = ta._subset(fold.train, 0.5, 0, "official")
    b, _ = ta._subset(fold.train, 0.5, 0, "official")
    c, rest = ta._subset(fold.train, 0.5, 1, "official")
    assert a.ids == b.ids != c.ids and len(a) == 30 and set(c.ids).isdisjoint(rest.ids) and len(rest) == 30


def test_copies_of_training_texts_show_in_the_audit(monkeypatch) -> None:
    fold = _fold()

    def copy_training(self, instructions, seed):
        return [fold.train.texts[(seed + i) % len(fold.train)] for i in range(len(instructions))]

    monkeypatch.setattr(TextGenerator, "sample", copy_training)
    options = {"ratios": [0.5], "downstream_overrides": {"min_df": 1}, "token_baseline": None, "ceiling": False,
               "include_synthetic_only": False}  # fmt: skip
    records = ta.run_cell("llm-gen-aug", fold, 0, tiny_config(reject_training_copies=False), options, None)
    audit = next(r for r in records if r["condition"] == "audit")
    assert audit["metrics"]["exact_share"] == 1.0 and audit["duplicates"]["exact_duplicates"] == audit["metrics"]["generated"]


def test_options_and_data_are_checked() -> None:
    for bad in ({"ratios": []}, {"ratios": [0]}, {"train_fraction": 0}, {"train_fraction": 1.5}, {"downstream": ""},
                {"audit_samples": -1}, {"near_threshold": 0}, {"colour": 1}):  # fmt: skip
        with pytest.raises(ConfigError):
            ta.check_options(bad)
    fold = _fold()
    signals = Fold("x", torch.zeros(4, 3), fold.test, fold.manifest)
    with pytest.raises(InputError, match="TextBatch"):
        ta.run_cell("llm-gen-aug", signals, 0, tiny_config(), {}, None)


def test_the_tensor_augmentation_protocol_points_text_data_here() -> None:
    from emozoo.bench.protocols import augmentation

    with pytest.raises(InputError, match="text-augmentation"):
        augmentation.run_cell("llm-gen-aug", _fold(), 0, tiny_config(), {}, None)


def test_a_class_whose_texts_are_all_rejected_adds_none_and_is_named(monkeypatch) -> None:
    """The 'generator' writes fragments for anger only: anger gets no synthetic text, the others do."""
    def fragments_for_anger(self, instructions, seed):
        return ["no" if "feels anger" in i else f"{WORDS[0]} fine text {seed % 1000} {j}" for j, i in enumerate(instructions)]

    monkeypatch.setattr(TextGenerator, "sample", fragments_for_anger)
    options = {"ratios": [0.5], "downstream_overrides": {"min_df": 1}, "token_baseline": None, "ceiling": False}
    records = ta.run_cell("llm-gen-aug", _fold(), 0, tiny_config(min_words=2, max_attempts=1.0), options, None)
    audit = next(r for r in records if r["condition"] == "audit")
    assert list(audit["classes_without_texts"]) == ["1"] and "anger" not in audit["samples"]
    added = next(r for r in records if r["condition"] == "real+synthetic")
    assert added["short"] == ta.wanted(_fold().train, 0.5)[1] and added["n_added"] == sum(ta.wanted(_fold().train, 0.5).values()) - added["short"]
