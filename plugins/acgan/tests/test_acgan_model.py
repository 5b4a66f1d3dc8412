"""ACGAN on a learnable toy (class = shape): conditional samples, the auxiliary classifier, bookkeeping, the tail."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from emozoo.data.batches import ImageBatch
from emozoo.evaluation.classifiers import build_classifier, fit_classifier, predict_logits


def _pooled(images: torch.Tensor) -> torch.Tensor:
    """4 x 4 average-pooled pixels: the judge sees shapes, not the generator's high-frequency texture."""
    return F.avg_pool2d(images, 4).flatten(1)


@pytest.fixture(scope="module")
def judge(toy):
    """A softmax regression on pooled pixels, trained on the real toy only (held-out accuracy checked below)."""
    clf = build_classifier("logreg", (64,), 3)
    fit_classifier(clf, _pooled(toy[0].images), toy[0].labels, epochs=1, lr=1.0, batch_size=32)
    return clf


def test_history_bookkeeping(trained):
    model, history = trained
    assert len(history) == model.config.epochs
    keys = {"discriminator_loss", "d_source_loss", "d_class_loss", "generator_loss", "g_source_loss", "g_class_loss",
            "real_class_accuracy", "fake_class_accuracy"}
    assert keys <= set(history[0])
    for record in history:  # the totals are the sums of their parts (means of per-step sums)
        assert record["discriminator_loss"] == pytest.approx(record["d_source_loss"] + record["d_class_loss"], rel=1e-5)
        assert record["generator_loss"] == pytest.approx(record["g_source_loss"] + record["g_class_loss"], rel=1e-5)
        assert record["steps"] == 15  # 240 images / batch 16
    d_class = history.series("d_class_loss")
    assert d_class[-1] < 0.6 * d_class[0]  # D learns the classes: 2 ln 3 = 2.2 at chance
    g_class = history.series("g_class_loss")
    assert g_class[-1] < 0.5 * g_class[0]  # G learns to make its class recognisable
    assert model.fit_report == {"epochs": model.config.epochs, "images": 240}


def test_auxiliary_classifier_beats_chance_on_held_out(trained, toy):
    model, _ = trained
    prediction = model.predict(toy[1])
    assert prediction.probabilities.shape == (90, 3)
    assert torch.allclose(prediction.probabilities.sum(1), torch.ones(90), atol=1e-5)
    accuracy = (prediction.labels == toy[1].labels).float().mean().item()
    assert accuracy > 0.8, accuracy  # chance is 1/3


def test_generated_samples_carry_their_condition(trained, toy, judge):
    model, _ = trained
    real_accuracy = (predict_logits(judge, _pooled(toy[1].images)).argmax(1) == toy[1].labels).float().mean().item()
    assert real_accuracy > 0.9
    samples = model.generate(90, seed=0)
    assert samples.images.shape == (90, 1, 32, 32) and samples.images.dtype == torch.float32
    assert float(samples.images.min()) >= 0 and float(samples.images.max()) <= 1
    assert torch.equal(samples.labels, torch.arange(90) % 3)  # condition None: class-balanced
    accuracy = (predict_logits(judge, _pooled(samples.images)).argmax(1) == samples.labels).float().mean().item()
    assert accuracy > 0.7, accuracy  # chance is 1/3


def test_samples_are_not_collapsed(trained):
    model, _ = trained
    samples = model.generate(90, seed=3)
    for k in range(3):
        per_class = samples.images[samples.labels == k]
        assert per_class.var(0).mean().item() > 5e-4, k  # a collapsed class would give ~0
        assert torch.cdist(per_class.flatten(1), per_class.flatten(1)).mean().item() > 0.5


def test_generate_is_deterministic_and_conditions(trained):
    model, _ = trained
    a, b = model.generate(12, seed=7), model.generate(12, seed=7)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.images, model.generate(12, seed=8).images)
    one = model.generate(5, condition=2, seed=0)
    assert one.labels.tolist() == [2] * 5 and len(one) == 5
    assert model.generate(condition=[0, 2, 1], seed=0).labels.tolist() == [0, 2, 1]
    # each sample depends on its own z and c only (eval-mode batch norm): a prefix of a larger request is the same images
    longer, shorter = model.generate(condition=[0, 1, 2, 0], seed=1).images[:3], model.generate(condition=[0, 1, 2], seed=1).images
    assert torch.allclose(longer, shorter, atol=1e-5)


def test_training_is_reproducible(make_config, toy):
    from emozoo_acgan.model import ACGAN

    small = ImageBatch(images=toy[0].images[:48], labels=toy[0].labels[:48])
    a, b = ACGAN(make_config(epochs=1)), ACGAN(make_config(epochs=1))
    ha, hb = a.fit_generator(small), b.fit_generator(small)
    assert ha.series("discriminator_loss") == hb.series("discriminator_loss")
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name


def test_save_load_round_trip_generates_the_same(trained, tmp_path):
    from emozoo_acgan.model import ACGAN

    model, _ = trained
    model.save_pretrained(tmp_path / "m")
    loaded = ACGAN.from_pretrained(tmp_path / "m")
    assert torch.equal(loaded.generate(9, seed=4).images, model.generate(9, seed=4).images)
    assert torch.equal(loaded.class_counts, torch.tensor([80, 80, 80]))
    x = model.generate(6, seed=0).images
    assert torch.equal(loaded.predict(x).probabilities, model.predict(x).probabilities)


def test_a_class_with_three_images_still_generates(make_config, toy):
    from emozoo_acgan.model import ACGAN

    x, y = toy[0].images, toy[0].labels
    keep = torch.cat([torch.nonzero(y != 2).flatten()[:60], torch.nonzero(y == 2).flatten()[:3]])
    model = ACGAN(make_config(epochs=1, fake_class_prior="empirical"))
    model.fit_generator(ImageBatch(images=x[keep], labels=y[keep]))
    assert model.class_counts.tolist() == [30, 30, 3]
    tail = model.generate(4, condition=2, seed=0)
    assert tail.images.shape == (4, 1, 32, 32) and tail.labels.tolist() == [2, 2, 2, 2]
    assert torch.isfinite(tail.images).all()


def test_downstream_predictor_trains_on_real_plus_synthetic(make_config, toy):
    from emozoo_acgan.model import ACGAN

    x, y = toy[0].images[:40], toy[0].labels[:40].clone()
    y[:10] = 0  # counts 20, 10, 10 -> the top-up adds 0, 10, 10
    model = ACGAN(make_config(epochs=1, predictor="downstream", classifier_epochs=1))
    assert torch.bincount(y).tolist() == [20, 10, 10]
    assert model.downstream_conditions(y).tolist() == [1] * 10 + [2] * 10
    model.fit(ImageBatch(images=x, labels=y))
    assert model.fit_report["synthetic"] == 20 and model.fit_report["real"] == 40
    assert model.predict(toy[1]).probabilities.shape == (90, 3)


def test_minimax_objective_trains(make_config, toy):
    from emozoo_acgan.model import ACGAN

    small = ImageBatch(images=toy[0].images[:48], labels=toy[0].labels[:48])
    ns = ACGAN(make_config(epochs=1)).fit_generator(small)
    mm = ACGAN(make_config(epochs=1, generator_objective="minimax")).fit_generator(small)
    assert mm.last["g_source_loss"] < 0 < ns.last["g_source_loss"]  # mean log(1 - D) vs -mean log D


def test_real_face_slice_fits_at_48(make_config):
    """A small slice of the real muxspace set at run time (skipped where absent); nothing is written to disk."""
    from pathlib import Path

    import numpy as np

    from emozoo_acgan.model import ACGAN

    here = Path(__file__).resolve()
    candidates = [p / "shared" / "data" / "facial-expressions-muxspace" / "faces_48x48.npz" for p in here.parents]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        pytest.skip("the muxspace face set is not available")
    with np.load(path) as data:
        images, labels = data["images"][:64], data["labels"][:64]
    labels = torch.as_tensor(labels)
    present = torch.unique(labels)
    remap = torch.full((8,), -1, dtype=torch.long)
    remap[present] = torch.arange(len(present))
    names = tuple(f"c{k}" for k in range(len(present)))
    model = ACGAN(make_config(image_size=48, num_classes=len(present), label_names=names, epochs=1))
    batch = ImageBatch(images=torch.as_tensor(images).float().div(255).unsqueeze(1), labels=remap[labels])
    model.fit_generator(batch)
    out = model.generate(len(present) * 2, seed=0)
    assert out.images.shape == (len(present) * 2, 1, 48, 48)
