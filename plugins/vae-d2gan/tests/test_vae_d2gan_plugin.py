"""The plugin contract: the entry-point module imports no torch, and the registered spec is the one the card states."""

from __future__ import annotations

import subprocess
import sys

import emozoo


def test_entry_point_module_imports_no_torch():
    code = "import sys, emozoo_vae_d2gan.plugin; assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_spec_is_registered_with_paper_and_results():
    spec = emozoo.get_spec("vae-d2gan")
    assert spec.family == "hybrid" and spec.modality == "physiological" and spec.modalities == ("eeg",)
    assert spec.tasks == ("data_augmentation",) and spec.can_generate and spec.can_predict
    assert spec.paper.survey_ref == 265 and spec.paper.year == 2021 and "10.3389/fncom.2021.723843" in spec.paper.url
    assert {(r.dataset, r.metric, r.value) for r in spec.reported} == {("SEED", "ACC", 92.5), ("SEED-IV", "ACC", 82.3)}
    assert spec.plugin == "emozoo-vae-d2gan"
    assert spec.inputs[0].shape == ("N", 62, 5)


def test_load_builds_the_model_with_overrides():
    from emozoo_vae_d2gan.model import VAED2GAN

    model = emozoo.load("vae-d2gan", latent_dim=4, width=4)
    assert isinstance(model, VAED2GAN)
    assert model.config.latent_dim == 4 and model.encoder.head.out_features == 8
