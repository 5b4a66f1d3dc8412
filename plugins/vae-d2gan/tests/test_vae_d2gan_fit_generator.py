"""fit_generator trains what generate() needs and not the downstream classifier; fit = fit_generator + the classifier."""

from __future__ import annotations

import dataclasses

import torch


def test_fit_generator_leaves_the_downstream_classifier_at_init(tiny_config, toy_batch, make_runtime):
    from emozoo_vae_d2gan.model import VAED2GAN

    config = dataclasses.replace(tiny_config, epochs=2)
    model = VAED2GAN(config)
    init = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    model.fit_generator(toy_batch, runtime=make_runtime())
    assert all(torch.equal(init[k], v) for k, v in model.classifier.state_dict().items())
    assert model.generate(4, condition=1, seed=0).features.shape == (4, 62, 5)

    full = VAED2GAN(config)
    full_init = {k: v.clone() for k, v in full.classifier.state_dict().items()}
    full.fit(toy_batch, runtime=make_runtime())
    assert any(not torch.equal(full_init[k], v) for k, v in full.classifier.state_dict().items())
    assert torch.equal(full.generate(4, condition=1, seed=0).features, model.generate(4, condition=1, seed=0).features)
