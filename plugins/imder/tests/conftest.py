"""Shared fixtures of the IMDer tests: tiny configs and learnable synthetic batches (MOSI-like, scaled down)."""

import pytest
from emozoo_imder.toy import make_toy

DIMS = (12, 5, 8)
LENGTH = 8


def _tiny(**overrides):
    base = {
        "feature_dims": DIMS, "width": 8, "num_heads": 2, "fusion_layers": 1, "memory_layers": 1, "score_channels": (8,),
        "time_embed_dim": 8, "score_attn_layers": 1, "refine_blocks": 1, "refine_reduction": 4, "sample_steps": 2,
        "train_sample_steps": 2, "stage1_steps": 3, "stage2_steps": 3, "missing_rate": 0.5, "batch_size": 16,
        "embed_dropout": 0.0, "attn_dropout_audio": 0.0, "lr": 0.003,
    }
    base.update(overrides)
    return base


@pytest.fixture
def tiny_config():
    """A factory of tiny IMDerConfig dicts (2 sampling steps, width 8)."""
    return _tiny


@pytest.fixture(scope="session")
def toy_train():
    return make_toy(48, seed=0, dims=DIMS, length=LENGTH)


@pytest.fixture(scope="session")
def toy_test():
    return make_toy(24, seed=1, dims=DIMS, length=LENGTH)
