"""The augmentation protocol's long-tail additions: the tail-only setting against oversampling, per-class recall,
FID / KID in a classifier's feature space, and the generator-independent conditions computed once per fold."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emozoo import metrics
from emozoo.bench.protocols import augmentation, recognition
from emozoo.bench.protocols.augmentation import AugmentationOptions, run_cell
from emozoo.errors import ConfigError
from emozoo.evaluation.augmentation import oversample_tail, tail_counts
from emozoo.evaluation.feature_distance import embed, frechet_distance, kernel_distance

FAST = {"mlp": {"epochs": 3, "lr": 1e-2, "batch_size": 8}, "svm": {"epochs": 3, "lr": 1e-2, "batch_size": 8}}


@pytest.fixture
def gen(registry):
    from emozoo_toy import generators

    registry.register_plugin(generators.ProtocolPlugin(), name="protocol-fixtures", distribution="emozoo-toy", version="0.3.1")
    generators.ClassGaussian.built.clear()
    augmentation._BASELINES.clear()
    yield generators
    generators.ClassGaussian.built.clear()
    augmentation._BASELINES.clear()


def test_tail_counts_top_up_the_small_classes_only() -> None:
    y = torch.tensor([0] * 40 + [1] * 3 + [2] * 10 + [3] * 1)
    # threshold round_half_up(0.25 * 40) = 10: class 1 gets 7, class 3 gets 9, class 2 (exactly 10) and 0 none
    assert tail_counts(y, 0.25) == {1: 7, 3: 9}
    assert tail_counts(y, 0.01) == {}  # threshold 0 -> 0: nothing is below it


def test_oversample_tail_repeats_real_tail_samples() -> None:
    x, y = torch.arange(54.0).unsqueeze(1), torch.tensor([0] * 40 + [1] * 3 + [2] * 10 + [3] * 1)
    xo, yo = oversample_tail(x, y, 0.25, seed=3)
    assert torch.bincount(yo, minlength=4).tolist() == [0, 7, 0, 9]
    assert all(any(torch.equal(row, r) for r in x[y == label]) for row, label in zip(xo, yo))
    assert torch.equal(xo, oversample_tail(x, y, 0.25, seed=3)[0])


def test_per_class_recall_against_hand_counts() -> None:
    t = np.array([0, 0, 0, 1, 1, 2])
    p = np.array([0, 1, 0, 1, 0, 0])
    assert metrics.per_class_recall(t, p, ["a", "b", "c", "d"]) == {"recall:a": 2 / 3, "recall:b": 0.5, "recall:c": 0.0}
    assert metrics.per_class_recall(t, p) == {"recall:0": 2 / 3, "recall:1": 0.5, "recall:2": 0.0}


def test_frechet_distance_of_gaussians_matches_the_closed_form() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 2))
    b = rng.normal(size=(20000, 2)) * 2.0 + np.array([3.0, 0.0])
    # ||mu||^2 + tr(I + 4I - 2 * sqrt(4I)) = 9 + (2 + 8 - 8) = 11
    assert frechet_distance(a, b) == pytest.approx(11.0, rel=0.03)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_kernel_distance_is_the_unbiased_poly_mmd() -> None:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[2.0, 0.0], [0.0, 0.0]])
    k = lambda a, b: (a @ b / 2 + 1) ** 3  # noqa: E731
    kxx = sum(k(x[i], x[j]) for i in range(3) for j in range(3) if i != j) / 6
    kyy = sum(k(y[i], y[j]) for i in range(2) for j in range(2) if i != j) / 2
    kxy = sum(k(a, b) for a in x for b in y) / 6
    assert kernel_distance(x, y) == pytest.approx(kxx + kyy - 2 * kxy)
    rng = np.random.default_rng(1)
    same = kernel_distance(rng.normal(size=(300, 4)), rng.normal(size=(300, 4)), subset_size=100, subsets=20)
    shifted = kernel_distance(rng.normal(size=(300, 4)), rng.normal(size=(300, 4)) + 1.0, subset_size=100, subsets=20)
    assert abs(same) < 0.05 < shifted


def test_embed_reads_the_last_linear_input() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    x = torch.randn(7, 3)
    assert np.allclose(embed(net, x, batch_size=3), torch.relu(net[0](x)).detach().double().numpy())


def test_tail_setting_and_distances_in_a_cell(gen) -> None:
    fold = gen.make_fold("eeg", train_counts=(20, 3, 12), test_counts=(4, 4, 4))
    opts = {"ratios": (1.0,), "classifier_settings": FAST, "tail_below": 0.5, "per_class_recall": True, "feature_distance": True}
    records = run_cell("gauss-eeg", fold, 0, {}, opts, None)
    (model,) = gen.ClassGaussian.built
    # threshold round_half_up(0.5 * 20) = 10: only class 1 (3 samples) is the tail; it is asked for max(ratio-1 need 3, top-up 7)
    assert dict((c, n) for n, c, _ in model.calls)[1] == 7
    by = {(r["condition"], r["classifier"]): r for r in records}
    tail, over = by[("real+synthetic:tail", "mlp")], by[("real+oversample:tail", "mlp")]
    assert tail["n_added"] == over["n_added"] == 7 and tail["tail_classes"] == over["tail_classes"] == [1]
    assert {"recall:0", "recall:1", "recall:2"} <= set(tail["metrics"])
    (fd,) = [r for r in records if r["condition"] == "feature-distance"]
    assert set(fd["metrics"]) == {"FID_cnn", "KID_cnn", "FID_cnn_real_test", "KID_cnn_real_test"}
    assert fd["feature_classifier"] == "mlp" and all(np.isfinite(v) for v in fd["metrics"].values())


def test_generator_independent_conditions_are_computed_once(gen, monkeypatch) -> None:
    fold = gen.make_fold("eeg", train_counts=(20, 3, 12))
    calls = []
    real_score = augmentation.score_classifier
    monkeypatch.setattr(augmentation, "score_classifier", lambda *a, **k: calls.append(1) or real_score(*a, **k))
    opts = {"ratios": (1.0,), "classifiers": ("mlp",), "classifier_settings": FAST, "tail_below": 0.5, "include_synthetic_only": False}
    first = run_cell("gauss-eeg", fold, 0, {}, opts, None)
    n_first = len(calls)
    second = run_cell("gauss-eeg", fold, 0, {}, opts, None)
    # the second cell refits only real+synthetic and real+synthetic:tail; real, noise and oversampling come from the cache
    assert n_first == 5 and len(calls) - n_first == 2
    key = lambda rs: sorted((r["condition"], r["metrics"].get("ACC")) for r in rs if r["classifier"])  # noqa: E731
    assert key(first) == key(second)


@pytest.mark.parametrize("bad", [{"tail_below": 0}, {"tail_below": 1.5}, {"tail_below": True}, {"per_class_recall": "yes"},
                                 {"feature_distance": 1}])
def test_bad_tail_options_are_refused(bad) -> None:
    with pytest.raises(ConfigError):
        AugmentationOptions(**bad)


def test_recognition_options_are_checked() -> None:
    recognition.check_options({"per_class_recall": True})
    with pytest.raises(ConfigError, match="unknown option"):
        recognition.check_options({"per_class_recal": True})
    with pytest.raises(ConfigError, match="true or false"):
        recognition.check_options({"per_class_recall": "yes"})


def test_binary_report_against_hand_counts() -> None:
    t = np.array([1, 1, 1, 0, 0, 0, 0])
    p = np.array([1, 0, 1, 1, 0, 0, 0])
    scores = np.array([0.9, 0.4, 0.8, 0.7, 0.1, 0.4, 0.3])
    out = metrics.binary_report(t, p, scores, 1)
    assert out["F1_pos"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))  # TP 2, FP 1, FN 1
    # pairs (pos, neg) with pos scoring higher: 0.9 and 0.8 beat all 4; 0.4 beats 0.1 and 0.3, ties 0.4 (half): 4 + 4 + 2.5
    assert out["AUROC"] == pytest.approx(10.5 / 12)
    assert np.isnan(metrics.binary_report(np.zeros(3, int), np.zeros(3, int), np.ones(3), 1)["AUROC"])
    assert "AUROC" not in metrics.binary_report(t, p, None, 1)


def test_positive_class_metrics_in_both_protocols(gen) -> None:
    fold = gen.make_fold("eeg", train_counts=(12, 12), test_counts=(6, 6))
    records = run_cell("gauss-eeg", fold, 0, {}, {"ratios": (1.0,), "classifiers": ("mlp",), "classifier_settings": FAST,
                                                 "positive_class": 1}, None)
    assert all({"F1_pos", "AUROC"} <= set(r["metrics"]) for r in records if r["classifier"])
    recognition.check_options({"positive_class": 1})
    with pytest.raises(ConfigError, match="class id"):
        recognition.check_options({"positive_class": -1})
    with pytest.raises(ConfigError, match="class id"):
        AugmentationOptions(positive_class=True)
