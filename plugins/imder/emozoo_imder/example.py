"""The conformance kit's example: the synthetic MOSI-like toy (emozoo_imder.toy), scaled down to seconds on CPU."""

from __future__ import annotations

from typing import Any

import torch

from emozoo.data.batches import MultimodalBatch
from emozoo.testing import Example
from emozoo_imder.toy import make_toy

DIMS = (12, 5, 8)


def example() -> Example:
    config = {
        "feature_dims": DIMS, "width": 8, "num_heads": 2, "fusion_layers": 1, "memory_layers": 1, "score_channels": (8,),
        "time_embed_dim": 8, "score_attn_layers": 1, "refine_blocks": 1, "refine_reduction": 4, "sample_steps": 2,
        "train_sample_steps": 2, "stage1_steps": 2, "stage2_steps": 2, "missing_rate": 0.5, "batch_size": 16,
        "embed_dropout": 0.0, "attn_dropout_audio": 0.0, "lr": 0.003,
    }
    test = make_toy(8, seed=1, dims=DIMS, length=8)
    return Example(
        config=config, train=make_toy(32, seed=0, dims=DIMS, length=8), test=test,
        generate={"batch": test, "missing": "audio", "seed": 0}, invalid=_invalid(test),
    )


def _invalid(test: MultimodalBatch) -> dict[str, Any]:
    """Bad batches, built when the kit calls them (a MultimodalBatch checks some of this itself)."""
    f = test.features
    nan = f["text"].clone()
    nan[0, 0, 0] = float("nan")
    return {
        "nan": lambda: MultimodalBatch(features={**f, "text": nan}),
        "shape": lambda: MultimodalBatch(features={**f, "audio": torch.zeros(len(test), 8, DIMS[1] + 2)}),
        "dtype": lambda: MultimodalBatch(features={**f, "vision": f["vision"].to(torch.complex64)}),
        "modality": lambda: MultimodalBatch(features={"text": f["text"], "audio": f["audio"]}),
    }
