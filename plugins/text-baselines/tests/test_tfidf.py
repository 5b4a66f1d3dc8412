"""What only these baselines specify: TF-IDF + logistic regression equal to scikit-learn's own pipeline, the three
target kinds, the tuned multi-label threshold, the token-level augmentation, and the protocol's multi-label and
dimensional scoring on folds of TextBatches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import emozoo
from emozoo.bench.protocols import recognition
from emozoo.data import Fold, SplitManifest, TextBatch, sha256_array
from emozoo.errors import ConfigError, LabelError, ModalityError, NotFittedError, WeightsError
from emozoo_text_baselines.augment import TokenAugmentConfig, augment_text, augment_texts
from emozoo_text_baselines.example import CONFIG, toy_texts
from emozoo_text_baselines.vectoriser import decode_vocabulary, encode_vocabulary


def test_multilabel_scores_equal_scikit_learns_pipeline_and_learn_the_toy() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train, test = toy_texts(90, seed=1), toy_texts(30, seed=2)
    model = emozoo.load("tfidf-logreg", **CONFIG)
    model.fit(train)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=500, sublinear_tf=True).fit(train.texts)
    x, xt = vec.transform(train.texts), vec.transform(test.texts)
    for j in range(3):
        ref = LogisticRegression(max_iter=1000, random_state=0).fit(x, train.labels[:, j].numpy()).predict_proba(xt)[:, 1]
        assert np.allclose(model.predict(test).probabilities[:, j].numpy(), ref, atol=1e-6)
    pred = model.predict(test)
    assert pred.labels.shape == (30, 3) and pred.labels.dtype == torch.int64 and (pred.labels.sum(1) >= 1).all()
    f1 = emozoo.metrics.multilabel_report(test.labels.numpy(), pred.labels.numpy())["MF1"]
    assert f1 > 0.9, f1


def test_threshold_is_tuned_on_validation_and_changes_decisions() -> None:
    train, val = toy_texts(60, seed=3), toy_texts(30, seed=4)
    tuned = emozoo.load("tfidf-logreg", **CONFIG)
    tuned.fit(train, val)
    fixed = emozoo.load("tfidf-logreg", **CONFIG, threshold=0.9)
    fixed.fit(train)
    t = float(tuned.decision_threshold[0])
    assert t in [round(0.05 * i, 2) for i in range(1, 20)] and tuned.fit_report["threshold"] == t
    assert float(fixed.decision_threshold[0]) == 0.9
    # the tuned threshold is the grid's best macro-F1 on the validation texts
    probs = torch.sigmoid(tuned.decision_function(val)).numpy()
    from emozoo_text_baselines.model import THRESHOLDS, _decide

    best = max(emozoo.metrics.multilabel_report(val.labels.numpy(), _decide(probs, s))["MF1"] for s in THRESHOLDS)
    assert emozoo.metrics.multilabel_report(val.labels.numpy(), _decide(probs, t))["MF1"] == best
    with pytest.raises(LabelError, match="labels \\[N, 3\\]"):
        tuned.fit(train, toy_texts(12, seed=5, multi_label=False))


def test_single_label_and_dimensional_data() -> None:
    single = toy_texts(90, seed=6, multi_label=False)
    model = emozoo.load("tfidf-logreg", **CONFIG)
    model.fit(single)
    test = toy_texts(30, seed=7, multi_label=False)
    pred = model.predict(test)
    assert model.config.task == "single" and pred.labels.shape == (30,)
    assert torch.allclose(pred.probabilities.sum(1), torch.ones(30)) and (pred.labels == test.labels).float().mean() > 0.9
    binary = single.index(single.labels < 2)  # scikit-learn's one-row binary model, mapped onto two softmax rows
    model.fit(binary)
    assert set(model.predict(binary).labels.tolist()) <= {0, 1} and float(model.intercept[2]) == -30.0
    # dimensional: valence = 1 + number of "great"s, arousal = 1 + number of "furious"es
    rng = np.random.default_rng(0)
    texts, vad = [], []
    for _ in range(120):
        g, f = rng.integers(0, 4, size=2)
        texts.append(" ".join(["great"] * int(g) + ["furious"] * int(f) + ["day", "was", "so"]))
        vad.append([1.0 + g, 1.0 + f])
    batch = TextBatch(texts=texts, targets=vad, target_names=("V", "A"))
    reg = emozoo.load("tfidf-logreg", **CONFIG, ridge_alpha=0.1)
    reg.fit(batch.index(slice(0, 90)))
    out = reg.predict(batch.index(slice(90, 120)))
    assert reg.config.task == "dimensional" and out.values.shape == (30, 2) and out.labels is None
    report = emozoo.metrics.dimensional_report(batch.targets[90:].numpy(), out.values.numpy(), ["V", "A"])
    assert report["r:V"] > 0.9 and report["r:A"] > 0.9


def test_a_class_without_positive_training_texts_is_recorded_and_never_predicted() -> None:
    train = toy_texts(60, seed=8)
    labels = train.labels.clone()
    labels[:, 2] = 0
    labels[labels.sum(1) == 0, 0] = 1
    train = TextBatch(texts=train.texts, labels=labels, label_names=train.label_names)
    model = emozoo.load("tfidf-logreg", **CONFIG)
    model.fit(train)
    assert model.fit_report["classes_without_positives"] == ["fear"]
    assert model.predict(toy_texts(30, seed=9)).labels[:, 2].sum() == 0


def test_token_augmentation_operations() -> None:
    rng = np.random.default_rng(0)
    text = "one two three four five six seven eight nine ten"
    swapped = augment_text(text, "swap", 0.1, rng)
    assert sorted(swapped.split()) == sorted(text.split()) and swapped != text
    deleted = augment_text(text, "delete", 0.5, rng).split()
    assert 1 <= len(deleted) < 10 and all(w in text.split() for w in deleted)
    inserted = augment_text(text, "insert", 0.2, rng).split()
    assert len(inserted) == 12 and set(inserted) == set(text.split())
    assert augment_text("alone", "swap", 0.1, rng) == "alone"
    copies, sources = augment_texts(("a b c", "d e f g"), TokenAugmentConfig(copies=3), seed=5)
    assert len(copies) == 6 and sources.tolist() == [0, 1, 0, 1, 0, 1]
    assert augment_texts(("a b c", "d e f g"), TokenAugmentConfig(copies=3), seed=5)[0] == copies
    for bad in ({"alpha": 0.0}, {"alpha": 0.9}, {"copies": 0}, {"operations": ("synonym",)}, {"operations": ()}):
        with pytest.raises(ConfigError):
            TokenAugmentConfig(**bad)
    model = emozoo.load("tfidf-logreg-aug", **CONFIG, augmentation={"copies": 2})
    model.fit(toy_texts(30))
    assert model.fit_report["train_texts"] == 90


def test_bad_input_and_corrupt_vocabulary() -> None:
    model = emozoo.load("tfidf-logreg", **CONFIG)
    with pytest.raises(NotFittedError):
        model.predict(["some text"])
    with pytest.raises(LabelError, match="labels or targets"):
        model.fit(TextBatch(texts=["a b", "c d"]))
    with pytest.raises(ModalityError, match="reads texts"):
        model.fit(torch.zeros(3, 4))
    with pytest.raises(ConfigError, match="min_df"):
        emozoo.load("tfidf-logreg", **{**CONFIG, "min_df": 5}).fit(toy_texts(6))
    model.fit(toy_texts(30))
    assert model.predict(["great lovely day", "so scared today"]).labels.shape == (2, 3)  # a list of str is wrapped
    vocab = encode_vocabulary({"b": 1, "a": 0, "a b": 2})
    assert decode_vocabulary(vocab, 3) == {"a": 0, "b": 1, "a b": 2}
    with pytest.raises(WeightsError, match="corrupt"):
        decode_vocabulary(vocab, 4)
    with pytest.raises(ConfigError, match="task"):
        emozoo.load("tfidf-logreg", task="ranking")


def _fold(train: TextBatch, test: TextBatch) -> Fold:
    manifest = SplitManifest(dataset="toy-text", protocol="recognition", splits={"train": ("tr",), "test": ("te",)},
                             data_sha256=sha256_array(np.zeros(1)), fold="official")  # fmt: skip
    return Fold("official", train, test, manifest)


def test_recognition_protocol_scores_multi_label_and_dimensional_folds() -> None:
    rec = recognition.run_cell("tfidf-logreg", _fold(toy_texts(60, seed=10), toy_texts(30, seed=11)), 0, dict(CONFIG),
                               {"per_class_recall": True}, None)[0]  # fmt: skip
    assert {"MF1", "WF1", "microF1", "ACC", "F1:joy", "F1:anger", "F1:fear"} <= set(rec["metrics"]) and "confusion" not in rec
    assert rec["positives_per_class"] == toy_texts(30, seed=11).labels.sum(0).long().tolist()
    with pytest.raises(ConfigError, match="single-label data"):
        recognition.run_cell("tfidf-logreg", _fold(toy_texts(30), toy_texts(12, seed=1)), 0, dict(CONFIG), {"positive_class": 1}, None)
    texts = [f"{'great ' * (i % 4)}day was so {'furious ' * (i % 3)}".strip() for i in range(80)]
    vad = [[1.0 + i % 4, 1.0 + i % 3, 3.0 + (i % 2)] for i in range(80)]
    batch = TextBatch(texts=texts, targets=vad, target_names=("V", "A", "D"))
    dim = recognition.run_cell("tfidf-logreg", _fold(batch.index(slice(0, 60)), batch.index(slice(60, 80))), 0, dict(CONFIG), {}, None)[0]
    assert {"r:V", "r:A", "r:D", "MAE:V", "Corr", "MAE"} <= set(dim["metrics"]) and dim["target_names"] == ["V", "A", "D"]
    assert dim["metrics"]["r:V"] > 0.9
