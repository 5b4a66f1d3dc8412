"""Shared fixtures: one supervised and one semi-supervised AAE fitted on the learnable toy (once per session)."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)

SMALL = {"input_dim": 12, "num_classes": 3, "label_names": ("neg", "neu", "pos"), "code_dim": 4,
         "encoder_hidden": (64, 64), "decoder_hidden": (64, 64), "discriminator_hidden": (64, 64),
         "epochs": 60, "batch_size": 32}


@pytest.fixture(scope="session")
def toy():
    """(train, test) AudioBatches of three separable classes (shift 3 on two features each), offset and scaled."""
    from emozoo_aae.example import toy_functionals

    return toy_functionals(300, seed=0), toy_functionals(150, seed=1)


@pytest.fixture(scope="session")
def supervised(toy):
    """(model, history) of aae-ser fitted 60 epochs on the toy."""
    import emozoo

    model = emozoo.load("aae-ser", **SMALL)
    history = model.fit(toy[0])
    return model, history


@pytest.fixture(scope="session")
def semi(toy):
    """(model, history) of aae-ser-semisupervised fitted on the toy with a learnable gender task."""
    import emozoo

    model = emozoo.load("aae-ser-semisupervised", **SMALL)
    history = model.fit(toy[0], auxiliary={"gender": gender_of(toy[0].features)})
    return model, history


@pytest.fixture(scope="session")
def small() -> dict:
    """The small config every test builds from (overrides on top)."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def gender():
    """The toy gender function."""
    return gender_of


def gender_of(x: torch.Tensor) -> torch.Tensor:
    """A toy 'gender' the features determine: feature 11 above its median."""
    return (x[:, 11] > x[:, 11].median()).long()
