"""fit_generator trains what generate() needs and not the downstream classifier; fit = fit_generator + the classifier."""

from __future__ import annotations

import torch


def test_fit_generator_leaves_the_downstream_classifier_at_init(toy, make_config):
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(make_config(select=False))
    init = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    gen_init = {k: v.clone() for k, v in model.generator.state_dict().items()}
    model.fit_generator(toy[0])
    assert all(torch.equal(init[k], v) for k, v in model.classifier.state_dict().items())
    assert any(not torch.equal(gen_init[k], v) for k, v in model.generator.state_dict().items())
    assert model.generate(4, condition=1, seed=0).features.shape == (4, 62, 5)

    full = CWGAN(make_config(select=False))
    full_init = {k: v.clone() for k, v in full.classifier.state_dict().items()}
    full.fit(toy[0])
    assert any(not torch.equal(full_init[k], v) for k, v in full.classifier.state_dict().items())
    # the generator part of fit is fit_generator: the same generator weights and samples
    assert torch.equal(full.generate(4, condition=1, seed=0).features, model.generate(4, condition=1, seed=0).features)
