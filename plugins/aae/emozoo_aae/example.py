"""The conformance kit's examples: three separable classes of 12-d "functionals", a tiny AAE (a few seconds on CPU)."""

from __future__ import annotations

import torch

from emozoo.data.batches import AudioBatch
from emozoo.testing import Example

TINY = {"input_dim": 12, "num_classes": 3, "label_names": ("neg", "neu", "pos"), "code_dim": 4,
        "encoder_hidden": (32,), "decoder_hidden": (32,), "discriminator_hidden": (32,), "epochs": 4, "batch_size": 16}


def toy_functionals(n: int = 60, dim: int = 12, seed: int = 0, shift: float = 3.0) -> AudioBatch:
    """``n`` rows of three Gaussian classes in ``dim`` features, class k shifted by ``shift`` along features 2k, 2k+1."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    x = torch.randn(n, dim, generator=g) + 5.0  # an offset and a scale, so standardisation matters
    x[torch.arange(n), 2 * labels] += shift
    x[torch.arange(n), 2 * labels + 1] += shift
    return AudioBatch(inputs=x * 2.0, labels=labels, kind="functionals")


def example() -> Example:
    """Tiny supervised AAE (``aae-ser``) on toy functionals."""
    train = toy_functionals(60)
    return Example(config=dict(TINY), train=train, test=toy_functionals(12, seed=1).features, generate={"n": 6, "seed": 0})


def semi_supervised_example() -> Example:
    """Tiny semi-supervised AAE (``aae-ser-semisupervised``), with a gender auxiliary task."""
    train = toy_functionals(60)
    gender = torch.arange(60) // 2 % 2
    return Example(config=dict(TINY), train=train, test=toy_functionals(12, seed=1).features,
                   generate={"n": 6, "seed": 0}, fit={"auxiliary": {"gender": gender}})
