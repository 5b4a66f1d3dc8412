"""The augmentation protocol (one bench cell) with a tiny class-conditional Gaussian generator, on EEG, speech and face."""

from __future__ import annotations

import pytest
import torch

from emozoo.bench.protocols import augmentation
from emozoo.bench.protocols.augmentation import AugmentationOptions, check_options, run_cell
from emozoo.data.batches import AudioBatch, EEGBatch, ImageBatch
from emozoo.errors import (
    CapabilityError,
    ConfigError,
    LabelError,
    NotFittedError,
    ShapeError,
    UnknownMethodError,
)
from emozoo.evaluation.augmentation import class_balanced_counts, noise_copies
from emozoo.evaluation.classifiers import build_classifier, fit_classifier, predict_logits

TRAIN_COUNTS = (5, 3, 7)
FAST = {"mlp": {"epochs": 3, "lr": 1e-2, "batch_size": 8}, "svm": {"epochs": 3, "lr": 1e-2, "batch_size": 8},
        "cnn": {"epochs": 3, "lr": 1e-2, "batch_size": 8, "options": {"channels": (4,), "fc": 8}}}  # fmt: skip
REPORT_KEYS = {"ACC", "UAR", "WF1", "MF1"}


@pytest.fixture
def gen(registry):
    """The registry with the protocol fixtures (generators and data sets of emozoo_toy.generators)."""
    from emozoo_toy import generators

    registry.register_plugin(generators.ProtocolPlugin(), name="protocol-fixtures", distribution="emozoo-toy", version="0.3.1")
    generators.ClassGaussian.built.clear()
    augmentation._BASELINES.clear()
    yield generators
    generators.ClassGaussian.built.clear()
    augmentation._BASELINES.clear()


def _options(**kw):
    return {"ratios": (0.5, 1.0), "classifier_settings": FAST, **kw}


def _by(records, classifier="mlp"):
    return {(r["condition"], r["ratio"]): r for r in records if r["classifier"] == classifier}


def test_class_balanced_counts_round_half_up() -> None:
    labels = torch.tensor([0] * 5 + [1] * 3 + [2] * 7)
    assert class_balanced_counts(labels, 0.5) == {0: 3, 1: 2, 2: 4}  # 2.5 -> 3, 1.5 -> 2, 3.5 -> 4
    assert class_balanced_counts(labels, 2.0) == {0: 10, 1: 6, 2: 14}


def test_noise_copies_are_class_balanced_and_scaled() -> None:
    x, y = torch.randn(15, 4) * 3.0, torch.tensor([0] * 5 + [1] * 3 + [2] * 7)
    xn, yn = noise_copies(x, y, 2.0, 0.0, seed=1)  # zero noise: exact copies of real samples of the same class
    assert torch.bincount(yn).tolist() == [10, 6, 14]
    assert all(any(torch.equal(row, r) for r in x[y == label]) for row, label in zip(xn, yn))


def test_generates_the_right_number_per_class_and_ratio(gen) -> None:
    records = run_cell("gauss-eeg", gen.make_fold("eeg"), 0, {}, _options(ratios=(0.5, 2.0)), None)
    (model,) = gen.ClassGaussian.built
    assert model.fitted_on == sum(TRAIN_COUNTS)
    assert sorted((n, c) for n, c, _ in model.calls) == [(6, 1), (10, 0), (14, 2)]  # the largest ratio, per class
    added = {k: r["n_added"] for k, r in _by(records).items()}
    assert added == {("real", None): 0, ("real+noise", 0.5): 9, ("real+noise", 2.0): 30,
                     ("real+synthetic", 0.5): 9, ("real+synthetic", 2.0): 30, ("synthetic", 1.0): 15}  # fmt: skip
    assert _by(records)[("synthetic", 1.0)]["n_real"] == 0
    (dist,) = [r for r in records if r["condition"] == "distribution"]
    assert [dist["per_class"][c]["n_synth"] for c in "012"] == list(TRAIN_COUNTS)  # measured at ratio 1
    assert isinstance(dist["metrics"]["MMD2"], float) and dist["per_class"]["0"]["bands"] == ["d", "t", "a", "b", "g"]  # kept by with_samples
    # every classifier record carries the task's full report, not only ACC
    assert all(set(r["metrics"]) == REPORT_KEYS for r in records if r["classifier"])


def test_only_the_generator_is_trained(gen) -> None:
    """The cell calls fit_generator, never fit: the method's own downstream head stays untouched (uninitialised)."""
    run_cell("gauss-eeg", gen.make_fold("eeg"), 0, {}, _options(), None)
    (model,) = gen.ClassGaussian.built
    assert model.fit_calls == 0
    assert isinstance(model.head.weight, torch.nn.parameter.UninitializedParameter)
    # ...whereas fit trains it (the spy works)
    model.fit(gen.make_fold("eeg").train)
    assert model.fit_calls == 1 and not isinstance(model.head.weight, torch.nn.parameter.UninitializedParameter)


def test_real_only_uses_only_real_data(gen) -> None:
    fold = gen.make_fold("eeg")
    good = run_cell("gauss-eeg", fold, 0, {}, _options(), None)
    augmentation._BASELINES.clear()  # recompute the baselines, do not reuse them
    wild = run_cell("gauss-eeg", fold, 0, {"shift": 50.0}, _options(), None)
    base = lambda recs: [r for r in recs if r["condition"] in ("real", "real+noise")]  # noqa: E731
    synth = lambda recs: [r["metrics"] for r in recs if r["condition"] == "real+synthetic"]  # noqa: E731
    assert base(good) == base(wild)
    assert synth(good) != synth(wild)
    s = AugmentationOptions(**_options()).settings()["mlp"]
    model = build_classifier("mlp", (4, 5), 3, seed=0)
    fit_classifier(model, fold.train.features, fold.train.labels, epochs=s.epochs, lr=s.lr, batch_size=s.batch_size,
                   weight_decay=s.weight_decay, seed=0)  # fmt: skip
    direct = float((predict_logits(model, fold.test.features).argmax(1) == fold.test.labels).float().mean())
    assert _by(good)[("real", None)]["metrics"]["ACC"] == pytest.approx(direct, abs=1e-6)


def test_same_seed_reproduces_and_seeds_change_results(gen) -> None:
    fold = gen.make_fold("eeg")
    a = run_cell("gauss-eeg", fold, 0, {}, _options(), None)
    augmentation._BASELINES.clear()
    b = run_cell("gauss-eeg", fold, 0, {}, _options(), None)
    c = run_cell("gauss-eeg", fold, 1, {}, _options(), None)
    assert a == b
    assert [r["metrics"] for r in a] != [r["metrics"] for r in c]
    seeds = [{s for _, _, s in m.calls} for m in gen.ClassGaussian.built]
    assert seeds[0] == seeds[1] and not seeds[0] & seeds[2]


@pytest.mark.parametrize(("kind", "method", "sample_shape"), [("audio", "gauss-speech", (6, 3)), ("image", "gauss-face", (1, 4, 4))])
def test_speech_and_face_batches_go_through_the_protocol(gen, kind, method, sample_shape) -> None:
    fold = gen.make_fold(kind)
    assert isinstance(fold.train, AudioBatch if kind == "audio" else ImageBatch)
    records = run_cell(method, fold, 0, {}, _options(ratios=(1.0,)), None)
    conditions = {(r["condition"], r["ratio"], r["classifier"]) for r in records}
    assert conditions == {("real", None, "mlp"), ("real", None, "svm"), ("real+noise", 1.0, "mlp"), ("real+noise", 1.0, "svm"),
                          ("real+synthetic", 1.0, "mlp"), ("real+synthetic", 1.0, "svm"), ("synthetic", 1.0, "mlp"),
                          ("synthetic", 1.0, "svm"), ("distribution", None, None)}  # fmt: skip
    assert _by(records)[("real+synthetic", 1.0)]["n_added"] == 15 and _by(records)[("real+synthetic", 1.0)]["n_test"] == 12
    assert all(0.0 <= r["metrics"]["ACC"] <= 1.0 and set(r["metrics"]) == REPORT_KEYS for r in records if r["classifier"])
    (model,) = gen.ClassGaussian.built
    sample = model.generate(2, condition=1, seed=0)
    assert type(sample) is type(fold.train) and tuple(sample.features.shape) == (2, *sample_shape)


def test_cnn_runs_with_a_feature_transform(gen) -> None:
    records = run_cell("gauss-eeg", gen.make_fold("eeg"), 0, {}, _options(ratios=(1.0,), feature_transform="emozoo_toy.generators:to_maps"), None)
    assert {r["classifier"] for r in records} == {"mlp", "svm", "cnn", None}
    assert AugmentationOptions(feature_transform="emozoo_toy.generators:to_maps").kinds() == ("mlp", "svm", "cnn")


def test_typed_errors(gen) -> None:
    fold = gen.make_fold("eeg")
    with pytest.raises(ConfigError, match="ratios"):
        check_options({"ratios": (0.5, -1.0)})
    with pytest.raises(ConfigError, match="unknown option"):
        check_options({"ratio": (1.0,)})
    with pytest.raises(ConfigError, match="feature_transform"):
        check_options({"classifiers": ("cnn",)})
    with pytest.raises(ConfigError, match="classifier_settings"):
        check_options({"classifier_settings": {"mlp": {"epoch": 3}}})
    with pytest.raises(CapabilityError, match="generate"):
        run_cell("gauss-mute", fold, 0, {}, _options(), None)
    with pytest.raises(ShapeError, match="expected"):
        run_cell("gauss-wrong", fold, 0, {}, _options(), None)
    with pytest.raises(NotFittedError, match="quality selection"):  # the harness records it as a failed cell
        run_cell("gauss-picky", fold, 0, {}, _options(), None)
    unlabelled = type(fold)(fold.name, EEGBatch(features=fold.train.features), fold.test, fold.manifest)
    with pytest.raises(LabelError):
        run_cell("gauss-eeg", unlabelled, 0, {}, _options(), None)
    with pytest.raises(UnknownMethodError):
        run_cell("no-such-generator", fold, 0, {}, _options(), None)
