"""The augmentation protocol with a tiny class-conditional Gaussian generator: counts, baselines, seeds, tables."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import torch

from emozoo.data.batches import EEGBatch
from emozoo.errors import (
    CapabilityError,
    ConfigError,
    LabelError,
    NotFittedError,
    ShapeError,
    UnknownMethodError,
)
from emozoo.model import EmotionModel
from emozoo.protocols.augmentation import (
    AugmentationProtocol,
    AugmentationResult,
    ClassifierSettings,
    aggregate,
    class_balanced_counts,
    run_augmentation,
)
from emozoo.protocols.classifiers import (
    build_classifier,
    fit_classifier,
    predict_logits,
)

TRAIN_COUNTS = (5, 3, 7)



@dataclass
class GaussConfig:
    shift: float = 0.0


class ClassGaussian(EmotionModel):
    """Fits one diagonal Gaussian per class; generate draws from the requested class's Gaussian."""

    method_id = "test-class-gaussian"
    config_class = GaussConfig
    can_generate = True
    can_predict = False

    def __init__(self, config: GaussConfig | None = None) -> None:
        super().__init__(config)
        self.calls: list[tuple[int, int, int]] = []
        self.fitted_on: int | None = None

    def fit(self, train, val=None, *, runtime=None, callbacks=()):
        x, y = train.features, train.labels
        self.register_buffer("mu", torch.stack([x[y == c].mean(0) for c in range(int(y.max()) + 1)]))
        self.register_buffer("sd", torch.stack([x[y == c].std(0) for c in range(int(y.max()) + 1)]))
        self.fitted_on = len(train)
        return [{"epoch": 0, "loss": 0.5}]

    def generate(self, n=None, *, condition=None, seed=None):
        self.calls.append((int(n), int(condition), int(seed)))
        g = torch.Generator().manual_seed(int(seed))
        feats = self.mu[condition] + self.config.shift + self.sd[condition] * torch.randn(n, *self.mu.shape[1:], generator=g)
        return EEGBatch(features=feats, labels=torch.full((n,), int(condition)))


def _batch(counts: tuple[int, ...], seed: int) -> EEGBatch:
    g = torch.Generator().manual_seed(seed)
    labels = torch.cat([torch.full((n,), c) for c, n in enumerate(counts)])
    centres = torch.tensor([-1.0, 0.0, 1.0])[labels].view(-1, 1, 1)
    return EEGBatch(features=centres + 1.2 * torch.randn(len(labels), 4, 5, generator=g), labels=labels)


def _splits(n_folds: int = 1) -> list[tuple[str, EEGBatch, EEGBatch]]:
    return [(f"S{i + 1}", _batch(TRAIN_COUNTS, 10 + i), _batch((4, 4, 4), 20 + i)) for i in range(n_folds)]


def _protocol(**kw) -> AugmentationProtocol:
    fast = {k: ClassifierSettings(epochs=3, lr=1e-2, batch_size=8) for k in ("mlp", "svm")}
    fast["cnn"] = ClassifierSettings(epochs=3, lr=1e-2, batch_size=8, options={"channels": (4,), "fc": 8})
    base = {"ratios": (0.5, 1.0), "seeds": (0,), "classifier_settings": fast}
    return AugmentationProtocol(**{**base, **kw})


class Factory:
    """Builds ClassGaussian generators and keeps them, so a test can inspect what each was asked."""

    def __init__(self, shift: float = 0.0):
        self.shift, self.built = shift, []

    def __call__(self, *, seed: int, epochs: int | None) -> ClassGaussian:
        model = ClassGaussian(GaussConfig(shift=self.shift))
        self.built.append((seed, model))
        return model


def _accs(result: AugmentationResult, method: str | None = None) -> dict[tuple, float]:
    return {(r["fold"], r["seed"], r["condition"], r["ratio"], r["classifier"]): r["acc"]
            for r in result.records if method is None or r["method"] == method}  # fmt: skip


def test_class_balanced_counts_round_half_up() -> None:
    labels = torch.tensor([0] * 5 + [1] * 3 + [2] * 7)
    assert class_balanced_counts(labels, 0.5) == {0: 3, 1: 2, 2: 4}  # 2.5 -> 3, 1.5 -> 2, 3.5 -> 4
    assert class_balanced_counts(labels, 2.0) == {0: 10, 1: 6, 2: 14}


def test_generates_the_right_number_per_class_and_ratio() -> None:
    factory = Factory()
    result = run_augmentation({"gauss": factory}, _splits(), _protocol(ratios=(0.5, 2.0)), progress=False)
    (_, gen), = factory.built
    assert gen.fitted_on == sum(TRAIN_COUNTS)
    assert sorted((n, c) for n, c, _ in gen.calls) == [(6, 1), (10, 0), (14, 2)]  # the largest ratio, per class
    added = {(r["condition"], r["ratio"]): r["n_added"] for r in result.records if r["classifier"] == "mlp"}
    assert added == {("real", 0.0): 0, ("real+noise", 0.5): 9, ("real+noise", 2.0): 30,
                     ("real+synthetic", 0.5): 9, ("real+synthetic", 2.0): 30, ("synthetic", 1.0): 15}  # fmt: skip
    assert result.generator_runs[0]["generated_per_class"] == {"0": 10, "1": 6, "2": 14}
    per_class = result.distribution[0]["per_class"]
    assert [per_class[c]["n_synth"] for c in "012"] == list(TRAIN_COUNTS)  # measured at ratio 1


def test_real_only_uses_only_real_data() -> None:
    protocol = _protocol()
    good = run_augmentation({"g": Factory()}, _splits(), protocol, progress=False)
    wild = run_augmentation({"g": Factory(shift=50.0)}, _splits(), protocol, progress=False)
    assert _accs(good, "baseline") == _accs(wild, "baseline")
    assert _accs(good, "g") != _accs(wild, "g")
    _, train, test = _splits()[0]
    s = protocol.classifier_settings["mlp"]
    model = build_classifier("mlp", (4, 5), 3, seed=0)
    fit_classifier(model, train.features, train.labels, epochs=s.epochs, lr=s.lr, batch_size=s.batch_size, weight_decay=s.weight_decay, seed=0)
    direct = float((predict_logits(model, test.features).argmax(1) == test.labels).float().mean())
    assert _accs(good)[("S1", 0, "real", 0.0, "mlp")] == direct


def test_same_seed_reproduces_and_seeds_change_results() -> None:
    protocol = _protocol(seeds=(0, 1))
    f1, f2 = Factory(), Factory()
    a = run_augmentation({"g": f1}, _splits(), protocol, progress=False)
    b = run_augmentation({"g": f2}, _splits(), protocol, progress=False)
    assert a.records == b.records
    accs = _accs(a)
    by_seed = [{k[2:]: v for k, v in accs.items() if k[1] == seed} for seed in (0, 1)]
    assert by_seed[0] != by_seed[1]
    gen_seeds = [{s for _, _, s in m.calls} for _, m in f1.built]
    assert not gen_seeds[0] & gen_seeds[1]


def _hand_records() -> list[dict]:
    rows = []
    for fold, seed, real, aug in (("A", 0, 0.5, 0.6), ("A", 1, 0.7, 0.9), ("B", 0, 0.8, 0.8), ("B", 1, 0.6, 0.8)):
        rows.append({"method": "baseline", "fold": fold, "seed": seed, "condition": "real", "ratio": 0.0, "classifier": "mlp", "acc": real})
        rows.append({"method": "m", "fold": fold, "seed": seed, "condition": "real+synthetic", "ratio": 1.0, "classifier": "mlp", "acc": aug})
    return rows


def test_aggregation_against_hand_computed_values() -> None:
    cells = {(a["condition"], a["ratio"]): a for a in aggregate(_hand_records())}
    real, aug = cells[("real", 0.0)], cells[("real+synthetic", 1.0)]
    # fold means: real A 0.6, B 0.7; aug A 0.75, B 0.8; paired gains A (0.1, 0.2) -> 0.15, B (0.0, 0.2) -> 0.1
    assert (real["mean"], real["std"], real["gain"]) == (pytest.approx(0.65), pytest.approx(0.05), None)
    assert (aug["mean"], aug["std"]) == (pytest.approx(0.775), pytest.approx(0.025))
    assert (aug["gain"], aug["gain_std"]) == (pytest.approx(0.125), pytest.approx(0.025))
    assert (aug["n_folds"], aug["n_seeds"]) == (2, 2)
    one_fold = {a["condition"]: a for a in aggregate([r for r in _hand_records() if r["fold"] == "A"])}
    assert (one_fold["real"]["mean"], one_fold["real"]["std"]) == (pytest.approx(0.6), pytest.approx(0.1))  # over seeds


def test_markdown_rendering() -> None:
    result = AugmentationResult(protocol={}, methods=("m",), classifiers=("mlp", "svm"), records=_hand_records(),
                                manifests={"A": "ab" * 32, "B": None})  # fmt: skip
    expected = (
        "> synthetic data, not SEED\n"
        "\n"
        "### m\n"
        "\n"
        "| condition | ratio | mlp | svm |\n"
        "|---|---|---|---|\n"
        "| real | – | 65.00 ± 5.00 | – |\n"
        "| real+synthetic | 1 | 77.50 ± 2.50 (+12.50) | – |\n"
        "\n"
        "Accuracy (%) on the real test split: mean ± std over folds (2 fold(s) × 2 seed(s); std over folds of the "
        "seed-averaged accuracy when there are several folds). (gain) = difference from `real` (the same classifier on "
        "real data only), in percentage points. ratio = synthetic:real per class.\n"
        "\n"
        "Split manifests (sha256 prefix): A: `abababababab`\n"
    )
    assert result.to_markdown(note="synthetic data, not SEED") == expected
    again = AugmentationResult.from_dict(json.loads(result.to_json()))
    assert again.to_markdown(note="synthetic data, not SEED") == expected


def test_two_generators_share_baselines_and_cnn_runs_with_a_transform() -> None:
    to_maps = lambda f: f.transpose(1, 2).reshape(len(f), 5, 2, 2)
    result = run_augmentation({"a": Factory(), "b": Factory(shift=1.0)}, _splits(2), _protocol(ratios=(1.0,)),
                              feature_transform=to_maps, progress=False)  # fmt: skip
    assert result.classifiers == ("mlp", "svm", "cnn")
    assert result.methods == ("a", "b")
    methods = {r["method"] for r in result.records}
    assert methods == {"baseline", "a", "b"}
    # baseline: 2 folds x 1 seed x (real + 1 noise ratio) x 3 classifiers; each method: (1 ratio + synthetic-only) x ...
    assert sum(r["method"] == "baseline" for r in result.records) == 12
    assert sum(r["method"] == "a" for r in result.records) == 12
    md = result.to_markdown()
    assert md.count("| real | – |") == 2 and "### b" in md and "| real+noise | 1 |" in md


def test_typed_errors() -> None:
    with pytest.raises(ConfigError, match="ratios"):
        AugmentationProtocol(ratios=(0.5, -1.0))
    with pytest.raises(ConfigError, match="feature_transform"):
        run_augmentation(Factory(), _splits(), _protocol(classifiers=("cnn",)), progress=False)

    class Mute(ClassGaussian):
        method_id = "test-mute"
        can_generate = False

    with pytest.raises(CapabilityError):
        run_augmentation(lambda **_: Mute(), _splits(), _protocol(), progress=False)

    class Wrong(ClassGaussian):
        method_id = "test-wrong-shape"

        def generate(self, n=None, *, condition=None, seed=None):
            return EEGBatch(features=torch.zeros(n, 5, 4), labels=torch.full((n,), int(condition)))

    with pytest.raises(ShapeError, match="expected"):
        run_augmentation(lambda **_: Wrong(), _splits(), _protocol(), progress=False)
    _, train, test = _splits()[0]
    with pytest.raises(LabelError):
        run_augmentation(Factory(), [(EEGBatch(features=train.features), test)], _protocol(), progress=False)
    with pytest.raises(UnknownMethodError):
        run_augmentation("no-such-generator", _splits(), _protocol(), progress=False)


def test_on_error_record_keeps_the_other_generators() -> None:
    class Picky(ClassGaussian):
        method_id = "test-picky"

        def generate(self, n=None, *, condition=None, seed=None):
            raise NotFittedError("no sample passed the quality selection")

    generators = {"picky": lambda **_: Picky(), "good": Factory()}
    with pytest.raises(NotFittedError):
        run_augmentation(generators, _splits(), _protocol(), progress=False)
    result = run_augmentation(generators, _splits(), _protocol(), progress=False, on_error="record")
    assert result.failures == [{"method": "picky", "fold": "S1", "seed": 0, "error": "NotFittedError",
                                "message": "no sample passed the quality selection"}]  # fmt: skip
    assert {r["method"] for r in result.records} == {"baseline", "good"}
    md = result.to_markdown()
    assert "- picky, fold S1, seed 0: NotFittedError: no sample passed the quality selection" in md
    assert "| real+synthetic | 1 | – | – |" in md.split("### good")[0]
    with pytest.raises(ConfigError, match="on_error"):
        run_augmentation(generators, _splits(), _protocol(), on_error="ignore")
