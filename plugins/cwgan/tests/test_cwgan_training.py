"""The cWGAN-GP learns the toy: Wasserstein estimate falls, class-conditional means approach the true means, selection."""

from __future__ import annotations

import torch

from emozoo.data.batches import EEGBatch


def test_history_logs_the_wgan_terms(trained):
    _, history = trained
    assert len(history) == 100
    for name in ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein"):
        assert all(torch.isfinite(torch.tensor(history.series(name))))
    assert history[0]["steps"] == 4  # 300 samples / (batch 16 x n_critic 5) -> 4 generator updates per epoch


def test_wasserstein_estimate_improves(trained):
    """The critic's estimate rises while it learns to separate, then falls as the generator closes the gap."""
    w = trained[1].series("wasserstein")
    peak = max(w[:50])
    assert sum(w[-10:]) / 10 < 0.5 * peak


def test_generated_class_means_approach_true_means(trained, toy, make_config):
    from emozoo_cwgan.model import CWGAN

    batch, means = toy
    untrained = CWGAN(make_config(epochs=0, judge_epochs=0, classifier_epochs=0, synthetic_ratio=0.0))
    untrained.fit(batch)  # epochs=0: only the normalisation statistics are fitted

    def mean_error(model):
        out = model.generate(300, seed=3, select=False)
        return torch.stack([(out.features[out.labels == c].mean(0) - means[c]).norm() for c in range(3)])

    before, after = mean_error(untrained), mean_error(trained[0])
    assert bool((after < 0.25 * before).all()), (before, after)


def test_conditional_samples_move_toward_their_class(trained, toy):
    _, means = toy
    for c in range(3):
        out = trained[0].generate(100, condition=c, seed=c, select=False)
        dist = torch.stack([(out.features - means[k]).flatten(1).norm(dim=1) for k in range(3)], 1)
        assert (dist.argmin(1) == c).float().mean() > 0.95


def test_selection_keeps_only_passing_samples_and_reports_counts(trained):
    model = trained[0]
    out = model.generate(60, condition=[0, 1, 2] * 20, seed=5, select=True)
    report = model.last_selection
    assert len(out) == 60 and out.labels.tolist() == [0, 1, 2] * 20
    checks = model._quality_tests(model._standardize(out.features), out.labels)
    assert set(checks) == {"classifier", "distance"} and all(bool(m.all()) for m in checks.values())
    assert report.requested == 60 and report.passed >= 60 and report.candidates >= 120
    assert report.candidates - report.passed <= sum(report.rejected_by.values())
    assert model.fit_report["selection"]["kept"] == model.fit_report["synthetic"] == 150


def test_a_stricter_test_rejects_more(trained):
    """Shrinking each class radius to the median distance of the generator's own samples rejects about half of them."""
    model = trained[0]
    model.generate(90, seed=7, select=True)
    loose = model.last_selection
    plain = model.generate(300, seed=8, select=False)
    z = model._standardize(plain.features)
    dist = (z - model.class_centroids[plain.labels]).norm(dim=1)
    saved = model.class_radii.clone()
    try:
        model.class_radii.copy_(torch.stack([dist[plain.labels == c].median() for c in range(3)]))
        model.generate(90, seed=7, select=True)
        strict = model.last_selection
    finally:
        model.class_radii.copy_(saved)
    assert strict.acceptance_rate < 0.7 < loose.acceptance_rate
    assert strict.rejected_by["distance"] > loose.rejected_by["distance"]
    assert strict.candidates > loose.candidates and strict.passed >= 90


def test_selection_error_when_nothing_passes(trained):
    from emozoo_cwgan.selection import SelectionError

    model = trained[0]
    saved = model.class_radii.clone()
    try:
        model.class_radii.fill_(-1.0)
        try:
            model.generate(5, condition=0, seed=0, select=True)
        except SelectionError as exc:
            assert "only 0 of 5" in str(exc)
        else:
            raise AssertionError("generate(select=True) should raise SelectionError when no candidate can pass")
    finally:
        model.class_radii.copy_(saved)


def test_predict_through_the_downstream_classifier(trained, toy):
    model = trained[0]
    batch, _ = toy
    pred = model.predict(batch)
    assert pred.labels.shape == (300,) and pred.probabilities.shape == (300, 3)
    assert torch.allclose(pred.probabilities.sum(1), torch.ones(300))
    assert model.evaluate(batch)["ACC"] > 0.95
    assert torch.equal(pred.labels, model.predict(batch.features).labels)
    assert isinstance(model.generate(4, label=1, seed=0), EEGBatch)
