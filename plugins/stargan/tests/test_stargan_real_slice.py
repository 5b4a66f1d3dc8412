"""A small slice of the real muxspace faces, read at run time (never copied into the repository; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from emozoo_stargan.model import LAUNStarGAN, LAUNStarGANConfig

from emozoo.data.batches import ImageBatch


def _npz() -> Path:
    here = Path(__file__).resolve()
    for root in (here.parents[4], here.parents[3]):  # ../shared beside the checkout
        path = root / "shared" / "data" / "facial-expressions-muxspace" / "faces_48x48.npz"
        if path.is_file():
            return path
    pytest.skip("shared/data/facial-expressions-muxspace/faces_48x48.npz not found beside the checkout")


def test_real_48px_faces_train_translate_and_are_not_saved(tmp_path):
    from safetensors.torch import load_file

    data = np.load(_npz())
    labels = torch.from_numpy(data["labels"]).long()
    rows = torch.cat([torch.nonzero(labels == k).flatten()[:8] for k in range(8)])  # every class, contempt's 9 included
    x = torch.from_numpy(data["images"][rows.numpy()]).float().div(255).unsqueeze(1)
    model = LAUNStarGAN(LAUNStarGANConfig(g_conv_dim=4, g_res_blocks=1, d_conv_dim=4, iterations=3, classifier_epochs=0))
    model.fit_generator(ImageBatch(images=x, labels=labels[rows]))
    assert model.source_classes == (0, 1)  # 8 faces each: ties go to the lowest ids
    out = model.generate(16, seed=0)
    assert out.images.shape == (16, 1, 48, 48) and out.labels.tolist() == list(range(8)) * 2
    assert 0 <= float(out.images.min()) and float(out.images.max()) <= 1
    model.save_pretrained(tmp_path / "m")
    saved = load_file(str(tmp_path / "m" / "model.safetensors"))
    flat = x.flatten(1)
    assert not any(t.numel() >= flat.shape[1] and t.dtype == torch.float32 and t.flatten()[: flat.shape[1]].equal(flat[0]) for t in saved.values())
    # image-shaped tensors: only the downstream CNN's per-pixel standardisation (a mean / sd over the whole training set)
    assert {k for k, t in saved.items() if t.shape[-2:] == (48, 48)} == {"classifier.norm.mean", "classifier.norm.std"}
