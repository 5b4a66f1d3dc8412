"""The completion protocol records recovered-feature MSE beside zero- and mean-fill's, and flags worse-than-zero runs."""

import numpy as np
import pytest
import torch

from emozoo.bench.protocols import completion
from emozoo.data.batches import MultimodalBatch
from emozoo.data.folds import Fold
from emozoo.data.manifest import SplitManifest
from emozoo.evaluation.missing import per_sample_masks
from emozoo.model import Prediction

MODS = ("audio", "text", "vision")
FIELDS = {"recovered_mse", "zero_fill_mse", "mean_fill_mse", "recovered_minus_zero_fill_mse", "recovery_worse_than_zero_fill"}


def _fold(n=40):
    gen = torch.Generator().manual_seed(0)
    feats = {m: 1.0 + torch.randn(n, 2, 3, generator=gen) for m in MODS}  # mean 1: zero- and mean-fill differ
    data = MultimodalBatch(feats, labels=torch.linspace(-3, 3, n))
    manifest = SplitManifest(dataset="toy-mm", protocol="completion", splits={"train": ("a",), "test": ("b",)}, data_sha256="0" * 64)
    return Fold("f", data, data, manifest), data


class _Copier:
    """Recovers a hidden modality as ``scale`` x its true value (it peeks at the complete data: a test double)."""

    def __init__(self, complete, scale):
        self.complete, self.scale = complete, scale

    def fit(self, train, val=None, *, runtime=None):
        pass

    def predict(self, batch):
        return Prediction(values=torch.linspace(-1, 1, len(batch)))

    def recover(self, batch):
        return {m: torch.where(batch.available[m].view(-1, 1, 1), batch.features[m], self.scale * self.complete.features[m]) for m in MODS}


def _run(monkeypatch, model, rates=(0.0, 0.5)):
    fold, _ = _fold()
    monkeypatch.setattr(completion, "build_model", lambda method, seed, overrides: model)
    return completion.run_cell("m", fold, 0, {}, {"missing_rates": rates}, None)


def test_recovery_mse_beside_zero_and_mean_fill_hand_computed(monkeypatch):
    _, data = _fold()
    records = _run(monkeypatch, _Copier(data, 0.5))
    none, half = (r["metrics"] for r in records)
    assert FIELDS <= set(half) and {"MAE", "Acc-2"} <= set(half)  # the sentiment report stays
    assert np.isnan(none["recovered_mse"]) and none["recovery_worse_than_zero_fill"] == 0.0  # nothing hidden at MR 0
    masks = per_sample_masks(len(data), sorted(MODS), 0.5, seed=0)
    hidden = torch.cat([data.features[m][torch.as_tensor(~masks[m])].flatten() for m in MODS])
    mean = {m: data.features[m].reshape(-1, 3).mean(0) for m in MODS}
    mean_err = torch.cat([(data.features[m][torch.as_tensor(~masks[m])] - mean[m]).flatten() for m in MODS])
    assert half["recovered_mse"] == pytest.approx(float(((0.5 * hidden) ** 2).mean()), rel=1e-5)
    assert half["zero_fill_mse"] == pytest.approx(float((hidden**2).mean()), rel=1e-5)
    assert half["mean_fill_mse"] == pytest.approx(float((mean_err**2).mean()), rel=1e-5)
    assert half["recovery_worse_than_zero_fill"] == 0.0
    assert half["recovered_minus_zero_fill_mse"] == pytest.approx(float(((0.5 * hidden) ** 2).mean() - (hidden**2).mean()), rel=1e-5)
    assert np.isnan(none["recovered_minus_zero_fill_mse"])


def test_recovery_worse_than_zero_fill_is_flagged(monkeypatch):
    _, data = _fold()
    half = _run(monkeypatch, _Copier(data, 2.5))[1]["metrics"]  # error 1.5 x |x| > |x|: worse than zeros
    assert half["recovered_mse"] > half["zero_fill_mse"]
    assert half["recovery_worse_than_zero_fill"] == 1.0 and half["recovered_minus_zero_fill_mse"] > 0


def test_methods_without_recover_keep_the_plain_report(monkeypatch):
    _, data = _fold()

    class NoRecover(_Copier):
        recover = None

    assert not FIELDS & set(_run(monkeypatch, NoRecover(data, 1.0))[1]["metrics"])


def test_imder_meets_the_contract(monkeypatch, tiny_config, toy_train, toy_test):
    from emozoo_imder.model import IMDer, IMDerConfig

    torch.manual_seed(0)
    model = IMDer(IMDerConfig(**tiny_config()))
    manifest = SplitManifest(dataset="toy", protocol="completion", splits={"train": ("a",), "test": ("b",)}, data_sha256="0" * 64)
    monkeypatch.setattr(completion, "build_model", lambda method, seed, overrides: model)
    records = completion.run_cell("imder", Fold("f", toy_train, toy_test, manifest), 0, {}, {"missing_rates": (0.5,)}, None)
    metrics = records[0]["metrics"]
    assert FIELDS <= set(metrics) and metrics["zero_fill_mse"] > 0
    assert metrics["recovery_worse_than_zero_fill"] == float(metrics["recovered_mse"] >= metrics["zero_fill_mse"])
