"""Shared fixtures of the semantic-aug tests: one CPU thread, generated long-tailed toy faces, tiny configs."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)

#: Head classes of 60 images each and a tail class of 3 (the muxspace set's contempt has 9 in all, 3-5 per fold).
COUNTS = (60, 60, 60, 3)

#: A small VAE-GAN that learns the 16 x 16 toy in about 10 s on one core.
SMALL = {
    "image_size": 16, "channels": 1, "num_classes": 4, "label_names": ("hbar", "vbar", "square", "diagonal"),
    "latent_dim": 16, "encoder_channels": (16, 32, 32), "encoder_hidden": 64, "generator_channels": (32, 32, 16),
    "discriminator_channels": (8, 16, 32, 32), "discriminator_hidden": 32, "batch_size": 16, "epochs": 40, "lr": 1e-3,
    "head_min_count": 20, "bank_size": 64, "classifier_options": {"channels": (8, 8)}, "classifier_epochs": 0,
}


def small_config(**overrides):
    """The small config with ``overrides``."""
    from emozoo_semantic_aug.model import SemanticAugFERConfig

    return SemanticAugFERConfig(**{**SMALL, **overrides})


@pytest.fixture(scope="session")
def make_config():
    """Factory for small configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return small_config


@pytest.fixture(scope="session")
def toy():
    """(long-tailed ImageBatch: 60/60/60/3 toy images of 4 classes, a balanced held-out (images, labels) of 400)."""
    from emozoo_semantic_aug.example import toy_faces

    from emozoo.data.batches import ImageBatch

    labels = torch.cat([torch.full((n,), k) for k, n in enumerate(COUNTS)])
    held = torch.arange(400) % 4
    return ImageBatch(images=toy_faces(labels, 16, seed=1), labels=labels), (toy_faces(held, 16, seed=5), held)


@pytest.fixture(scope="session")
def trained(toy):
    """The small VAE-GAN fitted on the long-tailed toy (about 10 s on one core), with its History."""
    from emozoo_semantic_aug.model import SemanticAugFER

    model = SemanticAugFER(small_config())
    history = model.fit_generator(toy[0])
    return model, history


@pytest.fixture(scope="session")
def real_classifier(toy):
    """Multinomial logistic regression trained on real balanced toy images: the judge of generated samples."""
    from emozoo.evaluation.classifiers import build_classifier, fit_classifier

    x, y = toy[1]
    clf = build_classifier("logreg", (1, 16, 16), 4)
    fit_classifier(clf, x, y, epochs=1, lr=1.0, batch_size=64)
    return clf
