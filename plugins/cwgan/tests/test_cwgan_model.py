"""The cwgan model beyond the conformance kit: generation shapes and scale, determinism with val, typed errors."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.data.batches import EEGBatch, PhysioBatch
from emozoo.errors import ConfigError, DTypeError, LabelError, ModalityError, NonFiniteError, NotFittedError, ShapeError


@pytest.fixture(scope="module")
def small(toy, make_config):
    """A model fitted for 2 epochs (enough for shapes, determinism and save/load)."""
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(make_config(select=False))
    model.fit(toy[0])
    return model


def test_generate_shapes_and_scale(small, toy):
    out = small.generate(10, condition=2, seed=0)
    assert isinstance(out, EEGBatch) and out.features.shape == (10, 62, 5) and out.layout == "channels_bands"
    assert out.labels.dtype == torch.int64 and out.labels.tolist() == [2] * 10
    assert abs(out.features.mean().item() - toy[0].features.mean().item()) < 2.0  # original scale, not z-scores
    assert small.generate(6, seed=0).labels.tolist() == [0, 1, 2, 0, 1, 2]


def test_determinism_under_seed(toy, make_config, small):
    from emozoo_cwgan.model import CWGAN

    again = CWGAN(make_config(select=False))
    again.fit(toy[0], val=(toy[0].features[:30], toy[0].labels[:30]))  # val is only evaluated, never trained on
    assert 0.0 <= again.fit_report["val"]["ACC"] <= 1.0
    for (name, a), (_, b) in zip(small.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name
    assert torch.equal(small.generate(8, seed=1).features, again.generate(8, seed=1).features)
    assert not torch.equal(small.generate(8, seed=1).features, small.generate(8, seed=2).features)


def test_generate_and_predict_before_fit_raise(make_config):
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(make_config())
    with pytest.raises(NotFittedError):
        model.generate(3)
    with pytest.raises(NotFittedError):
        model.predict(torch.zeros(2, 62, 5))


def test_bad_training_data_raises_typed_errors(make_config):
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(make_config())
    y = torch.tensor([0, 1, 2, 0])
    with pytest.raises(ShapeError):
        model.fit(EEGBatch(features=torch.zeros(4, 32, 5), labels=y))
    with pytest.raises(LabelError):
        model.fit(EEGBatch(features=torch.zeros(4, 62, 5), labels=torch.tensor([0, 1, 3, 0])))
    with pytest.raises(LabelError):
        model.fit(EEGBatch(features=torch.zeros(4, 62, 5)))
    bad = torch.zeros(4, 62, 5)
    bad[1, 2, 3] = float("nan")
    with pytest.raises(NonFiniteError):
        model.fit((bad, y))
    with pytest.raises(ModalityError):
        model.fit(PhysioBatch(features=torch.zeros(4, 62, 5), labels=y, modality="ecg"))
    with pytest.raises(ShapeError):
        model.fit(EEGBatch(features=torch.zeros(4, 310), labels=y))
    with pytest.raises(DTypeError):
        model.fit("seed.npz")


def test_bad_generate_and_predict_arguments_raise(small):
    with pytest.raises(LabelError):
        small.generate(3, condition=3)
    with pytest.raises(LabelError):
        small.generate(condition=[0, 5])
    with pytest.raises(DTypeError):
        small.generate(3, condition=1.0)
    with pytest.raises(ShapeError):
        small.generate(3, condition=[0, 1])
    with pytest.raises(emozoo.EmozooError):
        small.generate(3, condition=0, label=1)
    with pytest.raises(ShapeError):
        small.predict(torch.zeros(2, 62, 4))
    with pytest.raises(NonFiniteError):
        small.predict(torch.full((2, 62, 5), float("inf")))


@pytest.mark.parametrize("field, value", [("n_critic", 0), ("selection_criteria", ("fid",)), ("confidence_threshold", 1.5),
                                          ("label_names", ("a", "b")), ("classifier", "cnn")])
def test_bad_config_raises(make_config, field, value):
    from emozoo_cwgan.model import CWGAN

    with pytest.raises(ConfigError):
        CWGAN(make_config(**{field: value}))
