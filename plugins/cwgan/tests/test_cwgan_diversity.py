"""Diversity of cWGAN's samples: the checks that a collapsed generator (every sample its class mean) fails.

The training tests (class means approach the truth, samples land near their class) also pass for a generator that
returns one point per class; these do not: within-class spread against the real spread, and MMD² to held-out real
data against the MMD² a collapsed generator would reach.
"""

from __future__ import annotations

import pytest
import torch

from emozoo.evaluation.distribution import mmd_rbf


def _held_out(means: torch.Tensor, n: int = 300) -> tuple[torch.Tensor, torch.Tensor]:
    """New draws from the toy's distribution (the conftest's means, noise sd 1), never seen in training."""
    g = torch.Generator().manual_seed(123)
    labels = torch.arange(n) % len(means)
    return means[labels] + torch.randn(n, *means.shape[1:], generator=g), labels


def diversity(model, means: torch.Tensor) -> dict[str, float]:
    """Within-class spread ratio (generated / real per-feature std, worst class) and MMD² to held-out real data,
    for the model and for the collapsed generator (class means) on the same held-out set."""
    real, labels = _held_out(means)
    out = model.generate(condition=labels, seed=7, select=False)
    spread = min(float(out.features[out.labels == c].std(0).mean() / real[labels == c].std(0).mean()) for c in range(len(means)))
    collapsed = means[labels]
    mmd = max(float(mmd_rbf(out.features[out.labels == c].flatten(1), real[labels == c].flatten(1))) for c in range(len(means)))
    mmd_collapsed = max(float(mmd_rbf(collapsed[labels == c].flatten(1), real[labels == c].flatten(1))) for c in range(len(means)))
    return {"spread": spread, "mmd2": mmd, "mmd2_collapsed": mmd_collapsed}


def check(report: dict[str, float]) -> None:
    assert report["spread"] >= 0.5, f"within-class spread {report['spread']:.2f} of the real one: the generator collapsed"
    assert report["mmd2"] <= 0.5 * report["mmd2_collapsed"], report


@pytest.fixture(scope="module")
def trained_longer(toy, make_config):
    """300 epochs (about 6 s): the shared 100-epoch fixture learns the class means but only 45 % of the within-class
    spread, which these checks rightly call collapsed; at 300 it keeps 76 % and reaches 15 % of the collapsed MMD²."""
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(make_config(epochs=300))
    model.fit(toy[0])
    return model


def test_trained_generator_keeps_the_within_class_spread(trained_longer, toy):
    report = diversity(trained_longer, toy[1])
    check(report)
    assert report["mmd2"] < 0.25 * report["mmd2_collapsed"]


def test_a_collapsed_generator_fails_the_same_checks(toy, make_config, monkeypatch):
    """Every sample at its class mean: the class-mean tests would pass, these must not."""
    from emozoo_cwgan.model import CWGAN

    batch, means = toy
    collapsed = CWGAN(make_config(epochs=0, judge_epochs=0, classifier_epochs=0, synthetic_ratio=0.0))
    collapsed.fit(batch)

    def class_mean(noise, labels):
        return collapsed._standardize(means[labels.cpu()]).to(noise.device)

    monkeypatch.setattr(collapsed.generator, "forward", class_mean)
    with pytest.raises(AssertionError, match="collapsed|mmd2"):
        check(diversity(collapsed, means))
