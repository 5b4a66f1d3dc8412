"""Scores per test subject: ``metrics.per_unit_report``, the protocols' ``per_unit`` option and the report's intervals
over subjects (a subject-grouped k-fold still reports intervals over its people, not over its five folds)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from emozoo import metrics
from emozoo.bench import report
from emozoo.bench.protocols import augmentation, recognition
from emozoo.bench.protocols.augmentation import AugmentationOptions, run_cell
from emozoo.data.batches import EEGBatch
from emozoo.errors import ConfigError, ShapeError

FAST = {"mlp": {"epochs": 3, "lr": 1e-2, "batch_size": 8}}


@pytest.fixture
def gen(registry):
    from emozoo_toy import generators

    registry.register_plugin(generators.ProtocolPlugin(), name="protocol-fixtures", distribution="emozoo-toy", version="0.3.1")
    augmentation._BASELINES.clear()
    yield generators
    augmentation._BASELINES.clear()


def test_per_unit_report_against_hand_counts() -> None:
    t = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    p = np.array([1, 0, 0, 1, 1, 0, 0, 0])
    s = np.array([0.9, 0.3, 0.2, 0.6, 0.8, 0.1, 0.4, 0.2])
    units = np.array([7, 7, 7, 7, 3, 3, 12, 12])
    out = metrics.per_unit_report(t, p, units, s, positive=1)
    assert list(out) == ["3", "7", "12"]  # sorted as numbers, keyed as strings
    seven = out["7"]
    assert seven["n"] == 4
    assert seven["ACC"] == pytest.approx(0.5)
    assert seven["UAR"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert seven["F1_pos"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))
    assert seven["AUROC"] == pytest.approx(3 / 4)  # 0.9 beats 0.2, 0.6; 0.3 beats 0.2 only
    assert out["3"]["AUROC"] == 1.0 and out["3"]["UAR"] == 1.0
    # subject 12 holds one class: UAR over that class, AUROC undefined and left out rather than reported as NaN
    assert out["12"]["UAR"] == 1.0 and "AUROC" not in out["12"]
    assert "AUROC" not in metrics.per_unit_report(t, p, units)["7"] and "F1_pos" not in metrics.per_unit_report(t, p, units)["7"]
    with pytest.raises(ShapeError, match="one unit id per sample"):
        metrics.per_unit_report(t, p, units[:-1])
    with pytest.raises(ShapeError, match="one score per sample"):
        metrics.per_unit_report(t, p, units, s[:3], positive=1)


def _with_subjects(fold, subjects):
    test = EEGBatch(features=fold.test.features, labels=fold.test.labels, band_names=fold.test.band_names,
                    subjects=torch.tensor(subjects))  # fmt: skip
    return dataclasses.replace(fold, test=test)


def test_both_protocols_score_each_test_subject(gen) -> None:
    fold = _with_subjects(gen.make_fold("eeg", train_counts=(12, 12), test_counts=(6, 6)), [1, 2, 3] * 4)
    records = run_cell("gauss-eeg", fold, 0, {}, {"ratios": (1.0,), "classifiers": ("mlp",), "classifier_settings": FAST,
                                                 "positive_class": 1, "per_unit": True}, None)  # fmt: skip
    scored = [r for r in records if r["classifier"]]
    assert scored and all(set(r["per_unit"]) == {"1", "2", "3"} for r in scored)
    assert all(sum(u["n"] for u in r["per_unit"].values()) == r["n_test"] for r in scored)
    # the pooled ACC is the n-weighted mean of the subjects' ACC
    for r in scored:
        pooled = sum(u["ACC"] * u["n"] for u in r["per_unit"].values()) / r["n_test"]
        assert pooled == pytest.approx(r["metrics"]["ACC"])
    rec = recognition.run_cell("gauss-mute", fold, 0, {}, {"per_unit": True, "positive_class": 1}, None)[0]
    assert set(rec["per_unit"]) == {"1", "2", "3"}
    assert "per_unit" not in recognition.run_cell("gauss-mute", fold, 0, {}, {}, None)[0]


def test_per_unit_needs_subjects_and_a_boolean(gen) -> None:
    fold = gen.make_fold("eeg", train_counts=(8, 8), test_counts=(4, 4))
    with pytest.raises(ConfigError, match="names each sample's subject"):
        recognition.run_cell("gauss-mute", fold, 0, {}, {"per_unit": True}, None)
    with pytest.raises(ConfigError, match="names each sample's subject"):
        run_cell("gauss-eeg", fold, 0, {}, {"ratios": (1.0,), "classifiers": ("mlp",), "per_unit": True}, None)
    with pytest.raises(ConfigError, match="per_unit must be true or false"):
        recognition.check_options({"per_unit": "yes"})
    with pytest.raises(ConfigError, match="per_unit must be true or false"):
        AugmentationOptions(per_unit=1)


def _cell(fold: str, seed: int, real: dict[str, float], synth: dict[str, float]) -> dict:
    rec = lambda cond, per: {"condition": cond, "ratio": None if cond == "real" else 1.0, "classifier": "mlp",
                             "metrics": {"UAR": float(np.mean(list(per.values())))},
                             "per_unit": {s: {"n": 10, "UAR": v} for s, v in per.items()}}
    return {"status": "ok", "method": "m", "fold": fold, "seed": seed, "unit": fold,
            "records": [rec("real", real), rec("real+synthetic", synth)]}


def test_aggregate_takes_intervals_over_subjects_not_folds() -> None:
    cells = [_cell("fold1", 0, {"1": 0.5, "2": 0.7}, {"1": 0.6, "2": 0.7}),
             _cell("fold2", 0, {"3": 0.4, "4": 0.8}, {"3": 0.4, "4": 1.0}),
             _cell("fold1", 1, {"1": 0.7, "2": 0.7}, {"1": 0.8, "2": 0.9})]  # fmt: skip
    rows = {r["condition"]: r for r in report.aggregate(cells)}
    real = rows["real"]
    assert real["n_subjects"] == 4
    # subject means: 1 -> 0.6, 2 -> 0.7, 3 -> 0.4, 4 -> 0.8; mean over all 6 (subject, seed) scores
    assert real["per_unit"]["UAR"]["mean"] == pytest.approx(np.mean([0.5, 0.7, 0.4, 0.8, 0.7, 0.7]))
    means = [0.6, 0.7, 0.4, 0.8]
    assert real["per_unit"]["UAR"]["ci95"] == pytest.approx(3.1824 * np.std(means, ddof=1) / 2)
    # paired per-subject gain: 1 -> (0.1 + 0.1) / 2, 2 -> (0 + 0.2) / 2, 3 -> 0, 4 -> 0.2
    gain = rows["real+synthetic"]["per_unit_gain"]["UAR"]
    assert gain["mean"] == pytest.approx(np.mean([0.1, 0.0, 0.0, 0.2, 0.1, 0.2]))
    assert gain["ci95"] == pytest.approx(3.1824 * np.std([0.1, 0.1, 0.0, 0.2], ddof=1) / 2)
    table = report.per_unit_table(report.aggregate(cells), "UAR")
    assert "| m | real+synthetic | 1 | mlp | 4 |" in table
    assert report.per_unit_table([{k: v for k, v in r.items() if k != "per_unit"} for r in report.aggregate(cells)]) == ""
