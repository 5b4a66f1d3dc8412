"""Per-sample missing-modality masks: exact rates, reproducible, never a sample with nothing left."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emozoo.data.batches import MultimodalBatch
from emozoo.errors import InputError
from emozoo.evaluation.missing import apply_masks, missing_rate, per_sample_masks

MODS = ["audio", "text", "vision"]


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.3, 0.5, 2 / 3])
def test_exact_rate_and_one_modality_kept(rate):
    masks = per_sample_masks(100, MODS, rate, seed=1)
    stacked = np.stack([masks[m] for m in MODS], axis=1)
    assert stacked.sum(axis=1).min() >= 1
    assert (~stacked).sum() == round(rate * 300)
    # MR = (2 p2 + p1) / 3 with p_k the share of samples missing k modalities
    missing_per_sample = 3 - stacked.sum(axis=1)
    p1, p2 = (missing_per_sample == 1).mean(), (missing_per_sample == 2).mean()
    assert missing_rate(masks) == pytest.approx((2 * p2 + p1) / 3)


def test_seeded_and_validated():
    a, b, c = (per_sample_masks(50, MODS, 0.4, seed=s) for s in (7, 7, 8))
    assert all(np.array_equal(a[m], b[m]) for m in MODS)
    assert any(not np.array_equal(a[m], c[m]) for m in MODS)
    with pytest.raises(InputError, match="outside"):
        per_sample_masks(10, MODS, 0.7, seed=0)
    with pytest.raises(InputError, match="two modalities"):
        per_sample_masks(10, ["text"], 0.1, seed=0)


def test_apply_masks_combines_with_batch_availability():
    feats = {m: torch.randn(4, 5, 3) for m in MODS}
    batch = MultimodalBatch(feats, available={"audio": torch.tensor([True, False, True, True]),
                                              "text": torch.ones(4, dtype=torch.bool), "vision": torch.ones(4, dtype=torch.bool)})
    masked = apply_masks(batch, {"text": np.array([False, True, True, True])})
    assert masked.available["text"].tolist() == [False, True, True, True]
    assert masked.available["audio"].tolist() == [True, False, True, True]
    with pytest.raises(InputError, match="eeg"):
        apply_masks(batch, {"eeg": np.ones(4, dtype=bool)})


def test_completion_protocol_scores_each_missing_rate(monkeypatch):
    """The completion cell masks the test split per rate (seeded, per sample) and scores the predictions."""
    from emozoo.bench.protocols import completion
    from emozoo.data.folds import Fold
    from emozoo.data.manifest import SplitManifest
    from emozoo.model import Prediction

    n = 60
    labels = torch.linspace(-3, 3, n)
    feats = {m: labels.view(n, 1, 1).expand(n, 2, 3).clone() for m in MODS}
    test = MultimodalBatch(feats, labels=labels)

    class TextOnly:
        """Predicts the label when text is available, 0 otherwise: quality falls as text goes missing."""

        def fit(self, train, val=None, *, runtime=None):
            self.fitted = True

        def predict(self, batch):
            values = torch.where(batch.available["text"], batch.features["text"][:, 0, 0], torch.zeros(len(batch)))
            return Prediction(values=values)

    monkeypatch.setattr(completion, "build_model", lambda method, seed, overrides: TextOnly())
    manifest = SplitManifest(dataset="toy-mm", protocol="completion", splits={"train": ("a",), "test": ("b",)}, data_sha256="0" * 64)
    records = completion.run_cell("m", Fold("f", test, test, manifest), 0, {}, {"missing_rates": (0.0, 0.5)}, None)
    assert [r["ratio"] for r in records] == [0.0, 0.5]
    full, half = (r["metrics"] for r in records)
    assert full["MAE"] == 0.0 and full["Corr"] == pytest.approx(1.0)
    masks = per_sample_masks(n, MODS, 0.5, seed=0)
    expected_mae = float(np.abs(labels.numpy() * ~masks["text"]).mean())
    assert half["MAE"] == pytest.approx(expected_mae)


def test_completion_with_audio_and_vision_classes(registry, tmp_path):
    """An audio+vision MultimodalBatch goes through the completion protocol; a class-predicting method gets the class report."""
    import emozoo
    from emozoo_toy import generators

    registry.register_plugin(generators.ProtocolPlugin(), name="protocol-fixtures", distribution="emozoo-toy", version="0.3.1")
    config = {"protocol": {"missing_rates": [0.0, 0.25, 0.5]}}
    result = emozoo.benchmark(["centroid-av"], "test-av", protocol="completion", seeds=1, config=config, out=tmp_path)
    assert not result.failed
    rows = {r["ratio"]: r for r in result.rows}
    assert sorted(rows) == [0.0, 0.25, 0.5] and all(r["condition"] == "missing_rate" for r in rows.values())
    assert set(rows[0.0]["metrics"]) == {"ACC", "UAR", "WF1", "MF1"}
    assert rows[0.0]["metrics"]["ACC"]["mean"] >= rows[0.5]["metrics"]["ACC"]["mean"]  # less information, no better
    # the masks really differ per rate: at rate 0 the prediction is the plain nearest-centroid one
    fold = generators.make_fold("av", 0)
    model = generators.AVCentroid()
    model.fit(fold.train)
    direct = float((model.predict(fold.test).labels == fold.test.labels).float().mean())
    cell = next(c for c in result.cells if c["fold"] == "S1")
    assert cell["records"][0]["metrics"]["ACC"] == pytest.approx(direct)


def test_completion_refuses_single_modality_data(registry, tmp_path):
    import emozoo
    from emozoo_toy import generators

    registry.register_plugin(generators.ProtocolPlugin(), name="protocol-fixtures", distribution="emozoo-toy", version="0.3.1")
    result = emozoo.benchmark(["centroid-speech"], "test-speech", protocol="completion", seeds=1, out=tmp_path)
    assert len(result.failed) == 2 and "per-modality test data" in result.failed[0]["error"]["message"]
