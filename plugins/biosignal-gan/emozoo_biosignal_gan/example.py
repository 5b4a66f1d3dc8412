"""The conformance kit's example: class-dependent sinusoids in a small [N, 2, 64] channels_time layout."""

from __future__ import annotations

from emozoo.data.batches import PhysioBatch
from emozoo.testing import Example
from emozoo_biosignal_gan.toy import sinusoid_windows


def example() -> Example:
    """A tiny model (2 epochs, hidden 8) on 36 toy windows; 6 held out for predict."""
    x, y = sinusoid_windows(36, window=64, seed=0)
    config = {
        "channels": ("bvp", "eda"), "window": 64, "patch": 8, "noise_dim": 4, "sequence_noise": 2, "generator_hidden": 8, "generator_layers": 1,
        "discriminator_hidden": 8, "batch_size": 8, "epochs": 2, "classifier_options": {"channels": (4, 8)}, "classifier_epochs": 2,
    }
    return Example(
        config=config,
        train=PhysioBatch(features=x[:30], labels=y[:30], layout="channels_time", modality="wrist", band_names=("bvp", "eda")),
        test=PhysioBatch(features=x[30:], layout="channels_time", modality="wrist", band_names=("bvp", "eda")),
        generate={"n": 6, "seed": 0},
    )
