"""The per-class LSTM GANs learn the toy: generated windows carry their class's frequency and amplitude."""

from __future__ import annotations

import torch
from emozoo_biosignal_gan.toy import TOY_CLASSES, peak_frequency

from emozoo.data.batches import PhysioBatch
from emozoo.evaluation.classifiers import predict_logits


def test_history_logs_every_class_gan(trained):
    _, history = trained
    assert len(history) == 150
    for name in ("discriminator_loss", "generator_loss", "discriminator_loss_0", "generator_loss_1"):
        assert all(torch.isfinite(torch.tensor(history.series(name))))
    assert history[0]["steps"] == 4  # 100 windows per class / batch 32


def test_a_real_data_classifier_labels_generated_windows_as_their_condition(trained, real_classifier):
    model, _ = trained
    out = model.generate(200, seed=3)
    accuracy = (predict_logits(real_classifier, out.features).argmax(1) == out.labels).float().mean().item()
    assert accuracy > 0.9, accuracy  # chance is 0.5


def test_generated_spectra_peak_near_the_class_frequency(trained, toy):
    model, _ = trained
    for k in range(2):
        out = model.generate(100, condition=k, seed=10 + k).features
        want = torch.tensor([TOY_CLASSES[k][0] + 0.5 * j for j in range(2)])
        assert (peak_frequency(out) - want).abs().max() <= 0.5, (k, peak_frequency(out), want)
        real = toy.features[toy.labels == k]
        ratio = (out - out.mean(-1, keepdim=True)).std() / (real - real.mean(-1, keepdim=True)).std()
        assert 0.5 < ratio < 1.6, (k, ratio)  # amplitude (1 vs 2) is class-dependent too (measured 0.59, 1.1)
        assert (out.mean((0, 2)) - real.mean((0, 2))).abs().max() < 0.4  # channel offsets 0 and 1: the input's scale


def test_an_untrained_generator_fails_the_same_check(toy, make_config, real_classifier):
    """Before training (epochs=0) the spectra and the judge's accuracy are off: the checks above can fail."""
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(make_config(epochs=0, classifier_epochs=0, synthetic_ratio=0.0))
    model.fit(toy)
    out = model.generate(200, seed=3)
    accuracy = (predict_logits(real_classifier, out.features).argmax(1) == out.labels).float().mean().item()
    wrong = [(peak_frequency(out.features[out.labels == k]) - TOY_CLASSES[k][0]).abs().max() > 0.5 for k in range(2)]
    assert accuracy < 0.9 or any(wrong)


def test_a_rare_class_trains_its_own_gan(make_config, make_toy, real_classifier):
    """190 windows of class 0, 6 of class 1: class 1's GAN gets as many updates and still learns its sinusoids."""
    from emozoo_biosignal_gan.model import BiosignalGAN

    full = make_toy(400, seed=5)
    keep = torch.cat([(full.labels == 0).nonzero().squeeze(1)[:190], (full.labels == 1).nonzero().squeeze(1)[:6]])
    rare = full.index(keep)
    model = BiosignalGAN(make_config(epochs=120))
    before = [p.clone() for p in model.generators[1].parameters()]
    history = model.fit_generator(rare)
    assert model.fit_report["class_counts"] == [190, 6] and history[0]["steps"] == 6  # ceil(190 / 32) for both GANs
    assert any(not torch.equal(a, b) for a, b in zip(before, model.generators[1].parameters()))
    out = model.generate(100, condition=1, seed=0)
    assert out.labels.tolist() == [1] * 100
    accuracy = (predict_logits(real_classifier, out.features).argmax(1) == 1).float().mean().item()
    assert accuracy > 0.8, accuracy


def test_predict_through_the_downstream_classifier(trained, toy):
    model, _ = trained
    assert model.fit_report["real"] == 200 and model.fit_report["synthetic"] == 200  # synthetic_ratio 1 per class
    pred = model.predict(toy)
    assert pred.labels.shape == (200,) and pred.probabilities.shape == (200, 2)
    assert torch.allclose(pred.probabilities.sum(1), torch.ones(200))
    assert model.evaluate(toy)["ACC"] > 0.95
    assert torch.equal(pred.labels, model.predict(toy.features).labels)
    assert isinstance(model.generate(2, seed=0), PhysioBatch)
